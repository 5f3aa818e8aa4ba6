// Runtime statuses: their names, their order in filters and what each allows.

export const STATUSES = ['Running', 'Pending', 'Suspended', 'Completed', 'Failed', 'Terminated', 'ContinuedAsNew', 'Canceled'];

// TERMINAL statuses are final: only these can be purged.
export const TERMINAL = ['Completed', 'Failed', 'Terminated', 'Canceled'];

export function isTerminal(s) {
  return TERMINAL.includes(s);
}

// statusClass names the CSS class that colours a status badge.
export function statusClass(s) {
  return `status status-${String(s || 'Unknown').toLowerCase()}`;
}

// allowed reports which operations the API accepts for an instance in status
// s, so the page offers only those.
export function allowed(s) {
  const running = !isTerminal(s);
  return {
    raiseEvent: running,
    terminate: running,
    suspend: running && s !== 'Suspended',
    resume: s === 'Suspended',
    rewind: s === 'Failed',
    restart: true,
    purge: isTerminal(s),
  };
}
