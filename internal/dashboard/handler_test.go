package dashboard_test

// The handler and the assets, without a browser: what the server sends and
// what the files may contain.

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/dashboard"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
)

// apiServer serves the management API with a key, at base, as the app does.
func apiServer(t *testing.T, base string) (*httptest.Server, *mgmtapi.API) {
	t.Helper()
	rt := durable.NewRuntime(durable.NewRegistry(), durable.NewMemoryStore())
	api := mgmtapi.New(rt.Client(), mgmtapi.WithKey(testKey), mgmtapi.WithBasePath(base))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv, api
}

func get(t *testing.T, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestTheAPIServesThePageUnderItsOwnKeyCheck(t *testing.T) {
	for _, base := range []string{apiPath, "/api/durabletask"} {
		srv, api := apiServer(t, base)
		ui := srv.URL + base + "/ui/"

		t.Run(base+": without the key the page is refused", func(t *testing.T) {
			if resp, _ := get(t, ui); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("GET %s without a key: %d, want 401", ui, resp.StatusCode)
			}
			if resp, _ := get(t, ui+"js/app.js"); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("GET a module without a key: %d, want 401", resp.StatusCode)
			}
		})
		t.Run(base+": a link scoped to one instance does not open it", func(t *testing.T) {
			p := api.CheckStatusPayload(httptest.NewRequest(http.MethodGet, srv.URL, nil), "abc")
			u, _ := url.Parse(p.StatusQueryGetURI)
			scoped := u.Query().Get("code")
			if !strings.HasPrefix(scoped, "i1.") {
				t.Fatalf("no scoped code in %s", p.StatusQueryGetURI)
			}
			if resp, _ := get(t, ui+"?code="+url.QueryEscape(scoped)); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("GET the page with an instance's code: %d, want 401", resp.StatusCode)
			}
		})
		t.Run(base+": with the key the page carries it to every file it loads", func(t *testing.T) {
			resp, body := get(t, ui+"?code="+testKey)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("GET the page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			for _, want := range []string{`href="css/base.css?code=` + testKey + `"`, `src="js/app.js?code=` + testKey + `"`, `"./js/api.js":"./js/api.js?code=` + testKey + `"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			csp := resp.Header.Get("Content-Security-Policy")
			nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp)
			if nonce == nil || !strings.Contains(body, `<script type="importmap" nonce="`+nonce[1]+`">`) {
				t.Errorf("the import map does not carry the policy's nonce: %s", csp)
			}
			for _, want := range []string{"default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("policy %q lacks %s", csp, want)
				}
			}
			if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("Cache-Control %q, Referrer-Policy %q: the page carries the key and must not be kept or leaked",
					resp.Header.Get("Cache-Control"), resp.Header.Get("Referrer-Policy"))
			}
		})
		t.Run(base+": the key also works in the header", func(t *testing.T) {
			if resp, _ := get(t, ui+"css/base.css", "x-functions-key", testKey); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET a stylesheet with the key header: %d", resp.StatusCode)
			}
		})
	}
}

func TestTheHandlerServesBehindStripPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/ops/dash/", http.StripPrefix("/ops/dash", dashboard.New()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	// Opened without a key, the page loads its files without one.
	resp, body := get(t, srv.URL+"/ops/dash/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `src="js/app.js"`) || strings.Contains(body, "importmap") {
		t.Fatalf("GET the page: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv.URL+"/ops/dash/js/app.js"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET a module: %d", resp.StatusCode)
	}
}

func TestThePageIsOpenedAsAFolder(t *testing.T) {
	srv, _ := apiServer(t, apiPath)
	resp, _ := get(t, srv.URL+apiPath+"/ui?code="+testKey)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "ui/?code="+testKey {
		t.Fatalf("GET ui: %d to %q, want 302 to ui/?code=%s", resp.StatusCode, resp.Header.Get("Location"), testKey)
	}
}

func TestTheAssetsAreServedWithTheirTypesAndRevalidated(t *testing.T) {
	srv, _ := apiServer(t, apiPath)
	ui := srv.URL + apiPath + "/ui/"
	for file, typ := range map[string]string{"js/app.js": "text/javascript", "css/base.css": "text/css", "img/icon.svg": "image/svg+xml"} {
		resp, _ := get(t, ui+file+"?code="+testKey)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), typ) {
			t.Errorf("%s: %d %q, want 200 %s", file, resp.StatusCode, resp.Header.Get("Content-Type"), typ)
			continue
		}
		etag := resp.Header.Get("ETag")
		again, _ := get(t, ui+file+"?code="+testKey, "If-None-Match", etag)
		if etag == "" || again.StatusCode != http.StatusNotModified {
			t.Errorf("%s: ETag %q answered %d, want 304", file, etag, again.StatusCode)
		}
	}
	if resp, _ := get(t, ui+"js/nope.js?code="+testKey); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown file: %d, want 404", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, ui+"?code="+testKey, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST the page: %d, want 405", resp.StatusCode)
	}
}

// assetFiles reads every file under assets/.
func assetFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir("assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(strings.TrimPrefix(p, "assets"+string(filepath.Separator)))] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestThePageWorksOfflineFromItsOwnFiles(t *testing.T) {
	// The SVG namespace is a name, not a download.
	external := regexp.MustCompile(`(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for name, text := range assetFiles(t) {
		for _, m := range external.FindAllString(text, -1) {
			if m != "http://www.w3.org" {
				t.Errorf("%s refers to %s: the page must load nothing from another origin", name, m)
			}
		}
	}
}

func TestEveryModuleImportResolvesAndEveryModuleIsUsed(t *testing.T) {
	files := assetFiles(t)
	imports := regexp.MustCompile(`(?m)^import .* from '\./([a-z]+\.js)';$`)
	used := map[string]bool{"js/app.js": true}
	for name, text := range files {
		if !strings.HasPrefix(name, "js/") {
			continue
		}
		for _, m := range imports.FindAllStringSubmatch(text, -1) {
			if _, ok := files["js/"+m[1]]; !ok {
				t.Errorf("%s imports %s, which does not exist", name, m[1])
			}
			used["js/"+m[1]] = true
		}
	}
	for name := range files {
		if strings.HasPrefix(name, "js/") && !used[name] {
			t.Errorf("%s is imported by no module", name)
		}
	}
}

func TestTheScriptsNeverWriteMarkup(t *testing.T) {
	// Everything shown comes from the task hub (inputs, outputs, reasons):
	// text goes in as text.
	for name, text := range assetFiles(t) {
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.HasPrefix(name, "js/") && strings.Contains(text, bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
	}
}

func TestNoAssetIsLongerThanFiveHundredLines(t *testing.T) {
	for name, text := range assetFiles(t) {
		if n := strings.Count(text, "\n"); n > 500 {
			t.Errorf("%s has %d lines", name, n)
		}
	}
}
