package webhooks_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
	"github.com/godurable/durablefunctions/webhooks"
)

// The facade repeats two constants as literals so that go doc shows their
// values; they must not drift from the implementation's.
func TestConstantsMatchTheImplementation(t *testing.T) {
	if webhooks.DefaultBasePath != mgmtapi.DefaultBasePath || webhooks.KeyHeader != mgmtapi.KeyHeader {
		t.Fatalf("webhooks %q %q, mgmtapi %q %q", webhooks.DefaultBasePath, webhooks.KeyHeader, mgmtapi.DefaultBasePath, mgmtapi.KeyHeader)
	}
}

func newRuntime(t *testing.T) *durable.Runtime {
	t.Helper()
	reg := durable.NewRegistry()
	if err := reg.AddOrchestrator("Hello", func(ctx *durable.OrchestrationContext) (any, error) {
		return "Hello!", nil
	}); err != nil {
		t.Fatal(err)
	}
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rt.Close(ctx)
	})
	return rt
}

func serve(api http.Handler, method, target, body string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	api.ServeHTTP(w, r)
	return w
}

func TestOptionsReachTheAPI(t *testing.T) {
	rt := newRuntime(t)
	api := webhooks.New(rt.Client(),
		webhooks.WithBasePath("/api/durabletask"),
		webhooks.WithHubName("MyHub"),
		webhooks.WithConnectionName("Conn"),
		webhooks.WithKey("k"),
		webhooks.WithMaxBodyBytes(10),
		webhooks.Option{}, // the zero Option changes nothing
	)
	t.Run("WithKey refuses requests without the key", func(t *testing.T) {
		if w := serve(api, "GET", "/api/durabletask/instances", ""); w.Code != http.StatusUnauthorized {
			t.Fatalf("got %d %s", w.Code, w.Body)
		}
		if w := serve(api, "GET", "/api/durabletask/instances", "", webhooks.KeyHeader, "k"); w.Code != http.StatusOK {
			t.Fatalf("with the key header: got %d %s", w.Code, w.Body)
		}
	})
	t.Run("WithHubName refuses another task hub", func(t *testing.T) {
		if w := serve(api, "GET", "/api/durabletask/instances?code=k&taskHub=Other", ""); w.Code != http.StatusBadRequest {
			t.Fatalf("got %d %s", w.Code, w.Body)
		}
	})
	t.Run("WithMaxBodyBytes refuses larger bodies", func(t *testing.T) {
		w := serve(api, "POST", "/api/durabletask/orchestrators/Hello?code=k", `"`+strings.Repeat("x", 20)+`"`, "Content-Type", "application/json")
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("got %d %s", w.Code, w.Body)
		}
	})
	t.Run("the base path, hub, connection and a code scoped to the instance shape the URLs", func(t *testing.T) {
		w := httptest.NewRecorder()
		api.CreateCheckStatusResponse(w, httptest.NewRequest("POST", "https://example.com/start", nil), "i1")
		want := "https://example.com/api/durabletask/instances/i1?taskHub=MyHub&connection=Conn&code=i1."
		loc := w.Header().Get("Location")
		if w.Code != http.StatusAccepted || !strings.HasPrefix(loc, want) || strings.HasSuffix(loc, "code=k") {
			t.Fatalf("got %d, Location %q, want %q followed by the scoped code", w.Code, loc, want)
		}
	})
}

func TestWithLoggerReceivesServerErrors(t *testing.T) {
	rt := newRuntime(t)
	var logs bytes.Buffer
	api := webhooks.New(rt.Client(), webhooks.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	// A closed store fails every request with a server error.
	if err := rt.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := serve(api, "GET", webhooks.DefaultBasePath+"/instances/x", "")
	if w.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "request failed") {
		t.Fatalf("got %d %s; logs: %s", w.Code, w.Body, logs.String())
	}
}

func TestWaitForCompletionAnswersWithTheOutput(t *testing.T) {
	rt := newRuntime(t)
	api := webhooks.New(rt.Client())
	id, err := rt.Client().StartNew(context.Background(), "Hello", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	api.WaitForCompletionOrCreateCheckStatusResponse(w, httptest.NewRequest("POST", "/start", nil), id, 10*time.Second, 100*time.Millisecond)
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `"Hello!"` {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	st := serve(api, "GET", webhooks.DefaultBasePath+"/instances/"+id, "")
	if st.Code != http.StatusOK || !strings.Contains(st.Body.String(), `"runtimeStatus":"Completed"`) {
		t.Fatalf("status at the default base path: %d %s", st.Code, st.Body)
	}
}
