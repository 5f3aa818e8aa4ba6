package dashboard_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// waitStatusShown waits until the instance page shows the status.
func waitStatusShown(b *browser, status string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf(`(document.querySelector('#instance-status') || {}).innerText === %q`, status))
}

// ganttRows reads the timeline: kind, state and label of each row.
func ganttRows(b *browser) [][3]string {
	b.t.Helper()
	return eval[[][3]string](b, `[...document.querySelectorAll('#gantt .gantt-row')].map(li =>
		[li.dataset.kind, li.dataset.state, li.querySelector('.gantt-label').innerText])`)
}

func countRows(rows [][3]string, kind, state string) int {
	n := 0
	for _, r := range rows {
		if r[0] == kind && (state == "" || r[1] == state) {
			n++
		}
	}
	return n
}

// confirmDialog fills nothing, confirms the open dialog and waits for it to
// close.
func confirmDialog(b *browser) {
	b.t.Helper()
	b.click("dialog [data-confirm]")
	b.waitFor(`document.querySelector('dialog') === null`)
}

func TestAnInstancePageShowsWhatTheOrchestrationDid(t *testing.T) {
	a := startSampleApp(t)
	a.start(t, "SubOrchestrationParent", "parent-1", nil)
	a.waitStatus(t, "parent-1", durable.StatusCompleted)
	a.start(t, "RetryThenSucceed", "retry-0", nil)
	if code, body := a.api(t, http.MethodPost, "/entities/Account/alice?op=deposit", "100"); code != http.StatusAccepted {
		t.Fatalf("deposit: %d %s", code, body)
	}
	a.start(t, "TransferFunds", "transfer-1", map[string]any{"from": "alice", "to": "bob", "amount": 30})
	a.waitStatus(t, "transfer-1", durable.StatusCompleted)
	a.waitStatus(t, "retry-0", durable.StatusCompleted)
	b := newBrowser(t, 1280, 900)

	t.Run("a parent's timeline links its two sub-orchestrations", func(t *testing.T) {
		b := b.on(t)
		b.open(a.dashboardURL("/instances/parent-1"))
		b.settled()
		waitStatusShown(b, "Completed")
		if out := b.text("#instance-output"); !strings.Contains(out, "Hello Tokyo!") {
			b.fail("output %q", out)
		}
		rows := ganttRows(b)
		if countRows(rows, "suborchestration", "completed") != 2 || countRows(rows, "orchestration", "completed") != 1 {
			b.fail("timeline rows %v, want the orchestration and two completed sub-orchestrations", rows)
		}
		links := eval[[]string](b, `[...document.querySelectorAll('#gantt .kind-suborchestration a')].map(a => a.getAttribute('href'))`)
		if len(links) != 2 || !strings.Contains(strings.Join(links, " "), "#/instances/parent-1-child-1") {
			b.fail("sub-orchestration links %v, want two, one to parent-1-child-1", links)
		}
		b.loading(func() { b.click(`#gantt a[href="#/instances/parent-1-child-1"]`) })
		if h := b.text("h1"); !strings.HasPrefix(h, "HelloSequence") {
			b.fail("the child's page is headed %q", h)
		}
		if n := countRows(ganttRows(b), "activity", "completed"); n != 3 {
			b.fail("the child's timeline has %d completed activities, want 3", n)
		}
	})

	t.Run("the history tab lists every event in a table", func(t *testing.T) {
		b := b.on(t)
		b.open(a.dashboardURL("/instances/parent-1"))
		b.settled()
		b.loading(func() { b.click("#tab-history") })
		types := eval[[]string](b, `[...document.querySelectorAll('#history-table tbody tr')].map(tr => tr.dataset.eventType)`)
		want := "ExecutionStarted SubOrchestrationInstanceCompleted SubOrchestrationInstanceCompleted ExecutionCompleted"
		if strings.Join(types, " ") != want {
			b.fail("history rows %v, want %s", types, want)
		}
	})

	t.Run("retries show as failed activities and the timers between them", func(t *testing.T) {
		b := b.on(t)
		b.open(a.dashboardURL("/instances/retry-0"))
		b.settled()
		rows := ganttRows(b)
		if countRows(rows, "activity", "failed") != 2 || countRows(rows, "activity", "completed") != 1 || countRows(rows, "timer", "fired") != 2 {
			b.fail("timeline rows %v, want 2 failed and 1 completed FlakyActivity with 2 fired timers", rows)
		}
		// The second retry waits 2 s: its bar is about that long.
		durs := eval[[]string](b, `[...document.querySelectorAll('#gantt .kind-timer .gantt-dur')].map(d => d.innerText)`)
		if len(durs) != 2 || !strings.HasPrefix(durs[1], "2.0 s") {
			b.fail("timer durations %v, want the second to be 2.0 s", durs)
		}
	})

	t.Run("the entity calls tab lists the transfer's locks, calls and releases", func(t *testing.T) {
		b := b.on(t)
		b.open(a.dashboardURL("/instances/transfer-1?tab=entities"))
		b.settled()
		calls := eval[[][3]string](b, `[...document.querySelectorAll('#entity-calls-table tbody tr')].map(tr =>
			[tr.cells[1].innerText, tr.cells[2].innerText, tr.cells[3].innerText])`)
		got := fmt.Sprint(calls)
		for _, want := range []string{"[account@alice balance call]", "[account@alice withdraw call]", "[account@bob deposit call]", "[account@alice release lock release]"} {
			if !strings.Contains(got, want) {
				b.fail("entity calls %v lack %s", calls, want)
			}
		}
		b.loading(func() { b.click(`#entity-calls-table a[href="#/entities/account/bob"]`) })
		if s := b.text("#entity-state-json"); jsonText(t, []byte(s)) != `{"balance":30}` {
			b.fail("bob's state %q, want balance 30", s)
		}
	})
}

func TestApprovingFromTheDashboardCompletesTheWorkflow(t *testing.T) {
	a := startSampleApp(t)
	a.start(t, "ApprovalWorkflow", "approval-1", map[string]int{"timeoutSeconds": 3600})
	a.waitStatus(t, "approval-1", durable.StatusRunning)
	b := newBrowser(t, 1280, 900)
	b.open(a.dashboardURL("/instances/approval-1"))
	b.settled()
	// The first episode commits the activity call; the timer comes with
	// the second.
	b.reloadUntil(`document.querySelectorAll('#gantt .gantt-row[data-kind=timer][data-state=waiting]').length === 1`)
	if rows := ganttRows(b); countRows(rows, "activity", "completed") != 1 {
		b.fail("timeline %v, want RequestApproval completed", rows)
	}

	b.click("#action-raiseEvent")
	b.waitFor(`document.querySelector('dialog[open]') !== null`)
	b.typeText(`dialog input[name=eventName]`, "ApprovalEvent")
	b.typeText(`dialog textarea[name=data]`, "true")
	confirmDialog(b)
	waitStatusShown(b, "Completed")
	if out := b.text("#instance-output"); out != "approved" {
		b.fail("output %q, want approved", out)
	}
	rows := ganttRows(b)
	if countRows(rows, "event", "") != 1 || countRows(rows, "timer", "canceled") != 1 || countRows(rows, "activity", "completed") != 2 {
		b.fail("timeline %v, want the ApprovalEvent, the timer canceled and ProcessApproval run", rows)
	}
}

func TestTerminatingAndPurgingFromTheDashboard(t *testing.T) {
	a := startSampleApp(t)
	a.start(t, "ApprovalWorkflow", "approval-2", map[string]int{"timeoutSeconds": 3600})
	a.waitStatus(t, "approval-2", durable.StatusRunning)
	b := newBrowser(t, 1280, 900)
	b.open(a.dashboardURL("/instances/approval-2"))
	b.settled()

	t.Run("terminate asks first, starting on Cancel, then ends the instance", func(t *testing.T) {
		b := b.on(t)
		b.click("#action-terminate")
		b.waitFor(`document.querySelector('dialog[open]') !== null`)
		if !eval[bool](b, `document.activeElement.matches('dialog [data-cancel]')`) {
			b.fail("the terminate dialog does not start on Cancel")
		}
		b.typeText(`dialog input[name=reason]`, "no longer needed")
		confirmDialog(b)
		waitStatusShown(b, "Terminated")
		if out := b.text("#instance-output"); out != "no longer needed" {
			b.fail("output %q, want the reason", out)
		}
	})

	t.Run("purge removes the instance and returns to the list", func(t *testing.T) {
		b := b.on(t)
		b.click("#action-purge")
		b.waitFor(`document.querySelector('dialog[open]') !== null`)
		b.loading(func() { confirmDialog(b) })
		if h := eval[string](b, `location.hash`); h != "#/" {
			b.fail("after the purge the page is at %q, want the list", h)
		}
		if code, _ := a.api(t, http.MethodGet, "/instances/approval-2", ""); code != http.StatusNotFound {
			t.Fatalf("GET the purged instance: %d, want 404", code)
		}
	})

	t.Run("purge by filter deletes the finished instances of a time range", func(t *testing.T) {
		b := b.on(t)
		for i := range 3 {
			id := fmt.Sprintf("old-%d", i)
			a.start(t, "HelloSequence", id, nil)
			a.waitStatus(t, id, durable.StatusCompleted)
		}
		a.start(t, "ApprovalWorkflow", "still-running", map[string]int{"timeoutSeconds": 3600})
		b.loading(func() { b.click("#refresh") })
		b.click("#purge-filter")
		b.waitFor(`document.querySelector('dialog[open]') !== null`)
		from := time.Now().Add(-time.Hour).Format("2006-01-02T15:04:05")
		b.fill(`dialog input[name=from]`, from)
		b.loading(func() { confirmDialog(b) })
		if s := b.text("#list-notice"); !strings.Contains(s, "3 instances purged") {
			b.fail("notice %q, want 3 instances purged", s)
		}
		if code, _ := a.api(t, http.MethodGet, "/instances/still-running", ""); code != http.StatusAccepted {
			t.Errorf("the running instance is gone (%d): purge must keep it", code)
		}
	})
}
