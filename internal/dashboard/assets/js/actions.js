// The operations the page performs, each behind a dialog: starting an
// orchestration, raising an event, terminating, suspending, resuming,
// rewinding, restarting and purging one instance, and purging by filter.

import { h } from './dom.js';
import { call, enc } from './api.js';
import { field, jsonInput, openDialog, readJSON } from './dialog.js';
import { TERMINAL } from './status.js';
import { formatTime, fromInputValue, toInputValue, useUTC } from './format.js';

const reasonInput = () => h('input', { type: 'text', name: 'reason', autocomplete: 'off' });

// startOrchestration asks for a name, an optional id and an input, starts the
// orchestration and resolves to its instance id (null when cancelled).
export function startOrchestration(knownNames = []) {
  const listId = 'known-orchestrators';
  const name = h('input', { type: 'text', name: 'name', required: true, list: listId, autocomplete: 'off' });
  const instanceId = h('input', { type: 'text', name: 'instanceId', autocomplete: 'off', spellcheck: 'false' });
  const input = jsonInput('input');
  return openDialog({
    title: 'Start an orchestration',
    confirm: 'Start',
    content: [
      field('Orchestrator name', name),
      h('datalist', { id: listId }, [...new Set(knownNames)].sort().map((n) => h('option', { value: n }))),
      field('Instance id (optional)', instanceId, 'Leave empty for a new random id.'),
      field('Input (JSON, optional)', input),
    ],
    onSubmit: async () => {
      const body = readJSON(input, 'The input');
      const path = `orchestrators/${enc(name.value.trim())}${instanceId.value.trim() ? `/${enc(instanceId.value.trim())}` : ''}`;
      const r = await call('POST', path, { body });
      return r.data.id;
    },
  });
}

// raiseEvent sends an external event with JSON data to an instance.
export function raiseEvent(inst) {
  const name = h('input', { type: 'text', name: 'eventName', required: true, autocomplete: 'off' });
  const data = jsonInput('data');
  return openDialog({
    title: 'Raise an event',
    text: `The event goes to ${inst.instanceId}, which receives it when it waits for an event of that name.`,
    confirm: 'Raise event',
    content: [field('Event name', name), field('Event data (JSON, optional)', data, 'For example true, 42 or {"approved": true}.')],
    onSubmit: async () => {
      const body = readJSON(data, 'The event data') ?? 'null';
      await call('POST', `instances/${enc(inst.instanceId)}/raiseEvent/${enc(name.value.trim())}`, { body });
    },
  });
}

// withReason is the dialog of the operations that take a reason.
function withReason(inst, { op, title, text, confirm, danger }) {
  const reason = reasonInput();
  return openDialog({
    title, text, confirm, danger,
    content: [field('Reason (optional)', reason)],
    onSubmit: async () => {
      await call('POST', `instances/${enc(inst.instanceId)}/${op}`, { query: { reason: reason.value.trim() } });
    },
  });
}

export const terminate = (inst) => withReason(inst, {
  op: 'terminate', title: 'Terminate this instance?', danger: true, confirm: 'Terminate',
  text: `${inst.name} ${inst.instanceId} stops for good: it runs no more of its code and ends as Terminated. Its activities already running finish, but their results are ignored.`,
});

export const suspend = (inst) => withReason(inst, {
  op: 'suspend', title: 'Suspend this instance', confirm: 'Suspend',
  text: 'It stops taking its messages until it is resumed; they wait for it.',
});

export const resume = (inst) => withReason(inst, {
  op: 'resume', title: 'Resume this instance', confirm: 'Resume',
  text: 'It takes the messages that waited while it was suspended.',
});

export const rewind = (inst) => withReason(inst, {
  op: 'rewind', title: 'Rewind this failed instance', confirm: 'Rewind',
  text: 'It runs again from its last good state: the failed activities and sub-orchestrations run again, the rest of its history is kept.',
});

// restart starts the instance's orchestration again with the same input and
// resolves to the id that runs it.
export function restart(inst) {
  const newId = h('input', { type: 'checkbox', name: 'newId', checked: true });
  return openDialog({
    title: 'Restart this instance',
    text: `${inst.name} starts again from the beginning with the same input.`,
    confirm: 'Restart',
    content: [h('label', { class: 'check' }, newId, ' Run it under a new instance id (otherwise the id is reused, which replaces this instance: it must have finished)')],
    onSubmit: async () => {
      const r = await call('POST', `instances/${enc(inst.instanceId)}/restart`, { query: { restartWithNewInstanceId: String(newId.checked) } });
      return r.data.id;
    },
  });
}

// purge deletes an instance and its history.
export function purge(inst) {
  return openDialog({
    title: 'Purge this instance?',
    text: `${inst.name} ${inst.instanceId} and its whole history are deleted from the task hub. This cannot be undone.`,
    confirm: 'Purge',
    danger: true,
    onSubmit: async () => {
      await call('DELETE', `instances/${enc(inst.instanceId)}`);
    },
  });
}

// purgeByFilter deletes every finished instance created in a time range with
// one of the chosen statuses, and resolves to how many it deleted.
export function purgeByFilter(range, statuses) {
  const from = h('input', { type: 'datetime-local', name: 'from', step: '1', required: true });
  const to = h('input', { type: 'datetime-local', name: 'to', step: '1' });
  from.value = toInputValue(Date.parse(range.from));
  to.value = toInputValue(Date.parse(range.to));
  const zone = useUTC() ? 'UTC' : 'your local time';
  const chosen = statuses.filter((s) => TERMINAL.includes(s));
  const boxes = TERMINAL.map((s) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'status', value: s, checked: chosen.length === 0 || chosen.includes(s) }), ` ${s}`));
  return openDialog({
    title: 'Purge finished instances?',
    text: 'Every instance created in this range with one of these statuses is deleted with its history. Running instances are never purged. This cannot be undone.',
    confirm: 'Purge instances',
    danger: true,
    content: [
      field(`Created from (${zone})`, from),
      field(`Created to (${zone}, empty for now)`, to),
      h('fieldset', { class: 'statuses' }, h('legend', {}, 'Statuses'), boxes),
    ],
    onSubmit: async () => {
      if (!from.value) throw new Error('Give the start of the range: the API purges by creation time.');
      const picked = boxes.map((l) => l.querySelector('input')).filter((b) => b.checked).map((b) => b.value);
      if (!picked.length) throw new Error('Choose at least one status.');
      const query = {
        createdTimeFrom: fromInputValue(from.value),
        createdTimeTo: fromInputValue(to.value),
        runtimeStatus: picked,
      };
      const r = await call('DELETE', 'instances', { query, accept: [404] });
      const n = r.status === 404 ? 0 : r.data.instancesDeleted;
      return { deleted: n, text: `${n} instance${n === 1 ? '' : 's'} purged (created ${formatTime(query.createdTimeFrom)} to ${query.createdTimeTo ? formatTime(query.createdTimeTo) : 'now'}).` };
    },
  });
}
