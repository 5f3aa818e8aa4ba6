// The dashboard's entry: it routes the hash to a page and keeps the header
// in step. Each page returns {update, cleanup}: update takes new parameters
// for the same page (a filter, a tab) without rebuilding it.

import { current, listen } from './router.js';
import { replace, h } from './dom.js';
import { setUseUTC, useUTC } from './format.js';
import { listPage } from './list.js';
import { instancePage } from './instance.js';
import { entitiesPage, entityPage } from './entities.js';

let page = null;
let pageKey = '';

function route() {
  const { segments, params } = current();
  const main = document.getElementById('main');
  let key;
  let open;
  if (segments[0] === 'instances' && segments.length > 1) {
    const id = segments.slice(1).join('/');
    key = `instance:${id}`;
    open = () => instancePage(main, id, params);
  } else if (segments[0] === 'entities' && segments.length > 2) {
    const name = segments[1];
    const entityKey = segments.slice(2).join('/');
    key = `entity:${name}@${entityKey}`;
    open = () => entityPage(main, name, entityKey);
  } else if (segments[0] === 'entities') {
    key = `entities:${params.get('name') || ''}`;
    open = () => entitiesPage(main, params);
  } else {
    key = 'list';
    open = () => listPage(main, params);
  }
  const section = segments[0] === 'entities' ? 'entities' : 'instances';
  document.querySelectorAll('[data-section]').forEach((a) => {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  if (page && key === pageKey && page.update) {
    page.update(params);
    return;
  }
  const first = page === null;
  if (page && page.cleanup) page.cleanup();
  pageKey = key;
  try {
    page = open();
  } catch (e) {
    page = { cleanup() {} };
    replace(main, h('p', { class: 'error', role: 'alert' }, `The page failed: ${e.message}`));
  }
  // A new view moves the focus to its heading, as a page load would.
  if (!first) main.querySelector('h1')?.focus();
}

const utc = document.getElementById('utc-toggle');
utc.checked = useUTC();
utc.addEventListener('change', () => {
  setUseUTC(utc.checked);
  if (page && page.cleanup) page.cleanup();
  page = null;
  route();
});

listen(route);
route();
