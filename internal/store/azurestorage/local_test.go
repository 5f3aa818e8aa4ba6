package azurestorage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// crash stops s as a killed process would: its goroutines end and nothing
// is released, so its leases and locked messages come back only when
// their timeouts run out.
func crash(s *Store) {
	s.once.Do(s.stopWorkers)
}

// scheduleAct starts instance id and commits its first episode, which
// schedules activity "Act" (task 0).
func scheduleAct(t *testing.T, ctx context.Context, s *Store, id string) {
	t.Helper()
	now := time.Now().UTC()
	if err := s.CreateInstance(ctx, history.NewExecutionStarted(now, "Orch", id, id+"-e", `"in"`, nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	h := []*history.Event{history.NewOrchestratorStarted(now), wi.Messages[0].Event}
	sched := history.NewTaskScheduled(now, 0, "Act", `"in"`)
	h = append(h, sched, history.NewOrchestratorCompleted(now))
	row := &store.Instance{InstanceID: id, ExecutionID: id + "-e", Name: "Orch", Status: history.StatusRunning, Input: `"in"`}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row, NewHistory: h, Activities: []*history.Event{sched}}); err != nil {
		t.Fatal(err)
	}
}

// runAct takes the activity request from s's work-item queue and reports
// result for it.
func runAct(t *testing.T, ctx context.Context, s *Store, result string) *store.ActivityWorkItem {
	t.Helper()
	aw, err := s.NextActivityWorkItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteActivityWorkItem(ctx, aw, history.NewTaskCompleted(time.Now().UTC(), 0, result)); err != nil {
		t.Fatal(err)
	}
	return aw
}

// finishWithResult takes the work item that carries the activity's result
// and completes the instance with it.
func finishWithResult(t *testing.T, ctx context.Context, s *Store) *history.Event {
	t.Helper()
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	if len(wi.Messages) != 1 || wi.Messages[0].Event.EventType != history.TaskCompleted {
		t.Fatalf("work item after the activity: %d messages, want its one TaskCompleted", len(wi.Messages))
	}
	res := wi.Messages[0].Event
	now := time.Now().UTC()
	done := *wi.Instance
	done.Status, done.Output = history.StatusCompleted, res.Result
	h := []*history.Event{history.NewOrchestratorStarted(now), res, history.NewExecutionCompleted(now, history.StatusCompleted, res.Result, nil), history.NewOrchestratorCompleted(now)}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: &done, NewHistory: h}); err != nil {
		t.Fatal(err)
	}
	return res
}

// workItemsQueued counts the messages on the work-item queue, invisible
// ones included.
func workItemsQueued(t *testing.T, ctx context.Context, s *Store) int32 {
	t.Helper()
	props, err := s.workItems.GetProperties(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	return *props.ApproximateMessagesCount
}

func TestAnActivityResultForAnOwnedInstanceSkipsTheControlQueue(t *testing.T) {
	s := openTest(t, testConfig(t, uniqueHub(), nil))
	defer s.Close()
	ctx := waitCtx(t, 60*time.Second)
	scheduleAct(t, ctx, s, "local/1")
	aw, err := s.NextActivityWorkItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := s.Stats()
	if err := s.CompleteActivityWorkItem(ctx, aw, history.NewTaskCompleted(time.Now().UTC(), 0, `"out"`)); err != nil {
		t.Fatal(err)
	}
	if res := finishWithResult(t, ctx, s); res.Result != `"out"` {
		t.Fatalf("result %s, want \"out\"", res.Result)
	}
	after := s.Stats()
	if n := after["queue.enqueue"] - before["queue.enqueue"]; n != 0 {
		t.Errorf("delivering the result enqueued %d messages, want none", n)
	}
	if n := workItemsQueued(t, ctx, s); n != 0 {
		t.Errorf("%d activity requests left on the work-item queue after the result was committed, want 0", n)
	}
	inst, err := s.GetInstance(ctx, "local/1")
	if err != nil || inst.Status != history.StatusCompleted || inst.Output != `"out"` {
		t.Fatalf("instance: %+v, %v", inst, err)
	}
}

func TestAResultDeliveredInProcessIsNotLostWhenTheWorkerDiesBeforeItsCommit(t *testing.T) {
	hub := uniqueHub()
	cfg := testConfig(t, hub, nil)
	cfg.WorkItemQueueVisibilityTimeout = 3 * time.Second
	cfg.ControlQueueVisibilityTimeout = 3 * time.Second
	a := openTest(t, cfg)
	ctx := waitCtx(t, 90*time.Second)
	scheduleAct(t, ctx, a, "local/2")
	runAct(t, ctx, a, `"first run"`)
	crash(a) // the result existed only in a's memory

	b := openTest(t, cfg) // takes the partitions once a's leases lapse
	defer b.Close()
	again, err := b.NextActivityWorkItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again.InstanceID != "local/2" || again.DequeueCount < 2 {
		t.Fatalf("redelivered request: instance %q, dequeue count %d; want local/2, at least 2", again.InstanceID, again.DequeueCount)
	}
	if err := b.CompleteActivityWorkItem(ctx, again, history.NewTaskCompleted(time.Now().UTC(), 0, `"second run"`)); err != nil {
		t.Fatal(err)
	}
	if res := finishWithResult(t, ctx, b); res.Result != `"second run"` {
		t.Fatalf("result %s, want the second run's", res.Result)
	}
	if n := workItemsQueued(t, ctx, b); n != 0 {
		t.Errorf("%d activity requests left on the work-item queue, want 0", n)
	}
}

func TestAResultDeliveredInProcessIsQueuedWhenItsPartitionIsGivenUp(t *testing.T) {
	s := openTest(t, testConfig(t, uniqueHub(), nil))
	defer s.Close()
	ctx := waitCtx(t, 60*time.Second)
	scheduleAct(t, ctx, s, "local/3")
	runAct(t, ctx, s, `"out"`)
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	// The lease is lost while the work item that carries the result is out.
	part := PartitionIndex("local/3", s.cfg.PartitionCount)
	s.mu.Lock()
	p := s.parts[part]
	leaseID := p.leaseID
	s.mu.Unlock()
	s.dropPartition(p, leaseID)
	if err := s.AbandonOrchestrationWorkItem(ctx, wi, 0); err != nil && !errors.Is(err, store.ErrWorkItemLost) {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		props, err := s.control[part].GetProperties(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if *props.ApproximateMessagesCount == 1 && workItemsQueued(t, ctx, s) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("control queue holds %d messages and the work-item queue %d; want the result queued and the request deleted",
				*props.ApproximateMessagesCount, workItemsQueued(t, ctx, s))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
