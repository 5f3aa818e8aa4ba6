package dashboard

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
)

//go:embed assets
var embedded embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the dashboard: the page at its mount point and the
// assets below it. Mount it with chi's Mount (mgmtapi mounts it at ui
// under the API's base path) or behind http.StripPrefix; the handler
// serves the path that remains.
type Handler struct {
	assets  map[string]*asset // by path below assets/, e.g. "js/app.js"
	modules []string          // the JavaScript modules, for the import map
	styles  []string          // the stylesheets, in the page's order
}

// New returns the dashboard handler. It holds no state beyond the
// embedded files, read once per process, so any number of mounts share it.
func New() *Handler { return shared() }

var shared = sync.OnceValue(load)

func load() *Handler {
	h := &Handler{assets: map[string]*asset{}}
	err := fs.WalkDir(embedded, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "assets/")
		sum := sha256.Sum256(body)
		h.assets[name] = &asset{body: body, contentType: contentType(name), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		switch {
		case strings.HasPrefix(name, "js/"):
			h.modules = append(h.modules, name)
		case strings.HasPrefix(name, "css/"):
			h.styles = append(h.styles, name)
		}
		return nil
	})
	if err != nil {
		// The files are compiled in: failing to read them is a broken build.
		panic("dashboard: reading the embedded assets: " + err.Error())
	}
	sort.Strings(h.modules)
	sort.Strings(h.styles)
	return h
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		// Modules must be served with a JavaScript type or the browser
		// refuses them.
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// ServeHTTP serves the page or one asset. Only GET and HEAD are served:
// the page changes nothing itself, it calls the API for that.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "The dashboard is read with GET.", http.StatusMethodNotAllowed)
		return
	}
	securityHeaders(w.Header())
	rest := strings.Trim(remainingPath(r), "/")
	switch {
	case rest == "" && !strings.HasSuffix(requestPath(r), "/"):
		// Relative URLs in the page resolve against the folder, so the
		// page must be opened as ui/, not ui.
		redirectToFolder(w, r)
		return
	case rest == "" || rest == "index.html":
		h.servePage(w, r)
		return
	}
	a, ok := h.assets[path.Clean(rest)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("ETag", a.etag)
	// Revalidate every time: an upgraded binary must not run an old
	// module against a new API; the ETag keeps that cheap.
	hd.Set("Cache-Control", "no-cache")
	if match := r.Header.Get("If-None-Match"); match != "" && match == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	_, _ = w.Write(a.body)
}

// remainingPath is the request path below the mount point: what a chi
// Mount left to route, or the path http.StripPrefix left.
func remainingPath(r *http.Request) string {
	if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath != "" {
		return rctx.RoutePath
	}
	return r.URL.Path
}

// requestPath is the path as the client sent it, before any prefix was
// stripped.
func requestPath(r *http.Request) string {
	p := r.RequestURI
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		p = r.URL.Path
	}
	return p
}

// redirectToFolder sends the client from .../ui to .../ui/, keeping the
// query (the key). The Location is relative, so it holds behind proxies
// and the Functions host, which serve the app under other paths.
func redirectToFolder(w http.ResponseWriter, r *http.Request) {
	target := path.Base(requestPath(r)) + "/"
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusFound)
}

// securityHeaders keeps the page from being framed, sniffed or leaking its
// URL (which carries the key) to other sites.
func securityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}
