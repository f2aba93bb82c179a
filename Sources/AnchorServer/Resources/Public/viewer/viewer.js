// The case page's image viewer: CT, contours, dose and the DVH together. Plain ES modules, no build.
// Keys: up/down (or page up/down) slices, 1/2/3 axial/sagittal/coronal, W window presets, D dose.

import { SliceStore, KINDS, littleEndian } from './loader.js';
import { View, apply } from './view.js';
import { washTable, parseLevels, renderLegend } from './dose.js';

// Window (width, level) in HU.
export const PRESETS = [
  { name: 'Soft tissue', width: 400, level: 40 },
  { name: 'Lung', width: 1500, level: -600 },
  { name: 'Bone', width: 1800, level: 400 },
  { name: 'Brain', width: 80, level: 40 },
];
const VIEWS = ['axial', 'sagittal', 'coronal'];
const GRADE_WORDS = { per_protocol: 'per protocol', acceptable_variation: 'acceptable', unacceptable_variation: 'unacceptable', not_evaluable: 'not evaluable' };

class Viewer {
  constructor(root, manifest) {
    window.anchorViewer = this;
    this.root = root;
    this.manifest = manifest;
    // Milliseconds since the page started loading (performance.now()), what the reviewer waited for.
    this.timings = { manifest: null, firstImage: null, allAxial: null, everything: null };
    const base = `/api/v1/cases/${manifest.case_id}/viewer`;
    // One request at a time until the first image is on screen (on a slow line parallel requests would
    // share the bandwidth and delay it), then a few in parallel.
    this.store = new SliceStore(base, manifest.version, { concurrency: 1, onLoad: (k, v, i) => this.loaded(k, v, i) });
    const rx = manifest.prescription_gy;
    const iso = manifest.isodose;
    const levelsText = iso.levels_percent.length ? iso.levels_percent.join(' ') + ' %' : iso.levels_gy.join(' ') + ' Gy';
    this.state = {
      preset: 0, width: PRESETS[0].width, level: PRESETS[0].level,
      doseOn: !!manifest.dose, washOn: true, linesOn: true, smooth: true,
      levelsText, levels: parseLevels(levelsText, rx),
      visible: new Set(manifest.structures.filter((s) => s.has_contours && (s.type || '').toUpperCase() !== 'EXTERNAL').map((s) => s.number)),
      selected: null, main: 'axial', mode: 'cursor', cursor: null,
    };
    // Show the External too when it is the only structure.
    if (!this.state.visible.size) for (const s of manifest.structures) if (s.has_contours) this.state.visible.add(s.number);
    this.levelsKey = 0;
    this.buildDOM();
    this.views = {};
    for (const name of VIEWS) this.views[name] = new View(name, manifest.views[name], this.canvases[name], this);
    const a = this.views.axial;
    this.state.cursor = apply(a.g.pixel_to_patient, [(a.g.width - 1) / 2, (a.g.height - 1) / 2, a.index]);
    for (const name of VIEWS) this.views[name].index = this.sliceFor(name);
    this.updateLut();
    this.updateWash();
    this.renderStructures();
    this.renderLegend();
    this.bind();
    this.requestVisible();
    this.prefetchAll();
    this.redraw();
  }

  structure(n) { return this.byNumber.get(n); }

  // ---- DOM -------------------------------------------------------------------------------------
  buildDOM() {
    const m = this.manifest, el = (tag, cls, html) => { const e = document.createElement(tag); if (cls) e.className = cls; if (html != null) e.innerHTML = html; return e; };
    this.byNumber = new Map(m.structures.map((s) => [s.number, s]));
    const bar = el('div', 'vw-toolbar');
    bar.innerHTML =
      `<label>Window <select data-act="preset">${PRESETS.map((p, i) => `<option value="${i}">${p.name} (${p.width}/${p.level})</option>`).join('')}<option value="-1" hidden>Custom</option></select></label>` +
      `<span class="vw-modes" role="group" aria-label="Left-drag">${['cursor', 'window', 'pan', 'zoom'].map((x) => `<button type="button" data-mode="${x}">${x[0].toUpperCase() + x.slice(1)}</button>`).join('')}</span>` +
      (m.dose ? `<label><input type="checkbox" data-act="dose" checked> Dose <kbd>D</kbd></label>` +
        `<label><input type="checkbox" data-act="wash" checked> Wash</label>` +
        `<label><input type="checkbox" data-act="lines" checked> Isodoses</label>` +
        `<label>Levels <input data-act="levels" size="18" value="${this.state.levelsText}" title="e.g. 107 100 95 50 % or 54 45 30 Gy"></label>` : '<span class="vw-note">No dose in this case.</span>') +
      `<button type="button" data-act="reset" title="Fit every view">Reset</button>`;
    const views = el('div', 'vw-views');
    this.canvases = {};
    this.panes = {};
    for (const name of VIEWS) {
      const pane = el('div', 'vw-pane');
      pane.dataset.view = name;
      const c = el('canvas');
      c.tabIndex = 0;
      c.setAttribute('aria-label', `${name} view`);
      pane.append(c);
      views.append(pane);
      this.canvases[name] = c;
      this.panes[name] = pane;
    }
    const side = el('aside', 'vw-side');
    if (m.dose) { side.append(el('h3', null, 'Dose')); this.legend = el('div', 'vw-legend'); side.append(this.legend); }
    side.append(el('h3', null, 'Structures'));
    const tools = el('div', 'vw-all', '<button type="button" data-act="all">All</button> <button type="button" data-act="none">None</button>');
    side.append(tools);
    this.list = el('table', 'vw-structures');
    side.append(this.list);
    this.status = el('div', 'vw-status', '&nbsp;');
    const main = el('div', 'vw-main');
    main.append(views, side);
    this.root.innerHTML = '';
    this.root.append(bar, main, this.status);
    if (m.notes.length) this.root.append(el('p', 'vw-note', m.notes.map((n) => n.replace(/[<&]/g, '')).join('; ')));
    this.toolbar = bar;
    this.setMain('axial');
    this.setMode('cursor');
  }

  renderStructures() {
    const s = this.state;
    this.list.innerHTML = '<thead><tr><th></th><th>Name</th><th>cc</th><th>Worst grade</th></tr></thead>';
    const body = document.createElement('tbody');
    for (const st of this.manifest.structures) {
      const tr = document.createElement('tr');
      tr.dataset.number = st.number;
      if (s.selected === st.number) tr.className = 'selected';
      const [r, g, b] = st.color;
      const grade = st.worst_grade ? `<span class="grade ${st.worst_grade}">${GRADE_WORDS[st.worst_grade] || st.worst_grade}</span>` : '';
      tr.innerHTML = `<td><input type="checkbox" ${s.visible.has(st.number) ? 'checked' : ''} ${st.has_contours ? '' : 'disabled'} aria-label="show"></td>` +
        `<td><span class="vw-swatch"></span><a href="#" data-act="select"></a></td>` +
        `<td class="num">${st.volume_cc != null ? st.volume_cc.toFixed(st.volume_cc < 10 ? 2 : 1) : ''}</td><td>${grade}</td>`;
      tr.querySelector('a').textContent = st.name;
      // Colours through the CSSOM: the page's Content-Security-Policy refuses style attributes.
      tr.querySelector('.vw-swatch').style.background = `rgb(${r},${g},${b})`;
      if (st.note) tr.title = st.note;
      body.append(tr);
    }
    this.list.append(body);
    this.highlightDVH();
  }

  renderLegend() {
    if (!this.legend) return;
    const d = this.manifest.dose;
    renderLegend(this.legend, { minGy: this.washMin, maxGy: d.max_gy, prescriptionGy: this.manifest.prescription_gy,
      levels: this.state.levels, washOn: this.state.doseOn && this.state.washOn, linesOn: this.state.doseOn && this.state.linesOn });
  }

  // The DVH figure of the page: curves of the shown structures stand out, the selected one most.
  highlightDVH() {
    const svg = document.querySelector('figure.dvh svg');
    if (!svg) return;
    const names = new Map(this.manifest.structures.map((s) => [s.name, s.number]));
    for (const line of svg.querySelectorAll('polyline')) {
      const title = line.querySelector('title');
      const n = title && names.get(title.textContent);
      if (n == null) continue;
      if (!line.dataset.width) line.dataset.width = line.getAttribute('stroke-width') || '1.6';
      const shown = this.state.visible.has(n), sel = this.state.selected === n;
      line.setAttribute('stroke-width', sel ? '3.2' : shown ? '2.2' : line.dataset.width);
      line.setAttribute('stroke-opacity', shown || sel ? '1' : '0.22');
      line.classList.toggle('vw-selected', sel);
    }
  }

  // ---- state changes ---------------------------------------------------------------------------
  setMain(name) {
    this.state.main = name;
    for (const v of VIEWS) this.panes[v].classList.toggle('main', v === name);
    this.redraw();
    this.canvases[name].focus({ preventScroll: true });
  }

  setMode(mode) {
    this.state.mode = mode;
    for (const b of this.toolbar.querySelectorAll('[data-mode]')) b.classList.toggle('on', b.dataset.mode === mode);
  }

  setWindow(width, level, preset = -1) {
    Object.assign(this.state, { width: Math.max(1, width), level, preset });
    this.toolbar.querySelector('[data-act=preset]').value = String(preset);
    this.updateLut();
    this.redraw();
  }

  updateLut() {
    const { width, level } = this.state;
    const lo = level - width / 2;
    const lut = new Uint32Array(65536);
    for (let i = 0; i < 65536; i++) {
      const g = Math.round(Math.min(Math.max((i - 32768 - lo) / width, 0), 1) * 255);
      lut[i] = 0xff000000 | (g << 16) | (g << 8) | g;
    }
    this.lut = lut;
    this.lutKey = width + '/' + level;
  }

  updateWash() {
    const d = this.manifest.dose;
    if (!d) return;
    const rx = this.manifest.prescription_gy;
    this.washMin = (this.manifest.isodose.wash_min_percent / 100) * (rx || d.max_gy);
    this.washLut = washTable(d.scale_gy, d.outside_code, this.washMin, Math.max(d.max_gy, this.washMin + 1e-6), 0.42);
    this.washKey = 'w' + this.washMin;
  }

  setCursor(p, from) {
    this.state.cursor = p;
    for (const name of VIEWS) if (name !== from) this.views[name].index = this.sliceFor(name);
    this.store.demote(5);
    this.requestVisible();
    this.redraw();
  }

  sliceFor(name) {
    const v = this.views[name];
    return Math.min(Math.max(Math.round(v.pixelOf(this.state.cursor)[2]), 0), v.g.count - 1);
  }

  scroll(name, delta) {
    const v = this.views[name];
    const next = Math.min(Math.max(v.index + delta, 0), v.g.count - 1);
    if (next === v.index) return;
    const [c, r] = v.pixelOf(this.state.cursor);
    v.index = next;
    this.setCursor(apply(v.g.pixel_to_patient, [c, r, next]), name);
  }

  select(n) {
    const st = this.structure(n);
    if (!st) return;
    this.state.selected = n;
    if (st.has_contours) this.state.visible.add(n);
    this.renderStructures();
    if (st.centre_mm) this.setCursor(st.centre_mm.slice());
    else this.redraw();
    for (const tr of document.querySelectorAll('tr[data-structure]')) tr.classList.toggle('vw-selected', tr.dataset.structure === st.name);
  }

  // ---- loading ---------------------------------------------------------------------------------
  requestVisible() {
    const kinds = KINDS.filter((k) => k !== 'dose' || this.manifest.dose);
    // The main view's slice first, then the other two, then the neighbours of each.
    const order = [this.state.main, ...VIEWS.filter((v) => v !== this.state.main)];
    // The main view's CT first, then its contours and dose, then the other two views.
    const rank = { ct: 0, contours: 0.5, dose: 1 };
    order.forEach((name, n) => {
      for (const k of kinds) this.store.prefetch(k, name, this.views[name].index, rank[k] + (n === 0 ? 0 : 1.5));
    });
    for (const name of order) {
      const v = this.views[name];
      for (let d = 1; d <= 3; d++) for (const i of [v.index + d, v.index - d]) if (i >= 0 && i < v.g.count) for (const k of kinds) this.store.prefetch(k, name, i, 2 + d);
    }
  }

  // The whole case after what is on screen: every axial slice outward from the current one, then the
  // sagittal and coronal slices.
  prefetchAll() {
    const kinds = KINDS.filter((k) => k !== 'dose' || this.manifest.dose);
    for (const name of ['axial', 'sagittal', 'coronal']) {
      const v = this.views[name], base = name === 'axial' ? 10 : 20;
      for (let d = 0; d < v.g.count; d++) for (const i of [v.index + d, v.index - d - 1]) if (i >= 0 && i < v.g.count) for (const k of kinds) this.store.prefetch(k, name, i, base + d / 10000);
    }
  }

  loaded(kind, view, index) {
    if (this.views[view].index === index) this.redraw();
    const m = this.manifest, kinds = m.dose ? 3 : 2;
    if (this.timings.allAxial == null && this.store.cache.size >= m.views.axial.count * kinds && this.complete(['axial'])) {
      this.timings.allAxial = performance.now();
    }
    if (this.timings.everything == null && this.store.queued === 0 && this.store.running <= 1 && this.complete(VIEWS)) {
      this.timings.everything = performance.now();
    }
  }

  complete(names) {
    const kinds = KINDS.filter((k) => k !== 'dose' || this.manifest.dose);
    return names.every((n) => { const c = this.manifest.views[n].count; for (let i = 0; i < c; i++) for (const k of kinds) if (!this.store.has(k, n, i)) return false; return true; });
  }

  noteDrawn() {
    if (this.timings.firstImage != null) return;
    this.timings.firstImage = performance.now();
    this.store.concurrency = 4;
    this.store.pump();
  }

  redraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = null; for (const n of VIEWS) this.views[n].draw(); });
  }

  // ---- status ----------------------------------------------------------------------------------
  probe(name, x, y) {
    const v = this.views[name];
    const [c, r] = v.toPixel(x, y);
    const ci = Math.round(c), ri = Math.round(r);
    const p = apply(v.g.pixel_to_patient, [c, r, v.index]);
    let text = `${name} · (${p.map((q) => q.toFixed(1)).join(', ')}) mm`;
    if (ci >= 0 && ri >= 0 && ci < v.g.width && ri < v.g.height) {
      const ct = this.store.peek('ct', name, v.index);
      if (ct) text += ` · ${ct[ri * v.g.width + ci]} HU`;
      const d = this.manifest.dose;
      const dose = d && this.store.peek('dose', name, v.index);
      if (dose) {
        const code = dose[ri * v.g.width + ci];
        if (code === d.outside_code) text += ' · outside the dose grid';
        else {
          const gy = code * d.scale_gy, rx = this.manifest.prescription_gy;
          text += ` · ${gy.toFixed(2)} Gy` + (rx ? ` (${(100 * gy / rx).toFixed(1)}%)` : '');
        }
      }
    }
    this.status.textContent = text;
    this.lastProbe = text;
  }

  // ---- input -----------------------------------------------------------------------------------
  bind() {
    const s = this.state;
    this.toolbar.addEventListener('change', (e) => {
      const act = e.target.dataset.act;
      if (act === 'preset' && e.target.value !== '-1') { const p = PRESETS[+e.target.value]; this.setWindow(p.width, p.level, +e.target.value); }
      if (act === 'dose') { s.doseOn = e.target.checked; this.renderLegend(); this.redraw(); }
      if (act === 'wash') { s.washOn = e.target.checked; this.renderLegend(); this.redraw(); }
      if (act === 'lines') { s.linesOn = e.target.checked; this.renderLegend(); this.redraw(); }
      if (act === 'levels') {
        try {
          s.levels = parseLevels(e.target.value, this.manifest.prescription_gy);
          s.levelsText = e.target.value;
          e.target.setCustomValidity('');
          this.levelsKey++;
          this.renderLegend();
          this.redraw();
        } catch (err) { e.target.setCustomValidity(err.message); e.target.reportValidity(); }
      }
    });
    this.toolbar.addEventListener('click', (e) => {
      const b = e.target.closest('button');
      if (!b) return;
      if (b.dataset.mode) this.setMode(b.dataset.mode);
      if (b.dataset.act === 'reset') { for (const n of VIEWS) Object.assign(this.views[n], { zoom: 1, panX: 0, panY: 0 }); this.redraw(); }
    });
    this.root.querySelector('.vw-all').addEventListener('click', (e) => {
      const act = e.target.dataset.act;
      if (act === 'all') for (const st of this.manifest.structures) if (st.has_contours) s.visible.add(st.number);
      if (act === 'none') s.visible.clear();
      if (act) { this.renderStructures(); this.redraw(); }
    });
    this.list.addEventListener('change', (e) => {
      const tr = e.target.closest('tr');
      if (!tr) return;
      const n = +tr.dataset.number;
      if (e.target.checked) s.visible.add(n); else s.visible.delete(n);
      this.highlightDVH();
      this.redraw();
    });
    this.list.addEventListener('click', (e) => {
      if (e.target.dataset.act !== 'select') return;
      e.preventDefault();
      this.select(+e.target.closest('tr').dataset.number);
    });
    // The page's constraint table: a row names its structure; selecting it jumps there.
    const names = new Map(this.manifest.structures.map((st) => [st.name, st.number]));
    for (const tr of document.querySelectorAll('tr[data-structure]')) {
      const n = names.get(tr.dataset.structure);
      if (n == null) continue;
      tr.classList.add('vw-link');
      tr.tabIndex = 0;
      tr.title = 'Show in the viewer';
      const go = () => { this.select(n); this.root.scrollIntoView({ behavior: 'smooth', block: 'start' }); };
      tr.addEventListener('click', go);
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
    }
    for (const name of VIEWS) this.bindView(name);
    // Keys act when the viewer has the focus or the pointer, so the arrows still scroll the page elsewhere.
    this.root.addEventListener('pointerenter', () => { this.hover = true; });
    this.root.addEventListener('pointerleave', () => { this.hover = false; });
    document.addEventListener('keydown', (e) => { if (this.hover || this.root.contains(document.activeElement)) this.key(e); });
    window.addEventListener('resize', () => this.redraw());
  }

  bindView(name) {
    const v = this.views[name], c = this.canvases[name];
    let drag = null;
    const local = (e) => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    c.addEventListener('contextmenu', (e) => e.preventDefault());
    c.addEventListener('pointerdown', (e) => {
      const [x, y] = local(e);
      const mode = e.button === 2 ? 'window' : e.button === 1 || e.shiftKey ? 'pan' : e.ctrlKey ? 'zoom' : this.state.mode;
      drag = { mode, x, y, w: this.state.width, l: this.state.level, px: v.panX, py: v.panY, zoom: v.zoom };
      c.setPointerCapture(e.pointerId);
      if (this.state.main !== name && e.detail < 2 && mode === 'cursor') this.state.active = name;
      if (mode === 'cursor') this.setCursor(v.patientAt(x, y), name);
      e.preventDefault();
    });
    c.addEventListener('pointermove', (e) => {
      const [x, y] = local(e);
      this.probe(name, x, y);
      if (!drag) return;
      const dx = x - drag.x, dy = y - drag.y;
      if (drag.mode === 'cursor') this.setCursor(v.patientAt(x, y), name);
      else if (drag.mode === 'window') this.setWindow(Math.round(drag.w + dx * 2), Math.round(drag.l + dy));
      else if (drag.mode === 'pan') { v.panX = drag.px + dx; v.panY = drag.py + dy; this.redraw(); }
      else if (drag.mode === 'zoom') { v.zoom = Math.min(Math.max(drag.zoom * Math.exp(-dy / 150), 0.5), 20); this.redraw(); }
    });
    const end = () => { drag = null; };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('dblclick', () => this.setMain(name));
    c.addEventListener('focus', () => { this.state.active = name; });
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      if (e.ctrlKey || e.metaKey) {
        // Zoom about the pointer.
        const [x, y] = local(e);
        const [pc, pr] = v.toPixel(x, y);
        v.zoom = Math.min(Math.max(v.zoom * Math.exp(-e.deltaY / 400), 0.5), 20);
        const [nx, ny] = v.toCanvas(pc, pr);
        v.panX += x - nx; v.panY += y - ny;
        this.redraw();
      } else {
        this.scroll(name, e.deltaY > 0 ? -1 : 1);
      }
    }, { passive: false });
  }

  key(e) {
    if (e.target.matches('input, select, textarea')) return;
    const name = this.state.active || this.state.main;
    switch (e.key) {
      case 'ArrowUp': this.scroll(name, 1); break;
      case 'ArrowDown': this.scroll(name, -1); break;
      case 'PageUp': this.scroll(name, 10); break;
      case 'PageDown': this.scroll(name, -10); break;
      case '1': case '2': case '3': this.state.active = VIEWS[+e.key - 1]; this.setMain(VIEWS[+e.key - 1]); break;
      case 'w': case 'W': { const p = (this.state.preset + 1 + PRESETS.length) % PRESETS.length; this.setWindow(PRESETS[p].width, PRESETS[p].level, p); break; }
      case 'd': case 'D': {
        if (!this.manifest.dose) return;
        this.state.doseOn = !this.state.doseOn;
        const box = this.toolbar.querySelector('[data-act=dose]');
        if (box) box.checked = this.state.doseOn;
        this.renderLegend();
        this.redraw();
        break;
      }
      default: return;
    }
    e.preventDefault();
  }
}

async function start() {
  const root = document.getElementById('viewer');
  if (!root) return;
  if (!littleEndian) { root.textContent = 'This browser stores numbers big endian; the viewer cannot decode its slices.'; return; }
  const url = `/api/v1/cases/${root.dataset.case}/viewer/manifest` + (root.dataset.version ? `?version=${root.dataset.version}` : '');
  const t0 = performance.now();
  try {
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) {
      let reason = `HTTP ${res.status}`;
      try { reason = (await res.json()).reason || reason; } catch (_) { /* not JSON */ }
      throw new Error(reason);
    }
    const manifest = await res.json();
    const viewer = new Viewer(root, manifest);
    viewer.timings.manifest = performance.now();
    window.anchorViewer = viewer;
  } catch (err) {
    root.classList.add('vw-failed');
    root.textContent = `The images cannot be shown: ${err.message}`;
    window.anchorViewer = { error: err.message };
  }
}

start();
