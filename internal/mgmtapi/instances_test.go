package mgmtapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
)

var payloadFields = []string{"id", "statusQueryGetUri", "sendEventPostUri", "terminatePostUri",
	"purgeHistoryDeleteUri", "restartPostUri", "suspendPostUri", "resumePostUri"}

// checkStatusResponse checks a 202 check-status response and returns the
// payload.
func checkStatusResponse(t *testing.T, r *response) map[string]any {
	t.Helper()
	if r.Status != http.StatusAccepted {
		t.Fatalf("status = %d, want 202; body %s", r.Status, r.Body)
	}
	p := r.object(t)
	for _, f := range payloadFields {
		if s, _ := p[f].(string); s == "" {
			t.Errorf("payload field %s missing: %s", f, r.Body)
		}
	}
	if len(p) != len(payloadFields) {
		t.Errorf("payload has %d fields, want %d: %s", len(p), len(payloadFields), r.Body)
	}
	if got := r.Header.Get("Location"); got != p["statusQueryGetUri"] {
		t.Errorf("Location = %q, want statusQueryGetUri %q", got, p["statusQueryGetUri"])
	}
	if got := r.Header.Get("Retry-After"); got != "10" {
		t.Errorf("Retry-After = %q, want 10", got)
	}
	return p
}

func TestStartingAnOrchestration(t *testing.T) {
	e := newEnv(t)
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name      string
		req       request
		wantID    string
		wantInput string // "" means no input
	}{
		{"without a body starts it with no input and a generated id",
			post(base + "/orchestrators/Echo"), "", ""},
		{"with a JSON body starts it with that input",
			postJSON(base+"/orchestrators/Echo", `{"city": "Tokyo"}`), "", `{"city": "Tokyo"}`},
		{"with any content type parses the body as JSON",
			request{method: "POST", path: base + "/orchestrators/Echo", body: `[1,2]`, header: map[string]string{"Content-Type": "text/plain"}}, "", `[1,2]`},
		{"with an instance id in the path uses that id",
			postJSON(base+"/orchestrators/Echo/my-instance-1", `"x"`), "my-instance-1", `"x"`},
		{"with an escaped instance id unescapes it",
			post(base + "/orchestrators/Echo/order%20%3A42"), "order :42", ""},
		{"with the function name in another case finds it",
			post(base + "/orchestrators/echo"), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, tc.req)
			p := checkStatusResponse(t, r)
			id := p["id"].(string)
			if tc.wantID != "" && id != tc.wantID {
				t.Fatalf("id = %q, want %q", id, tc.wantID)
			}
			if tc.wantID == "" && !hex32.MatchString(id) {
				t.Fatalf("generated id %q is not 32 hex digits", id)
			}
			wantURL := e.srv.URL + base + "/instances/" + url.PathEscape(id) + "?taskHub=TestHubName&connection=Storage"
			if p["statusQueryGetUri"] != wantURL {
				t.Fatalf("statusQueryGetUri = %q, want %q", p["statusQueryGetUri"], wantURL)
			}
			st := e.waitDone(id)
			if string(st.Input) != tc.wantInput {
				t.Fatalf("input = %s, want %s", st.Input, tc.wantInput)
			}
		})
	}
}

func TestStartingAndWaiting(t *testing.T) {
	e := newEnv(t)
	t.Run("returns 200 with the output when the instance completes in time", func(t *testing.T) {
		r := e.do(t, postJSON(base+"/orchestrators/HelloSequence?timeout=10&pollingInterval=0.5", ""))
		if r.Status != http.StatusOK || compactJSON(t, r.Body) != `["Hello Tokyo!","Hello Seattle!","Hello London!"]` {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("returns the check-status response when the timeout passes first", func(t *testing.T) {
		began := time.Now()
		r := e.do(t, post(base+"/orchestrators/Sleep?timeout=0.3&pollingInterval=0.1"))
		checkStatusResponse(t, r)
		if d := time.Since(began); d < 250*time.Millisecond || d > 5*time.Second {
			t.Fatalf("waited %v, want about 0.3s", d)
		}
	})
	t.Run("returns the failed status when the instance fails", func(t *testing.T) {
		r := e.do(t, post(base+"/orchestrators/Fail?timeout=10&pollingInterval=1"))
		if r.Status != http.StatusOK || r.object(t)["runtimeStatus"] != "Failed" {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("returns 500 for a failure when asked to", func(t *testing.T) {
		r := e.do(t, post(base+"/orchestrators/Fail?timeout=10&pollingInterval=1&returnInternalServerErrorOnFailure=true"))
		if r.Status != http.StatusInternalServerError || r.object(t)["runtimeStatus"] != "Failed" {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("ignores a timeout without a polling interval", func(t *testing.T) {
		checkStatusResponse(t, e.do(t, post(base+"/orchestrators/Sleep?timeout=10")))
	})
}

func TestCheckStatusURLs(t *testing.T) {
	tests := []struct {
		name    string
		opts    []mgmtapi.Option
		header  map[string]string
		id      string
		wantURL func(srv string) string // statusQueryGetUri
	}{
		{"use the request's host, the default base, hub and connection", nil, nil, "abc",
			func(srv string) string {
				return srv + base + "/instances/abc?taskHub=TestHubName&connection=Storage"
			}},
		// The code is a credential scoped to the instance, never the key
		// (SCOPED stands for it here; scope_test.go checks what it grants).
		{"carry the configured hub, connection and a scoped code, not the key", []mgmtapi.Option{mgmtapi.WithHubName("MyHub"), mgmtapi.WithConnectionName("MyStorage"), mgmtapi.WithKey("s3cr&t")},
			map[string]string{"x-functions-key": "s3cr&t"}, "abc",
			func(srv string) string {
				return srv + base + "/instances/abc?taskHub=MyHub&connection=MyStorage&code=SCOPED"
			}},
		{"follow X-Forwarded-Proto and X-Forwarded-Host when told to trust them", []mgmtapi.Option{mgmtapi.WithTrustForwardedHeaders(true)},
			map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "myapp.azurewebsites.net, proxy"}, "abc",
			func(string) string {
				return "https://myapp.azurewebsites.net" + base + "/instances/abc?taskHub=TestHubName&connection=Storage"
			}},
		{"ignore X-Forwarded-Proto and X-Forwarded-Host by default", nil,
			map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}, "abc",
			func(srv string) string {
				return srv + base + "/instances/abc?taskHub=TestHubName&connection=Storage"
			}},
		{"use the base path given", []mgmtapi.Option{mgmtapi.WithBasePath("/api/durabletask/")}, nil, "abc",
			func(srv string) string {
				return srv + "/api/durabletask/instances/abc?taskHub=TestHubName&connection=Storage"
			}},
		{"escape the instance id", nil, nil, "a b:c%d",
			func(srv string) string {
				return srv + base + "/instances/a%20b:c%25d?taskHub=TestHubName&connection=Storage"
			}},
	}
	for _, tc := range tests {
		t.Run("they "+tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts...)
			r := e.do(t, request{method: "POST", path: "/orchestrators/Echo/" + url.PathEscape(tc.id), header: tc.header})
			p := checkStatusResponse(t, r)
			want := tc.wantURL(e.srv.URL)
			if strings.HasSuffix(want, "code=SCOPED") {
				p = scopedAsPlaceholder(t, p, "s3cr&t")
			}
			if p["statusQueryGetUri"] != want {
				t.Fatalf("statusQueryGetUri = %q, want %q", p["statusQueryGetUri"], want)
			}
			if p["purgeHistoryDeleteUri"] != want {
				t.Fatalf("purgeHistoryDeleteUri = %q, want %q", p["purgeHistoryDeleteUri"], want)
			}
			inst, qs, _ := strings.Cut(want, "?")
			for field, u := range map[string]string{
				"sendEventPostUri": inst + "/raiseEvent/{eventName}?" + qs,
				"terminatePostUri": inst + "/terminate?reason={text}&" + qs,
				"restartPostUri":   inst + "/restart?" + qs,
				"suspendPostUri":   inst + "/suspend?reason={text}&" + qs,
				"resumePostUri":    inst + "/resume?reason={text}&" + qs,
			} {
				if p[field] != u {
					t.Errorf("%s = %q, want %q", field, p[field], u)
				}
			}
			// The generated status URL works as is (with its code).
			if !strings.HasPrefix(want, "https://") {
				u, _ := url.Parse(r.Header.Get("Location"))
				got := doURL(t, e.srv.URL+u.RequestURI(), get(""))
				if got.Status != http.StatusOK && got.Status != http.StatusAccepted {
					t.Fatalf("GET statusQueryGetUri: %s", got)
				}
			}
		})
	}
}

func TestManagementPayloadAddsTheRewindURL(t *testing.T) {
	e := newEnv(t, mgmtapi.WithKey("k"))
	r := httptestRequest("GET", "http://example.com/x")
	p := e.api.ManagementPayload(r, "id1")
	if !strings.HasPrefix(p.RewindPostURI, "http://example.com"+base+"/instances/id1/rewind?reason={text}&taskHub=TestHubName&connection=Storage&code=i1.") {
		t.Fatalf("rewindPostUri = %q", p.RewindPostURI)
	}
	b, _ := json.Marshal(e.api.CheckStatusPayload(r, "id1"))
	if strings.Contains(string(b), "rewind") {
		t.Fatalf("check-status payload has a rewind URL: %s", b)
	}
}

func httptestRequest(method, target string) *http.Request {
	r, _ := http.NewRequest(method, target, nil)
	r.Host = r.URL.Host
	return r
}

func TestGettingAnInstanceStatus(t *testing.T) {
	e := newEnv(t)
	done := e.start("HelloSequence", json.RawMessage(`{"in":true}`))
	e.waitDone(done)
	failed := e.failed()
	sleeping := e.start("Sleep", json.RawMessage(`7`))
	e.waitStatus(sleeping, durable.StatusRunning)
	deadline := time.Now().Add(5 * time.Second)
	for { // the custom status is committed with the first episode
		st, _ := e.client.GetStatus(context.Background(), sleeping)
		if st != nil && st.CustomStatus != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	timeRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

	t.Run("of a completed instance is 200 with every field", func(t *testing.T) {
		r := e.do(t, get(base+"/instances/"+done))
		if r.Status != http.StatusOK {
			t.Fatalf("got %s", r)
		}
		m := r.object(t)
		want := map[string]any{"name": "HelloSequence", "instanceId": done, "runtimeStatus": "Completed",
			"input": map[string]any{"in": true}, "customStatus": nil,
			"output": []any{"Hello Tokyo!", "Hello Seattle!", "Hello London!"}}
		for k, v := range want {
			if fmt.Sprint(m[k]) != fmt.Sprint(v) {
				t.Errorf("%s = %v, want %v", k, m[k], v)
			}
			if _, ok := m[k]; !ok {
				t.Errorf("field %s missing", k)
			}
		}
		for _, k := range []string{"createdTime", "lastUpdatedTime"} {
			if s, _ := m[k].(string); !timeRE.MatchString(s) {
				t.Errorf("%s = %v, want yyyy-MM-ddTHH:mm:ssZ", k, m[k])
			}
		}
		if _, ok := m["historyEvents"]; ok {
			t.Errorf("historyEvents present without showHistory")
		}
		if len(m) != 8 {
			t.Errorf("got %d fields, want 8: %s", len(m), r.Body)
		}
	})
	t.Run("hides the input when showInput is false", func(t *testing.T) {
		r := e.do(t, get(base+"/instances/"+done+"?ShowInput=FALSE"))
		if m := r.object(t); m["input"] != nil || r.Status != 200 {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("of a running instance is 202 with Location and Retry-After 5", func(t *testing.T) {
		path := base + "/instances/" + sleeping + "?showInput=true"
		r := e.do(t, get(path))
		if r.Status != http.StatusAccepted {
			t.Fatalf("got %s", r)
		}
		if r.Header.Get("Location") != e.srv.URL+path || r.Header.Get("Retry-After") != "5" {
			t.Fatalf("Location %q, Retry-After %q", r.Header.Get("Location"), r.Header.Get("Retry-After"))
		}
		m := r.object(t)
		if m["runtimeStatus"] != "Running" || m["input"] != 7.0 || fmt.Sprint(m["customStatus"]) != "map[state:sleeping]" || m["output"] != nil {
			t.Fatalf("got %s", r.Body)
		}
	})
	t.Run("of a failed instance is 200 with the error as output", func(t *testing.T) {
		r := e.do(t, get(base+"/instances/"+failed))
		m := r.object(t)
		if r.Status != http.StatusOK || m["runtimeStatus"] != "Failed" || !strings.Contains(fmt.Sprint(m["output"]), "boom") {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("of a failed instance is 500 when returnInternalServerErrorOnFailure is true", func(t *testing.T) {
		r := e.do(t, get(base+"/instances/"+failed+"?returnInternalServerErrorOnFailure=true"))
		if r.Status != http.StatusInternalServerError || r.object(t)["runtimeStatus"] != "Failed" {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("of an unknown instance is 404", func(t *testing.T) {
		expectError(t, e.do(t, get(base+"/instances/nope")), http.StatusNotFound)
	})
	t.Run("with showHistory shows the transformed history", func(t *testing.T) {
		r := e.do(t, get(base+"/instances/"+done+"?showHistory=true"))
		var st struct {
			HistoryEvents []map[string]any `json:"historyEvents"`
		}
		r.json(t, &st)
		var types []string
		for _, ev := range st.HistoryEvents {
			types = append(types, ev["EventType"].(string))
			for _, gone := range []string{"EventId", "IsPlayed", "TaskScheduledId", "OrchestrationInstance", "Result", "Name"} {
				if _, ok := ev[gone]; ok {
					t.Errorf("%s event has %s: %v", ev["EventType"], gone, ev)
				}
			}
		}
		want := "ExecutionStarted TaskCompleted TaskCompleted TaskCompleted ExecutionCompleted"
		if strings.Join(types, " ") != want {
			t.Fatalf("event types %v, want %s", types, want)
		}
		started, task := st.HistoryEvents[0], st.HistoryEvents[1]
		if started["FunctionName"] != "HelloSequence" || fmt.Sprint(started["Input"]) != "map[in:true]" {
			t.Errorf("ExecutionStarted = %v", started)
		}
		if task["FunctionName"] != "SayHello" || task["Input"] != "Tokyo" || task["ScheduledTime"] == nil || task["Timestamp"] == nil {
			t.Errorf("TaskCompleted = %v", task)
		}
		if st.HistoryEvents[4]["OrchestrationStatus"] != "Completed" {
			t.Errorf("ExecutionCompleted = %v", st.HistoryEvents[4])
		}
	})
	t.Run("with showHistoryOutput shows results", func(t *testing.T) {
		r := e.do(t, get(base+"/instances/"+done+"?showHistory=true&showHistoryOutput=true&showInput=false"))
		var st struct {
			Input         any              `json:"input"`
			HistoryEvents []map[string]any `json:"historyEvents"`
		}
		r.json(t, &st)
		if st.Input != nil {
			t.Errorf("input shown with showInput=false")
		}
		if len(st.HistoryEvents) != 5 || st.HistoryEvents[1]["Result"] != "Hello Tokyo!" {
			t.Fatalf("history %v", st.HistoryEvents)
		}
		for _, ev := range st.HistoryEvents {
			if _, ok := ev["Input"]; ok {
				t.Errorf("%s event has Input with showInput=false", ev["EventType"])
			}
		}
		if fmt.Sprint(st.HistoryEvents[4]["Result"]) != "[Hello Tokyo! Hello Seattle! Hello London!]" {
			t.Errorf("ExecutionCompleted result %v", st.HistoryEvents[4]["Result"])
		}
	})
	t.Run("with showHistory merges sub-orchestrations into their completion", func(t *testing.T) {
		id := e.start("Parent", nil)
		e.waitDone(id)
		var st struct {
			HistoryEvents []map[string]any `json:"historyEvents"`
		}
		e.do(t, get(base+"/instances/"+id+"?showHistory=true")).json(t, &st)
		var found bool
		for _, ev := range st.HistoryEvents {
			if ev["EventType"] == "SubOrchestrationInstanceCreated" {
				t.Errorf("SubOrchestrationInstanceCreated not merged")
			}
			if ev["EventType"] == "SubOrchestrationInstanceCompleted" {
				found = ev["FunctionName"] == "HelloSequence" && ev["ScheduledTime"] != nil
			}
		}
		if !found {
			t.Fatalf("no merged SubOrchestrationInstanceCompleted: %v", st.HistoryEvents)
		}
	})
}
