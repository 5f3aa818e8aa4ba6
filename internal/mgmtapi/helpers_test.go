package mgmtapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
)

const base = "/runtime/webhooks/durabletask"

// testEnv is a runtime over the memory store with the API served by a real
// HTTP server.
type testEnv struct {
	t      *testing.T
	client *durable.Client
	api    *mgmtapi.API
	srv    *httptest.Server
	// flaky counts calls of the activity FailsOnce.
	flaky *atomic.Int32
}

// testRegistry registers the functions the tests use.
func testRegistry(t *testing.T) (*durable.Registry, *atomic.Int32) {
	t.Helper()
	reg := durable.NewRegistry()
	var flaky atomic.Int32
	must(t, reg.AddActivity("SayHello", durable.ActivityOf(func(_ context.Context, name string) (string, error) {
		return "Hello " + name + "!", nil
	})))
	must(t, reg.AddActivity("Boom", durable.ActivityOf(func(_ context.Context, _ any) (string, error) {
		return "", errors.New("boom")
	})))
	must(t, reg.AddActivity("FailsOnce", durable.ActivityOf(func(_ context.Context, _ any) (string, error) {
		if flaky.Add(1) == 1 {
			return "", errors.New("first attempt fails")
		}
		return "fixed", nil
	})))
	must(t, reg.AddOrchestrator("Echo", func(ctx *durable.OrchestrationContext) (any, error) {
		var in json.RawMessage
		if err := ctx.GetInput(&in); err != nil {
			return nil, err
		}
		return in, nil
	}))
	must(t, reg.AddOrchestrator("HelloSequence", func(ctx *durable.OrchestrationContext) (any, error) {
		var out []string
		for _, city := range []string{"Tokyo", "Seattle", "London"} {
			var s string
			if err := ctx.CallActivity("SayHello", city).Await(&s); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}))
	must(t, reg.AddOrchestrator("Parent", func(ctx *durable.OrchestrationContext) (any, error) {
		var s []string
		err := ctx.CallSubOrchestrator("HelloSequence", nil).Await(&s)
		return s, err
	}))
	must(t, reg.AddOrchestrator("WaitForEvent", func(ctx *durable.OrchestrationContext) (any, error) {
		var data any
		err := ctx.WaitForExternalEvent("Go").Await(&data)
		return data, err
	}))
	must(t, reg.AddOrchestrator("Sleep", func(ctx *durable.OrchestrationContext) (any, error) {
		_ = ctx.SetCustomStatus(map[string]string{"state": "sleeping"})
		err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Hour)).Await(nil)
		return "woke", err
	}))
	must(t, reg.AddOrchestrator("Fail", func(ctx *durable.OrchestrationContext) (any, error) {
		return nil, ctx.CallActivity("Boom", nil).Await(nil)
	}))
	must(t, reg.AddOrchestrator("Rewindable", func(ctx *durable.OrchestrationContext) (any, error) {
		var s string
		err := ctx.CallActivity("FailsOnce", nil).Await(&s)
		return s, err
	}))
	must(t, reg.AddEntity("Counter", func(ctx *durable.EntityContext) error {
		n := 0
		if err := ctx.GetState(&n); err != nil {
			return err
		}
		switch strings.ToLower(ctx.OperationName()) {
		case "add":
			var amount int
			if err := ctx.GetInput(&amount); err != nil {
				return err
			}
			return ctx.SetState(n + amount)
		case "get":
			return ctx.Return(n)
		case "delete":
			ctx.DeleteState()
			return nil
		}
		return fmt.Errorf("unknown operation %q", ctx.OperationName())
	}))
	must(t, reg.AddEntity("Notes", func(ctx *durable.EntityContext) error {
		var s string
		if err := ctx.GetInput(&s); err != nil {
			return err
		}
		return ctx.SetState(s)
	}))
	return reg, &flaky
}

// newEnv starts a runtime and serves the API (at its full base path) on a
// test server.
func newEnv(t *testing.T, opts ...mgmtapi.Option) *testEnv {
	t.Helper()
	reg, flaky := testRegistry(t)
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rt.Close(ctx)
	})
	api := mgmtapi.New(rt.Client(), opts...)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &testEnv{t: t, client: rt.Client(), api: api, srv: srv, flaky: flaky}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// response is a received HTTP response with its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) String() string {
	return fmt.Sprintf("%d %s", r.Status, r.Body)
}

// json decodes the body into v.
func (r *response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response body is not JSON (%v): %s", err, r.Body)
	}
}

// object decodes the body as a JSON object.
func (r *response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// request describes a request to send.
type request struct {
	method, path string
	body         string
	header       map[string]string
}

// do sends a request to the test server; path is relative to its root.
func (e *testEnv) do(t *testing.T, req request) *response {
	t.Helper()
	return doURL(t, e.srv.URL+req.path, req)
}

func doURL(t *testing.T, url string, req request) *response {
	t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	hr, err := http.NewRequest(req.method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range req.header {
		hr.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(hr.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func get(path string) request  { return request{method: http.MethodGet, path: path} }
func post(path string) request { return request{method: http.MethodPost, path: path} }
func del(path string) request  { return request{method: http.MethodDelete, path: path} }

func postJSON(path, body string) request {
	return request{method: http.MethodPost, path: path, body: body, header: map[string]string{"Content-Type": "application/json"}}
}

// start starts orchestrator name with input and returns the id.
func (e *testEnv) start(name string, input any, opts ...durable.StartOption) string {
	e.t.Helper()
	id, err := e.client.StartNew(context.Background(), name, input, opts...)
	must(e.t, err)
	return id
}

// waitDone waits for the instance to finish.
func (e *testEnv) waitDone(id string) *durable.Status {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := e.client.WaitForCompletion(ctx, id)
	if err != nil {
		e.t.Fatalf("wait for %s: %v", id, err)
	}
	return st
}

// waitStatus waits until the instance has status want.
func (e *testEnv) waitStatus(id string, want durable.RuntimeStatus) *durable.Status {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := e.client.GetStatus(context.Background(), id)
		if err == nil && st.RuntimeStatus == want {
			return st
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("instance %s never reached %v (last: %+v, %v)", id, want, st, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// status returns the instance's current status (or fails).
func (e *testEnv) status(id string) durable.RuntimeStatus {
	e.t.Helper()
	st, err := e.client.GetStatus(context.Background(), id)
	must(e.t, err)
	return st.RuntimeStatus
}

// running starts an instance that stays Running (waiting for an event).
func (e *testEnv) running() string {
	e.t.Helper()
	id := e.start("WaitForEvent", nil)
	e.waitStatus(id, durable.StatusRunning)
	return id
}

// completed starts an instance and waits for it to complete.
func (e *testEnv) completed() string {
	e.t.Helper()
	id := e.start("Echo", json.RawMessage(`{"x":1}`))
	if st := e.waitDone(id); st.RuntimeStatus != durable.StatusCompleted {
		e.t.Fatalf("Echo ended %v", st.RuntimeStatus)
	}
	return id
}

// failed starts an instance and waits for it to fail.
func (e *testEnv) failed() string {
	e.t.Helper()
	id := e.start("Fail", nil)
	if st := e.waitDone(id); st.RuntimeStatus != durable.StatusFailed {
		e.t.Fatalf("Fail ended %v", st.RuntimeStatus)
	}
	return id
}

// expectError checks an error response: status, JSON content and a
// non-empty Message.
func expectError(t *testing.T, r *response, status int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error content type = %q, want application/json; body %s", ct, r.Body)
	}
	m := r.object(t)
	if msg, _ := m["Message"].(string); msg == "" {
		t.Fatalf("error body has no Message: %s", r.Body)
	}
	if _, ok := m["ExceptionMessage"].(string); !ok {
		t.Fatalf("error body has no ExceptionMessage: %s", r.Body)
	}
	return m
}

// compactJSON returns s without insignificant whitespace.
func compactJSON(t *testing.T, s []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, s); err != nil {
		t.Fatalf("not JSON (%v): %s", err, s)
	}
	return b.String()
}
