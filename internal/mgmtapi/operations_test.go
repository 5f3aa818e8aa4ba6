package mgmtapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

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
