// The history as a table, event by event, and the entity calls an
// orchestration made.

import { h } from './dom.js';
import { href } from './router.js';
import { formatDuration, formatJSON, formatTime, parseTime, preview } from './format.js';
import { entityOf, failureText } from './historymodel.js';

const MAX_ROWS = 1000;

// payload shows a value on one line, with the whole of it behind a
// disclosure when it is long.
export function payload(v, label) {
  if (v === undefined || v === null || v === '') return '';
  const full = formatJSON(v);
  const short = preview(v, 60);
  if (full.length <= 60 && !full.includes('\n')) return h('code', {}, full);
  return h('details', {}, h('summary', {}, h('span', { class: 'visually-hidden' }, `${label}: `), h('code', {}, short)), h('pre', {}, full));
}

function eventName(e) {
  return e.FunctionName || e.Name || '';
}

function targetLink(e) {
  if (!e.InstanceId) return null;
  const en = entityOf(e.InstanceId);
  const to = en ? href(['entities', en.name, en.key]) : href(['instances', e.InstanceId]);
  return h('a', { href: to }, en ? `${en.name}@${en.key}` : e.InstanceId);
}

// historyTable lists the events; showAll lifts the row limit.
export function historyTable(events, { showAll = false, onShowAll } = {}) {
  const shown = showAll ? events : events.slice(0, MAX_ROWS);
  const rows = shown.map((e, i) => {
    const scheduled = parseTime(e.ScheduledTime);
    const at = parseTime(e.Timestamp);
    const failure = failureText(e);
    return h('tr', { 'data-event-type': e.EventType },
      h('td', { class: 'num' }, String(i + 1)),
      h('td', { class: 'time' }, formatTime(at, true)),
      h('td', {}, e.EventType),
      h('td', {}, eventName(e), e.InstanceId ? [' → ', targetLink(e)] : null),
      h('td', { class: 'num' }, Number.isFinite(scheduled) ? formatDuration(at - scheduled) : ''),
      h('td', { class: 'payload' }, payload(e.Input, 'Input')),
      h('td', { class: 'payload' },
        failure ? h('span', { class: 'error-text' }, failure) : null,
        payload(e.Result, 'Result'),
        e.FireAt ? `fires at ${formatTime(e.FireAt, true)}` : null,
        e.EventType === 'ExecutionCompleted' ? ` ${e.OrchestrationStatus || ''}` : null,
        e.Reason && !failure ? e.Reason : null));
  });
  return h('div', {},
    h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'History' },
      h('table', { class: 'data', id: 'history-table' },
        h('caption', { class: 'visually-hidden' }, 'History events, oldest first'),
        h('thead', {}, h('tr', {}, ['#', 'Time', 'Event', 'Name', 'Took', 'Input', 'Result or details'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows))),
    events.length > shown.length
      ? h('p', {}, `${shown.length} of ${events.length} events shown. `, h('button', { type: 'button', onclick: onShowAll }, 'Show all events'))
      : null);
}

const CALL_KIND = { call: 'call', signal: 'signal (one-way)', lock: 'lock', release: 'release' };

// entityCallsTable lists the calls, signals and locks the model found.
export function entityCallsTable(calls) {
  if (!calls.length) return h('p', { id: 'entity-calls-empty' }, 'This orchestration made no entity calls.');
  return h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Entity calls' },
    h('table', { class: 'data', id: 'entity-calls-table' },
      h('caption', { class: 'visually-hidden' }, 'Entity operations this orchestration sent'),
      h('thead', {}, h('tr', {}, ['Sent', 'Entity', 'Operation', 'Kind', 'Input', 'Result', 'Took'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, calls.map((c) => h('tr', { 'data-state': c.state },
        h('td', { class: 'time' }, formatTime(c.sent, true)),
        h('td', {}, h('a', { href: href(['entities', c.entity.name, c.entity.key]) }, `${c.entity.name}@${c.entity.key}`)),
        h('td', {}, c.op || ''),
        h('td', {}, CALL_KIND[c.kind] || c.kind),
        h('td', { class: 'payload' }, payload(c.input, 'Input')),
        h('td', { class: 'payload' }, c.state === 'failed' ? h('span', { class: 'error-text' }, String(c.result)) : payload(c.result, 'Result'),
          c.state === 'pending' ? 'waiting for the reply' : null),
        h('td', { class: 'num' }, c.answered ? formatDuration(c.answered - c.sent) : ''))))));
}
