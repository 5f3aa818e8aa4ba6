package dashboard_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/durable"
)

// openDialog clicks the button and waits for its dialog.
func openDialog(b *browser, button string) {
	b.t.Helper()
	b.click(button)
	b.waitFor(`document.querySelector('dialog[open]') !== null`)
}

func TestTheOtherOperationsFromTheDashboard(t *testing.T) {
	a := startSampleApp(t)
	b := newBrowser(t, 1280, 900)

	t.Run("start orchestration runs the one named and opens it", func(t *testing.T) {
		b := b.on(t)
		b.open(a.dashboardURL(""))
		b.settled()
		openDialog(b, "#start-orchestration")
		b.typeText(`dialog input[name=name]`, "FanOutFanIn")
		b.typeText(`dialog input[name=instanceId]`, "started-from-ui")
		b.typeText(`dialog textarea[name=input]`, "4")
		b.loading(func() { confirmDialog(b) })
		if h := eval[string](b, `location.hash`); h != "#/instances/started-from-ui" {
			b.fail("after starting, the page is at %q", h)
		}
		b.reloadUntil(`document.querySelector('#instance-status').innerText === 'Completed'`)
		if out := b.text("#instance-output"); out != "30" {
			b.fail("output %q, want 30 (1+4+9+16)", out)
		}
	})

	t.Run("start orchestration shows the API's refusal of an unknown name", func(t *testing.T) {
		b := b.on(t)
		b.open(a.dashboardURL(""))
		b.settled()
		openDialog(b, "#start-orchestration")
		b.typeText(`dialog input[name=name]`, "NoSuchOrchestrator")
		b.click("dialog [data-confirm]")
		b.waitFor(`!document.querySelector('dialog .error').hidden`)
		if msg := b.text("dialog .error"); !strings.Contains(msg, "400") {
			b.fail("the dialog says %q, want the 400 and its reason", msg)
		}
		b.click("dialog [data-cancel]")
		b.waitFor(`document.querySelector('dialog') === null`)
	})

	t.Run("suspend and resume", func(t *testing.T) {
		b := b.on(t)
		a.start(t, "ApprovalWorkflow", "approval-3", map[string]int{"timeoutSeconds": 3600})
		a.waitStatus(t, "approval-3", durable.StatusRunning)
		b.open(a.dashboardURL("/instances/approval-3"))
		b.settled()
		openDialog(b, "#action-suspend")
		b.typeText(`dialog input[name=reason]`, "pause")
		confirmDialog(b)
		waitStatusShown(b, "Suspended")
		openDialog(b, "#action-resume")
		confirmDialog(b)
		waitStatusShown(b, "Running")
		if n := countRows(ganttRows(b), "suspended", "completed"); n != 1 {
			b.fail("the timeline shows %d suspensions, want 1", n)
		}
	})

	t.Run("a failed instance shows its failure and can be rewound", func(t *testing.T) {
		b := b.on(t)
		a.start(t, "FanOutFanIn", "fails-1", -1)
		a.waitStatus(t, "fails-1", durable.StatusFailed)
		b.open(a.dashboardURL("/instances/fails-1"))
		b.settled()
		if f := b.text("#failure"); !strings.Contains(f, "non-negative") {
			b.fail("failure section %q", f)
		}
		openDialog(b, "#action-rewind")
		confirmDialog(b)
		// The input is still negative: it fails again, after a rewind the
		// history records.
		b.loading(func() { b.click("#tab-history") })
		b.reloadUntil(`document.querySelector('#history-table tr[data-event-type=ExecutionRewound]') !== null`)
	})

	t.Run("restart runs the orchestration again under a new id", func(t *testing.T) {
		b := b.on(t)
		a.start(t, "HelloSequence", "hello-1", nil)
		a.waitStatus(t, "hello-1", durable.StatusCompleted)
		b.open(a.dashboardURL("/instances/hello-1"))
		b.settled()
		openDialog(b, "#action-restart")
		b.loading(func() { confirmDialog(b) })
		id := strings.TrimPrefix(eval[string](b, `location.hash`), "#/instances/")
		if id == "" || id == "hello-1" {
			b.fail("after restart the page shows %q, want a new instance", id)
		}
		a.waitStatus(t, id, durable.StatusCompleted)
	})
}

func TestTheEntitiesPageListsEntitiesAndReadsTheirState(t *testing.T) {
	a := startSampleApp(t)
	for _, key := range []string{"alice", "bob"} {
		if code, body := a.api(t, http.MethodPost, "/entities/Account/"+key+"?op=deposit", "100"); code != http.StatusAccepted {
			t.Fatalf("deposit: %d %s", code, body)
		}
	}
	if code, body := a.api(t, http.MethodPost, "/entities/Counter/c1?op=add", "7"); code != http.StatusAccepted {
		t.Fatalf("add: %d %s", code, body)
	}
	b := newBrowser(t, 1280, 900)
	b.open(a.dashboardURL("/entities"))
	b.settled()
	b.waitFor(`document.querySelectorAll('#entities-table tbody tr').length === 3`)
	keys := eval[[]string](b, `[...document.querySelectorAll('#entities-table tbody tr')].map(tr => tr.cells[0].innerText + '/' + tr.cells[1].innerText)`)
	if strings.Join(keys, " ") != "account/alice account/bob counter/c1" {
		b.fail("entities %v", keys)
	}
	b.loading(func() { b.click(`#entities-table a[href="#/entities/counter/c1"]`) })
	if s := b.text("#entity-state-json"); s != "7" {
		b.fail("counter c1 shows %q, want 7", s)
	}
	b.typeText(`.signal-form input[name=op]`, "add")
	b.typeText(`.signal-form textarea[name=input]`, "5")
	b.click(`.signal-form button[type=submit]`)
	b.waitFor(`(document.querySelector('#entity-state-json') || {}).innerText === '12'`)
}
