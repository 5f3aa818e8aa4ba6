package funcapp

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDecodeStringUndoesTheHostsDoubleEncoding(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"a double-encoded string loses both levels", `"\"hello\""`, "hello"},
		{"a single-encoded string is kept", `"hello"`, "hello"},
		{"double-encoded JSON text becomes the JSON text", `"\"{\\\"a\\\":1}\""`, `{"a":1}`},
		{"single-encoded JSON text is kept", `"{\"a\":1}"`, `{"a":1}`},
		{"escapes inside the inner string are decoded", `"\"line\\nbreak \\u00e9\""`, "line\nbreak é"},
		{"an encoded empty string is empty", `"\"\""`, ""},
		{"an empty string is empty", `""`, ""},
		{"null is empty", `null`, ""},
		{"a number gives its text", `42`, "42"},
		{"an object gives its compact text", "{ \"a\" : [1, 2] }", `{"a":[1,2]}`},
		{"a quote that is not a JSON string literal is kept", `"\"unbalanced"`, `"unbalanced`},
		{"surrounding whitespace is ignored", " \"\\\"x\\\"\" ", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeString(json.RawMessage(tt.raw))
			if err != nil || got != tt.want {
				t.Errorf("DecodeString(%s) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{``, ` `, `"unterminated`, `{`, `nul`} {
		if got, err := DecodeString(json.RawMessage(bad)); err == nil {
			t.Errorf("DecodeString(%q) = %q, want an error", bad, got)
		}
	}
}

func TestDecodeHTTPRequestFromTheHostPayload(t *testing.T) {
	req := readPayload(t, "http.json")
	raw, _ := req.Value("req")
	r, err := DecodeHTTPRequest(raw)
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != "POST" || r.URL != "http://localhost:7071/api/orchestrators/HelloSequence?wait=true&tag=a&tag=b" {
		t.Errorf("request line = %s %s", r.Method, r.URL)
	}
	if r.Query["tag"] != "a,b" || r.Params["functionName"] != "HelloSequence" || r.Header("content-type") != "application/json; charset=utf-8" {
		t.Errorf("query %v params %v headers %v", r.Query, r.Params, r.Headers)
	}
	if got := r.Headers["Accept"]; len(got) != 2 {
		t.Errorf("Accept = %v, want two values", got)
	}
	if r.Body != `{"city":"Tokyo <&> é"}` || r.BodyIsBase64() {
		t.Errorf("body = %q", r.Body)
	}
	if !strings.HasPrefix(string(r.Identities), "[{") {
		t.Errorf("identities = %s", r.Identities)
	}
	client, _ := req.Value("starter")
	text, err := DecodeString(client)
	if err != nil || !strings.HasPrefix(text, `{"taskHubName":"SampleHub"`) {
		t.Errorf("durable client binding = %q, %v", text, err)
	}
	sys, err := req.Sys()
	if err != nil || sys.MethodName != "HttpStart" || !sys.UtcNow.Equal(time.Date(2024, 5, 1, 10, 0, 0, 123456700, time.UTC)) {
		t.Errorf("sys = %+v, %v", sys, err)
	}
	fn, _ := req.Meta("functionName")
	if s, _ := DecodeString(fn); s != "HelloSequence" {
		t.Errorf("Metadata.functionName = %q", s)
	}
}

func TestHTTPRequestBecomesAStandardRequest(t *testing.T) {
	req := readPayload(t, "http.json")
	raw, _ := req.Value("req")
	r, err := DecodeHTTPRequest(raw)
	if err != nil {
		t.Fatal(err)
	}
	std, err := r.StdRequest(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if std.Method != "POST" || std.URL.Path != "/api/orchestrators/HelloSequence" || std.URL.Query()["tag"][1] != "b" ||
		std.Host != "localhost:7071" || std.PathValue("functionName") != "HelloSequence" || std.Header.Get("Accept") != "application/json" {
		t.Errorf("std request = %+v", std)
	}
	if std.ContentLength != int64(len(r.Body)) {
		t.Errorf("content length %d", std.ContentLength)
	}
}

func TestBinaryHTTPBodiesAreBase64(t *testing.T) {
	req := readPayload(t, "http-binary.json")
	raw, _ := req.Value("req")
	r, err := DecodeHTTPRequest(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.BodyBytes()
	if err != nil || string(b) != "\x00\x01\x02\xff" {
		t.Errorf("body = %q, %v", b, err)
	}
	r.Body = "not base64!"
	if _, err := r.BodyBytes(); err == nil {
		t.Error("invalid base64 gave no error")
	}
}

func TestDecodeHTTPRequestToleratesHostVariations(t *testing.T) {
	tests := []struct {
		name, raw string
		check     func(*HTTPRequest) bool
	}{
		{"a request wrapped in a JSON string", `"{\"Method\":\"GET\",\"Url\":\"http://h/x\"}"`,
			func(r *HTTPRequest) bool { return r.Method == "GET" && r.URL == "http://h/x" }},
		{"a single header value", `{"Method":"GET","Headers":{"X":"one"}}`,
			func(r *HTTPRequest) bool { return r.Header("x") == "one" }},
		{"array query values", `{"Method":"GET","Query":{"a":["1","2"]}}`,
			func(r *HTTPRequest) bool { return r.Query["a"] == "1,2" }},
		{"numeric route values", `{"Method":"GET","Params":{"id":42,"o":{"a":1}}}`,
			func(r *HTTPRequest) bool { return r.Params["id"] == "42" && r.Params["o"] == `{"a":1}` }},
		{"a JSON body object", `{"Method":"POST","Body":{"a":1}}`,
			func(r *HTTPRequest) bool { return r.Body == `{"a":1}` }},
		{"lower-case keys", `{"method":"GET","url":"http://h/","body":"x"}`,
			func(r *HTTPRequest) bool { return r.Method == "GET" && r.Body == "x" }},
		{"identities as a JSON string", `{"Method":"GET","Identities":"[]"}`,
			func(r *HTTPRequest) bool { return string(r.Identities) == "[]" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeHTTPRequest(json.RawMessage(tt.raw))
			if err != nil || !tt.check(r) {
				t.Errorf("got %+v, %v", r, err)
			}
		})
	}
}

func TestDecodeHTTPRequestRejectsMalformedInput(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"not JSON", `{`, "invalid JSON"},
		{"an array", `[1]`, "want a JSON object"},
		{"null", `null`, "value is null"},
		{"no method", `{"Url":"http://h/"}`, "Method is missing"},
		{"headers that are not an object", `{"Method":"GET","Headers":[1]}`, "Headers: want a JSON object"},
		{"a header value that is an object", `{"Method":"GET","Headers":{"X":{"a":1}}}`, "Headers.X"},
		{"a method that is an object", `{"Method":{}}`, "Method: want a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeHTTPRequest(json.RawMessage(tt.raw))
			mustContainAll(t, err, "http request", tt.want)
		})
	}
}

func TestDecodeQueueMessage(t *testing.T) {
	tests := []struct {
		file, name, text string
		dequeueCount     int64
	}{
		{"queue.json", "message", `{"key":"steps","amount":5}`, 2},
		{"queue-single-encoded.json", "message", `{ key: "steps" }`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			msg, err := DecodeQueueMessage(readPayload(t, tt.file), tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if msg.Text != tt.text || msg.DequeueCount != tt.dequeueCount || msg.ID != "5d0c1f7e-92a4-4b1e-9c3d-7f6e5a4b3c2d" ||
				msg.PopReceipt != "AgAAAAMAAAAAAAAAqkD3sEmb2gE=" ||
				!msg.InsertionTime.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) ||
				!msg.NextVisibleTime.Equal(time.Date(2024, 5, 1, 10, 10, 0, 0, time.UTC)) ||
				!msg.ExpirationTime.Equal(time.Date(2024, 5, 8, 10, 0, 0, 0, time.UTC)) {
				t.Errorf("message = %+v", msg)
			}
		})
	}
}

func TestDecodeQueueMessageRejectsMalformedInput(t *testing.T) {
	tests := []struct {
		name string
		req  InvocationRequest
		want string
	}{
		{"a missing trigger value", InvocationRequest{}, `no Data["message"]`},
		{"an invalid message", InvocationRequest{Data: map[string]json.RawMessage{"message": json.RawMessage(`"x`)}}, "invalid JSON"},
		{"a non-numeric dequeue count", InvocationRequest{
			Data:     map[string]json.RawMessage{"message": json.RawMessage(`"x"`)},
			Metadata: map[string]json.RawMessage{"DequeueCount": json.RawMessage(`"many"`)}}, "DequeueCount: want an integer"},
		{"an invalid timestamp", InvocationRequest{
			Data:     map[string]json.RawMessage{"message": json.RawMessage(`"x"`)},
			Metadata: map[string]json.RawMessage{"InsertionTime": json.RawMessage(`"yesterday"`)}}, "InsertionTime: invalid timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeQueueMessage(&tt.req, "message")
			mustContainAll(t, err, "queue trigger", tt.want)
		})
	}
}

func TestDecodeEventHubBatchAndSingleEvents(t *testing.T) {
	many := &Binding{Type: TypeEventHubTrigger, Name: "events", props: map[string]json.RawMessage{"cardinality": json.RawMessage(`"many"`)}}
	batch, err := DecodeEventHub(readPayload(t, "eventhub-many.json"), many)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Events) != 2 || batch.Partition == nil || batch.Partition.PartitionID != "0" || batch.Partition.EventHubName != "counter-events" {
		t.Fatalf("batch = %+v", batch)
	}
	first, second := batch.Events[0], batch.Events[1]
	if string(first.Body) != `{"key":"steps","amount":1}` || first.SequenceNumber != 41 || first.Offset != "4096" || first.PartitionKey != "" ||
		!first.EnqueuedTime.Equal(time.Date(2024, 5, 1, 10, 0, 0, 500000000, time.UTC)) || string(first.Properties["source"]) != `"test"` {
		t.Errorf("first event = %+v", first)
	}
	if second.SequenceNumber != 42 || second.PartitionKey != "steps" || string(second.SystemProperties["x-opt-sequence-number"]) != "42" {
		t.Errorf("second event = %+v", second)
	}

	one := &Binding{Type: TypeEventHubTrigger, Name: "event"}
	single, err := DecodeEventHub(readPayload(t, "eventhub-single.json"), one)
	if err != nil {
		t.Fatal(err)
	}
	ev := single.Events[0]
	if len(single.Events) != 1 || string(ev.Body) != `{"key":"steps","amount":3}` || ev.SequenceNumber != 43 || ev.Offset != "4224" ||
		ev.PartitionKey != "" || string(ev.Properties["source"]) != `"test"` {
		t.Errorf("single event = %+v", ev)
	}
}

func TestDecodeEventHubBinaryBodies(t *testing.T) {
	b := &Binding{Type: TypeEventHubTrigger, Name: "e", DataType: "binary", props: map[string]json.RawMessage{"cardinality": json.RawMessage(`"many"`)}}
	req := &InvocationRequest{Data: map[string]json.RawMessage{"e": json.RawMessage(`"[\"AAE=\",\"/w==\"]"`)}}
	batch, err := DecodeEventHub(req, b)
	if err != nil || string(batch.Events[0].Body) != "\x00\x01" || string(batch.Events[1].Body) != "\xff" {
		t.Fatalf("batch = %+v, %v", batch, err)
	}
	req.Data["e"] = json.RawMessage(`"[\"not base64\"]"`)
	if _, err := DecodeEventHub(req, b); err == nil {
		t.Error("invalid base64 gave no error")
	}
}

func TestDecodeEventHubRejectsMalformedInput(t *testing.T) {
	many := &Binding{Type: TypeEventHubTrigger, Name: "e", props: map[string]json.RawMessage{"cardinality": json.RawMessage(`"many"`)}}
	tests := []struct {
		name     string
		data     string
		metadata map[string]string
		want     string
	}{
		{"a batch that is not an array", `"\"just text\""`, nil, `cardinality is "many"`},
		{"a metadata array of the wrong length", `"[\"a\",\"b\"]"`, map[string]string{"SequenceNumberArray": `"[1]"`}, "SequenceNumberArray has 1 entries for 2 events"},
		{"a metadata array that is not an array", `"[\"a\"]"`, map[string]string{"OffsetArray": `{"a":1}`}, "OffsetArray: want a JSON array"},
		{"a bad sequence number", `"[\"a\"]"`, map[string]string{"SequenceNumberArray": `"[\"x\"]"`}, "SequenceNumberArray[0]: want an integer"},
		{"a partition context that is not an object", `"[\"a\"]"`, map[string]string{"PartitionContext": `[1]`}, "PartitionContext: want a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &InvocationRequest{Data: map[string]json.RawMessage{"e": json.RawMessage(tt.data)}, Metadata: map[string]json.RawMessage{}}
			for k, v := range tt.metadata {
				req.Metadata[k] = json.RawMessage(v)
			}
			_, err := DecodeEventHub(req, many)
			mustContainAll(t, err, "event hub trigger", tt.want)
		})
	}
}

func TestDecodeTimer(t *testing.T) {
	req := readPayload(t, "timer.json")
	raw, _ := req.Value("timer")
	info, err := DecodeTimer(raw)
	if err != nil {
		t.Fatal(err)
	}
	if info.IsPastDue || info.ScheduleStatus == nil || string(info.Schedule) != `{"AdjustForDST":true}` ||
		!info.ScheduleStatus.Next.Equal(time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)) ||
		!info.ScheduleStatus.LastUpdated.Equal(time.Date(2024, 4, 30, 3, 0, 0, 12345600, time.UTC)) {
		t.Errorf("timer = %+v %+v", info, info.ScheduleStatus)
	}
	req = readPayload(t, "timer-first-run.json")
	raw, _ = req.Value("timer")
	info, err = DecodeTimer(raw)
	if err != nil || !info.IsPastDue || info.ScheduleStatus != nil {
		t.Errorf("first run = %+v, %v", info, err)
	}
	for _, bad := range []string{`null`, `[1]`, `{"IsPastDue":"maybe"}`, `{"ScheduleStatus":{"Next":"soon"}}`, `{"ScheduleStatus":5}`} {
		if _, err := DecodeTimer(json.RawMessage(bad)); err == nil || !strings.Contains(err.Error(), "timer trigger") {
			t.Errorf("DecodeTimer(%s) error = %v", bad, err)
		}
	}
}

func TestOrchestrationPayloadDecodesToTheContextObject(t *testing.T) {
	req := readPayload(t, "orchestration.json")
	raw, _ := req.Value("context")
	text, err := DecodeString(raw)
	if err != nil {
		t.Fatal(err)
	}
	var ctx struct {
		InstanceID string            `json:"instanceId"`
		Input      string            `json:"input"`
		History    []json.RawMessage `json:"history"`
	}
	if err := json.Unmarshal([]byte(text), &ctx); err != nil {
		t.Fatalf("inner context is not JSON: %v\n%s", err, text)
	}
	if ctx.InstanceID != "abc" || ctx.Input != "World" || len(ctx.History) != 2 {
		t.Errorf("context = %+v", ctx)
	}
}

func TestParseHostTimeAcceptsNewtonsoftTimestamps(t *testing.T) {
	want := time.Date(2024, 5, 1, 10, 0, 0, 123456700, time.UTC)
	for _, s := range []string{"2024-05-01T10:00:00.1234567Z", "2024-05-01T10:00:00.1234567+00:00", "2024-05-01T12:00:00.1234567+02:00", "2024-05-01T10:00:00.1234567"} {
		got, err := ParseHostTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseHostTime(%q) = %v, %v", s, got, err)
		}
	}
	if s := FormatHostTime(want); s != "2024-05-01T10:00:00.1234567Z" {
		t.Errorf("FormatHostTime = %q", s)
	}
	if s := FormatHostTimeOffset(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)); s != "2024-05-01T10:00:00+00:00" {
		t.Errorf("FormatHostTimeOffset = %q", s)
	}
}
