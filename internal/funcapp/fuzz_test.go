package funcapp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// addPayloadSeeds adds every golden invocation payload to a fuzz corpus.
func addPayloadSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "payloads", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzDecodeString(f *testing.F) {
	for _, s := range []string{"hello", `{"a":1}`, `"quoted"`, "", "line\nbreak", "é", `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		once, _ := json.Marshal(s)
		twice, _ := json.Marshal(string(once))
		if got, err := DecodeString(twice); err != nil || got != s {
			t.Fatalf("double-encoded %q decoded to %q, %v", s, got, err)
		}
		quoted := len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' && json.Valid([]byte(s))
		if got, err := DecodeString(once); !quoted && (err != nil || got != s) {
			t.Fatalf("single-encoded %q decoded to %q, %v", s, got, err)
		}
		_, _ = DecodeString(json.RawMessage(s)) // arbitrary input must not panic
	})
}

func FuzzDecodeHTTPRequest(f *testing.F) {
	addPayloadSeeds(f)
	f.Add([]byte(`{"Method":"GET","Headers":{"X":"1"},"Query":{"a":["1"]},"Params":{"id":1}}`))
	f.Add([]byte(`"{\"Method\":\"GET\"}"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeHTTPRequest(data)
		if err == nil {
			if r.Method == "" {
				t.Fatal("decoded a request without a method")
			}
			_, _ = r.BodyBytes()
			_, _ = r.StdRequest(t.Context())
		}
		// The same bytes as an invocation envelope.
		if req, err := DecodeInvocationRequest(data); err == nil {
			for _, v := range req.Data {
				_, _ = DecodeHTTPRequest(v)
			}
			_, _ = req.Sys()
		}
	})
}

func FuzzDecodeQueueMessage(f *testing.F) {
	addPayloadSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := DecodeInvocationRequest(data)
		if err != nil {
			return
		}
		msg, err := DecodeQueueMessage(req, "message")
		if err == nil && msg == nil {
			t.Fatal("nil message without error")
		}
	})
}

func FuzzDecodeEventHub(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "payloads", "eventhub-*.json"))
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f.Add(data, strings.Contains(file, "many"), false)
	}
	f.Add([]byte(`{"Data":{"events":"[\"AAE=\"]"}}`), true, true)
	f.Fuzz(func(t *testing.T, data []byte, many, binary bool) {
		req, err := DecodeInvocationRequest(data)
		if err != nil {
			return
		}
		b := &Binding{Type: TypeEventHubTrigger, Name: "events", props: map[string]json.RawMessage{}}
		if many {
			b.props["cardinality"] = json.RawMessage(`"many"`)
		}
		if binary {
			b.DataType = "binary"
		}
		for _, name := range []string{"events", "event"} {
			b.Name = name
			batch, err := DecodeEventHub(req, b)
			if err == nil && !many && len(batch.Events) != 1 {
				t.Fatalf("cardinality one gave %d events", len(batch.Events))
			}
		}
	})
}

func FuzzDecodeTimer(f *testing.F) {
	addPayloadSeeds(f)
	f.Add([]byte(`{"Schedule":{},"ScheduleStatus":null,"IsPastDue":"true"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = DecodeTimer(data)
		if req, err := DecodeInvocationRequest(data); err == nil {
			if v, ok := req.Value("timer"); ok {
				_, _ = DecodeTimer(v)
			}
		}
	})
}

func FuzzHTTPResponse(f *testing.F) {
	for _, s := range []string{`{"statusCode":"201","body":"x","headers":{"a":"b"}}`, `{"status":200,"body":{"a":1}}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r HTTPResponse
		if json.Unmarshal(data, &r) == nil {
			if r.StatusCode != 0 && (r.StatusCode < 100 || r.StatusCode > 999) {
				t.Fatalf("status %d accepted", r.StatusCode)
			}
			if _, err := r.BodyBytes(); err != nil {
				t.Fatalf("BodyBytes: %v", err)
			}
		}
	})
}

func FuzzMatchRoute(f *testing.F) {
	f.Add("orchestrators/{functionName}/{instanceId?}", "orchestrators/F/abc")
	f.Add("durabletask/{*path}", "durabletask/instances/x")
	f.Add("files/{name}.{ext?}", "files/a.b.c")
	f.Add("i/{n:int:range(1,5)}", "i/3")
	f.Add(`z/{zip:regex(^\d{{5}}$)}`, "z/12345")
	f.Fuzz(func(t *testing.T, template, path string) {
		params, ok := MatchRoute(template, path)
		if ok && params == nil {
			t.Fatal("a match without params map")
		}
		if r, err := CompileRoute(template); err == nil {
			if _, ok := r.Match(path); ok != (params != nil) {
				t.Fatal("MatchRoute and Route.Match disagree")
			}
		}
	})
}

func FuzzParseTimeSpan(f *testing.F) {
	for _, s := range []string{"00:00:30", "1.02:03:04.5", "3", "-00:01", "90s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseTimeSpan(s)
		if err != nil || strings.ContainsAny(s, "smhuµn") {
			return
		}
		back, err := ParseTimeSpan(formatSpan(d))
		if err != nil || back != d {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, d, formatSpan(d), back, err)
		}
	})
}
