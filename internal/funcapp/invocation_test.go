package funcapp

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestInvocationResponseAlwaysHasOutputsAndLogs(t *testing.T) {
	tests := []struct {
		name string
		resp InvocationResponse
		want string
	}{
		{"an empty response", InvocationResponse{}, `{"Outputs":{},"Logs":[],"ReturnValue":null}`},
		{"a durable result", InvocationResponse{ReturnValue: map[string]any{"isDone": true}}, `{"Outputs":{},"Logs":[],"ReturnValue":{"isDone":true}}`},
		{"an http output", InvocationResponse{Outputs: map[string]any{"res": HTTPResponse{StatusCode: 202, Body: "ok", Headers: map[string]string{"A": "b"}}}, Logs: []string{"hi"}},
			`{"Outputs":{"res":{"statusCode":202,"body":"ok","headers":{"A":"b"}}},"Logs":["hi"],"ReturnValue":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.resp)
			if err != nil || string(b) != tt.want {
				t.Errorf("got %s, %v\nwant %s", b, err, tt.want)
			}
		})
	}
}

func TestHTTPResponseIsReadLikeTheHostReadsIt(t *testing.T) {
	tests := []struct {
		name, raw string
		want      HTTPResponse
	}{
		{"a numeric status", `{"statusCode":201,"body":"made"}`, HTTPResponse{StatusCode: 201, Body: "made"}},
		{"a string status", `{"statusCode":"404"}`, HTTPResponse{StatusCode: 404}},
		{"status as the fallback key", `{"status":302,"headers":{"Location":"/x"}}`, HTTPResponse{StatusCode: 302, Headers: map[string]string{"Location": "/x"}}},
		{"keys in any case", `{"StatusCode":200,"Body":"x","HEADERS":{"a":"b"}}`, HTTPResponse{StatusCode: 200, Body: "x", Headers: map[string]string{"a": "b"}}},
		{"a JSON body stays JSON", `{"statusCode":200,"body":{"a":[1]}}`, HTTPResponse{StatusCode: 200, Body: json.RawMessage(`{"a":[1]}`)}},
		{"no status means zero", `{"body":"x"}`, HTTPResponse{Body: "x"}},
		{"numeric header values become text", `{"headers":{"Retry-After":10}}`, HTTPResponse{Headers: map[string]string{"Retry-After": "10"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got HTTPResponse
			if err := json.Unmarshal([]byte(tt.raw), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{`[]`, `null`, `{"statusCode":"abc"}`, `{"statusCode":42}`, `{"statusCode":true}`, `{"headers":[1]}`, `{"headers":{"a":{}}}`} {
		var r HTTPResponse
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("Unmarshal(%s) gave no error", bad)
		}
	}
}

func TestHTTPResponseBodyBytes(t *testing.T) {
	tests := []struct {
		body any
		want string
	}{
		{nil, ""},
		{"text", "text"},
		{json.RawMessage(`{"a":1}`), `{"a":1}`},
		{map[string]int{"a": 1}, `{"a":1}`},
	}
	for _, tt := range tests {
		r := HTTPResponse{Body: tt.body}
		got, err := r.BodyBytes()
		if err != nil || string(got) != tt.want {
			t.Errorf("BodyBytes(%#v) = %q, %v", tt.body, got, err)
		}
	}
	res := NewHTTPResponse(202, http.Header{"Retry-After": {"10"}, "Vary": {"a", "b"}}, []byte("x"))
	if res.StatusCode != 202 || res.Body != "x" || res.Headers["Vary"] != "a, b" {
		t.Errorf("NewHTTPResponse = %+v", res)
	}
}

func TestDecodeInvocationRequest(t *testing.T) {
	req, err := DecodeInvocationRequest([]byte(`{"data":{"x":"\"1\""},"metadata":{"sys":{"MethodName":"F"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := req.Value("X"); !ok || string(v) != `"\"1\""` {
		t.Errorf("Value = %s, %v", v, ok)
	}
	if sys, err := req.Sys(); err != nil || sys.MethodName != "F" {
		t.Errorf("Sys = %+v, %v", sys, err)
	}
	for _, bad := range []string{``, `[]`, `"x"`, `{"Data":[]}`, `{`} {
		if _, err := DecodeInvocationRequest([]byte(bad)); err == nil {
			t.Errorf("DecodeInvocationRequest(%q) gave no error", bad)
		}
	}
	bad := &InvocationRequest{Metadata: map[string]json.RawMessage{"sys": json.RawMessage(`{"UtcNow":"later"}`)}}
	if _, err := bad.Sys(); err == nil {
		t.Error("a bad sys.UtcNow gave no error")
	}
}
