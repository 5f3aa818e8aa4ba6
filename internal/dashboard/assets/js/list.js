// The orchestration list: filters, a page of instances at a time (following
// the API's continuation tokens, never loading everything), sorting,
// auto-refresh, and the time histogram as a second view.

import { announce, h, loaded, replace } from './dom.js';
import { href, go } from './router.js';
import { listInstances } from './api.js';
import { apiFilter, createdRange, filterForm, fromParams, matchesName, REFRESH, toParams } from './filters.js';
import { instancesTable, sortRows } from './table.js';
import { histogramView } from './histogram.js';
import { purgeByFilter, startOrchestration } from './actions.js';
import { formatTime } from './format.js';

// With a name filter, one page of the table may take several API pages;
// this bounds the requests one click makes.
const MAX_REQUESTS_PER_PAGE = 10;

export function listPage(main, params) {
  let f = fromParams(params);
  const queryKey = (x) => JSON.stringify([apiFilter(x, { from: x.range === 'custom' ? x.from : x.range }), x.name]);
  // tokens[i] is where page i starts; the first page starts with no token.
  let tokens = [''];
  let page = 0;
  let rows = [];
  let next = '';
  let loading = null; // the AbortController of the load in flight
  let timer = 0;
  let histogram = null;
  const seenNames = new Set();

  const summary = h('p', { id: 'list-summary', class: 'summary', role: 'status' });
  const notice = h('p', { id: 'list-notice', class: 'notice', role: 'status', hidden: true });
  const tableHost = h('div', { id: 'list-table', 'aria-busy': 'false' });
  const prev = h('button', { type: 'button', id: 'prev-page', onclick: () => turn(-1) }, '← Previous page');
  const nextBtn = h('button', { type: 'button', id: 'next-page', onclick: () => turn(1) }, 'Next page →');
  const pageLabel = h('span', { id: 'page-number' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, pageLabel, nextBtn);
  const updated = h('span', { class: 'updated', id: 'updated-at' });
  const refresh = h('select', { id: 'auto-refresh', onchange: () => apply({ ...f, refresh: Number(refresh.value) }, true) },
    REFRESH.map(([s, label]) => h('option', { value: s, selected: s === f.refresh }, label)));
  const tableView = h('section', { 'aria-label': 'Table' }, summary, tableHost, pager);
  const histHost = h('section', { 'aria-label': 'Time histogram', id: 'histogram-view' });
  const viewTabs = h('nav', { class: 'view-tabs', 'aria-label': 'Views' });
  const formHost = h('div', {});

  replace(main,
    h('div', { class: 'page-head' },
      h('h1', { tabindex: -1 }, 'Orchestrations'),
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', class: 'primary', id: 'start-orchestration', onclick: onStart }, 'Start orchestration…'),
        h('button', { type: 'button', id: 'purge-filter', class: 'danger-outline', onclick: onPurge }, 'Purge…'),
        h('button', { type: 'button', id: 'refresh', onclick: () => load(true) }, 'Refresh'),
        h('label', { class: 'inline' }, 'Auto-refresh ', refresh),
        updated)),
    notice, formHost, viewTabs, tableView, histHost);

  // apply shows the filters nf; applying the filters already shown looks
  // again, as a person pressing Apply expects.
  function apply(nf, replaceHistory = false) {
    if (href([], toParams(nf)) === (location.hash || '#/')) {
      if (f.view === 'histogram') startHistogram();
      else load(true);
      return;
    }
    go([], toParams(nf), replaceHistory);
  }

  // update follows a new route: the same page with other parameters. Only
  // a change of what the API is asked reloads; a new sort reorders.
  function update(p) {
    const nf = fromParams(p);
    const sameQuery = f !== null && queryKey(nf) === queryKey(f);
    const wasView = f && f.view;
    f = nf;
    refresh.value = String(f.refresh);
    if (!sameQuery) formHost.replaceChildren(filterForm(f, (x) => apply(x)));
    renderTabs();
    schedule();
    tableView.hidden = f.view === 'histogram';
    histHost.hidden = f.view !== 'histogram';
    if (f.view === 'histogram') {
      if (!histogram || !sameQuery || wasView !== 'histogram') startHistogram();
      return;
    }
    stopHistogram();
    if (sameQuery && wasView === 'table') {
      render();
      loaded();
      return;
    }
    tokens = [''];
    page = 0;
    load(false);
  }

  function renderTabs() {
    const tab = (view, label) => h('a', {
      href: href([], toParams({ ...f, view })),
      'aria-current': f.view === view ? 'page' : null,
      id: `view-${view}`,
    }, label);
    replace(viewTabs, tab('table', 'Table'), tab('histogram', 'Time histogram'));
  }

  // load fetches the page that starts at tokens[page]. A refresh keeps the
  // page; anything else is a new page.
  async function load(isRefresh) {
    if (loading) loading.abort();
    const ctl = new AbortController();
    loading = ctl;
    tableHost.setAttribute('aria-busy', 'true');
    try {
      let token = tokens[page];
      const got = [];
      let requests = 0;
      do {
        const r = await listInstances(apiFilter(f), token, ctl.signal);
        requests += 1;
        for (const inst of r.data || []) {
          seenNames.add(inst.name);
          if (matchesName(f, inst)) got.push(inst);
        }
        token = r.token;
      } while (f.name && token && got.length < f.top && requests < MAX_REQUESTS_PER_PAGE);
      if (ctl.signal.aborted) return;
      rows = got;
      next = token;
      tokens.length = page + 1;
      if (next) tokens.push(next);
      render();
      updated.textContent = `Updated ${formatTime(Date.now())}`;
      if (!isRefresh) announce(summary.textContent);
    } catch (e) {
      if (e.name === 'AbortError') return;
      replace(tableHost, h('p', { class: 'error', role: 'alert' }, e.message));
      summary.textContent = '';
    } finally {
      if (loading === ctl) {
        loading = null;
        tableHost.setAttribute('aria-busy', 'false');
        loaded();
      }
    }
  }

  function render() {
    const shown = sortRows(rows, f.sort, f.dir);
    const more = next ? ' There are more on the next page.' : '';
    const where = page > 0 ? ` on page ${page + 1}` : '';
    summary.textContent = rows.length
      ? `${rows.length} instance${rows.length === 1 ? '' : 's'}${where}.${more}`
      : `No instances match these filters${where}.${more}`;
    if (f.sort) summary.textContent += ' Sorting orders the rows of this page.';
    replace(tableHost, rows.length ? instancesTable(shown, f.sort, f.dir, (key, dir) => apply({ ...f, sort: key, dir }, true)) : null);
    pageLabel.textContent = `Page ${page + 1}`;
    prev.disabled = page === 0;
    nextBtn.disabled = !next;
  }

  function turn(delta) {
    const to = page + delta;
    if (to < 0 || to >= tokens.length) return;
    page = to;
    load(false).then(() => summary.focus?.());
  }

  // schedule (re)arms auto-refresh; a hidden tab does not poll.
  function schedule() {
    clearInterval(timer);
    timer = 0;
    if (!f.refresh) return;
    timer = setInterval(() => {
      if (document.hidden || loading) return;
      if (f.view === 'histogram') startHistogram();
      else load(true);
    }, f.refresh * 1000);
  }

  function startHistogram() {
    stopHistogram();
    histogram = histogramView(histHost, f, (from, to) => apply({ ...f, range: 'custom', from, to, view: 'table' }));
  }

  function stopHistogram() {
    if (histogram) histogram.stop();
    histogram = null;
  }

  async function onStart() {
    const id = await startOrchestration([...seenNames]);
    if (id) go(['instances', id]);
  }

  async function onPurge() {
    const range = createdRange(f);
    const result = await purgeByFilter(range, f.statuses);
    if (result) {
      notice.textContent = result.text;
      notice.hidden = false;
      tokens = [''];
      page = 0;
      load(true);
    }
  }

  // The first render takes the same path as a route change.
  f = null;
  update(params);

  return {
    update,
    cleanup() {
      clearInterval(timer);
      stopHistogram();
      if (loading) loading.abort();
    },
  };
}
