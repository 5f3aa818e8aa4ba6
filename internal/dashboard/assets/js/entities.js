// Entities: the list (by name, a page at a time) and one entity's state,
// with a form to signal it an operation.

import { announce, h, loaded, replace } from './dom.js';
import { href, go } from './router.js';
import { call, enc, getEntity, listEntities } from './api.js';
import { field, jsonInput, readJSON } from './dialog.js';
import { formatJSON, formatTime, preview } from './format.js';

export function entitiesPage(main, params) {
  const name = params.get('name') || '';
  const top = 100;
  const tokens = [''];
  let page = 0;

  const input = h('input', { type: 'search', id: 'entity-name', value: name, placeholder: 'e.g. counter', autocomplete: 'off' });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter entities' },
    h('div', { class: 'filter-fields' }, field('Entity name', input)),
    h('div', { class: 'filter-buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go(['entities'], { name: input.value.trim() });
  });
  const summary = h('p', { class: 'summary', role: 'status', id: 'entities-summary' });
  const host = h('div', { id: 'entities', 'aria-busy': 'true' });
  const prev = h('button', { type: 'button', onclick: () => turn(-1) }, '← Previous page');
  const next = h('button', { type: 'button', id: 'entities-next', onclick: () => turn(1) }, 'Next page →');
  const label = h('span', {});
  replace(main, h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Entities')), form, summary, host,
    h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, label, next));

  let ctl = null;
  async function load() {
    if (ctl) ctl.abort();
    ctl = new AbortController();
    host.setAttribute('aria-busy', 'true');
    try {
      const r = await listEntities(name, tokens[page], top, ctl.signal);
      tokens.length = page + 1;
      if (r.token) tokens.push(r.token);
      const rows = r.data || [];
      summary.textContent = rows.length ? `${rows.length} entit${rows.length === 1 ? 'y' : 'ies'}${page ? ` on page ${page + 1}` : ''}.` : 'No entities.';
      replace(host, rows.length ? table(rows) : null);
      label.textContent = `Page ${page + 1}`;
      prev.disabled = page === 0;
      next.disabled = !r.token;
    } catch (e) {
      if (e.name !== 'AbortError') replace(host, h('p', { class: 'error', role: 'alert' }, e.message));
    } finally {
      host.setAttribute('aria-busy', 'false');
      loaded();
    }
  }

  function turn(d) {
    if (page + d < 0 || page + d >= tokens.length) return;
    page += d;
    load();
  }

  load();
  return { cleanup: () => ctl && ctl.abort() };
}

function table(rows) {
  return h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Entities' },
    h('table', { class: 'data', id: 'entities-table' },
      h('caption', { class: 'visually-hidden' }, 'Entities'),
      h('thead', {}, h('tr', {}, ['Name', 'Key', 'Last operation', 'State'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((e) => h('tr', {},
        h('td', {}, e.entityId.name),
        h('td', { class: 'id' }, h('a', { href: href(['entities', e.entityId.name, e.entityId.key]) }, e.entityId.key === '' ? '(empty key)' : e.entityId.key)),
        h('td', { class: 'time' }, formatTime(e.lastOperationTime)),
        h('td', { class: 'payload', title: preview(e.state, 2000) }, h('code', {}, preview(e.state, 60))))))));
}

export function entityPage(main, name, key) {
  const stateHost = h('div', { id: 'entity-state', 'aria-busy': 'true' });
  const op = h('input', { type: 'text', name: 'op', required: true, autocomplete: 'off' });
  const data = jsonInput('input');
  const result = h('p', { role: 'status' });
  const form = h('form', { class: 'signal-form', 'aria-labelledby': 'signal-title' },
    h('h2', { id: 'signal-title' }, 'Signal an operation'),
    field('Operation', op), field('Input (JSON, optional)', data),
    h('button', { type: 'submit', class: 'primary' }, 'Signal'), result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = readJSON(data, 'The input');
      await call('POST', `entities/${enc(name)}/${key === '' ? '$' : enc(key)}`, { query: { op: op.value.trim() }, body });
      result.textContent = `Signalled ${op.value.trim()}; the state below updates when it has run.`;
      announce(result.textContent);
      setTimeout(load, 500);
    } catch (err) {
      result.textContent = err.message;
    }
  });
  replace(main,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/entities' }, 'Entities'), ' › ', h('span', { 'aria-current': 'page' }, `${name}@${key}`)),
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, `Entity ${name}@${key}`),
      h('div', { class: 'toolbar' }, h('button', { type: 'button', onclick: () => load() }, 'Refresh'))),
    h('section', { 'aria-labelledby': 'state-title' }, h('h2', { id: 'state-title' }, 'State'), stateHost),
    form);

  async function load() {
    stateHost.setAttribute('aria-busy', 'true');
    try {
      const r = await getEntity(name, key);
      replace(stateHost, r.exists
        ? h('pre', { id: 'entity-state-json', tabindex: 0 }, formatJSON(r.state))
        : h('p', {}, 'This entity has no state: it does not exist, or it was deleted.'));
    } catch (e) {
      replace(stateHost, h('p', { class: 'error', role: 'alert' }, e.message));
    } finally {
      stateHost.setAttribute('aria-busy', 'false');
      loaded();
    }
  }
  load();
  return { cleanup() {} };
}

