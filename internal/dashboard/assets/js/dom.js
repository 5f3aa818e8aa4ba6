// A few helpers to build DOM nodes in code. The page puts text in text
// nodes and never parses a string as markup, so nothing an orchestration
// stores (inputs, outputs, reasons) can run as markup.

// h builds an element: h('a', {href: '#/', class: 'x', onclick: fn}, 'text', child).
// Props starting with "on" become listeners; "dataset" and "style" objects are
// copied; other props are attributes (true sets an empty attribute, false or
// null leaves it out).
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

// svg builds an SVG element, as h does.
export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  append(el, children);
  return el;
}

function setProps(el, props) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'style') {
      // CSSOM assignments are allowed by the page's content security policy;
      // style attributes in markup are not.
      for (const [p, s] of Object.entries(v)) el.style.setProperty(p, s);
    } else if (k === 'value' && 'value' in el) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected' || k === 'disabled') {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

// append adds children: nodes, strings (as text), arrays of either; null and
// false are skipped so that conditional children read naturally.
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// replace empties el and fills it with children.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// announce tells screen reader users what just happened, through the polite
// live region of the layout.
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A change on the next frame is announced even when the text repeats.
  requestAnimationFrame(() => { region.textContent = text; });
}

let uid = 0;

// id returns a page-unique element id, for label and aria references.
export function id(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

// loaded counts the data loads the page has finished, on the root element
// (data-loads): a test (or a person's script) that acts can wait for the
// next load to finish instead of guessing how long it takes.
export function loaded() {
  const root = document.documentElement;
  root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
}
