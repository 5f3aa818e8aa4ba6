package handler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/handler"
)

func TestInvokingAFunctionByHandAnswersBadInputWith4xxInTheUsualShape(t *testing.T) {
	a := handler.NewApp()
	got := &calls{}
	// A timer function: queue functions need the opt-in Azure Storage
	// package linked; the route is the same for every kind.
	a.Timer("Tick", func(_ context.Context, _ *bindings.TimerInfo, _ *handler.FunctionContext) error {
		got.add("tick")
		return nil
	})
	a.HTTP("Hello", func(w http.ResponseWriter, _ *http.Request, _ *handler.FunctionContext) {})
	srv, _ := startStandalone(t, a, map[string]string{
		"host.json":           memoryHostJSON,
		"Tick/function.json":  fmt.Sprintf(tickJSON, "0 0 0 1 1 *"),
		"Hello/function.json": `{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","methods":["get"],"route":"hello"},{"type":"http","direction":"out","name":"res"}]}`,
	})
	url := "http://" + srv.Addr() + "/admin/functions/"
	tests := []struct {
		name, method, function, body string
		contentLength                int64 // declared, when not the body's
		status                       int
		says                         string
	}{
		{"a body that is not JSON", "POST", "Tick", `{"input":`, 0, 400, `{"input": "<trigger data as a string>"}`},
		{"an input that is not a string", "POST", "Tick", `{"input":{"a":1}}`, 0, 400, `{"input": "<trigger data as a string>"}`},
		{"a misspelt field", "POST", "Tick", `{"inptu":"x"}`, 0, 400, `unknown field "inptu"`},
		{"two JSON values", "POST", "Tick", `{"input":"x"}{"input":"y"}`, 0, 400, `{"input": "<trigger data as a string>"}`},
		{"invalid UTF-8 in the input", "POST", "Tick", "{\"input\":\"caf\xe9\"}", 0, 400, "not valid UTF-8"},
		{"an unknown function", "POST", "Nope", `{"input":"x"}`, 0, 404, `no enabled function named "Nope"`},
		{"an HTTP function", "POST", "Hello", `{"input":"x"}`, 0, 400, "only queue, Event Hub and timer functions"},
		{"a GET", "GET", "Tick", ``, 0, 405, "POST"},
		{"a DELETE", "DELETE", "Tick", ``, 0, 405, "POST"},
		{"a body over the limit", "POST", "Tick", `{"input":"x"}`, 200 << 20, 413, "larger than the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, url+tt.function, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentLength > 0 {
				// Declared, not sent: the server must refuse before reading.
				req.ContentLength = tt.contentLength
				req.Body = io.NopCloser(io.MultiReader(strings.NewReader(tt.body), neverEnding{}))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct{ Message string }
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || json.Unmarshal(raw, &body) != nil || !strings.Contains(body.Message, tt.says) {
				t.Fatalf("%s %s with %q = %d %s; want %d and a JSON Message saying %q", tt.method, tt.function, tt.body, resp.StatusCode, raw, tt.status, tt.says)
			}
			if tt.status == 405 && resp.Header.Get("Allow") != "POST" {
				t.Fatalf("405 without Allow: POST (Allow: %q)", resp.Header.Get("Allow"))
			}
		})
	}
	if seen := got.list(); len(seen) != 0 {
		t.Fatalf("bad requests invoked the function with %q", seen)
	}
	resp, err := http.Post(url+"Tick", "application/json", strings.NewReader(`{"input":""}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || len(got.list()) != 1 {
		t.Fatalf("a good request = %d, invocations %q; want 202 and one invocation", resp.StatusCode, got.list())
	}
}

// neverEnding is a body that does not end.
type neverEnding struct{}

func (neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}
