package hostemu

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

func TestRepliesTheHostCannotUseAreReported(t *testing.T) {
	tests := []struct {
		name, fn, contentType, reply string
		status                       int
		wantCheck                    string // a *CheckError containing this
		wantErr                      string // another error containing this
	}{
		{name: "a reply that is not JSON-typed", fn: "Q", contentType: "text/plain; charset=utf-8", wantCheck: "Content-Type is text/plain"},
		{name: "an output that matches no binding", fn: "Q", reply: `{"Outputs":{"res":1}}`, wantCheck: `Outputs["res"] matches no output binding`},
		{name: "a missing http output", fn: "Api", reply: `{"Outputs":{}}`, wantCheck: `Outputs["res"] is missing`},
		{name: "an http output with a bad status", fn: "Api", reply: `{"Outputs":{"res":{"statusCode":"lots"}}}`, wantCheck: "statusCode must be a number"},
		{name: "a $return http output that is not an object", fn: "Hello", reply: `{"ReturnValue":"hello"}`, wantCheck: "ReturnValue: http response"},
		{name: "an orchestrator without a result", fn: "Orch", reply: `{"Outputs":{}}`, wantCheck: "an orchestrator must return its state"},
		{name: "an entity returning a number", fn: "Ent", reply: `{"ReturnValue":5}`, wantCheck: "ReturnValue must be a JSON object"},
		{name: "a failed invocation", fn: "Q", status: 500, reply: `boom`, wantErr: "handler replied 500: boom"},
		{name: "a reply that is not JSON", fn: "Q", reply: `nope`, wantErr: "Invalid HttpResponseMessage"},
		{name: "logs that are not strings", fn: "Q", reply: `{"Logs":[1]}`, wantErr: "Logs must be an array of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, fake := newTestHost(t, loadApp(t, testApp))
			fake.contentType, fake.reply, fake.status = tt.contentType, tt.reply, tt.status
			var err error
			switch tt.fn {
			case "Q":
				_, err = h.InvokeQueue(t.Context(), "Q", "m", 1)
			case "Api", "Hello":
				path := "/api/durabletask/x"
				if tt.fn == "Hello" {
					path = "/api/Hello"
				}
				_, err = h.InvokeHTTP(t.Context(), tt.fn, httptest.NewRequest("GET", path, nil))
			default:
				_, err = h.Invoke(t.Context(), tt.fn, map[string]any{"context": "{}"}, map[string]any{"context": "{}"})
			}
			var ce *CheckError
			var se *StatusError
			switch {
			case tt.wantCheck != "":
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.wantCheck) {
					t.Errorf("error = %v, want a *CheckError containing %q", err, tt.wantCheck)
				}
			case tt.status >= 300:
				if !errors.As(err, &se) || se.StatusCode != tt.status || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want a *StatusError containing %q", err, tt.wantErr)
				}
			default:
				if err == nil || IsCheckError(err) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
				}
			}
		})
	}
}

func TestCheckAcceptsWellFormedReplies(t *testing.T) {
	h, _ := newTestHost(t, loadApp(t, testApp))
	tests := []struct {
		fn   string
		resp *funcapp.InvocationResponse
	}{
		{"Q", &funcapp.InvocationResponse{}},
		{"Api", &funcapp.InvocationResponse{Outputs: map[string]any{"RES": map[string]any{"status": 204}}}},
		{"Hello", &funcapp.InvocationResponse{ReturnValue: funcapp.HTTPResponse{StatusCode: 200, Body: "hi"}}},
		{"Orch", &funcapp.InvocationResponse{ReturnValue: map[string]any{"isDone": true}}},
		{"Ent", &funcapp.InvocationResponse{ReturnValue: map[string]any{"entityState": "1"}}},
	}
	for _, tt := range tests {
		if err := h.Check(tt.fn, tt.resp); err != nil {
			t.Errorf("Check(%s) = %v", tt.fn, err)
		}
	}
}
