// The timeline: one row per activity, timer, sub-orchestration, entity call
// and event, placed on a common time axis, as a Gantt chart. Bars are HTML
// elements positioned in percent of the axis, so the chart reflows on a
// narrow screen and every bar is text a screen reader can read.

import { h } from './dom.js';
import { href } from './router.js';
import { formatDuration, formatTime, preview } from './format.js';

const KIND = {
  orchestration: 'Orchestration',
  activity: 'Activity',
  suborchestration: 'Sub-orchestration',
  timer: 'Timer',
  entity: 'Entity call',
  suspended: 'Suspended',
  event: 'Event',
  signal: 'Entity signal',
  sent: 'Event sent',
  terminated: 'Terminated',
  rewound: 'Rewound',
};

const STATE = {
  completed: 'completed', failed: 'failed', pending: 'still running', fired: 'fired', waiting: 'waiting',
  canceled: 'canceled (never fired)', unfinished: 'did not finish', running: 'running', terminated: 'terminated',
};

const MAX_ROWS = 500;

// ticks picks round offsets from the start for the axis labels.
function ticks(span) {
  const steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 1800e3, 3600e3, 7200e3, 21600e3, 43200e3, 86400e3, 172800e3, 604800e3];
  const step = steps.find((s) => span / s <= 6) || steps[steps.length - 1];
  const out = [];
  for (let i = 0; i * step <= span; i += 1) out.push(i * step);
  return out;
}

// durText is the length a row shows at its end: how long it took, how
// long it has run so far (…), or that a timer never fired.
function durText(r, len) {
  if (r.point) return '';
  if (r.state === 'canceled') return 'canceled';
  return `${formatDuration(len)}${r.state === 'pending' || r.state === 'waiting' ? '…' : ''}`;
}

// ganttChart renders model (from buildModel); showAll lifts the row limit.
export function ganttChart(model, { showAll = false, onShowAll } = {}) {
  const { start } = model;
  // Waiting timers may fire long after now: the axis ends at the instance's
  // end (or now), and those bars run off its edge with their due time.
  const axisEnd = Math.max(model.end, start + 1);
  const span = axisEnd - start;
  const pct = (t) => `${Math.min(100, Math.max(0, ((t - start) / span) * 100)).toFixed(3)}%`;
  const rows = [
    ...model.spans.map((s) => ({ ...s, point: false, at: s.start })),
    ...model.markers.map((m) => ({ ...m, point: true, start: m.at, end: m.at, state: 'completed' })),
  ].sort((a, b) => a.start - b.start || a.seq - b.seq);
  const shown = showAll ? rows : rows.slice(0, MAX_ROWS);

  const rowEls = shown.map((r) => {
    const len = r.end - r.start;
    const beyond = r.end > axisEnd;
    const when = r.point
      ? `at +${formatDuration(r.start - start)}`
      : `from +${formatDuration(r.start - start)} for ${formatDuration(len)}${beyond ? `, due ${formatTime(r.end)}` : ''}`;
    const label = `${KIND[r.kind] || r.kind} ${r.name || ''}: ${r.point ? '' : `${STATE[r.state] || r.state}, `}${when}${r.detail ? ` (${preview(r.detail, 120)})` : ''}`;
    let nameEl = h('span', { class: 'gantt-name' }, r.name || KIND[r.kind]);
    if (r.instanceId && !r.entity) nameEl = h('a', { class: 'gantt-name', href: href(['instances', r.instanceId]) }, r.name || r.instanceId);
    if (r.entity) nameEl = h('a', { class: 'gantt-name', href: href(['entities', r.entity.name, r.entity.key]) }, r.name);
    const bar = r.point
      ? h('span', { class: 'gantt-point', style: { left: pct(r.start) }, title: label })
      : h('span', {
        class: `gantt-bar${beyond ? ' beyond' : ''}`,
        style: { left: pct(r.start), width: `calc(${pct(Math.min(r.end, axisEnd))} - ${pct(r.start)})` },
        title: label,
      });
    return h('li', { class: `gantt-row kind-${r.kind} state-${r.state}`, 'data-kind': r.kind, 'data-state': r.state },
      h('div', { class: 'gantt-label', title: `${KIND[r.kind] || r.kind} ${r.name || ''}` }, h('span', { class: 'gantt-kind' }, KIND[r.kind] || r.kind), ' ', nameEl),
      h('div', { class: 'gantt-track', role: 'img', 'aria-label': label }, bar),
      h('div', { class: 'gantt-dur' }, durText(r, len)),
      r.state === 'failed' && r.detail ? h('div', { class: 'gantt-detail' }, preview(r.detail, 200)) : null);
  });

  const axis = h('div', { class: 'gantt-axis', 'aria-hidden': 'true' },
    h('div', { class: 'gantt-label' }),
    h('div', { class: 'gantt-track' }, ticks(span).map((t) => h('span', {
      // Labels near the right end hang to the left of their mark, so that
      // they stay inside the chart.
      class: t / span > 0.85 ? 'tick end' : 'tick',
      style: { left: pct(start + t) },
    }, `+${formatDuration(t)}`))),
    h('div', { class: 'gantt-dur' }));

  const legend = ['activity', 'suborchestration', 'timer', 'entity', 'event'].map((k) => h('li', {}, h('span', { class: `swatch kind-${k}` }), ` ${KIND[k]}`));
  return h('figure', { class: 'gantt', id: 'gantt' },
    h('figcaption', {},
      h('p', {}, `Started ${formatTime(start, true)}; the axis spans ${formatDuration(span)}. `,
        'Hatched bars are still running or waiting, outlined timers never fired, red bars failed.'),
      h('ul', { class: 'legend' }, legend)),
    axis,
    h('ol', { class: 'gantt-rows', 'aria-label': 'Timeline' }, rowEls),
    rows.length > shown.length
      ? h('p', {}, `${shown.length} of ${rows.length} rows shown. `, h('button', { type: 'button', onclick: onShowAll }, 'Show all rows'))
      : null);
}
