package hostemu

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

// testApp is a small function app covering every trigger the emulator
// invokes.
var testApp = map[string]string{
	"host.json":                      `{"version": "2.0", "extensions": {"durableTask": {"hubName": "EmuHub"}}}`,
	"Q/function.json":                `{"bindings":[{"type":"queueTrigger","name":"msg","queueName":"q"}]}`,
	"BinaryQ/function.json":          `{"bindings":[{"type":"queueTrigger","name":"msg","queueName":"q","dataType":"binary"}]}`,
	"CounterFromQueue/function.json": `{"bindings":[{"type":"queueTrigger","name":"message","queueName":"q"},{"type":"durableClient","name":"client"}]}`,
	"Many/function.json":             `{"bindings":[{"type":"eventHubTrigger","name":"events","eventHubName":"h","cardinality":"many","consumerGroup":"cg"}]}`,
	"One/function.json":              `{"bindings":[{"type":"eventHubTrigger","name":"event","eventHubName":"h"}]}`,
	"BinaryMany/function.json":       `{"bindings":[{"type":"eventHubTrigger","name":"events","eventHubName":"h","cardinality":"many","dataType":"binary"}]}`,
	"Tick/function.json":             `{"bindings":[{"type":"timerTrigger","name":"timer","schedule":"0 */5 * * * *"}]}`,
	"HttpStart/function.json": `{"bindings":[
		{"type":"httpTrigger","name":"req","methods":["post"],"route":"orchestrators/{functionName}/{instanceId?}"},
		{"type":"http","direction":"out","name":"res"},
		{"type":"durableClient","name":"starter"}]}`,
	"Hello/function.json": `{"bindings":[{"type":"httpTrigger","name":"req"},{"type":"http","direction":"out","name":"$return"}]}`,
	"Api/function.json":   `{"bindings":[{"type":"httpTrigger","name":"req","route":"durabletask/{*path}"},{"type":"http","direction":"out","name":"res"}]}`,
	"Orch/function.json":  `{"bindings":[{"type":"orchestrationTrigger","name":"context"}]}`,
	"Ent/function.json":   `{"bindings":[{"type":"entityTrigger","name":"context"}]}`,
}

func loadApp(t *testing.T, files map[string]string, environ ...string) *funcapp.App {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := funcapp.LoadSettings(dir, false, environ)
	if err != nil {
		t.Fatal(err)
	}
	app, err := funcapp.LoadAppWithSettings(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// recorded is one request the fake handler received.
type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// fakeHandler records requests and answers with a fixed reply.
type fakeHandler struct {
	mu          sync.Mutex
	requests    []recorded
	status      int
	contentType string
	reply       string
	header      http.Header
}

func (f *fakeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
	status, ct, reply, header := f.status, f.contentType, f.reply, f.header
	f.mu.Unlock()
	if ct == "" {
		ct = "application/json"
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", ct)
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if reply == "" {
		reply = `{"Outputs":{},"Logs":[],"ReturnValue":null}`
	}
	_, _ = io.WriteString(w, reply)
}

func (f *fakeHandler) last(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("the handler received no request")
	}
	return f.requests[len(f.requests)-1]
}

// newTestHost starts a fake handler and a deterministic Host in front of it.
func newTestHost(t *testing.T, app *funcapp.App) (*Host, *fakeHandler) {
	t.Helper()
	fake := &fakeHandler{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	h := New(app, srv.URL+"/")
	h.Now = func() time.Time { return time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC) }
	var mu sync.Mutex
	n := 0
	h.NewID = func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("id-%d", n)
	}
	return h, fake
}

func TestInvokeQueueSendsTheHostsExactBytes(t *testing.T) {
	h, fake := newTestHost(t, loadApp(t, testApp))
	resp, err := h.InvokeQueue(t.Context(), "Q", `hi "there" <&>`, 3)
	if err != nil {
		t.Fatal(err)
	}
	if resp == nil || len(resp.Outputs) != 0 || resp.ReturnValue != nil {
		t.Errorf("reply = %+v", resp)
	}
	got := fake.last(t)
	want := `{"Data":{"msg":"\"hi \\\"there\\\" <&>\""},"Metadata":{"DequeueCount":"3","ExpirationTime":"2024-05-08T10:00:00+00:00","Id":"\"id-1\"","InsertionTime":"2024-05-01T10:00:00+00:00","NextVisibleTime":"2024-05-01T10:10:00+00:00","PopReceipt":"\"aWQtMQ==\"","sys":{"MethodName":"Q","RandGuid":"id-2","UtcNow":"2024-05-01T10:00:00Z"}}}`
	if string(got.Body) != want {
		t.Errorf("body:\n got %s\nwant %s", got.Body, want)
	}
	wantHeaders := map[string]string{
		"Content-Type":                   "application/json; charset=utf-8",
		"X-Azure-Functions-Invocationid": "id-3",
		"X-Azure-Functions-Hostversion":  DefaultHostVersion,
		"User-Agent":                     "Azure-Functions-Host/" + DefaultHostVersion,
	}
	for k, v := range wantHeaders {
		if got.Header.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, got.Header.Get(k), v)
		}
	}
	if got.Method != http.MethodPost || got.Path != "/Q" {
		t.Errorf("request line = %s %s", got.Method, got.Path)
	}
}

func TestEverySentPayloadDecodesBackToWhatWasSent(t *testing.T) {
	app := loadApp(t, testApp)
	tests := []struct {
		name   string
		invoke func(h *Host) error
		check  func(t *testing.T, req *funcapp.InvocationRequest)
	}{
		{"a queue message with a durable client", func(h *Host) error {
			_, err := h.InvokeQueue(t.Context(), "CounterFromQueue", `{"key":"a","amount":2}`, 1)
			return err
		}, func(t *testing.T, req *funcapp.InvocationRequest) {
			msg, err := funcapp.DecodeQueueMessage(req, "message")
			if err != nil || msg.Text != `{"key":"a","amount":2}` || msg.DequeueCount != 1 || msg.ID != "id-1" ||
				!msg.ExpirationTime.Equal(time.Date(2024, 5, 8, 10, 0, 0, 0, time.UTC)) {
				t.Errorf("message = %+v, %v", msg, err)
			}
			raw, _ := req.Value("client")
			client, err := funcapp.DecodeString(raw)
			if err != nil || !strings.Contains(client, `"taskHubName":"EmuHub"`) || !strings.Contains(client, "&pollingInterval=") {
				t.Errorf("client = %s, %v", client, err)
			}
		}},
		{"a binary queue message", func(h *Host) error {
			_, err := h.InvokeQueue(t.Context(), "BinaryQ", "\x00\x01", 2)
			return err
		}, func(t *testing.T, req *funcapp.InvocationRequest) {
			raw, _ := req.Value("msg")
			if string(raw) != `"AAE="` {
				t.Errorf("binary message sent as %s", raw)
			}
		}},
		{"an event batch", func(h *Host) error {
			_, err := h.InvokeEventHub(t.Context(), "Many", [][]byte{[]byte(`{"key":"a","amount":1}`), []byte("plain")})
			return err
		}, func(t *testing.T, req *funcapp.InvocationRequest) {
			batch, err := funcapp.DecodeEventHub(req, app.Function("Many").Trigger)
			if err != nil || len(batch.Events) != 2 || string(batch.Events[0].Body) != `{"key":"a","amount":1}` ||
				string(batch.Events[1].Body) != "plain" || batch.Events[1].SequenceNumber != 2 ||
				batch.Partition.ConsumerGroup != "cg" || !batch.Events[0].EnqueuedTime.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) {
				t.Errorf("batch = %+v, %v", batch, err)
			}
		}},
		{"a binary event batch", func(h *Host) error {
			_, err := h.InvokeEventHub(t.Context(), "BinaryMany", [][]byte{{0xff, 0}})
			return err
		}, func(t *testing.T, req *funcapp.InvocationRequest) {
			batch, err := funcapp.DecodeEventHub(req, app.Function("BinaryMany").Trigger)
			if err != nil || string(batch.Events[0].Body) != "\xff\x00" {
				t.Errorf("batch = %+v, %v", batch, err)
			}
		}},
		{"a single event", func(h *Host) error {
			_, err := h.InvokeEventHub(t.Context(), "One", [][]byte{[]byte(`"quoted"`)})
			return err
		}, func(t *testing.T, req *funcapp.InvocationRequest) {
			batch, err := funcapp.DecodeEventHub(req, app.Function("One").Trigger)
			if err != nil || len(batch.Events) != 1 || batch.Events[0].SequenceNumber != 1 || batch.Events[0].Offset != "64" {
				t.Errorf("batch = %+v, %v", batch, err)
			}
		}},
		{"a timer", func(h *Host) error {
			_, err := h.InvokeTimer(t.Context(), "Tick")
			return err
		}, func(t *testing.T, req *funcapp.InvocationRequest) {
			raw, _ := req.Value("timer")
			info, err := funcapp.DecodeTimer(raw)
			if err != nil || info.IsPastDue || info.ScheduleStatus == nil || !info.ScheduleStatus.Next.Equal(time.Date(2024, 5, 1, 10, 5, 0, 0, time.UTC)) {
				t.Errorf("timer = %+v, %v", info, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, fake := newTestHost(t, app)
			if err := tt.invoke(h); err != nil {
				t.Fatal(err)
			}
			req, err := funcapp.DecodeInvocationRequest(fake.last(t).Body)
			if err != nil {
				t.Fatal(err)
			}
			sys, err := req.Sys()
			if err != nil || sys.MethodName == "" || sys.RandGuid == "" {
				t.Errorf("sys = %+v, %v", sys, err)
			}
			for k := range req.Metadata {
				if strings.HasSuffix(strings.ToLower(k), "trigger") {
					t.Errorf("Metadata has %q, which the host drops", k)
				}
			}
			tt.check(t, req)
		})
	}
}

func TestInvokeEventHubDeliversOneInvocationPerEventForCardinalityOne(t *testing.T) {
	h, fake := newTestHost(t, loadApp(t, testApp))
	replies, err := h.InvokeEventHub(t.Context(), "One", [][]byte{[]byte("a"), []byte("b"), []byte("c")})
	if err != nil || len(replies) != 3 || len(fake.requests) != 3 {
		t.Fatalf("replies %d requests %d err %v", len(replies), len(fake.requests), err)
	}
	want := `{"Data":{"event":"\"c\""},"Metadata":{"EnqueuedTimeUtc":"2024-05-01T10:00:00Z","Offset":"\"192\"","PartitionContext":{"ConsumerGroup":"$Default","EventHubName":"h","FullyQualifiedNamespace":"hostemu.servicebus.windows.net","PartitionId":"0"},"PartitionKey":"null","Properties":{},"SequenceNumber":"3","SystemProperties":{"x-opt-enqueued-time":"2024-05-01T10:00:00Z","x-opt-offset":"192","x-opt-sequence-number":3},"sys":{"MethodName":"One","RandGuid":"id-5","UtcNow":"2024-05-01T10:00:00Z"}}}`
	if got := string(fake.last(t).Body); got != want {
		t.Errorf("last body:\n got %s\nwant %s", got, want)
	}
	replies, err = h.InvokeEventHub(t.Context(), "Many", [][]byte{[]byte("a"), []byte("b")})
	if err != nil || len(replies) != 1 || len(fake.requests) != 4 {
		t.Fatalf("batch: replies %d requests %d err %v", len(replies), len(fake.requests), err)
	}
	body := string(fake.last(t).Body)
	if !strings.Contains(body, `"events":"[\"a\",\"b\"]"`) || !strings.Contains(body, `"SequenceNumberArray":"[4,5]"`) ||
		!strings.Contains(body, `"PartitionKeyArray":"[null,null]"`) {
		t.Errorf("batch body = %s", body)
	}
}

func TestInvokeHTTPSendsTheRequestObjectAndBuildsTheResponse(t *testing.T) {
	h, fake := newTestHost(t, loadApp(t, testApp))
	fake.reply = `{"Outputs":{"res":{"statusCode":"202","body":{"id":"abc"},"headers":{"Location":"http://x/abc"}}},"Logs":["started"],"ReturnValue":null}`
	r := httptest.NewRequest(http.MethodPost, "/api/orchestrators/HelloSequence?wait=1&tag=a&tag=b", strings.NewReader(`{"city":"Tokyo"}`))
	r.Header.Set("Content-Type", "application/json")
	res, err := h.InvokeHTTP(t.Context(), "HttpStart", r)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 202 || string(res.Body) != `{"id":"abc"}` || res.Header.Get("Location") != "http://x/abc" ||
		res.Header.Get("Content-Type") != "application/json; charset=utf-8" || res.Forwarded || res.Invocation.Logs[0] != "started" {
		t.Errorf("result = %+v", res)
	}
	got := fake.last(t)
	if got.Path != "/HttpStart" {
		t.Errorf("path = %s", got.Path)
	}
	req, err := funcapp.DecodeInvocationRequest(got.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := req.Value("req")
	if string(raw) != `{"Url":"http://example.com/api/orchestrators/HelloSequence?wait=1&tag=a&tag=b","Method":"POST","Query":{"tag":"a,b","wait":"1"},"Headers":{"Content-Type":["application/json"],"Host":["example.com"]},"Params":{"functionName":"HelloSequence"},"Identities":[],"Body":"{\"city\":\"Tokyo\"}"}` {
		t.Errorf("trigger value = %s", raw)
	}
	hr, err := funcapp.DecodeHTTPRequest(raw)
	if err != nil || hr.Params["functionName"] != "HelloSequence" || hr.Body != `{"city":"Tokyo"}` {
		t.Errorf("decoded = %+v, %v", hr, err)
	}
	if v, _ := req.Meta("functionName"); string(v) != `"\"HelloSequence\""` {
		t.Errorf("Metadata.functionName = %s", v)
	}
	if _, ok := req.Meta("instanceId"); ok {
		t.Error("an absent optional route value is in Metadata")
	}
}

func TestInvokeHTTPRefusesRequestsTheRouterWouldNotSend(t *testing.T) {
	h, _ := newTestHost(t, loadApp(t, testApp))
	tests := []struct {
		name, fn, method, path, want string
	}{
		{"a path outside the route", "HttpStart", "POST", "/api/other", "does not match route"},
		{"a method the trigger does not allow", "HttpStart", "GET", "/api/orchestrators/X", "does not accept GET"},
		{"a function that is not HTTP-triggered", "Q", "GET", "/api/Q", "is a queue function"},
		{"an unknown function", "Nope", "GET", "/api/Nope", `no function "Nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.InvokeHTTP(t.Context(), tt.fn, httptest.NewRequest(tt.method, tt.path, nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestForwardingModeSendsTheOriginalRequest(t *testing.T) {
	files := map[string]string{}
	for k, v := range testApp {
		files[k] = v
	}
	files["host.json"] = `{"version":"2.0","customHandler":{"description":{"defaultExecutablePath":"h"},"enableForwardingHttpRequest":true}}`
	h, fake := newTestHost(t, loadApp(t, files))
	fake.status = http.StatusFound
	fake.contentType = "text/html"
	fake.reply = "moved"
	fake.header = http.Header{"Location": {"/elsewhere"}}
	r := httptest.NewRequest(http.MethodGet, "/api/Hello?name=World", nil)
	r.Header.Set("X-Custom", "yes")
	res, err := h.InvokeHTTP(t.Context(), "Hello", r)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Forwarded || res.StatusCode != http.StatusFound || string(res.Body) != "moved" || res.Header.Get("Location") != "/elsewhere" || res.Invocation != nil {
		t.Errorf("result = %+v (redirects must not be followed)", res)
	}
	got := fake.last(t)
	if got.Method != http.MethodGet || got.Path != "/api/Hello" || got.Query != "name=World" || got.Header.Get("X-Custom") != "yes" || got.Header.Get("X-Azure-Functions-InvocationId") == "" {
		t.Errorf("forwarded request = %+v", got)
	}

	// Functions with other bindings still get the envelope.
	fake.status, fake.contentType, fake.reply, fake.header = 0, "", `{"Outputs":{"res":{"statusCode":200}}}`, nil
	if _, err := h.InvokeHTTP(t.Context(), "HttpStart", httptest.NewRequest("POST", "/api/orchestrators/X", nil)); err != nil {
		t.Fatal(err)
	}
	if got := fake.last(t); got.Path != "/HttpStart" {
		t.Errorf("non in/out function was forwarded to %s", got.Path)
	}
}

func TestServeHTTPRoutesRequestsLikeTheHost(t *testing.T) {
	h, fake := newTestHost(t, loadApp(t, testApp))
	front := httptest.NewServer(h)
	defer front.Close()
	fake.reply = `{"Outputs":{"res":{"statusCode":200,"body":"status","headers":{"X-From":"handler"}}}}`
	resp, err := http.Get(front.URL + "/api/durabletask/instances/abc?showHistory=true")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "status" || resp.Header.Get("X-From") != "handler" {
		t.Errorf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	req, _ := funcapp.DecodeInvocationRequest(fake.last(t).Body)
	raw, _ := req.Value("req")
	hr, err := funcapp.DecodeHTTPRequest(raw)
	if err != nil || hr.Params["path"] != "instances/abc" || hr.Query["showHistory"] != "true" || !strings.HasPrefix(hr.URL, front.URL+"/api/durabletask/") {
		t.Errorf("trigger value = %+v, %v", hr, err)
	}

	resp, err = http.Get(front.URL + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path got %d", resp.StatusCode)
	}

	fake.reply = `{"Outputs":{}}`
	resp, err = http.Get(front.URL + "/api/durabletask/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "is missing") {
		t.Errorf("a missing http output got %d %s", resp.StatusCode, body)
	}
}

func TestWaitReadyPollsUntilTheHandlerAnswers(t *testing.T) {
	app := loadApp(t, testApp)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	h := New(app, "http://"+addr)
	short, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := h.WaitReady(short); err == nil || !strings.Contains(err.Error(), "never became ready") {
		t.Fatalf("WaitReady with nothing listening = %v", err)
	}

	// Any status counts: this handler answers 404 everywhere.
	srvErr := make(chan error, 1)
	go func() {
		time.Sleep(80 * time.Millisecond)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			srvErr <- err
			return
		}
		srvErr <- nil
		_ = http.Serve(ln, http.NotFoundHandler())
	}()
	ctx, cancel2 := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel2()
	if err := h.WaitReady(ctx); err != nil {
		if e := <-srvErr; e != nil {
			t.Skipf("could not reuse the port: %v", e)
		}
		t.Fatalf("WaitReady = %v", err)
	}
}

func TestInvokeValidatesItsArguments(t *testing.T) {
	h, _ := newTestHost(t, loadApp(t, testApp))
	if _, err := h.InvokeQueue(t.Context(), "Q", "m", 0); err == nil {
		t.Error("dequeueCount 0 accepted")
	}
	if _, err := h.InvokeEventHub(t.Context(), "Many", nil); err == nil {
		t.Error("an empty batch accepted")
	}
	if _, err := h.InvokeTimer(t.Context(), "Q"); err == nil || !strings.Contains(err.Error(), "not timer") {
		t.Errorf("timer on a queue function: %v", err)
	}
	if _, err := h.Envelope("Nope", nil, nil); err == nil {
		t.Error("Envelope of an unknown function succeeded")
	}
}
