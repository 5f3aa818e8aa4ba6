package dashboard_test

// The browser tests run the sample app (samples/app, with the function
// folders of samples/) in this process, standalone, as `make run` serves
// it: the management API at /runtime/webhooks/durabletask and the
// management function at /api/durabletask, both with the dashboard at ui/.
// The in-memory store keeps seeding fast, and a key is set so that every
// request the page makes must carry it.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/samples/app"
)

const (
	apiPath = "/runtime/webhooks/durabletask"
	testKey = "dashboard-test-key"
	// waitLong bounds every wait on the app or the page.
	waitLong = 30 * time.Second
)

// sampleApp is the running sample app.
type sampleApp struct {
	base   string // http://127.0.0.1:port
	client *durable.Client
}

// startSampleApp serves the sample app until the test ends. It sets
// process environment, so tests that call it do not run in parallel.
func startSampleApp(t *testing.T) *sampleApp {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the tests that run the sample app and a browser")
	}
	// Every test of the app drives a browser: find it before seeding.
	chromiumPath(t)
	t.Setenv("AzureFunctionsJobHost__extensions__durableTask__storageProvider__type", "memory")
	t.Setenv("DURABLETASK_EXTENSION_KEY", testKey)
	// The sample activities log to the default logger: keep test output
	// to the failures.
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	t.Cleanup(func() { slog.SetDefault(prev) })
	dir, err := filepath.Abs("../../samples")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := handler.Start(ctx, app.New(), &handler.Options{
		Mode: handler.Standalone, AppDir: dir, Addr: "127.0.0.1:0",
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		cancel()
		t.Fatalf("start the sample app: %v", err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		cancel()
	})
	return &sampleApp{base: "http://" + srv.Addr(), client: srv.Client()}
}

// dashboardURL is the page's URL with the key, plus a route after the #.
func (a *sampleApp) dashboardURL(route string) string {
	u := a.base + apiPath + "/ui/?code=" + testKey
	if route != "" {
		u += "#" + route
	}
	return u
}

// api calls the management API as a script would, with the key.
func (a *sampleApp) api(t *testing.T, method, path string, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, a.base+apiPath+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-functions-key", testKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// start starts an orchestration with a chosen id.
func (a *sampleApp) start(t *testing.T, name, id string, input any) {
	t.Helper()
	opts := []durable.StartOption{durable.WithInstanceID(id)}
	if _, err := a.client.StartNew(t.Context(), name, input, opts...); err != nil {
		t.Fatalf("start %s %s: %v", name, id, err)
	}
}

// waitStatus waits until the instance has the status.
func (a *sampleApp) waitStatus(t *testing.T, id string, want durable.RuntimeStatus) *durable.Status {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for {
		st, err := a.client.GetStatus(t.Context(), id)
		if err == nil && st.RuntimeStatus == want {
			return st
		}
		if time.Now().After(deadline) {
			got := "no status"
			if st != nil {
				got = st.RuntimeStatus.String()
			}
			t.Fatalf("instance %s is %s (%v) after %v, want %s", id, got, err, waitLong, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCount waits until n instances have the status.
func (a *sampleApp) waitCount(t *testing.T, status durable.RuntimeStatus, n int) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for {
		got := 0
		q := durable.Query{Statuses: []durable.RuntimeStatus{status}, PageSize: 1000}
		for {
			page, err := a.client.ListInstances(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			got += len(page.Instances)
			if page.ContinuationToken == "" {
				break
			}
			q.ContinuationToken = page.ContinuationToken
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d instances are %s after %v, want %d", got, status, waitLong, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// jsonText re-encodes a JSON value compactly, for comparisons.
func jsonText(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(bytes.TrimSpace(b), &v); err != nil {
		t.Fatalf("%s is not JSON: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}
