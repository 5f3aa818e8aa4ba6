// Hash routes: the page's views live after the # so that the page URL itself
// (ui/?code=...) never changes and each view can be bookmarked and shared.
// A route is a path and parameters: #/instances/abc?tab=history.

// current reads the route from the location.
export function current() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { path, segments, params };
}

// href writes the link to a route: segments are escaped one by one, params
// with empty values are left out.
export function href(segments, params = {}) {
  const path = `/${segments.map(encodeURIComponent).join('/')}`;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) {
      if (v.length) q.set(k, v.join(','));
    } else if (v !== undefined && v !== null && v !== '' && v !== false) {
      q.set(k, String(v));
    }
  }
  const qs = q.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

let onRoute = () => {};

// listen calls fn for every route change: a link followed, back and
// forward, or go.
export function listen(fn) {
  onRoute = fn;
  window.addEventListener('hashchange', () => onRoute());
}

// go navigates to a route and shows it at once (a hash change would show it
// a task later); replace keeps the browser history from growing, for a new
// sort order for example.
export function go(segments, params = {}, replace = false) {
  const target = href(segments, params);
  if (target === location.hash) return;
  if (replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  onRoute();
}
