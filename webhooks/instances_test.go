package webhooks_test

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
	"github.com/godurable/durablefunctions/webhooks"
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
		opts    []webhooks.Option
		header  map[string]string
		id      string
		wantURL func(srv string) string // statusQueryGetUri
	}{
		{"use the request's host, the default base, hub and connection", nil, nil, "abc",
			func(srv string) string {
				return srv + base + "/instances/abc?taskHub=TestHubName&connection=Storage"
			}},
		{"carry the configured hub, connection and key", []webhooks.Option{webhooks.WithHubName("MyHub"), webhooks.WithConnectionName("MyStorage"), webhooks.WithKey("s3cr&t")},
			map[string]string{"x-functions-key": "s3cr&t"}, "abc",
			func(srv string) string {
				return srv + base + "/instances/abc?taskHub=MyHub&connection=MyStorage&code=s3cr%26t"
			}},
		{"follow X-Forwarded-Proto and X-Forwarded-Host", nil,
			map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "myapp.azurewebsites.net, proxy"}, "abc",
			func(string) string {
				return "https://myapp.azurewebsites.net" + base + "/instances/abc?taskHub=TestHubName&connection=Storage"
			}},
		{"use the base path given", []webhooks.Option{webhooks.WithBasePath("/api/durabletask/")}, nil, "abc",
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
			// The generated status URL works as is (with the key).
			if !strings.HasPrefix(want, "https://") {
				u, _ := url.Parse(want)
				got := doURL(t, e.srv.URL+u.RequestURI(), get(""))
				if got.Status != http.StatusOK && got.Status != http.StatusAccepted {
					t.Fatalf("GET statusQueryGetUri: %s", got)
				}
			}
		})
	}
}

func TestManagementPayloadAddsTheRewindURL(t *testing.T) {
	e := newEnv(t, webhooks.WithKey("k"))
	r := httptestRequest("GET", "http://example.com/x")
	p := e.api.ManagementPayload(r, "id1")
	if p.RewindPostURI != "http://example.com"+base+"/instances/id1/rewind?reason={text}&taskHub=TestHubName&connection=Storage&code=k" {
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

func TestListingInstances(t *testing.T) {
	e := newEnv(t)
	const n = 250
	ids := map[string]bool{}
	for i := range n {
		ids[e.start("Echo", i, durable.WithInstanceID(fmt.Sprintf("page-%03d", i)))] = true
	}
	for id := range ids {
		e.waitDone(id)
	}

	t.Run("pages through every instance exactly once with top and the continuation header", func(t *testing.T) {
		seen := map[string]int{}
		token, pages := "", 0
		for {
			req := get(base + "/instances?top=100")
			if token != "" {
				req.header = map[string]string{"x-ms-continuation-token": token}
			}
			r := e.do(t, req)
			if r.Status != http.StatusOK {
				t.Fatalf("page %d: %s", pages, r)
			}
			if _, ok := r.Header[http.CanonicalHeaderKey("x-ms-continuation-token")]; !ok {
				t.Fatalf("page %d has no continuation header", pages)
			}
			var page []map[string]any
			r.json(t, &page)
			if len(page) > 100 {
				t.Fatalf("page of %d, want ≤ 100", len(page))
			}
			for _, st := range page {
				seen[st["instanceId"].(string)]++
			}
			pages++
			token = r.Header.Get("x-ms-continuation-token")
			if token == "" || pages > 10 {
				break
			}
		}
		if len(seen) != n {
			t.Fatalf("saw %d instances, want %d", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 || !ids[id] {
				t.Fatalf("instance %s seen %d times", id, c)
			}
		}
		if pages != 3 {
			t.Errorf("took %d pages, want 3", pages)
		}
	})

	sleeping := e.start("Sleep", nil, durable.WithInstanceID("zz-sleeping"))
	e.waitStatus(sleeping, durable.StatusRunning)
	listed := func(t *testing.T, query string) []map[string]any {
		t.Helper()
		r := e.do(t, get(base+"/instances/?top=1000&"+query))
		if r.Status != http.StatusOK {
			t.Fatalf("got %s", r)
		}
		var page []map[string]any
		r.json(t, &page)
		return page
	}
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"filters by one runtime status", "runtimeStatus=Running", 1},
		{"filters by a comma list of runtime statuses", "runtimeStatus=Running,Completed", n + 1},
		{"filters by repeated runtime statuses, any case", "RUNTIMESTATUS=running&runtimeStatus=Failed", 1},
		{"filters by an instance id prefix", "instanceIdPrefix=page-1", 100},
		{"filters by creation time", "createdTimeFrom=2000-01-01T00:00:00Z&createdTimeTo=2001-01-01", 0},
		{"includes instances created in the time range", "createdTimeFrom=2000-01-01T00:00:00Z", n + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(listed(t, tc.query)); got != tc.want {
				t.Fatalf("listed %d, want %d", got, tc.want)
			}
		})
	}
	t.Run("shows inputs and outputs unless showInput is false", func(t *testing.T) {
		for _, st := range listed(t, "instanceIdPrefix=page-007") {
			if st["input"] != 7.0 || st["output"] != 7.0 || st["historyEvents"] != nil {
				t.Fatalf("got %v", st)
			}
		}
		for _, st := range listed(t, "instanceIdPrefix=page-007&showInput=false") {
			if st["input"] != nil || st["output"] != 7.0 {
				t.Fatalf("got %v", st)
			}
		}
	})
}

func TestRaisingAnEvent(t *testing.T) {
	e := newEnv(t)
	t.Run("delivers the JSON data and answers 202", func(t *testing.T) {
		id := e.running()
		r := e.do(t, postJSON(base+"/instances/"+id+"/raiseEvent/Go", `{"approved":true}`))
		if r.Status != http.StatusAccepted || len(r.Body) != 0 {
			t.Fatalf("got %s", r)
		}
		st := e.waitDone(id)
		if compactJSON(t, st.Output) != `{"approved":true}` {
			t.Fatalf("output %s", st.Output)
		}
	})
	t.Run("accepts the raiseEvent segment in any case and a charset", func(t *testing.T) {
		id := e.running()
		r := e.do(t, request{method: "POST", path: base + "/instances/" + id + "/RAISEEVENT/Go", body: `5`,
			header: map[string]string{"Content-Type": "application/json; charset=utf-8"}})
		if r.Status != http.StatusAccepted {
			t.Fatalf("got %s", r)
		}
		if st := e.waitDone(id); string(st.Output) != "5" {
			t.Fatalf("output %s", st.Output)
		}
	})
	t.Run("to a completed instance is 410", func(t *testing.T) {
		id := e.completed()
		expectError(t, e.do(t, postJSON(base+"/instances/"+id+"/raiseEvent/Go", `1`)), http.StatusGone)
	})
	t.Run("to an unknown instance is 404", func(t *testing.T) {
		expectError(t, e.do(t, postJSON(base+"/instances/nope/raiseEvent/Go", `1`)), http.StatusNotFound)
	})
}

func TestTerminating(t *testing.T) {
	e := newEnv(t)
	t.Run("a running instance is 202 and records the reason", func(t *testing.T) {
		id := e.running()
		r := e.do(t, post(base+"/instances/"+id+"/terminate?reason="+url.QueryEscape("no longer needed")))
		if r.Status != http.StatusAccepted {
			t.Fatalf("got %s", r)
		}
		st := e.waitStatus(id, durable.StatusTerminated)
		if string(st.Output) != `"no longer needed"` {
			t.Fatalf("output %s", st.Output)
		}
	})
	t.Run("a suspended instance is 202", func(t *testing.T) {
		id := e.running()
		must(t, e.client.Suspend(context.Background(), id, ""))
		e.waitStatus(id, durable.StatusSuspended)
		if r := e.do(t, post(base+"/instances/"+id+"/Terminate")); r.Status != http.StatusAccepted {
			t.Fatalf("got %s", r)
		}
		e.waitStatus(id, durable.StatusTerminated)
	})
	t.Run("a completed instance is 410", func(t *testing.T) {
		expectError(t, e.do(t, post(base+"/instances/"+e.completed()+"/terminate")), http.StatusGone)
	})
	t.Run("an unknown instance is 404", func(t *testing.T) {
		expectError(t, e.do(t, post(base+"/instances/nope/terminate")), http.StatusNotFound)
	})
}

func TestSuspendingAndResuming(t *testing.T) {
	e := newEnv(t)
	id := e.running()
	steps := []struct {
		name       string
		op         string
		wantCode   int
		wantStatus durable.RuntimeStatus
	}{
		{"suspending a running instance is 202", "suspend", http.StatusAccepted, durable.StatusSuspended},
		{"suspending it again is 409", "suspend", http.StatusConflict, durable.StatusSuspended},
		{"resuming it is 202", "resume", http.StatusAccepted, durable.StatusRunning},
		{"resuming a running instance is 409", "resume", http.StatusConflict, durable.StatusRunning},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := e.do(t, post(base+"/instances/"+id+"/"+s.op+"?reason=testing"))
			if r.Status != s.wantCode {
				t.Fatalf("got %s, want %d", r, s.wantCode)
			}
			if s.wantCode >= 400 {
				expectError(t, r, s.wantCode)
			}
			e.waitStatus(id, s.wantStatus)
		})
	}
	t.Run("suspending or resuming a finished instance is 410", func(t *testing.T) {
		done := e.completed()
		expectError(t, e.do(t, post(base+"/instances/"+done+"/suspend")), http.StatusGone)
		expectError(t, e.do(t, post(base+"/instances/"+done+"/resume")), http.StatusGone)
	})
	t.Run("suspending or resuming an unknown instance is 404", func(t *testing.T) {
		expectError(t, e.do(t, post(base+"/instances/nope/suspend")), http.StatusNotFound)
		expectError(t, e.do(t, post(base+"/instances/nope/resume")), http.StatusNotFound)
	})
}

func TestRewinding(t *testing.T) {
	e := newEnv(t)
	t.Run("a failed instance is 202 and it then completes", func(t *testing.T) {
		id := e.start("Rewindable", nil)
		if st := e.waitDone(id); st.RuntimeStatus != durable.StatusFailed {
			t.Fatalf("first run ended %v", st.RuntimeStatus)
		}
		if r := e.do(t, post(base+"/instances/"+id+"/rewind?reason=fixed")); r.Status != http.StatusAccepted {
			t.Fatalf("got %s", r)
		}
		st := e.waitStatus(id, durable.StatusCompleted)
		if string(st.Output) != `"fixed"` {
			t.Fatalf("output %s", st.Output)
		}
	})
	t.Run("a completed instance is 410", func(t *testing.T) {
		expectError(t, e.do(t, post(base+"/instances/"+e.completed()+"/rewind")), http.StatusGone)
	})
	t.Run("a running instance is 409 and keeps running", func(t *testing.T) {
		id := e.running()
		expectError(t, e.do(t, post(base+"/instances/"+id+"/rewind")), http.StatusConflict)
		if s := e.status(id); s != durable.StatusRunning {
			t.Fatalf("status %v", s)
		}
	})
	t.Run("an unknown instance is 404", func(t *testing.T) {
		expectError(t, e.do(t, post(base+"/instances/nope/rewind")), http.StatusNotFound)
	})
}

func TestRestarting(t *testing.T) {
	e := newEnv(t)
	done := e.completed()
	t.Run("with a new instance id by default starts a copy under a new id", func(t *testing.T) {
		p := checkStatusResponse(t, e.do(t, post(base+"/instances/"+done+"/restart")))
		if p["id"] == done {
			t.Fatalf("restarted under the same id")
		}
		st := e.waitDone(p["id"].(string))
		if st.Name != "Echo" || compactJSON(t, st.Input) != `{"x":1}` {
			t.Fatalf("restarted %s with %s", st.Name, st.Input)
		}
	})
	t.Run("with restartWithNewInstanceId=false reuses the id", func(t *testing.T) {
		p := checkStatusResponse(t, e.do(t, post(base+"/instances/"+done+"/restart?restartWithNewInstanceId=false")))
		if p["id"] != done {
			t.Fatalf("restarted as %v", p["id"])
		}
		e.waitDone(done)
	})
	t.Run("with a timeout waits for the output", func(t *testing.T) {
		r := e.do(t, post(base+"/instances/"+done+"/restart?timeout=10&pollingInterval=1"))
		if r.Status != http.StatusOK || compactJSON(t, r.Body) != `{"x":1}` {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("a running instance under its own id is 409", func(t *testing.T) {
		id := e.running()
		expectError(t, e.do(t, post(base+"/instances/"+id+"/restart?restartWithNewInstanceId=false")), http.StatusConflict)
	})
	t.Run("an unknown instance is 400, as in Durable Functions", func(t *testing.T) {
		m := expectError(t, e.do(t, post(base+"/instances/nope/restart")), http.StatusBadRequest)
		if m["Message"] != "InstanceId does not match a valid orchestration instance." {
			t.Fatalf("message %v", m["Message"])
		}
	})
}

func TestPurging(t *testing.T) {
	e := newEnv(t)
	t.Run("one instance is 200 with instancesDeleted 1, then 404", func(t *testing.T) {
		id := e.completed()
		r := e.do(t, del(base+"/instances/"+id))
		if r.Status != http.StatusOK || compactJSON(t, r.Body) != `{"instancesDeleted":1}` {
			t.Fatalf("got %s", r)
		}
		expectError(t, e.do(t, del(base+"/instances/"+id)), http.StatusNotFound)
		expectError(t, e.do(t, get(base+"/instances/"+id)), http.StatusNotFound)
	})
	t.Run("by filter deletes the finished instances that match", func(t *testing.T) {
		e := newEnv(t)
		e.completed()
		e.completed()
		e.failed()
		running := e.running()
		from := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		r := e.do(t, del(base+"/instances?createdTimeFrom="+from+"&runtimeStatus=Failed"))
		if r.Status != http.StatusOK || compactJSON(t, r.Body) != `{"instancesDeleted":1}` {
			t.Fatalf("got %s", r)
		}
		r = e.do(t, del(base+"/instances/?CREATEDTIMEFROM="+from))
		if r.Status != http.StatusOK || compactJSON(t, r.Body) != `{"instancesDeleted":2}` {
			t.Fatalf("got %s", r)
		}
		expectError(t, e.do(t, del(base+"/instances?createdTimeFrom="+from)), http.StatusNotFound)
		if s := e.status(running); s != durable.StatusRunning {
			t.Fatalf("running instance is %v", s)
		}
	})
	t.Run("by filter naming only active statuses deletes nothing", func(t *testing.T) {
		e := newEnv(t)
		id := e.completed()
		expectError(t, e.do(t, del(base+"/instances?createdTimeFrom=2000-01-01&runtimeStatus=Running")), http.StatusNotFound)
		e.status(id)
	})
	t.Run("by filter without createdTimeFrom is 400", func(t *testing.T) {
		m := expectError(t, e.do(t, del(base+"/instances")), http.StatusBadRequest)
		if m["Message"] != "Please provide value for 'createdTimeFrom' parameter." {
			t.Fatalf("message %v", m["Message"])
		}
	})
}

func TestDuplicateStartIsAConflict(t *testing.T) {
	e := newEnv(t)
	id := e.running()
	expectError(t, e.do(t, post(base+"/orchestrators/Echo/"+id)), http.StatusConflict)
	if s := e.status(id); s != durable.StatusRunning {
		t.Fatalf("status %v", s)
	}
	// A finished instance is replaced.
	done := e.completed()
	checkStatusResponse(t, e.do(t, postJSON(base+"/orchestrators/Echo/"+done, `2`)))
	if st := e.waitDone(done); string(st.Output) != "2" {
		t.Fatalf("replaced instance output %s", st.Output)
	}
}
