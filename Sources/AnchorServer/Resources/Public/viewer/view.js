// One view (axial, sagittal or coronal) on a canvas: CT, dose wash, isodose lines, contours and the
// linked cursor. Patient geometry comes from the manifest's matrices; this file only places view
// pixels on the canvas (fit, zoom, pan).

import { isoline } from './dose.js';

export function apply(m, v) {
  return [0, 1, 2].map((r) => m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2] + m[r][3]);
}

export class View {
  constructor(name, geometry, canvas, viewer) {
    this.name = name;
    this.g = geometry;
    this.canvas = canvas;
    this.viewer = viewer;
    this.ctx = canvas.getContext('2d');
    this.zoom = 1;
    this.panX = 0;
    this.panY = 0;
    this.index = geometry.start_index;
    this.image = document.createElement('canvas');
    this.image.width = geometry.width;
    this.image.height = geometry.height;
    this.wash = document.createElement('canvas');
    this.wash.width = geometry.width;
    this.wash.height = geometry.height;
    this.imageKey = null;
    this.washKey = null;
  }

  // Canvas placement of view pixel centres: x = ox + c·sx, y = oy + r·sy (CSS pixels).
  layout() {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    const [mmC, mmR] = this.g.spacing_mm;
    const fit = Math.min(w / (this.g.width * mmC), h / (this.g.height * mmR));
    const sx = fit * mmC * this.zoom, sy = fit * mmR * this.zoom;
    const ox = w / 2 - ((this.g.width - 1) / 2) * sx + this.panX;
    const oy = h / 2 - ((this.g.height - 1) / 2) * sy + this.panY;
    return { ox, oy, sx, sy, w, h };
  }

  toCanvas(c, r) { const L = this.layout(); return [L.ox + c * L.sx, L.oy + r * L.sy]; }
  toPixel(x, y) { const L = this.layout(); return [(x - L.ox) / L.sx, (y - L.oy) / L.sy]; }

  patientAt(x, y) { const [c, r] = this.toPixel(x, y); return apply(this.g.pixel_to_patient, [c, r, this.index]); }
  pixelOf(p) { return apply(this.g.patient_to_pixel, p); }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * dpr)), h = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) { this.canvas.width = w; this.canvas.height = h; }
  }

  // Paints the CT slice through the window's lookup table into the off-screen image.
  paintImage(ct, lut) {
    const img = new ImageData(this.g.width, this.g.height);
    const px = new Uint32Array(img.data.buffer);
    for (let i = 0; i < ct.length; i++) px[i] = lut[ct[i] + 32768];
    this.image.getContext('2d').putImageData(img, 0, 0);
  }

  paintWash(dose, lut) {
    const img = new ImageData(this.g.width, this.g.height);
    const px = new Uint32Array(img.data.buffer);
    for (let i = 0; i < dose.length; i++) px[i] = lut[dose[i]];
    this.wash.getContext('2d').putImageData(img, 0, 0);
  }

  draw() {
    const v = this.viewer, s = v.state, store = v.store;
    this.resize();
    const dpr = this.canvas.width / Math.max(1, this.canvas.clientWidth);
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.canvas.clientWidth, this.canvas.clientHeight);
    const L = this.layout();
    const ct = store.peek('ct', this.name, this.index);
    const x0 = L.ox - L.sx / 2, y0 = L.oy - L.sy / 2, dw = this.g.width * L.sx, dh = this.g.height * L.sy;
    ctx.imageSmoothingEnabled = s.smooth;
    if (ct) {
      const key = this.index + '|' + v.lutKey;
      if (this.imageKey !== key) { this.paintImage(ct, v.lut); this.imageKey = key; }
      ctx.drawImage(this.image, x0, y0, dw, dh);
      v.noteDrawn(this.name, this.index);
    } else {
      ctx.fillStyle = '#8a9aaa';
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillText('loading…', 10, 20);
    }
    const dose = v.manifest.dose && store.peek('dose', this.name, this.index);
    if (dose && s.doseOn) {
      if (s.washOn) {
        const key = this.index + '|' + v.washKey;
        if (this.washKey !== key) { this.paintWash(dose, v.washLut); this.washKey = key; }
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(this.wash, x0, y0, dw, dh);
      }
      if (s.linesOn) this.drawIsodoses(dose, L);
    }
    const contours = store.peek('contours', this.name, this.index);
    if (contours) this.drawContours(contours, L);
    this.drawCursor(L);
    this.drawLabels(L);
  }

  drawIsodoses(dose, L) {
    const ctx = this.ctx, v = this.viewer, scale = v.manifest.dose.scale_gy, outside = v.manifest.dose.outside_code;
    const key = this.index;
    if (this.isoKey !== key + '|' + v.levelsKey) {
      this.iso = v.state.levels.map((l) => ({ colour: l.colour, segs: isoline(dose, this.g.width, this.g.height, l.gy / scale, outside) }));
      this.isoKey = key + '|' + v.levelsKey;
    }
    ctx.lineWidth = 1.25;
    for (const l of this.iso) {
      ctx.strokeStyle = l.colour;
      ctx.beginPath();
      const s = l.segs;
      for (let i = 0; i < s.length; i += 4) {
        ctx.moveTo(L.ox + s[i] * L.sx, L.oy + s[i + 1] * L.sy);
        ctx.lineTo(L.ox + s[i + 2] * L.sx, L.oy + s[i + 3] * L.sy);
      }
      ctx.stroke();
    }
  }

  drawContours(data, L) {
    const ctx = this.ctx, v = this.viewer;
    ctx.lineJoin = 'round';
    for (const st of data.structures) {
      if (!v.state.visible.has(st.number)) continue;
      const info = v.structure(st.number);
      if (!info) continue;
      const [r, g, b] = info.color;
      const selected = v.state.selected === st.number;
      ctx.strokeStyle = `rgb(${r},${g},${b})`;
      ctx.lineWidth = selected ? 2.5 : 1.5;
      ctx.beginPath();
      const path = (pts, close) => {
        ctx.moveTo(L.ox + pts[0] * L.sx, L.oy + pts[1] * L.sy);
        for (let i = 2; i < pts.length; i += 2) ctx.lineTo(L.ox + pts[i] * L.sx, L.oy + pts[i + 1] * L.sy);
        if (close) ctx.closePath();
      };
      for (const ring of st.rings) path(ring, true);
      for (const line of st.lines) path(line, false);
      if (selected && st.rings.length) { ctx.fillStyle = `rgba(${r},${g},${b},0.18)`; ctx.fill('evenodd'); }
      ctx.stroke();
    }
  }

  drawCursor(L) {
    const p = this.viewer.state.cursor;
    if (!p) return;
    const [c, r] = this.pixelOf(p);
    const x = L.ox + c * L.sx, y = L.oy + r * L.sy, ctx = this.ctx;
    ctx.strokeStyle = 'rgba(255, 214, 0, 0.75)';
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(x, 0); ctx.lineTo(x, y - 12); ctx.moveTo(x, y + 12); ctx.lineTo(x, L.h);
    ctx.moveTo(0, y); ctx.lineTo(x - 12, y); ctx.moveTo(x + 12, y); ctx.lineTo(L.w, y);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  drawLabels(L) {
    const ctx = this.ctx, e = this.g.edges;
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = '#ffd600';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left'; ctx.fillText(e.left, 4, L.h / 2);
    ctx.textAlign = 'right'; ctx.fillText(e.right, L.w - 4, L.h / 2);
    ctx.textAlign = 'center'; ctx.textBaseline = 'top'; ctx.fillText(e.top, L.w / 2, 4);
    ctx.textBaseline = 'bottom'; ctx.fillText(e.bottom, L.w / 2, L.h - 4);
    ctx.textAlign = 'left'; ctx.fillStyle = '#cfd8e3';
    const pos = apply(this.g.pixel_to_patient, [0, 0, this.index]);
    const axis = this.g.pixel_to_patient.map((row) => row[2]);
    const along = pos[[0, 1, 2].reduce((a, b) => (Math.abs(axis[b]) > Math.abs(axis[a]) ? b : a), 0)];
    ctx.fillText(`${this.name} ${this.index + 1}/${this.g.count} · ${along.toFixed(1)} mm`, 6, L.h - 4);
  }
}
