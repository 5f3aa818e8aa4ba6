// The instance list's filters: what the route's parameters say, what the API
// is asked, and the form that edits them.

import { h, id } from './dom.js';
import { STATUSES } from './status.js';
import { fromInputValue, toInputValue } from './format.js';

export const RANGES = [
  ['all', 'Any time', 0],
  ['15m', 'Last 15 minutes', 15 * 60e3],
  ['1h', 'Last hour', 3600e3],
  ['24h', 'Last 24 hours', 24 * 3600e3],
  ['7d', 'Last 7 days', 7 * 24 * 3600e3],
  ['custom', 'Between…', 0],
];

export const PAGE_SIZES = [25, 50, 100, 250, 500];
export const REFRESH = [[0, 'Off'], [5, 'Every 5 s'], [10, 'Every 10 s'], [30, 'Every 30 s'], [60, 'Every minute']];

// fromParams reads the filter from route parameters.
export function fromParams(p) {
  const top = Number(p.get('top'));
  return {
    statuses: (p.get('status') || '').split(',').filter((s) => STATUSES.includes(s)),
    name: p.get('name') || '',
    prefix: p.get('prefix') || '',
    range: RANGES.some(([k]) => k === p.get('range')) ? p.get('range') : 'all',
    from: p.get('from') || '',
    to: p.get('to') || '',
    top: PAGE_SIZES.includes(top) ? top : 100,
    refresh: Number(p.get('refresh')) || 0,
    sort: p.get('sort') || '',
    dir: p.get('dir') === 'asc' ? 'asc' : 'desc',
    view: p.get('view') === 'histogram' ? 'histogram' : 'table',
  };
}

// toParams writes the filter as route parameters (defaults left out).
export function toParams(f) {
  return {
    status: f.statuses,
    name: f.name,
    prefix: f.prefix,
    range: f.range === 'all' ? '' : f.range,
    from: f.range === 'custom' ? f.from : '',
    to: f.range === 'custom' ? f.to : '',
    top: f.top === 100 ? '' : f.top,
    refresh: f.refresh || '',
    sort: f.sort,
    dir: f.sort && f.dir === 'asc' ? 'asc' : '',
    view: f.view === 'histogram' ? 'histogram' : '',
  };
}

// createdRange turns the filter's time range into the API's
// createdTimeFrom/To, relative to now for the "last ..." ranges.
export function createdRange(f, now = Date.now()) {
  if (f.range === 'custom') return { from: f.from, to: f.to };
  const span = RANGES.find(([k]) => k === f.range)?.[2] || 0;
  return span ? { from: new Date(now - span).toISOString(), to: '' } : { from: '', to: '' };
}

// apiFilter is what listInstances sends for f. The name is not an API filter:
// the page matches it on the rows it receives.
export function apiFilter(f, extra = {}) {
  return { statuses: f.statuses, prefix: f.prefix, top: f.top, showInput: false, ...createdRange(f), ...extra };
}

// matchesName reports whether an instance passes the name filter (a
// case-insensitive substring).
export function matchesName(f, inst) {
  return !f.name || String(inst.name || '').toLowerCase().includes(f.name.toLowerCase());
}

// filterForm builds the form; onApply receives the edited filter.
export function filterForm(f, onApply) {
  const statusBoxes = STATUSES.map((s) => {
    const box = h('input', { type: 'checkbox', name: 'status', value: s, checked: f.statuses.includes(s) });
    return h('label', { class: 'check' }, box, ` ${s}`);
  });
  const field = (label, input) => {
    const fid = id('filter');
    input.id = fid;
    return h('div', { class: 'field' }, h('label', { for: fid }, label), input);
  };
  const name = h('input', { type: 'search', name: 'name', value: f.name, placeholder: 'e.g. HelloSequence', autocomplete: 'off' });
  const prefix = h('input', { type: 'search', name: 'prefix', value: f.prefix, placeholder: 'starts with…', autocomplete: 'off', spellcheck: 'false' });
  const range = h('select', { name: 'range' }, RANGES.map(([k, label]) => h('option', { value: k, selected: k === f.range }, label)));
  const from = h('input', { type: 'datetime-local', name: 'from', step: '1', value: toInputValue(Date.parse(f.from)) });
  const to = h('input', { type: 'datetime-local', name: 'to', step: '1', value: toInputValue(Date.parse(f.to)) });
  const custom = h('div', { class: 'custom-range' }, field('Created from', from), field('Created to', to));
  const showCustom = () => { custom.hidden = range.value !== 'custom'; };
  range.addEventListener('change', showCustom);
  showCustom();
  const top = h('select', { name: 'top' }, PAGE_SIZES.map((n) => h('option', { value: n, selected: n === f.top }, `${n} per page`)));

  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter orchestrations' },
    h('fieldset', { class: 'statuses' }, h('legend', {}, 'Status'), statusBoxes),
    h('div', { class: 'filter-fields' },
      field('Name contains', name),
      field('Instance id prefix', prefix),
      field('Created', range),
      custom,
      field('Page size', top)),
    h('div', { class: 'filter-buttons' },
      h('button', { type: 'submit', class: 'primary', id: 'apply-filters' }, 'Apply filters'),
      h('button', { type: 'button', id: 'reset-filters', onclick: () => onApply({ ...fromParams(new URLSearchParams()), view: f.view }) }, 'Reset')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onApply({
      ...f,
      statuses: statusBoxes.map((l) => l.querySelector('input')).filter((b) => b.checked).map((b) => b.value),
      name: name.value.trim(),
      prefix: prefix.value.trim(),
      range: range.value,
      from: fromInputValue(from.value),
      to: fromInputValue(to.value),
      top: Number(top.value),
    });
  });
  return form;
}
