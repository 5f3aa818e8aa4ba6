// One instance: its status, input, output, custom status and failure, the
// operations its status allows, and its history as a timeline, a table and
// the entity calls it made.

import { announce, h, loaded, replace } from './dom.js';
import { href, go } from './router.js';
import { getInstance } from './api.js';
import { formatDuration, formatJSON, formatTime } from './format.js';
import { allowed, statusClass } from './status.js';
import { buildModel } from './historymodel.js';
import { ganttChart } from './gantt.js';
import { entityCallsTable, historyTable } from './historytable.js';
import { REFRESH } from './filters.js';
import * as actions from './actions.js';

const TABS = [['timeline', 'Timeline'], ['history', 'History'], ['entities', 'Entity calls']];

export function instancePage(main, id, params) {
  let tab = TABS.some(([k]) => k === params.get('tab')) ? params.get('tab') : 'timeline';
  let refreshEvery = Number(params.get('refresh')) || 0;
  let inst = null;
  let timer = 0;
  let followUps = [];
  let ctl = null;
  let showAll = false;

  const heading = h('h1', { tabindex: -1, id: 'instance-heading' }, id);
  const busy = h('div', { id: 'instance', 'aria-busy': 'true' });
  const refresh = h('select', { id: 'instance-refresh', onchange: () => { refreshEvery = Number(refresh.value); go(['instances', id], { tab: tab === 'timeline' ? '' : tab, refresh: refreshEvery || '' }, true); } },
    REFRESH.map(([s, label]) => h('option', { value: s, selected: s === refreshEvery }, label)));
  const updated = h('span', { class: 'updated' });
  replace(main,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'Orchestrations'), ' › ', h('span', { 'aria-current': 'page' }, id)),
    h('div', { class: 'page-head' }, heading,
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', id: 'instance-reload', onclick: () => load() }, 'Refresh'),
        h('label', { class: 'inline' }, 'Auto-refresh ', refresh),
        updated)),
    busy);

  async function load() {
    if (ctl) ctl.abort();
    const mine = new AbortController();
    ctl = mine;
    busy.setAttribute('aria-busy', 'true');
    try {
      const got = await getInstance(id, mine.signal);
      if (mine.signal.aborted) return;
      inst = got;
      render();
      updated.textContent = `Updated ${formatTime(Date.now())}`;
    } catch (e) {
      if (e.name !== 'AbortError') replace(busy, h('p', { class: 'error', role: 'alert' }, e.message));
    } finally {
      if (ctl === mine) {
        ctl = null;
        busy.setAttribute('aria-busy', 'false');
        loaded();
      }
    }
  }

  function render() {
    if (!inst) {
      heading.textContent = 'Instance not found';
      replace(busy, h('p', { id: 'not-found' }, `There is no instance ${id} in this task hub: it may have been purged. `, h('a', { href: '#/' }, 'Back to the list')));
      return;
    }
    heading.replaceChildren(inst.name, ' ', h('span', { class: statusClass(inst.runtimeStatus), id: 'instance-status' }, inst.runtimeStatus));
    const model = buildModel(inst);
    const failure = failureOf(inst);
    replace(busy,
      actionBar(),
      h('dl', { class: 'facts' },
        fact('Instance id', h('code', { id: 'instance-id' }, inst.instanceId)),
        fact('Created', formatTime(inst.createdTime)),
        fact('Last updated', formatTime(inst.lastUpdatedTime)),
        fact(allowed(inst.runtimeStatus).purge ? 'Ran for' : 'Running for', formatDuration(ranFor(model))),
        fact('History events', String((inst.historyEvents || []).length))),
      failure ? h('section', { class: 'failure', 'aria-labelledby': 'failure-title', id: 'failure' },
        h('h2', { id: 'failure-title' }, 'Failure'), h('pre', {}, failure)) : null,
      h('div', { class: 'payloads' },
        payloadPanel('Input', inst.input, 'input'),
        payloadPanel('Output', inst.output, 'output'),
        payloadPanel('Custom status', inst.customStatus, 'custom-status')),
      tabs(model),
      tabBody(model));
  }

  function tabs(model) {
    const count = { history: (inst.historyEvents || []).length, entities: model.entityCalls.length };
    return h('nav', { class: 'view-tabs', 'aria-label': 'Instance views' }, TABS.map(([k, label]) => h('a', {
      href: href(['instances', id], { tab: k === 'timeline' ? '' : k, refresh: refreshEvery || '' }),
      'aria-current': tab === k ? 'page' : null,
      id: `tab-${k}`,
    }, label, count[k] !== undefined ? ` (${count[k]})` : '')));
  }

  function tabBody(model) {
    const again = () => { showAll = true; render(); };
    if (tab === 'history') return h('section', { 'aria-label': 'History' }, historyTable(inst.historyEvents || [], { showAll, onShowAll: again }));
    if (tab === 'entities') return h('section', { 'aria-label': 'Entity calls' }, entityCallsTable(model.entityCalls));
    return h('section', { 'aria-label': 'Timeline' }, ganttChart(model, { showAll, onShowAll: again }));
  }

  function actionBar() {
    const can = allowed(inst.runtimeStatus);
    const btn = (key, label, fn, cls = '') => (can[key] ? h('button', { type: 'button', id: `action-${key}`, class: cls, onclick: fn }, label) : null);
    return h('div', { class: 'toolbar actions', role: 'group', 'aria-label': 'Operations' },
      btn('raiseEvent', 'Raise event…', () => act(actions.raiseEvent, 'Event raised.')),
      btn('suspend', 'Suspend…', () => act(actions.suspend, 'Suspend requested.')),
      btn('resume', 'Resume…', () => act(actions.resume, 'Resume requested.')),
      btn('rewind', 'Rewind…', () => act(actions.rewind, 'Rewind requested.')),
      btn('restart', 'Restart…', onRestart),
      btn('terminate', 'Terminate…', () => act(actions.terminate, 'Termination requested.'), 'danger-outline'),
      btn('purge', 'Purge…', onPurge, 'danger-outline'));
  }

  // act runs an operation; the API accepts it at once (202) and the
  // instance applies it a moment later, so the page looks again shortly.
  async function act(op, done) {
    const ok = await op(inst);
    if (!ok) return;
    announce(done);
    load();
    followUps.forEach(clearTimeout);
    followUps = [500, 1500, 4000].map((ms) => setTimeout(load, ms));
  }

  async function onRestart() {
    const newId = await actions.restart(inst);
    if (!newId) return;
    announce(`Restarted as ${newId}.`);
    if (newId === id) load();
    else go(['instances', newId]);
  }

  async function onPurge() {
    if (!(await actions.purge(inst))) return;
    announce(`Instance ${id} purged.`);
    go([], {});
  }

  function schedule() {
    clearInterval(timer);
    timer = refreshEvery ? setInterval(() => { if (!document.hidden && !ctl) load(); }, refreshEvery * 1000) : 0;
  }

  schedule();
  load();
  return {
    update(p) {
      tab = TABS.some(([k]) => k === p.get('tab')) ? p.get('tab') : 'timeline';
      refreshEvery = Number(p.get('refresh')) || 0;
      refresh.value = String(refreshEvery);
      schedule();
      if (inst !== null) render();
      loaded();
    },
    cleanup() {
      clearInterval(timer);
      followUps.forEach(clearTimeout);
      if (ctl) ctl.abort();
    },
  };
}

// ranFor is the orchestration's time from its start to its end (or now),
// from its history, which is precise to the microsecond.
function ranFor(model) {
  const o = model.spans.find((s) => s.kind === 'orchestration');
  return o ? o.end - o.start : NaN;
}

function fact(term, value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

function payloadPanel(title, value, idPart) {
  const empty = value === null || value === undefined || value === '';
  return h('section', { class: 'payload-panel', 'aria-labelledby': `${idPart}-title` },
    h('h2', { id: `${idPart}-title` }, title),
    empty ? h('p', { class: 'muted' }, 'none') : h('pre', { id: `instance-${idPart}`, tabindex: 0 }, formatJSON(value)));
}

// failureOf is the failure of a failed instance: its ExecutionCompleted's
// details, else its output (the error message).
function failureOf(inst) {
  if (inst.runtimeStatus !== 'Failed') return '';
  const done = (inst.historyEvents || []).find((e) => e.EventType === 'ExecutionCompleted' && e.FailureDetails);
  const fd = done && done.FailureDetails;
  if (fd) return [fd.ErrorType && `${fd.ErrorType}: ${fd.ErrorMessage}`, !fd.ErrorType && fd.ErrorMessage, fd.StackTrace].filter(Boolean).join('\n\n');
  return formatJSON(inst.output);
}
