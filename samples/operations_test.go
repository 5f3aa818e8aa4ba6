package main_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestManagementOperationsAnswerWithTheSpecsStatusCodes(t *testing.T) {
	t.Parallel()
	p := startApp(t)
	// waiting starts an approval that waits (5 minutes) for its event.
	waiting := func(t *testing.T) string {
		t.Helper()
		cs := p.start(t, "ApprovalWorkflow", `{"timeoutSeconds":300}`)
		p.waitStatus(t, cs.ID, "Running")
		return cs.ID
	}
	completed := func(t *testing.T) string {
		t.Helper()
		cs := p.start(t, "HelloSequence", "")
		if st := p.waitDone(t, cs.ID); st.RuntimeStatus != "Completed" {
			t.Fatalf("HelloSequence %s", st.RuntimeStatus)
		}
		return cs.ID
	}
	failed := func(t *testing.T) string {
		t.Helper()
		cs := p.start(t, "FanOutFanIn", "-1")
		if st := p.waitDone(t, cs.ID); st.RuntimeStatus != "Failed" || !strings.Contains(string(st.Output), "non-negative") {
			t.Fatalf("FanOutFanIn -1: %s %s, want Failed naming the bad input", st.RuntimeStatus, st.Output)
		}
		return cs.ID
	}
	raiseEvent := func(t *testing.T, id, body string) *response {
		return p.api(t, http.MethodPost, "/instances/"+id+"/raiseEvent/ApprovalEvent", body)
	}

	t.Run("raiseEvent: 202 for a running instance, 404 for an unknown one, 410 for a finished one", func(t *testing.T) {
		t.Parallel()
		id := waiting(t)
		expect(t, "raise on running", raiseEvent(t, id, "true"), http.StatusAccepted)
		if st := p.waitDone(t, id); string(st.Output) != `"approved"` {
			t.Errorf("output %s, want approved", st.Output)
		}
		expect(t, "raise on unknown", raiseEvent(t, uniq("nobody"), "true"), http.StatusNotFound)
		expect(t, "raise on completed", raiseEvent(t, id, "true"), http.StatusGone)
	})

	t.Run("terminate: 202 then Terminated with the reason, 410 when finished, 404 when unknown", func(t *testing.T) {
		t.Parallel()
		id := waiting(t)
		expect(t, "terminate", p.api(t, http.MethodPost, "/instances/"+id+"/terminate?reason=no+longer+needed", ""), http.StatusAccepted)
		st := p.waitDone(t, id)
		if st.RuntimeStatus != "Terminated" || string(st.Output) != `"no longer needed"` {
			t.Errorf("after terminate: %s %s, want Terminated with the reason", st.RuntimeStatus, st.Output)
		}
		expect(t, "terminate again", p.api(t, http.MethodPost, "/instances/"+id+"/terminate", ""), http.StatusGone)
		expect(t, "terminate completed", p.api(t, http.MethodPost, "/instances/"+completed(t)+"/terminate", ""), http.StatusGone)
		expect(t, "terminate unknown", p.api(t, http.MethodPost, "/instances/"+uniq("nobody")+"/terminate", ""), http.StatusNotFound)
	})

	t.Run("suspend and resume: a suspended instance holds an event until resumed", func(t *testing.T) {
		t.Parallel()
		id := waiting(t)
		expect(t, "suspend", p.api(t, http.MethodPost, "/instances/"+id+"/suspend?reason=hold", ""), http.StatusAccepted)
		p.waitStatus(t, id, "Suspended")
		expect(t, "suspend again", p.api(t, http.MethodPost, "/instances/"+id+"/suspend", ""), http.StatusConflict)
		expect(t, "raise while suspended", raiseEvent(t, id, "true"), http.StatusAccepted)
		time.Sleep(300 * time.Millisecond) // give a wrongly delivered event time to finish the instance
		if st, _ := p.getStatus(t, id, false); st.RuntimeStatus != "Suspended" {
			t.Fatalf("after an event while suspended: %s, want still Suspended", st.RuntimeStatus)
		}
		expect(t, "resume", p.api(t, http.MethodPost, "/instances/"+id+"/resume?reason=go", ""), http.StatusAccepted)
		if st := p.waitDone(t, id); st.RuntimeStatus != "Completed" || string(st.Output) != `"approved"` {
			t.Errorf("after resume: %s %s, want Completed approved", st.RuntimeStatus, st.Output)
		}
		expect(t, "resume finished", p.api(t, http.MethodPost, "/instances/"+id+"/resume", ""), http.StatusGone)
		expect(t, "suspend finished", p.api(t, http.MethodPost, "/instances/"+id+"/suspend", ""), http.StatusGone)
		expect(t, "suspend unknown", p.api(t, http.MethodPost, "/instances/"+uniq("nobody")+"/suspend", ""), http.StatusNotFound)
	})

	t.Run("resume of a running instance is a conflict", func(t *testing.T) {
		t.Parallel()
		id := waiting(t)
		expect(t, "resume running", p.api(t, http.MethodPost, "/instances/"+id+"/resume", ""), http.StatusConflict)
		expect(t, "clean up", p.api(t, http.MethodPost, "/instances/"+id+"/terminate", ""), http.StatusAccepted)
	})

	t.Run("rewind: 202 for a failed instance, which replays and fails again on the same input", func(t *testing.T) {
		t.Parallel()
		id := failed(t)
		before, _ := p.getStatus(t, id, true)
		expect(t, "rewind failed", p.api(t, http.MethodPost, "/instances/"+id+"/rewind?reason=try+again", ""), http.StatusAccepted)
		st := p.waitRewound(t, id)
		if st.RuntimeStatus != "Failed" || eventCounts(t, st)["ExecutionRewound"] != 1 {
			t.Errorf("after rewind: %s with history %v (before: %v), want Failed again with one ExecutionRewound", st.RuntimeStatus, eventCounts(t, st), eventCounts(t, before))
		}
		expect(t, "rewind completed", p.api(t, http.MethodPost, "/instances/"+completed(t)+"/rewind", ""), http.StatusGone)
		running := waiting(t)
		expect(t, "rewind running", p.api(t, http.MethodPost, "/instances/"+running+"/rewind", ""), http.StatusConflict)
		expect(t, "rewind unknown", p.api(t, http.MethodPost, "/instances/"+uniq("nobody")+"/rewind", ""), http.StatusNotFound)
		expect(t, "clean up", p.api(t, http.MethodPost, "/instances/"+running+"/terminate", ""), http.StatusAccepted)
	})

	t.Run("rewind lets a parent whose sub-orchestration could not start finish", func(t *testing.T) {
		t.Parallel()
		parent := uniq("rewind-parent")
		// The parent's first child id is taken by a running instance, so
		// the parent fails; once that instance is gone, rewinding the
		// parent must let it finish.
		blocker := parent + "-child-1"
		p.startWithID(t, "ApprovalWorkflow", blocker, `{"timeoutSeconds":300}`)
		p.waitStatus(t, blocker, "Running")
		p.startWithID(t, "SubOrchestrationParent", parent, "")
		if st := p.waitDone(t, parent); st.RuntimeStatus != "Failed" {
			t.Fatalf("parent: %s %s, want Failed (its child id is taken)", st.RuntimeStatus, st.Output)
		}
		expect(t, "terminate the blocker", p.api(t, http.MethodPost, "/instances/"+blocker+"/terminate", ""), http.StatusAccepted)
		p.waitDone(t, blocker)
		expect(t, "rewind the parent", p.api(t, http.MethodPost, "/instances/"+parent+"/rewind", ""), http.StatusAccepted)
		st := p.waitRewound(t, parent)
		if st.RuntimeStatus != "Completed" {
			t.Fatalf("rewound parent: %s %s, want Completed", st.RuntimeStatus, st.Output)
		}
	})

	t.Run("restart: a new id by default, the same id when asked, 400 when unknown", func(t *testing.T) {
		t.Parallel()
		cs := p.start(t, "FanOutFanIn", "3")
		p.waitDone(t, cs.ID)
		r := p.api(t, http.MethodPost, "/instances/"+cs.ID+"/restart", "")
		expect(t, "restart", r, http.StatusAccepted)
		var restarted checkStatus
		r.json(t, &restarted)
		if restarted.ID == "" || restarted.ID == cs.ID {
			t.Fatalf("restart gave id %q, want a new one", restarted.ID)
		}
		if st := p.waitDone(t, restarted.ID); string(st.Output) != "14" || string(st.Input) != "3" {
			t.Errorf("restarted instance: %s input %s output %s, want the same input and 14", st.RuntimeStatus, st.Input, st.Output)
		}
		r = p.api(t, http.MethodPost, "/instances/"+cs.ID+"/restart?restartWithNewInstanceId=false", "")
		expect(t, "restart in place", r, http.StatusAccepted)
		var same checkStatus
		r.json(t, &same)
		if same.ID != cs.ID {
			t.Errorf("restart in place gave id %q, want %q", same.ID, cs.ID)
		}
		if st := p.waitDone(t, cs.ID); st.RuntimeStatus != "Completed" || string(st.Output) != "14" {
			t.Errorf("restarted in place: %s %s", st.RuntimeStatus, st.Output)
		}
		expect(t, "restart unknown", p.api(t, http.MethodPost, "/instances/"+uniq("nobody")+"/restart", ""), http.StatusBadRequest)
	})

	t.Run("purge one: 200 with one deleted, then 404", func(t *testing.T) {
		t.Parallel()
		id := completed(t)
		r := p.api(t, http.MethodDelete, "/instances/"+id, "")
		expect(t, "purge", r, http.StatusOK)
		if !jsonEqual(string(r.Body), `{"instancesDeleted":1}`) {
			t.Errorf("purge body %s", r.Body)
		}
		expect(t, "status after purge", p.api(t, http.MethodGet, "/instances/"+id, ""), http.StatusNotFound)
		expect(t, "purge again", p.api(t, http.MethodDelete, "/instances/"+id, ""), http.StatusNotFound)
	})

	t.Run("status: 202 with Location while running, 200 when finished, 404 when unknown", func(t *testing.T) {
		t.Parallel()
		id := waiting(t)
		r := p.api(t, http.MethodGet, "/instances/"+id, "")
		expect(t, "status running", r, http.StatusAccepted)
		if r.Header.Get("Location") == "" {
			t.Errorf("no Location header on a running instance's status")
		}
		expect(t, "terminate", p.api(t, http.MethodPost, "/instances/"+id+"/terminate", ""), http.StatusAccepted)
		p.waitDone(t, id)
		expect(t, "status finished", p.api(t, http.MethodGet, "/instances/"+id, ""), http.StatusOK)
		expect(t, "status unknown", p.api(t, http.MethodGet, "/instances/"+uniq("nobody"), ""), http.StatusNotFound)
	})

	t.Run("the management API function serves the same API under /api/durabletask", func(t *testing.T) {
		t.Parallel()
		id := completed(t)
		r := p.do(t, http.MethodGet, "/api/durabletask/instances/"+id, "", nil)
		expect(t, "status under /api/durabletask", r, http.StatusOK)
		var st status
		r.json(t, &st)
		if st.InstanceID != id || st.RuntimeStatus != "Completed" {
			t.Errorf("status %s", r.Body)
		}
		r = p.do(t, http.MethodPost, "/api/durabletask/orchestrators/FanOutFanIn", "application/json", []byte("2"))
		expect(t, "start under /api/durabletask", r, http.StatusAccepted)
		var cs checkStatus
		r.json(t, &cs)
		if !strings.Contains(cs.StatusQueryGetURI, "/api/durabletask/instances/"+cs.ID) {
			t.Errorf("statusQueryGetUri %q, want it under /api/durabletask", cs.StatusQueryGetURI)
		}
		p.waitDone(t, cs.ID)
		expect(t, "the status URL as given", p.do(t, http.MethodGet, cs.StatusQueryGetURI, "", nil), http.StatusOK)
		expect(t, "an unknown instance", p.do(t, http.MethodGet, "/api/durabletask/instances/"+uniq("nobody"), "", nil), http.StatusNotFound)
	})

	t.Run("the management API starts orchestrations with a chosen id", func(t *testing.T) {
		t.Parallel()
		id := uniq("chosen")
		r := p.api(t, http.MethodPost, "/orchestrators/FanOutFanIn/"+id, "2")
		expect(t, "start with id", r, http.StatusAccepted)
		var cs checkStatus
		r.json(t, &cs)
		if cs.ID != id {
			t.Errorf("id %q, want %q", cs.ID, id)
		}
		if st := p.waitDone(t, id); string(st.Output) != "5" {
			t.Errorf("output %s, want 5", st.Output)
		}
	})
}

func TestPurgeByFilterDeletesOnlyFinishedInstancesInTheWindow(t *testing.T) {
	t.Parallel()
	p := startApp(t)
	from := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	var done []string
	for i := 0; i < 3; i++ {
		done = append(done, p.start(t, "HelloSequence", "").ID)
	}
	for _, id := range done {
		p.waitDone(t, id)
	}
	failedID := p.start(t, "FanOutFanIn", "-1").ID
	p.waitDone(t, failedID)
	running := p.start(t, "ApprovalWorkflow", `{"timeoutSeconds":300}`).ID
	p.waitStatus(t, running, "Running")

	expect(t, "no createdTimeFrom", p.api(t, http.MethodDelete, "/instances", ""), http.StatusBadRequest)
	expect(t, "a window in the past", p.api(t, http.MethodDelete, "/instances?createdTimeFrom=2000-01-01T00:00:00Z&createdTimeTo=2000-01-02T00:00:00Z", ""), http.StatusNotFound)

	r := p.api(t, http.MethodDelete, "/instances?createdTimeFrom="+url.QueryEscape(from)+"&runtimeStatus=Completed", "")
	expect(t, "purge Completed", r, http.StatusOK)
	if !jsonEqual(string(r.Body), `{"instancesDeleted":3}`) {
		t.Errorf("purge body %s, want 3 deleted", r.Body)
	}
	for _, id := range done {
		expect(t, "status of purged "+id, p.api(t, http.MethodGet, "/instances/"+id, ""), http.StatusNotFound)
	}
	if st, _ := p.getStatus(t, failedID, false); st == nil || st.RuntimeStatus != "Failed" {
		t.Errorf("the Failed instance was purged by a Completed filter")
	}
	// Without a status filter every finished instance goes, never a running one.
	r = p.api(t, http.MethodDelete, "/instances?createdTimeFrom="+url.QueryEscape(from), "")
	expect(t, "purge finished", r, http.StatusOK)
	if !jsonEqual(string(r.Body), `{"instancesDeleted":1}`) {
		t.Errorf("purge body %s, want the failed instance deleted", r.Body)
	}
	if st, _ := p.getStatus(t, running, false); st == nil || st.RuntimeStatus != "Running" {
		t.Errorf("the running instance was purged")
	}
	expect(t, "nothing left to purge", p.api(t, http.MethodDelete, "/instances?createdTimeFrom="+url.QueryEscape(from), ""), http.StatusNotFound)
}

func TestListingFollowsContinuationTokensOverEveryInstance(t *testing.T) {
	t.Parallel()
	p := startApp(t)
	const n = 120
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("page-%03d", i)
		p.startWithID(t, "HelloSequence", id, "")
		want[id] = true
	}
	seen := map[string]int{}
	token := ""
	pages := 0
	for {
		r := p.do(t, http.MethodGet, apiPath+"/instances?top=50&instanceIdPrefix=page-", "", nil, "x-ms-continuation-token", token)
		expect(t, "list page", r, http.StatusOK)
		var page []status
		r.json(t, &page)
		if len(page) > 50 {
			t.Fatalf("page of %d, want at most 50", len(page))
		}
		for _, st := range page {
			seen[st.InstanceID]++
		}
		pages++
		if _, ok := r.Header["X-Ms-Continuation-Token"]; !ok {
			t.Fatalf("no x-ms-continuation-token header on a list response")
		}
		token = r.Header.Get("x-ms-continuation-token")
		if token == "" {
			break
		}
		if pages > n {
			t.Fatal("the continuation token never runs out")
		}
	}
	var dup, missing []string
	for id := range want {
		switch seen[id] {
		case 0:
			missing = append(missing, id)
		case 1:
		default:
			dup = append(dup, id)
		}
	}
	sort.Strings(dup)
	sort.Strings(missing)
	if len(dup) > 0 || len(missing) > 0 || len(seen) != n {
		t.Errorf("over %d pages: %d ids seen, duplicated %v, missing %v", pages, len(seen), dup, missing)
	}
	if pages < 3 {
		t.Errorf("%d pages for %d instances at top=50, want at least 3", pages, n)
	}
}
