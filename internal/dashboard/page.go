package dashboard

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Markers in assets/index.html that servePage fills in.
const (
	markerHead  = "<!--dashboard:head-->"
	markerQuery = "{{query}}"
)

// servePage writes index.html with what depends on the request: the key
// on every asset URL, an import map that adds it to the URLs the modules
// import each other by, and the nonce that lets the browser run that map
// under a policy that forbids every other inline script.
func (h *Handler) servePage(w http.ResponseWriter, r *http.Request) {
	page := string(h.assets["index.html"].body)
	query := ""
	if code := r.URL.Query().Get("code"); code != "" {
		// QueryEscape leaves only characters that are safe in HTML
		// attributes and JSON strings alike.
		query = "?code=" + url.QueryEscape(code)
	}
	nonce := newNonce()
	var head strings.Builder
	if query != "" {
		head.WriteString(`<script type="importmap" nonce="` + nonce + `">`)
		head.Write(h.importMap(query))
		head.WriteString("</script>\n")
	}
	for _, css := range h.styles {
		head.WriteString(`<link rel="stylesheet" href="` + css + query + `">` + "\n")
	}
	page = strings.Replace(page, markerHead, head.String(), 1)
	page = strings.ReplaceAll(page, markerQuery, query)

	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	// The page carries the key: keep it out of caches.
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", contentSecurityPolicy(nonce))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	_, _ = w.Write([]byte(page))
}

// importMap maps every module's URL, relative to the page, to the same URL
// with the key. A module imports another as "./api.js"; the browser
// resolves that against the importing module's URL, dropping its query,
// and the map puts the key back.
func (h *Handler) importMap(query string) []byte {
	imports := make(map[string]string, len(h.modules))
	for _, m := range h.modules {
		imports["./"+m] = "./" + m + query
	}
	b, _ := json.Marshal(map[string]any{"imports": imports})
	return b
}

// contentSecurityPolicy allows the page's own files, its calls to the API
// (same origin) and the one inline script, the import map; nothing from
// another origin, no inline styles in markup, no framing.
func contentSecurityPolicy(nonce string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self' 'nonce-" + nonce + "'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"form-action 'none'",
		"base-uri 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}
