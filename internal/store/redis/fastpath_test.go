package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// Inline starts (inline.go) and result hand-offs (result.go).

func newStart(id string) *history.Event {
	return history.NewExecutionStarted(time.Now().UTC(), "Orch", id, id+"-1", `"in"`, nil, nil)
}

// runningCommit is an episode's commit that leaves the instance Running
// with n activities scheduled.
func runningCommit(wi *store.OrchestrationWorkItem, n int) *store.OrchestrationCommit {
	row := *wi.Instance
	row.Status = history.StatusRunning
	c := &store.OrchestrationCommit{Instance: &row, NewHistory: []*history.Event{history.NewOrchestratorStarted(time.Now().UTC())}}
	for _, m := range wi.Messages {
		c.NewHistory = append(c.NewHistory, m.Event)
	}
	for i := 0; i < n; i++ {
		sched := history.NewTaskScheduled(time.Now().UTC(), len(wi.History)+i, "Act", `1`)
		c.NewHistory = append(c.NewHistory, sched)
		c.Activities = append(c.Activities, sched)
	}
	return c
}

func completedCommit(wi *store.OrchestrationWorkItem) *store.OrchestrationCommit {
	row := *wi.Instance
	row.Status, row.Output = history.StatusCompleted, `"done"`
	c := &store.OrchestrationCommit{Instance: &row}
	for _, m := range wi.Messages {
		c.NewHistory = append(c.NewHistory, m.Event)
	}
	c.NewHistory = append(c.NewHistory, history.NewExecutionCompleted(time.Now().UTC(), history.StatusCompleted, `"done"`, nil))
	return c
}

func createLocked(t *testing.T, s *Store, id string) *store.OrchestrationWorkItem {
	t.Helper()
	wi, ok, err := s.CreateLocked(context.Background(), newStart(id), store.CreateOptions{})
	if err != nil || !ok {
		t.Fatalf("CreateLocked = %v, %v", ok, err)
	}
	if wi.Instance == nil || wi.Instance.Status != history.StatusPending || len(wi.Messages) != 1 ||
		wi.Messages[0].Event.EventType != history.ExecutionStarted {
		t.Fatalf("CreateLocked's work item: %+v", wi)
	}
	return wi
}

func statusOf(t *testing.T, s *Store, id string) history.RuntimeStatus {
	t.Helper()
	inst, err := s.GetInstance(context.Background(), id)
	if err != nil {
		t.Fatalf("GetInstance(%q): %v", id, err)
	}
	return inst.Status
}

func TestAnInlineStartWritesTheInstanceOnlyWithItsFirstEpisode(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("inline"), "a", 2))
	ctx := context.Background()
	wi := createLocked(t, s, "x")
	if _, err := s.GetInstance(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before the commit GetInstance = %v, want ErrNotFound", err)
	}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, runningCommit(wi, 1)); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, s, "x"); st != history.StatusRunning {
		t.Fatalf("status %v, want Running", st)
	}
	if h, err := s.GetHistory(ctx, "x"); err != nil || len(h) != 3 {
		t.Fatalf("history %d events (%v), want 3", len(h), err)
	}
	page, err := s.ListInstances(ctx, &store.Query{Statuses: []history.RuntimeStatus{history.StatusRunning}, PageSize: 10})
	if err != nil || len(page.Instances) != 1 {
		t.Fatalf("Running instances listed: %v (%v), want x", page, err)
	}
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if act, err := s.NextActivityWorkItem(actx); err != nil || act.InstanceID != "x" {
		t.Fatalf("the first episode's activity: %v, %v", act, err)
	}
}

func TestAnInlineStartOfAnIDInUseIsRefusedAndWritesNothing(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("inlineused"), "a", 2))
	ctx := context.Background()
	startAt(t, s, "x")
	wi := createLocked(t, s, "x") // not checked here: the commit checks
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, runningCommit(wi, 1)); !errors.Is(err, store.ErrWorkItemLost) {
		t.Fatalf("commit of an inline start whose id has a row = %v, want ErrWorkItemLost", err)
	}
	if st := statusOf(t, s, "x"); st != history.StatusPending {
		t.Fatalf("status %v, want the first create's Pending", st)
	}
	if h, _ := s.GetHistory(ctx, "x"); len(h) != 0 {
		t.Fatalf("the refused commit wrote %d history events", len(h))
	}
}

func TestAnInlineStartWhoseLeaseLapsedCannotCommit(t *testing.T) {
	cfg := workerConfig(t, uniqueHub("inlinefence"), "a", 1)
	cfg.BalanceInterval, cfg.LeaseRenewInterval = time.Hour, time.Hour
	s := openWorker(t, cfg)
	ctx := context.Background()
	wi := createLocked(t, s, "x")
	if err := s.rdb.Del(ctx, s.k.lease(0)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, runningCommit(wi, 0)); !errors.Is(err, store.ErrWorkItemLost) {
		t.Fatalf("commit after the lease lapsed = %v, want ErrWorkItemLost", err)
	}
	if _, err := s.GetInstance(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after the refused commit GetInstance = %v, want ErrNotFound", err)
	}
}

func TestAnAbandonedInlineStartCreatesTheInstanceForTheDispatchers(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("inlineabandon"), "a", 2))
	wi := createLocked(t, s, "x")
	if err := s.AbandonOrchestrationWorkItem(context.Background(), wi, 0); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, s, "x"); st != history.StatusPending {
		t.Fatalf("status %v, want Pending", st)
	}
	got := nextWithin(t, s, 5*time.Second)
	if got.InstanceID != "x" || len(got.Messages) != 1 || got.Messages[0].Event.EventType != history.ExecutionStarted {
		t.Fatalf("the dispatchers got %q with %v, want x's start", got.InstanceID, got.Messages)
	}
}

// runningWithActivities starts id and commits its first episode with n
// activities, and takes the first of them.
func runningWithActivities(t *testing.T, s *Store, id string, n int) *store.ActivityWorkItem {
	t.Helper()
	ctx := context.Background()
	wi := createLocked(t, s, id)
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, runningCommit(wi, n)); err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	act, err := s.NextActivityWorkItem(actx)
	if err != nil {
		t.Fatal(err)
	}
	return act
}

func activityCount(t *testing.T, s *Store, id string) int64 {
	t.Helper()
	n, err := s.rdb.ZCard(context.Background(), s.k.acts(s.k.partition(id))).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAResultHandOffRecordsTheResultAndDeletesTheRequestInOneCommit(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("handoff"), "a", 2))
	ctx := context.Background()
	act := runningWithActivities(t, s, "x", 1)
	result := history.NewTaskCompleted(time.Now().UTC(), act.Event.EventID, `"r"`)
	wi, ok, err := s.LockForResult(ctx, act, result)
	if err != nil || !ok {
		t.Fatalf("LockForResult = %v, %v", ok, err)
	}
	if len(wi.History) != 3 || len(wi.Messages) != 1 || wi.Messages[0].Event.Result != `"r"` {
		t.Fatalf("hand-off work item: %d events, messages %v", len(wi.History), wi.Messages)
	}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, completedCommit(wi)); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, s, "x"); st != history.StatusCompleted {
		t.Fatalf("status %v, want Completed", st)
	}
	if n := activityCount(t, s, "x"); n != 0 {
		t.Fatalf("%d activity requests left after the hand-off's commit", n)
	}
	if err := s.CompleteActivityWorkItem(ctx, act, result); !errors.Is(err, store.ErrWorkItemLost) {
		t.Fatalf("completing the handed-off activity again = %v, want ErrWorkItemLost", err)
	}
}

func TestAResultHandOffWhoseActivityLockWasLostWritesNothingAndFreesTheInstance(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("handofflost"), "a", 2))
	ctx := context.Background()
	act := runningWithActivities(t, s, "x", 1)
	wi, ok, err := s.LockForResult(ctx, act, history.NewTaskCompleted(time.Now().UTC(), act.Event.EventID, `"r"`))
	if err != nil || !ok {
		t.Fatalf("LockForResult = %v, %v", ok, err)
	}
	// The activity's lock expired and another worker took the request.
	l, _ := actLockOf(act)
	if err := s.rdb.HSet(ctx, s.k.prefix(l.p)+"actb", l.aid+":l", "other#1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, completedCommit(wi)); !errors.Is(err, store.ErrWorkItemLost) {
		t.Fatalf("commit = %v, want ErrWorkItemLost", err)
	}
	if st := statusOf(t, s, "x"); st != history.StatusRunning {
		t.Fatalf("status %v, want Running", st)
	}
	if n := activityCount(t, s, "x"); n != 1 {
		t.Fatalf("%d activity requests, want the one the other worker holds", n)
	}
	if locked, _ := s.rdb.HExists(ctx, s.k.locked(l.p), "x").Result(); locked {
		t.Fatal("the instance is still locked after the refused commit")
	}
}

func TestAnAbandonedHandOffLeavesTheActivityToComplete(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("handoffabandon"), "a", 2))
	ctx := context.Background()
	act := runningWithActivities(t, s, "x", 1)
	result := history.NewTaskCompleted(time.Now().UTC(), act.Event.EventID, `"r"`)
	wi, ok, err := s.LockForResult(ctx, act, result)
	if err != nil || !ok {
		t.Fatalf("LockForResult = %v, %v", ok, err)
	}
	if err := s.AbandonOrchestrationWorkItem(ctx, wi, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteActivityWorkItem(ctx, act, result); err != nil {
		t.Fatal(err)
	}
	got := nextWithin(t, s, 5*time.Second)
	if got.InstanceID != "x" || len(got.Messages) != 1 || got.Messages[0].Event.Result != `"r"` {
		t.Fatalf("got %q with %v, want x's result", got.InstanceID, got.Messages)
	}
}

func TestAFanOutsResultsAreNotHandedOff(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("handofffan"), "a", 2))
	act := runningWithActivities(t, s, "x", 3)
	_, ok, err := s.LockForResult(context.Background(), act, history.NewTaskCompleted(time.Now().UTC(), act.Event.EventID, `"r"`))
	if err != nil || ok {
		t.Fatalf("LockForResult for one of three activities = %v, %v; want no hand-off", ok, err)
	}
}

func TestAnInlineStartsMessageToItselfMakesTheInstanceReady(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("inlineself"), "a", 2))
	wi := createLocked(t, s, "x")
	c := runningCommit(wi, 0)
	c.Messages = []store.Message{{InstanceID: "x", Event: history.NewEventRaised(time.Now().UTC(), "ping", `1`)}}
	if err := s.CompleteOrchestrationWorkItem(context.Background(), wi, c); err != nil {
		t.Fatal(err)
	}
	got := nextWithin(t, s, 5*time.Second)
	if got.InstanceID != "x" || len(got.Messages) != 1 || got.Messages[0].Event.Name != "ping" {
		t.Fatalf("the dispatchers got %q with %v, want x's own event", got.InstanceID, got.Messages)
	}
	if len(got.History) != 2 {
		t.Fatalf("history %d events, want the first episode's 2", len(got.History))
	}
}

func TestAnInlineStartOfAnIDWithStrayHistoryIsRefused(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("inlinestray"), "a", 2))
	ctx := context.Background()
	wi := createLocked(t, s, "x")
	hk := s.k.hist(s.k.partition("x"), "x")
	if err := s.rdb.RPush(ctx, hk, "stray").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, runningCommit(wi, 0)); !errors.Is(err, store.ErrWorkItemLost) {
		t.Fatalf("commit of an inline start whose id has history = %v, want ErrWorkItemLost", err)
	}
	if n, err := s.rdb.LLen(ctx, hk).Result(); err != nil || n != 1 {
		t.Fatalf("history list has %d entries (%v), want the stray one only", n, err)
	}
	if _, err := s.GetInstance(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after the refused commit GetInstance = %v, want ErrNotFound", err)
	}
}

func TestAResultLockForAnInstanceWithoutARowLocksNothing(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("handoffgone"), "a", 2))
	ctx := context.Background()
	act := runningWithActivities(t, s, "x", 1)
	s.copies.take("x") // the lock script's path
	p := s.k.partition("x")
	if err := s.rdb.Del(ctx, s.k.row(p, "x")).Err(); err != nil {
		t.Fatal(err)
	}
	result := history.NewTaskCompleted(time.Now().UTC(), act.Event.EventID, `"r"`)
	if _, ok, err := s.LockForResult(ctx, act, result); err != nil || ok {
		t.Fatalf("LockForResult without a row = %v, %v; want no hand-off", ok, err)
	}
	if locked, err := s.rdb.HExists(ctx, s.k.locked(p), "x").Result(); err != nil || locked {
		t.Fatalf("instance locked = %v (%v) after a refused hand-off", locked, err)
	}
}
