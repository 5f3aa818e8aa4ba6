package dashboard_test

// The instances the browser tests look at.

import (
	"fmt"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// seedBatch starts 300 instances with ids a person can filter by: 150
// HelloSequence and 100 FanOutFanIn that complete, 50 ApprovalWorkflow
// that keep running, waiting for their approval.
func seedBatch(t *testing.T, a *sampleApp) {
	t.Helper()
	for i := range 150 {
		a.start(t, "HelloSequence", fmt.Sprintf("batch-hello-%03d", i), nil)
	}
	for i := range 100 {
		a.start(t, "FanOutFanIn", fmt.Sprintf("batch-fan-%03d", i), 3)
	}
	for i := range 50 {
		a.start(t, "ApprovalWorkflow", fmt.Sprintf("batch-approval-%03d", i), map[string]int{"timeoutSeconds": 3600})
	}
	a.waitCount(t, durable.StatusCompleted, 250)
	a.waitCount(t, durable.StatusRunning, 50)
}

// seeded counts the calls of seedVariety: FlakyActivity fails twice per
// instance id and process, so each call needs a new id for its retries.
var seeded int

// seedVariety starts one instance of each kind the screenshots and the
// checks need, and waits for their ends. It returns the id of the
// RetryThenSucceed instance.
func seedVariety(t *testing.T, a *sampleApp) (retry string) {
	t.Helper()
	seeded++
	retry = fmt.Sprintf("retry-%d", seeded)
	a.start(t, "SubOrchestrationParent", "parent-1", nil)
	a.start(t, "RetryThenSucceed", retry, nil)
	a.start(t, "FanOutFanIn", "fan-1", 20)
	a.start(t, "FanOutFanIn", "fan-bad", -1)
	a.start(t, "Monitor", "monitor-1", map[string]int{"pollingIntervalSeconds": 1, "expirySeconds": 30})
	a.start(t, "ApprovalWorkflow", "approval-1", map[string]int{"timeoutSeconds": 3600})
	a.start(t, "ApprovalWorkflow", "approval-2", map[string]int{"timeoutSeconds": 3600})
	a.start(t, "ApprovalWorkflow", "approval-3", map[string]int{"timeoutSeconds": 3600})
	a.start(t, "ContinueAsNewCounter", "counter-1", map[string]int{"target": 3})
	if _, err := a.client.StartNew(t.Context(), "HelloSequence", nil, durable.WithInstanceID("scheduled-1"),
		durable.WithStartTime(time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	must(t, a.client.SignalEntity(t.Context(), durable.NewEntityID("Account", "alice"), "deposit", 100))
	must(t, a.client.SignalEntity(t.Context(), durable.NewEntityID("Counter", "c1"), "add", 7))
	a.start(t, "TransferFunds", "transfer-1", map[string]any{"from": "alice", "to": "bob", "amount": 30})
	a.waitStatus(t, "approval-2", durable.StatusRunning)
	must(t, a.client.Terminate(t.Context(), "approval-2", "cancelled by the requester"))
	a.waitStatus(t, "approval-3", durable.StatusRunning)
	must(t, a.client.Suspend(t.Context(), "approval-3", "waiting for budget"))
	for _, id := range []string{"parent-1", "fan-1", "transfer-1", retry, "monitor-1", "counter-1"} {
		a.waitStatus(t, id, durable.StatusCompleted)
	}
	a.waitStatus(t, "fan-bad", durable.StatusFailed)
	a.waitStatus(t, "approval-2", durable.StatusTerminated)
	a.waitStatus(t, "approval-3", durable.StatusSuspended)
	return retry
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
