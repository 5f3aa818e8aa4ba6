// The instance list's table: its columns, their sorting and the rows.

import { h } from './dom.js';
import { href } from './router.js';
import { formatDuration, formatTime, parseTime, preview } from './format.js';
import { isTerminal, statusClass } from './status.js';

// duration is how long an instance ran, or has been running until now.
export function duration(inst, now = Date.now()) {
  const start = parseTime(inst.createdTime);
  const end = isTerminal(inst.runtimeStatus) ? parseTime(inst.lastUpdatedTime) : now;
  return end - start;
}

// durationText writes a duration from the list's times, which have whole
// seconds only: a finished instance that took less shows "< 1 s".
function durationText(r) {
  const ms = duration(r);
  return isTerminal(r.runtimeStatus) && ms < 1000 ? '< 1 s' : formatDuration(ms);
}

const COLUMNS = [
  { key: 'instanceId', label: 'Instance id', value: (r) => r.instanceId },
  { key: 'name', label: 'Name', value: (r) => r.name },
  { key: 'runtimeStatus', label: 'Status', value: (r) => r.runtimeStatus },
  { key: 'createdTime', label: 'Created', value: (r) => parseTime(r.createdTime) },
  { key: 'lastUpdatedTime', label: 'Last updated', value: (r) => parseTime(r.lastUpdatedTime), narrow: false },
  { key: 'duration', label: 'Duration', value: (r) => duration(r) },
  { key: 'customStatus', label: 'Custom status', narrow: false },
  { key: 'output', label: 'Output', narrow: false },
];

// sortRows orders the rows of the page shown: the API pages in creation
// order, so a sort applies to the rows on the page, not to every match.
export function sortRows(rows, sort, dir) {
  const col = COLUMNS.find((c) => c.key === sort && c.value);
  if (!col) return rows;
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    if (x === y) return 0;
    return (x < y ? -1 : 1) * sign;
  });
}

// instancesTable builds the table; onSort receives the column key and
// direction a header button asks for.
export function instancesTable(rows, sort, dir, onSort) {
  const head = h('tr', {}, COLUMNS.map((c) => {
    const active = c.key === sort;
    const ariaSort = active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none';
    const cls = c.narrow === false ? 'wide-only' : '';
    if (!c.value) return h('th', { scope: 'col', class: cls }, c.label);
    const next = active && dir === 'desc' ? 'asc' : 'desc';
    return h('th', { scope: 'col', 'aria-sort': ariaSort, class: cls },
      h('button', { type: 'button', class: 'sort', 'data-sort': c.key, onclick: () => onSort(c.key, next) },
        c.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (dir === 'asc' ? ' ▲' : ' ▼') : '')));
  }));
  const body = h('tbody', {}, rows.map((r) => h('tr', { 'data-instance-id': r.instanceId },
    h('td', { class: 'id' }, h('a', { href: href(['instances', r.instanceId]) }, r.instanceId)),
    h('td', {}, r.name),
    h('td', {}, h('span', { class: statusClass(r.runtimeStatus) }, r.runtimeStatus)),
    h('td', { class: 'time' }, formatTime(r.createdTime)),
    h('td', { class: 'time wide-only' }, formatTime(r.lastUpdatedTime)),
    h('td', { class: 'num' }, durationText(r)),
    h('td', { class: 'payload wide-only', title: preview(r.customStatus, 2000) }, preview(r.customStatus, 40)),
    h('td', { class: 'payload wide-only', title: preview(r.output, 2000) }, preview(r.output, 40)))));
  return h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Orchestration instances' },
    h('table', { id: 'instances-table', class: 'data' },
      h('caption', { class: 'visually-hidden' }, 'Orchestration instances matching the filters'),
      h('thead', {}, head), body));
}
