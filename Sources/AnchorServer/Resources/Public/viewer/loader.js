// Fetches the viewer's slices with priorities: what is on screen first, then the rest of the case.
// A few requests at a time, so a slow line is never clogged by prefetching while the reviewer scrolls.

export const KINDS = ['ct', 'dose', 'contours'];

export class SliceStore {
  constructor(base, version, { concurrency = 4, onLoad = () => {} } = {}) {
    this.base = base;
    this.version = version;
    this.concurrency = concurrency;
    this.onLoad = onLoad;
    this.cache = new Map();   // key -> decoded slice
    this.pending = new Map(); // key -> { priority, resolvers }
    this.running = 0;
    this.bytes = 0;
    this.failed = 0;
  }

  key(kind, view, index) { return kind + '/' + view + '/' + index; }

  has(kind, view, index) { return this.cache.has(this.key(kind, view, index)); }

  peek(kind, view, index) { return this.cache.get(this.key(kind, view, index)); }

  // Resolves with the decoded slice. A lower priority number goes first; asking again for a
  // queued slice raises its priority.
  get(kind, view, index, priority = 0) {
    const k = this.key(kind, view, index);
    if (this.cache.has(k)) return Promise.resolve(this.cache.get(k));
    let entry = this.pending.get(k);
    if (!entry) {
      entry = { kind, view, index, priority, waiters: [], started: false };
      this.pending.set(k, entry);
    }
    entry.priority = Math.min(entry.priority, priority);
    const p = new Promise((resolve, reject) => entry.waiters.push({ resolve, reject }));
    this.pump();
    return p;
  }

  // Queues without waiting (errors are counted, not thrown).
  prefetch(kind, view, index, priority) { this.get(kind, view, index, priority).catch(() => {}); }

  // Lowers every queued request that is not yet running to at least `priority` (used when the
  // reviewer moves, so the new position's slices overtake the old prefetch).
  demote(priority) {
    for (const e of this.pending.values()) if (!e.started && e.priority < priority) e.priority = priority;
  }

  get queued() { let n = 0; for (const e of this.pending.values()) if (!e.started) n++; return n; }

  pump() {
    while (this.running < this.concurrency) {
      let best = null;
      for (const e of this.pending.values()) if (!e.started && (!best || e.priority < best.priority)) best = e;
      if (!best) return;
      best.started = true;
      this.running++;
      this.fetchOne(best).finally(() => { this.running--; this.pump(); });
    }
  }

  async fetchOne(e) {
    const k = this.key(e.kind, e.view, e.index);
    try {
      const res = await fetch(`${this.base}/${e.kind}/${e.view}/${e.index}?version=${this.version}`, { credentials: 'same-origin' });
      if (!res.ok) throw new Error(`${e.kind} ${e.view} ${e.index}: HTTP ${res.status}`);
      let value;
      if (e.kind === 'contours') {
        const text = await res.text();
        this.bytes += text.length;
        value = JSON.parse(text);
      } else {
        const buf = await res.arrayBuffer();
        this.bytes += buf.byteLength;
        // Little endian on the wire; every browser platform is little endian, checked once below.
        value = e.kind === 'ct' ? new Int16Array(buf) : new Uint16Array(buf);
      }
      this.cache.set(k, value);
      this.pending.delete(k);
      for (const w of e.waiters) w.resolve(value);
      this.onLoad(e.kind, e.view, e.index);
    } catch (err) {
      this.failed++;
      this.pending.delete(k);
      for (const w of e.waiters) w.reject(err);
    }
  }
}

export const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
