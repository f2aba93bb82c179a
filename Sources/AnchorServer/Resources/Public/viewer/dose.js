// Dose display: the colour wash, isodose lines (marching squares on the dose slice, which the
// server already sampled on the CT pixel grid) and the legend.

// Isodose colours, hottest first (a common planning-system order).
export const LEVEL_COLOURS = ['#ff00ff', '#ff0000', '#ff8c00', '#ffff00', '#00c8ff', '#3c64ff', '#9b59ff', '#ffffff'];

// Wash colour at t in [0, 1]: blue, cyan, green, yellow, red (a "jet"-like ramp that most reviewers
// know from their planning system).
export function washColour(t) {
  const stops = [[0, 0, 255], [0, 255, 255], [0, 255, 0], [255, 255, 0], [255, 0, 0]];
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2), f = x - i;
  return stops[i].map((v, n) => Math.round(v + (stops[i + 1][n] - v) * f));
}

// RGBA lookup per stored dose code: transparent below `minGy`, opaque-ish ramp to `maxGy`.
export function washTable(scale, outside, minGy, maxGy, alpha) {
  const lut = new Uint32Array(65536);
  const a = Math.round(alpha * 255);
  for (let code = 0; code < 65536; code++) {
    const d = code * scale;
    if (code === outside || d < minGy) continue;
    const [r, g, b] = washColour((d - minGy) / Math.max(maxGy - minGy, 1e-9));
    lut[code] = (a << 24) | (b << 16) | (g << 8) | r; // ImageData is RGBA in memory = ABGR as little-endian u32
  }
  return lut;
}

// Segments of the isoline `level` (in stored codes) of a w x h grid, in pixel coordinates, as a flat
// array [x0, y0, x1, y1, ...]. Outside-grid pixels count as zero dose.
export function isoline(codes, w, h, level, outside) {
  const out = [];
  const v = (i) => { const c = codes[i]; return c === outside ? 0 : c; };
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      const i = y * w + x;
      const a = v(i), b = v(i + 1), c = v(i + w + 1), d = v(i + w);
      const m = (a >= level ? 1 : 0) | (b >= level ? 2 : 0) | (c >= level ? 4 : 0) | (d >= level ? 8 : 0);
      if (m === 0 || m === 15) continue;
      // Crossing points on the cell's edges: top (a-b), right (b-c), bottom (d-c), left (a-d).
      const t = (p, q) => (level - p) / (q - p);
      const top = () => [x + t(a, b), y], right = () => [x + 1, y + t(b, c)];
      const bottom = () => [x + t(d, c), y + 1], left = () => [x, y + t(a, d)];
      const seg = (p, q) => out.push(p[0], p[1], q[0], q[1]);
      switch (m) {
        case 1: case 14: seg(left(), top()); break;
        case 2: case 13: seg(top(), right()); break;
        case 3: case 12: seg(left(), right()); break;
        case 4: case 11: seg(right(), bottom()); break;
        case 6: case 9: seg(top(), bottom()); break;
        case 7: case 8: seg(left(), bottom()); break;
        case 5: { const avg = (a + b + c + d) / 4; if (avg >= level) { seg(left(), bottom()); seg(top(), right()); } else { seg(left(), top()); seg(right(), bottom()); } break; }
        case 10: { const avg = (a + b + c + d) / 4; if (avg >= level) { seg(left(), top()); seg(right(), bottom()); } else { seg(left(), bottom()); seg(top(), right()); } break; }
      }
    }
  }
  return out;
}

// Parses "107 100 95 %" or "50, 45 Gy" (unit at the end; % needs a prescription). Returns levels in Gy
// with their labels, hottest first, or throws with a message for the reviewer.
export function parseLevels(text, prescriptionGy) {
  const t = text.trim().toLowerCase();
  const percent = t.endsWith('%') || (!t.endsWith('gy') && prescriptionGy);
  const nums = t.replace(/gy$|%$/, '').split(/[\s,;]+/).filter(Boolean).map(Number);
  if (!nums.length || nums.some((n) => !isFinite(n) || n <= 0)) throw new Error('Give positive numbers, then % or Gy.');
  if (percent && !prescriptionGy) throw new Error('No prescription: give the levels in Gy.');
  return nums.sort((a, b) => b - a).slice(0, LEVEL_COLOURS.length).map((n, i) => ({
    gy: percent ? n * prescriptionGy / 100 : n,
    label: percent ? `${n}% (${(n * prescriptionGy / 100).toFixed(1)} Gy)` : `${n} Gy` + (prescriptionGy ? ` (${(100 * n / prescriptionGy).toFixed(0)}%)` : ''),
    colour: LEVEL_COLOURS[i],
  }));
}

// The legend: the wash ramp with its dose range, then each isodose level.
export function renderLegend(el, { minGy, maxGy, prescriptionGy, levels, washOn, linesOn }) {
  const rx = (g) => prescriptionGy ? ` · ${(100 * g / prescriptionGy).toFixed(0)}%` : '';
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => `rgb(${washColour(t).join(',')}) ${t * 100}%`).join(',');
  el.innerHTML = '';
  const h = document.createElement('div');
  h.className = 'vw-legend-wash' + (washOn ? '' : ' off');
  h.innerHTML = '<span class="vw-ramp"></span>' +
    `<span class="vw-ramp-labels"><span>${minGy.toFixed(1)} Gy${rx(minGy)}</span><span>${maxGy.toFixed(1)} Gy${rx(maxGy)}</span></span>`;
  // Colours through the CSSOM: the page's Content-Security-Policy refuses style attributes.
  h.querySelector('.vw-ramp').style.background = `linear-gradient(to right,${stops})`;
  el.append(h);
  const ul = document.createElement('ul');
  ul.className = 'vw-legend-levels' + (linesOn ? '' : ' off');
  for (const l of levels) {
    const li = document.createElement('li');
    li.innerHTML = '<span class="vw-swatch"></span>';
    li.firstChild.style.background = l.colour;
    li.append(l.label);
    ul.append(li);
  }
  el.append(ul);
}
