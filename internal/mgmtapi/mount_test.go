package mgmtapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
)

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestMounting(t *testing.T) {
	tests := []struct {
		name   string
		base   string // WithBasePath
		mount  func(api *mgmtapi.API) http.Handler
		prefix string // where requests are sent
	}{
		{"serves the full path when given the request as is", base,
			func(api *mgmtapi.API) http.Handler { return api }, base},
		{"serves paths with the base stripped by http.StripPrefix", base,
			func(api *mgmtapi.API) http.Handler {
				mux := http.NewServeMux()
				mux.Handle(base+"/", http.StripPrefix(base, api))
				return mux
			}, base},
		{"serves under a chi router's Mount at the base path", "/api/durabletask",
			func(api *mgmtapi.API) http.Handler {
				r := chi.NewRouter()
				r.Mount("/api/durabletask", api)
				return r
			}, "/api/durabletask"},
		{"serves under a chi router's Mount at a private prefix", "/api/durabletask",
			func(api *mgmtapi.API) http.Handler {
				r := chi.NewRouter()
				r.Route("/internal", func(r chi.Router) { r.Mount("/dt", api) })
				return r
			}, "/internal/dt"},
		{"serves under a chi wildcard route at a private prefix", "/api/durabletask",
			func(api *mgmtapi.API) http.Handler {
				r := chi.NewRouter()
				r.Handle("/private/*", api)
				return r
			}, "/private"},
		{"serves at the root with an empty base path", "",
			func(api *mgmtapi.API) http.Handler { return api }, ""},
		{"serves a base path in another case", base,
			func(api *mgmtapi.API) http.Handler { return api }, strings.ToUpper(base)},
	}
	for _, tc := range tests {
		t.Run("it "+tc.name, func(t *testing.T) {
			reg, _ := testRegistry(t)
			rt := durable.NewRuntime(reg, durable.NewMemoryStore())
			rt.Start()
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = rt.Close(ctx)
			})
			api := mgmtapi.New(rt.Client(), mgmtapi.WithBasePath(tc.base))
			srv := newServer(t, tc.mount(api))
			r := doURL(t, srv.URL+tc.prefix+"/orchestrators/Echo/inst%20one", postJSON("", `3`))
			p := checkStatusResponse(t, r)
			want := srv.URL + tc.base + "/instances/inst%20one?taskHub=TestHubName&connection=Storage"
			if p["statusQueryGetUri"] != want {
				t.Fatalf("statusQueryGetUri = %q, want %q", p["statusQueryGetUri"], want)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				r = doURL(t, srv.URL+tc.prefix+"/instances/inst%20one/", get(""))
				if r.Status == http.StatusOK || time.Now().After(deadline) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if r.Status != http.StatusOK || r.object(t)["output"] != 3.0 {
				t.Fatalf("status: %s", r)
			}
			expectError(t, doURL(t, srv.URL+tc.prefix+"/instances/a%2Fb", get("")), http.StatusBadRequest)
		})
	}
}

func TestCreateCheckStatusResponseInAFunction(t *testing.T) {
	e := newEnv(t, mgmtapi.WithBasePath("/api/durabletask"), mgmtapi.WithKey("k"))
	fn := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := e.client.StartNew(r.Context(), "HelloSequence", nil)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if r.URL.Query().Get("wait") != "" {
			e.api.WaitForCompletionOrCreateCheckStatusResponse(w, r, id, 10*time.Second, 100*time.Millisecond)
			return
		}
		e.api.CreateCheckStatusResponse(w, r, id)
	}))
	t.Run("answers 202 with the management URLs on the function's host", func(t *testing.T) {
		r := doURL(t, fn.URL+"/api/HttpStart", post(""))
		p := checkStatusResponse(t, r)
		if !strings.HasPrefix(p["statusQueryGetUri"].(string), fn.URL+"/api/durabletask/instances/") ||
			!strings.Contains(p["statusQueryGetUri"].(string), "?taskHub=TestHubName&connection=Storage&code=i1.") {
			t.Fatalf("statusQueryGetUri = %v", p["statusQueryGetUri"])
		}
	})
	t.Run("answers 200 with the output when waiting", func(t *testing.T) {
		r := doURL(t, fn.URL+"/api/HttpStart?wait=1", post(""))
		if r.Status != http.StatusOK || compactJSON(t, r.Body) != `["Hello Tokyo!","Hello Seattle!","Hello London!"]` {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("answers 400 when the retry interval is longer than the timeout", func(t *testing.T) {
		w := httptest.NewRecorder()
		e.api.WaitForCompletionOrCreateCheckStatusResponse(w, httptest.NewRequest("GET", "/", nil), "x", time.Second, 2*time.Second)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("got %d %s", w.Code, w.Body)
		}
	})
}

func TestTooLargeBodiesAreRefusedBeforeReading(t *testing.T) {
	e := newEnv(t, mgmtapi.WithMaxBodyBytes(10))
	// A body streamed without a length is cut at the limit.
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, `"`+strings.Repeat("y", 100)+`"`)
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", e.srv.URL+base+"/orchestrators/Echo/streamed", pr)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	expectError(t, &response{Status: resp.StatusCode, Header: resp.Header, Body: b}, http.StatusRequestEntityTooLarge)
	if _, err := e.client.GetStatus(context.Background(), "streamed"); err == nil {
		t.Fatal("the instance was started")
	}
}

func TestMakePrimaryIsANoOp(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{"GET", "POST"} {
		if r := e.do(t, request{method: m, path: base + "/makeprimary"}); r.Status != http.StatusOK {
			t.Fatalf("%s makeprimary: %s", m, r)
		}
	}
}

func TestClientBindingDataPointsAtTheAPI(t *testing.T) {
	e := newEnv(t, mgmtapi.WithBasePath("/api/durabletask"), mgmtapi.WithHubName("MyHub"), mgmtapi.WithKey("K"))
	r := httptest.NewRequest("POST", "http://localhost:7071/api/HttpStart", nil)
	b := e.api.ClientBindingData(r)
	want := mgmtapi.ClientBindingData{
		TaskHubName:    "MyHub",
		ConnectionName: "Storage",
		CreationURLs: mgmtapi.CreationURLs{
			CreateNewInstancePostURI:          "http://localhost:7071/api/durabletask/orchestrators/{functionName}[/{instanceId}]?code=K",
			CreateAndWaitOnNewInstancePostURI: "http://localhost:7071/api/durabletask/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=K",
		},
		BaseURL:                       "http://localhost:7071/api/durabletask",
		RequiredQueryStringParameters: "code=K",
		RPCBaseURL:                    "", // durable-js would call it without the key
	}
	mgmt := b.ManagementURLs
	b.ManagementURLs = mgmtapi.Payload{}
	if b != want {
		t.Fatalf("got %+v\nwant %+v", b, want)
	}
	if mgmt.ID != "INSTANCEID" || mgmt.RewindPostURI != "http://localhost:7071/api/durabletask/instances/INSTANCEID/rewind?reason={text}&taskHub=MyHub&connection=Storage&code=K" {
		t.Fatalf("management URLs %+v", mgmt)
	}
	// With a key the JS client uses the templates, which carry it.
	create := strings.NewReplacer("{functionName}", "Echo", "[/{instanceId}]", "/js-1").Replace(b.CreationURLs.CreateNewInstancePostURI)
	u, _ := url.Parse(create)
	resp := doURL(t, e.srv.URL+u.RequestURI(), postJSON("", `"from js"`))
	checkStatusResponse(t, resp)
}

// Without a key, durable-js takes the shorter way: rpcBaseUrl and paths
// relative to it.
func TestClientBindingDataWithoutAKeyOffersTheRPCBase(t *testing.T) {
	e := newEnv(t, mgmtapi.WithBasePath("/api/durabletask"))
	b := e.api.ClientBindingData(httptest.NewRequest("POST", "http://localhost:7071/api/HttpStart", nil))
	if b.RPCBaseURL != "http://localhost:7071/api/durabletask/" || b.RequiredQueryStringParameters != "" {
		t.Fatalf("rpcBaseUrl %q, requiredQueryStringParameters %q", b.RPCBaseURL, b.RequiredQueryStringParameters)
	}
	u, _ := url.Parse(b.RPCBaseURL)
	rel, _ := u.Parse("orchestrators/Echo/js-1")
	checkStatusResponse(t, doURL(t, e.srv.URL+rel.Path, postJSON("", `"from js"`)))
}
