// Modal dialogs for the actions. The native <dialog> traps focus and closes on
// Escape; this adds the form, the error line and focus return.

import { h, id } from './dom.js';

// field labels an input: a label, the input and an optional hint that the
// input is described by.
export function field(label, input, hint) {
  const fid = input.id || id('field');
  input.id = fid;
  const parts = [h('label', { for: fid }, label), input];
  if (hint) {
    const hid = id('hint');
    input.setAttribute('aria-describedby', hid);
    parts.push(h('p', { class: 'hint', id: hid }, hint));
  }
  return h('div', { class: 'field' }, parts);
}

// jsonInput is a textarea whose value must be JSON (or empty).
export function jsonInput(name, value = '') {
  return h('textarea', { name, rows: 4, spellcheck: 'false', class: 'code' }, value);
}

// readJSON reads a jsonInput: undefined when empty, else the text, which
// must parse.
export function readJSON(textarea, what) {
  const text = textarea.value.trim();
  if (!text) return undefined;
  try {
    JSON.parse(text);
  } catch (e) {
    textarea.setAttribute('aria-invalid', 'true');
    throw new Error(`${what} is not valid JSON: ${e.message}`);
  }
  textarea.removeAttribute('aria-invalid');
  return text;
}

// openDialog shows a modal form. onSubmit runs on confirm; if it throws, its
// message is shown and the dialog stays open. It resolves to what onSubmit
// returned, or null when cancelled. Destructive dialogs (danger) start with
// the focus on Cancel, so that Enter does not destroy anything.
export function openDialog({ title, text, content = [], confirm, danger = false, onSubmit }) {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const titleId = id('dialog-title');
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const ok = h('button', { type: 'submit', class: danger ? 'danger' : 'primary', 'data-confirm': '' }, confirm);
    const cancel = h('button', { type: 'button', 'data-cancel': '' }, 'Cancel');
    const form = h('form', {},
      h('h2', { id: titleId }, title),
      text ? h('p', {}, text) : null,
      content,
      error,
      h('div', { class: 'dialog-buttons' }, cancel, ok));
    const dlg = h('dialog', { 'aria-labelledby': titleId, class: danger ? 'danger' : '' }, form);
    let done = false;
    const close = (result) => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(result);
    };
    cancel.addEventListener('click', () => close(null));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(null); });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      ok.disabled = true;
      error.hidden = true;
      try {
        const result = await onSubmit(form);
        close(result === undefined ? true : result);
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
        ok.disabled = false;
      }
    });
    document.body.append(dlg);
    dlg.showModal();
    const first = danger ? cancel : form.querySelector('input, textarea, select') || ok;
    first.focus();
  });
}
