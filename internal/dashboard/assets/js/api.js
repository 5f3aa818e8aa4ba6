// The management API client. The page is served at ui/ under the API's base
// path, so the API is one folder up, whether that is
// /runtime/webhooks/durabletask (standalone) or /api/durabletask (behind the
// Functions host). Every call carries the key the page was opened with.

const pageKey = new URLSearchParams(location.search).get('code') || '';
const apiBase = new URL('../', document.baseURI);

export const CONTINUATION = 'x-ms-continuation-token';

// ApiError is a refused or failed call, with the API's own message.
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// url builds the URL of an API path (relative, no leading slash) with its
// query; empty and missing values are left out.
export function url(path, query = {}) {
  const u = new URL(path, apiBase);
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) {
      if (v.length) u.searchParams.set(k, v.join(','));
    } else if (v !== undefined && v !== null && v !== '') {
      u.searchParams.set(k, String(v));
    }
  }
  return u.toString();
}

// call sends one request. body is sent as JSON when given (undefined sends
// none). It resolves to {status, data, token, headers}; statuses other than
// 2xx reject with an ApiError, except those listed in opts.accept.
export async function call(method, path, { query, body, token, signal, accept = [] } = {}) {
  const headers = {};
  if (pageKey) headers['x-functions-key'] = pageKey;
  if (token) headers[CONTINUATION] = token;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const resp = await fetch(url(path, query), { method, headers, body: payload, signal, cache: 'no-store' });
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!resp.ok && !accept.includes(resp.status)) {
    throw new ApiError(resp.status, errorMessage(resp, data), data);
  }
  return { status: resp.status, data, token: resp.headers.get(CONTINUATION) || '', headers: resp.headers };
}

function errorMessage(resp, data) {
  const what = data && typeof data === 'object' ? (data.Message || data.message) : data;
  if (resp.status === 401) return 'The key is missing or wrong: open the dashboard with ?code=<the durabletask_extension key>.';
  return `${resp.status} ${resp.statusText}${what ? `: ${what}` : ''}`;
}

export const enc = encodeURIComponent;

// listInstances fetches one page of orchestration instances.
export function listInstances(filter, token, signal) {
  return call('GET', 'instances', {
    token, signal,
    query: {
      runtimeStatus: filter.statuses,
      createdTimeFrom: filter.from,
      createdTimeTo: filter.to,
      instanceIdPrefix: filter.prefix,
      top: filter.top,
      showInput: filter.showInput === false ? 'false' : undefined,
    },
  });
}

// getInstance fetches an instance with its history, inputs and outputs. A
// missing instance resolves to null.
export async function getInstance(id, signal) {
  const r = await call('GET', `instances/${enc(id)}`, {
    signal, accept: [404],
    query: { showHistory: 'true', showHistoryOutput: 'true', showInput: 'true' },
  });
  if (r.status === 404) return null;
  return r.data;
}

export function listEntities(name, token, top, signal) {
  return call('GET', name ? `entities/${enc(name)}` : 'entities', {
    token, signal, query: { fetchState: 'true', top },
  });
}

// getEntity resolves to {exists, state}.
export async function getEntity(name, key, signal) {
  const r = await call('GET', `entities/${enc(name)}/${key === '' ? '$' : enc(key)}`, { signal, accept: [404] });
  return { exists: r.status !== 404, state: r.status === 404 ? null : r.data };
}
