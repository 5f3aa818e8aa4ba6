// How times, durations and payloads are written on the page.

const UTC_KEY = 'durable-dashboard-utc';

// useUTC reports whether times are shown in UTC rather than local time; the
// choice is kept in the browser.
export function useUTC() {
  return localStorage.getItem(UTC_KEY) === '1';
}

export function setUseUTC(on) {
  localStorage.setItem(UTC_KEY, on ? '1' : '0');
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// parseTime reads an API time (ISO 8601, up to 9 fractional digits) into
// milliseconds since the epoch, with a fraction: history times have 100 ns
// precision and an episode's events are often microseconds apart.
export function parseTime(s) {
  if (!s) return NaN;
  const m = /^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(String(s));
  if (!m) return Date.parse(s);
  const whole = Date.parse(m[1] + (m[3] || 'Z'));
  return m[2] ? whole + Number(m[2]) * 1000 : whole;
}

// formatTime writes a time as 2024-01-31 12:00:00 (local or UTC), with
// milliseconds when asked.
export function formatTime(t, withMillis = false) {
  const ms = typeof t === 'number' ? t : parseTime(t);
  if (Number.isNaN(ms)) return '';
  const d = new Date(Math.floor(ms));
  const u = useUTC();
  const parts = u
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  let s = `${parts[0]}-${pad(parts[1])}-${pad(parts[2])} ${pad(parts[3])}:${pad(parts[4])}:${pad(parts[5])}`;
  if (withMillis) s += `.${pad(parts[6], 3)}`;
  return u ? `${s} UTC` : s;
}

// toInputValue writes a time for a datetime-local input, in the zone the
// page shows times in.
export function toInputValue(ms) {
  if (Number.isNaN(ms) || ms === null || ms === undefined) return '';
  const d = new Date(ms);
  if (useUTC()) return d.toISOString().slice(0, 19);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// fromInputValue reads a datetime-local value into an ISO UTC string.
export function fromInputValue(v) {
  if (!v) return '';
  const ms = useUTC() ? Date.parse(`${v}Z`) : new Date(v).getTime();
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

// formatDuration writes a length of time the way a person reads it:
// 850 ms, 2.4 s, 3 min 5 s, 2 h 10 min, 3 d 4 h.
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms === 0) return '0 ms';
  if (ms < 0.01) return '< 0.01 ms';
  if (ms < 10) return `${Number(ms.toPrecision(2))} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs} h ${m % 60} min`;
  return `${Math.floor(hrs / 24)} d ${hrs % 24} h`;
}

// formatJSON writes a payload for a <pre>: strings that hold JSON are shown
// as that JSON, everything else indented.
export function formatJSON(v) {
  if (v === undefined) return '';
  if (typeof v === 'string') {
    const t = v.trim();
    if ((t.startsWith('{') || t.startsWith('[')) && t.length > 1) {
      try { return JSON.stringify(JSON.parse(t), null, 2); } catch { /* plain text */ }
    }
    return v;
  }
  return JSON.stringify(v, null, 2);
}

// preview writes a payload on one line, cut to max characters.
export function preview(v, max = 80) {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
