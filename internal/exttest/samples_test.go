package exttest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// Every sample of the function app runs end to end in extension mode:
// durabletask-go owns the task hub, the stand-in invokes the Go worker in
// the host's envelope, and the samples are driven through the durable
// client a durableClient binding gives (what HttpStart calls). The outputs
// are the native mode's (samples/e2e_test.go).
func TestTheSampleOrchestrationsGiveTheNativeOutputsInExtensionMode(t *testing.T) {
	s := startStandIn(t, "")
	cases := []struct {
		name, orchestrator string
		input              any
		want               string
	}{
		{"chaining", "HelloSequence", nil, `["Hello Tokyo!","Hello Seattle!","Hello London!"]`},
		{"fan-out/fan-in", "FanOutFanIn", 10, `385`},
		{"monitor", "Monitor", map[string]any{"jobId": "job-ext", "pollingIntervalSeconds": 1, "expirySeconds": 30}, `"Completed"`},
		{"retries", "RetryThenSucceed", nil, `"succeeded after retries"`},
		{"sub-orchestrations", "SubOrchestrationParent", nil, `[["Hello Tokyo!","Hello Seattle!","Hello London!"],["Hello Tokyo!","Hello Seattle!","Hello London!"]]`},
		{"continue-as-new", "ContinueAsNewCounter", map[string]int{"target": 3}, `3`},
		{"approval timeout", "ApprovalWorkflow", map[string]int{"timeoutSeconds": 1}, `"escalated"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := output(t, s.run(t, c.orchestrator, c.input)); got != c.want {
				t.Errorf("%s returned %s, want %s", c.orchestrator, got, c.want)
			}
		})
	}
}

func TestAnApprovalEventRaisedThroughTheClientReachesTheWaitingOrchestration(t *testing.T) {
	s := startStandIn(t, "")
	ctx := context.Background()
	for _, approve := range []bool{true, false} {
		id, err := s.client.StartNew(ctx, "ApprovalWorkflow", map[string]int{"timeoutSeconds": 300})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool {
			st, err := s.client.GetStatus(ctx, id)
			return err == nil && st.RuntimeStatus == durable.StatusRunning
		})
		time.Sleep(300 * time.Millisecond) // let it reach the wait
		if err := s.client.RaiseEvent(ctx, id, "ApprovalEvent", approve); err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{true: `"approved"`, false: `"rejected"`}[approve]
		if got := output(t, s.wait(t, id)); got != want {
			t.Errorf("approve=%v gave %s, want %s", approve, got, want)
		}
	}
}

func TestTheCounterEntityCountsSignalsFromTheClientAndReportsItsState(t *testing.T) {
	s := startStandIn(t, "")
	ctx := context.Background()
	id := durable.NewEntityID("Counter", "ext")
	for i := 1; i <= 5; i++ {
		if err := s.client.SignalEntity(ctx, id, "add", i); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool {
		md, err := s.client.ReadEntityState(ctx, id)
		return err == nil && string(md.State) == "15"
	})
	page, err := s.client.ListEntities(ctx, durable.EntityQuery{Name: "Counter", WithState: true})
	if err != nil || len(page.Entities) != 1 || page.Entities[0].ID.String() != id.String() {
		t.Fatalf("ListEntities = %+v, %v; want the one counter", page, err)
	}
}

func TestTransferFundsLocksBothAccountsAndMovesTheMoneyOnce(t *testing.T) {
	s := startStandIn(t, "")
	ctx := context.Background()
	a, b := durable.NewEntityID("Account", "alice"), durable.NewEntityID("Account", "bob")
	if err := s.client.SignalEntity(ctx, a, "deposit", 100); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { md, err := s.client.ReadEntityState(ctx, a); return err == nil && len(md.State) > 0 })
	if got := output(t, s.run(t, "TransferFunds", map[string]any{"from": "alice", "to": "bob", "amount": 30})); got != "true" {
		t.Fatalf("transfer returned %s, want true", got)
	}
	if got := output(t, s.run(t, "TransferFunds", map[string]any{"from": "alice", "to": "bob", "amount": 500})); got != "false" {
		t.Fatalf("an overdraft returned %s, want false", got)
	}
	for id, want := range map[durable.EntityID]string{a: "70", b: "30"} {
		md, err := s.client.ReadEntityState(ctx, id)
		if err != nil || !strings.Contains(string(md.State), want) || md.LockedBy != "" {
			t.Errorf("%s: %+v %v, want balance %s and no lock", id, md, err, want)
		}
	}
}

// The client's management operations map onto the extension's RPCs.
func TestTheClientManagesInstancesOverTheExtensionsGRPCEndpoint(t *testing.T) {
	s := startStandIn(t, "")
	ctx := context.Background()
	id, err := s.client.StartNew(ctx, "ApprovalWorkflow", map[string]int{"timeoutSeconds": 300}, durable.WithInstanceID("managed-1"))
	if err != nil || id != "managed-1" {
		t.Fatalf("start: %q %v", id, err)
	}
	if _, err := s.client.StartNew(ctx, "ApprovalWorkflow", nil, durable.WithInstanceID("managed-1")); err == nil {
		t.Errorf("starting an active id again should fail")
	}
	waitFor(t, func() bool {
		st, err := s.client.GetStatus(ctx, id)
		return err == nil && st.RuntimeStatus == durable.StatusRunning
	})
	if err := s.client.Suspend(ctx, id, "pause"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		st, _ := s.client.GetStatus(ctx, id)
		return st != nil && st.RuntimeStatus == durable.StatusSuspended
	})
	if err := s.client.Resume(ctx, id, "go on"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		st, _ := s.client.GetStatus(ctx, id)
		return st != nil && st.RuntimeStatus == durable.StatusRunning
	})
	if err := s.client.Terminate(ctx, id, "enough"); err != nil {
		t.Fatal(err)
	}
	if st := s.wait(t, id); st.RuntimeStatus != durable.StatusTerminated {
		t.Fatalf("status %s, want Terminated", st.RuntimeStatus)
	}
	for i := range 3 {
		if _, err := s.client.StartNew(ctx, "HelloSequence", nil, durable.WithInstanceID(fmt.Sprintf("page-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	token := ""
	for {
		page, err := s.client.ListInstances(ctx, durable.Query{InstanceIDPrefix: "page-", PageSize: 2, ContinuationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range page.Instances {
			seen = append(seen, st.InstanceID)
		}
		if token = page.ContinuationToken; token == "" {
			break
		}
	}
	if len(seen) != 3 {
		t.Errorf("paged query saw %v, want the 3 page-* instances", seen)
	}
	for i := range 3 {
		s.wait(t, fmt.Sprintf("page-%d", i))
	}
	newID, err := s.client.Restart(ctx, "page-0", false)
	if err != nil || newID != "page-0" {
		t.Fatalf("restart: %q %v", newID, err)
	}
	if got := output(t, s.wait(t, "page-0")); !strings.Contains(got, "Hello Tokyo!") {
		t.Errorf("restarted instance returned %s", got)
	}
	if err := s.client.Purge(ctx, "page-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.client.GetStatus(ctx, "page-1"); err == nil {
		t.Errorf("a purged instance is still there")
	}
	n, err := s.client.PurgeBy(ctx, durable.PurgeFilter{Statuses: []durable.RuntimeStatus{durable.StatusCompleted}})
	if err != nil || n < 2 {
		t.Errorf("PurgeBy = %d, %v; want at least page-0 and page-2", n, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
