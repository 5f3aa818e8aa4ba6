// The time histogram: how many of the filtered instances were created in each
// interval, stacked by status. It is the one view that has to count every
// match, so it pages through them with large pages and no inputs, shows its
// progress, stops when asked and at a bound, and is only built when opened.

import { announce, h, loaded, replace } from './dom.js';
import { listInstances } from './api.js';
import { apiFilter, createdRange, matchesName } from './filters.js';
import { formatTime, parseTime } from './format.js';
import { STATUSES, statusClass } from './status.js';

const SCAN_PAGE = 1000;
const MAX_SCANNED = 100000;
const NICE = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 30 * 86400].map((s) => s * 1000);
const MAX_BARS = 60;
// MIN_BARS keeps a burst of instances from filling the chart with one bar:
// the axis then reaches back before it.
const MIN_BARS = 20;

// bucketSize picks a round interval that splits [min, max] into at most
// MAX_BARS bars.
export function bucketSize(min, max) {
  const span = Math.max(max - min, 1);
  return NICE.find((n) => span / n <= MAX_BARS) || NICE[NICE.length - 1];
}

// buckets counts times (ms, with statuses) into bars of one interval, over
// the filter's range [from, to] (NaN for open ends) stretched to the data.
export function buckets(items, from = NaN, to = NaN) {
  if (!items.length) return { size: 0, bars: [] };
  let min = Number.isFinite(from) ? from : Infinity;
  let max = Number.isFinite(to) ? to : -Infinity;
  for (const it of items) {
    if (it.t < min) min = it.t;
    if (it.t > max) max = it.t;
  }
  const size = bucketSize(min, max);
  let start = Math.floor(min / size) * size;
  let n = Math.floor((max - start) / size) + 1;
  if (n < MIN_BARS) {
    start -= (MIN_BARS - n) * size;
    n = MIN_BARS;
  }
  const bars = Array.from({ length: n }, (_, i) => ({ from: start + i * size, to: start + (i + 1) * size, total: 0, by: {} }));
  for (const it of items) {
    const b = bars[Math.floor((it.t - start) / size)];
    b.total += 1;
    b.by[it.s] = (b.by[it.s] || 0) + 1;
  }
  return { size, bars };
}

// histogramView scans the instances f matches into host; onZoom receives the
// ISO range of a bar a person picks. It returns {stop}.
export function histogramView(host, f, onZoom) {
  const ctl = new AbortController();
  const items = [];
  let requests = 0;
  let done = false;
  const status = h('p', { class: 'summary', role: 'status', id: 'histogram-status' });
  const stopBtn = h('button', { type: 'button', id: 'histogram-stop', onclick: () => ctl.abort() }, 'Stop counting');
  const chart = h('div', { class: 'histogram-host' });
  replace(host, h('div', { class: 'histogram-head' }, status, stopBtn), chart);
  host.setAttribute('aria-busy', 'true');

  const draw = () => {
    const counted = `${items.length.toLocaleString()} instance${items.length === 1 ? '' : 's'}`;
    if (!done) status.textContent = `Counting… ${counted} so far (${requests} request${requests === 1 ? '' : 's'}).`;
    const range = createdRange(f);
    const to = range.to ? parseTime(range.to) : (range.from ? Date.now() : NaN);
    replace(chart, items.length ? renderChart(buckets(items, parseTime(range.from), to), onZoom) : h('p', {}, done ? 'No instances match these filters.' : ''));
  };

  (async () => {
    let token = '';
    try {
      do {
        const r = await listInstances(apiFilter(f, { top: SCAN_PAGE }), token, ctl.signal);
        requests += 1;
        for (const inst of r.data || []) {
          if (matchesName(f, inst)) items.push({ t: parseTime(inst.createdTime), s: inst.runtimeStatus });
        }
        token = r.token;
        draw();
      } while (token && items.length < MAX_SCANNED && !ctl.signal.aborted);
      done = true;
      const all = token ? `the first ${items.length.toLocaleString()} matching instances (there are more)` : `all ${items.length.toLocaleString()} matching instances`;
      status.textContent = `Created time of ${all}. Pick a bar to list its instances.`;
    } catch (e) {
      done = true;
      status.textContent = e.name === 'AbortError'
        ? `Stopped: created time of the first ${items.length.toLocaleString()} matching instances.`
        : e.message;
    }
    stopBtn.hidden = true;
    host.setAttribute('aria-busy', 'false');
    draw();
    announce(status.textContent);
    loaded();
  })();

  return { stop: () => ctl.abort() };
}

function renderChart({ size, bars }, onZoom) {
  const peak = Math.max(...bars.map((b) => b.total));
  const present = STATUSES.filter((s) => bars.some((b) => b.by[s]));
  const totals = Object.fromEntries(present.map((s) => [s, bars.reduce((n, b) => n + (b.by[s] || 0), 0)]));
  const withMillis = size < 1000;
  const label = (b) => {
    const parts = present.filter((s) => b.by[s]).map((s) => `${s} ${b.by[s]}`).join(', ');
    return `${formatTime(b.from, withMillis)} to ${formatTime(b.to, withMillis)}: ${b.total} instance${b.total === 1 ? '' : 's'}${parts ? ` (${parts})` : ''}`;
  };
  const barEls = bars.map((b) => h('li', { class: 'bar' },
    h('button', {
      type: 'button',
      'aria-label': label(b),
      title: label(b),
      disabled: b.total === 0,
      onclick: () => onZoom(new Date(b.from).toISOString(), new Date(b.to - 1).toISOString()),
    },
    h('span', { class: 'stack', style: { height: `${(b.total / peak) * 100}%` } },
      present.filter((s) => b.by[s]).map((s) => h('span', {
        class: `seg ${statusClass(s)}`,
        style: { height: `${(b.by[s] / b.total) * 100}%` },
      }))))));
  return h('figure', { class: 'histogram' },
    h('div', { class: 'histogram-plot' },
      h('div', { class: 'y-axis', 'aria-hidden': 'true' }, h('span', {}, String(peak)), h('span', {}, '0')),
      h('ol', { class: 'bars', 'aria-label': 'Instances created per interval' }, barEls)),
    h('div', { class: 'x-axis', 'aria-hidden': 'true' },
      h('span', {}, formatTime(bars[0].from, withMillis)),
      h('span', {}, formatTime(bars[bars.length - 1].to, withMillis))),
    h('figcaption', {},
      h('ul', { class: 'legend' }, present.map((s) => h('li', {}, h('span', { class: `swatch ${statusClass(s)}` }), ` ${s}: ${totals[s].toLocaleString()}`)))));
}
