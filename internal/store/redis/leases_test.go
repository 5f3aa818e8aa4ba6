package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// crash stops a store as a killed process would: its loops end and its
// connections close, and nothing is given back.
func (s *Store) crash() {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.closedCh)
		s.cancel()
		s.wg.Wait()
		_ = s.rdb.Close()
	})
}

func workerConfig(t *testing.T, hub, worker string, partitions int) Config {
	cfg := testConfig(singleNode(t), hub, store.SystemClock{})
	cfg.WorkerID, cfg.Partitions = worker, partitions
	cfg.LeaseDuration, cfg.BalanceInterval = 2*time.Second, 100*time.Millisecond
	return cfg
}

// openWorker opens a store that joins as a worker at once (as an engine
// asking for work would make it).
func openWorker(t *testing.T, cfg Config) *Store {
	s := openTest(t, cfg)
	s.join(context.Background())
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func holders(t *testing.T, s *Store) map[string]int {
	t.Helper()
	h, err := s.LeaseHolders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, w := range h {
		out[w]++
	}
	return out
}

// eventually waits up to 10 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
	}
}

func startAt(t *testing.T, s *Store, id string) {
	t.Helper()
	start := history.NewExecutionStarted(time.Now().UTC(), "Orch", id, id+"-1", `"in"`, nil, nil)
	if err := s.CreateInstance(context.Background(), start, store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func nextWithin(t *testing.T, s *Store, d time.Duration) *store.OrchestrationWorkItem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatalf("NextOrchestrationWorkItem: %v", err)
	}
	return wi
}

func TestTwoWorkersShareThePartitionsAndAClosedWorkersPartitionsMove(t *testing.T) {
	hub := uniqueHub("share")
	a := openWorker(t, workerConfig(t, hub, "a", 8))
	if got := holders(t, a); got["a"] != 8 {
		t.Fatalf("a lone worker holds %v, want all 8 partitions", got)
	}
	b := openWorker(t, workerConfig(t, hub, "b", 8))
	eventually(t, "a and b hold 4 partitions each", func() bool { h := holders(t, b); return h["a"] == 4 && h["b"] == 4 })
	_ = a.Close()
	eventually(t, "b holds all 8 partitions after a closed", func() bool { return holders(t, b)["b"] == 8 })
}

func TestAWorkerWhoseLeaseWasTakenOverCannotCommit(t *testing.T) {
	hub := uniqueHub("fence")
	acfg := workerConfig(t, hub, "a", 1)
	acfg.BalanceInterval, acfg.LeaseRenewInterval = time.Hour, time.Hour
	a := openWorker(t, acfg)
	b := openWorker(t, workerConfig(t, hub, "b", 1))
	startAt(t, a, "x")
	wi := nextWithin(t, a, 5*time.Second)

	// a's lease lapses (a stalled) and b takes the partition.
	if err := a.rdb.Del(context.Background(), a.k.lease(0)).Err(); err != nil {
		t.Fatal(err)
	}
	again := nextWithin(t, b, 10*time.Second)
	if again.InstanceID != "x" || again.Messages[0].DequeueCount != 2 {
		t.Fatalf("b got %q with DequeueCount %d, want x's start again with 2", again.InstanceID, again.Messages[0].DequeueCount)
	}
	row := *wi.Instance
	row.Status = history.StatusCompleted
	err := a.CompleteOrchestrationWorkItem(context.Background(), wi, &store.OrchestrationCommit{Instance: &row})
	if !errors.Is(err, store.ErrWorkItemLost) {
		t.Fatalf("commit by the worker that lost the lease = %v, want ErrWorkItemLost", err)
	}
	if got, _ := b.GetInstance(context.Background(), "x"); got.Status != history.StatusPending {
		t.Fatalf("status after the refused commit = %v, want Pending", got.Status)
	}
}

func TestInstancesACrashedWorkerLockedAreDeliveredAgainWhenItsLeaseExpires(t *testing.T) {
	hub := uniqueHub("crash")
	a := openTest(t, workerConfig(t, hub, "a", 2))
	a.join(context.Background())
	startAt(t, a, "x")
	nextWithin(t, a, 5*time.Second)
	a.crash()
	b := openWorker(t, workerConfig(t, hub, "b", 2))
	began := time.Now()
	wi := nextWithin(t, b, 10*time.Second)
	if wi.InstanceID != "x" || wi.Messages[0].DequeueCount != 2 {
		t.Fatalf("got %q with DequeueCount %d, want x's start again with 2", wi.InstanceID, wi.Messages[0].DequeueCount)
	}
	t.Logf("redelivered %v after the crash (lease 2 s)", time.Since(began).Round(time.Millisecond))
}

func TestAnActivityACrashedWorkerTookRunsAgainWhenItsLockExpires(t *testing.T) {
	hub := uniqueHub("actcrash")
	acfg := workerConfig(t, hub, "a", 2)
	acfg.ActivityLockTimeout = time.Second
	a := openTest(t, acfg)
	a.join(context.Background())
	startAt(t, a, "x")
	wi := nextWithin(t, a, 5*time.Second)
	sched := history.NewTaskScheduled(time.Now().UTC(), 0, "Act", `1`)
	row := *wi.Instance
	row.Status = history.StatusRunning
	if err := a.CompleteOrchestrationWorkItem(context.Background(), wi, &store.OrchestrationCommit{Instance: &row,
		NewHistory: []*history.Event{sched}, Activities: []*history.Event{sched}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := a.NextActivityWorkItem(ctx); err != nil {
		t.Fatal(err)
	}
	a.crash()
	b := openWorker(t, workerConfig(t, hub, "b", 2))
	act, err := b.NextActivityWorkItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if act.InstanceID != "x" || act.DequeueCount != 2 {
		t.Fatalf("got %+v, want x's activity again with DequeueCount 2", act)
	}
}

func TestOutboxEntriesACommitterLeftBehindAreDeliveredByThePartitionsOwner(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("outbox"), "a", 4))
	ctx := context.Background()
	// A committer in partition p wrote a message for "target" (another
	// partition) to its outbox, then died before delivering it.
	p := (s.k.partition("target") + 1) % 4
	body, _ := messageBody(&store.Message{InstanceID: "target", Event: history.NewEventRaised(time.Now().UTC(), "hello", `"world"`)})
	m := outMsg{entry: "dead#1", created: time.Now().Add(-time.Minute).UnixMilli(), to: "target", due: time.Now().UnixMilli(), body: body}
	if err := s.rdb.HSet(ctx, s.k.outbox(p), m.entry, m.value()).Err(); err != nil {
		t.Fatal(err)
	}
	s.sweepOutbox(ctx, p, time.Second)
	wi := nextWithin(t, s, 5*time.Second)
	if wi.InstanceID != "target" || len(wi.Messages) != 1 || wi.Messages[0].Event.Input != `"world"` {
		t.Fatalf("got %q with %v, want target's hello", wi.InstanceID, wi.Messages)
	}
	if n, _ := s.rdb.HLen(ctx, s.k.outbox(p)).Result(); n != 0 {
		t.Fatalf("%d outbox entries left after delivery", n)
	}
}

func TestTheAuditFreesAnInstanceLockedByAFetchWhoseReplyWasLost(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("audit"), "a", 1))
	ctx := context.Background()
	startAt(t, s, "x")
	// A fetch took x, and its reply never came back: the lock is held by
	// a token of this process that no work item holds.
	lost := s.newToken()
	res, err := fetchScript.Run(ctx, s.rdb, []string{s.k.lease(0)}, s.k.prefix(0), s.parts[0].value, floorMs(time.Now())+10, lost, "o").Slice()
	if err != nil || str(res, 0) != "W" {
		t.Fatalf("fetch = %v %v", res, err)
	}
	s.audit(ctx, 0)
	wi := nextWithin(t, s, 5*time.Second)
	if wi.InstanceID != "x" {
		t.Fatalf("got %q, want x", wi.InstanceID)
	}
}

func TestAHubKeepsThePartitionCountItWasCreatedWith(t *testing.T) {
	hub := uniqueHub("parts")
	a := openWorker(t, workerConfig(t, hub, "a", 4))
	startAt(t, a, "x")
	_ = a.Close()
	b := openWorker(t, workerConfig(t, hub, "b", 8))
	if n := b.Config().Partitions; n != 4 {
		t.Fatalf("reopened with 8 partitions configured: the store uses %d, want the hub's 4", n)
	}
	if wi := nextWithin(t, b, 5*time.Second); wi.InstanceID != "x" {
		t.Fatalf("got %q, want x", wi.InstanceID)
	}
}

func TestAStoreThatIsNeverAskedForWorkHoldsNoPartition(t *testing.T) {
	hub := uniqueHub("client")
	c := openTest(t, workerConfig(t, hub, "client", 4))
	defer c.Close()
	startAt(t, c, "x")
	time.Sleep(300 * time.Millisecond) // three balancing intervals
	if h := holders(t, c); h["client"] != 0 {
		t.Fatalf("a store used only as a client holds %d partitions", h["client"])
	}
	w := openWorker(t, workerConfig(t, hub, "w", 4))
	if wi := nextWithin(t, w, 5*time.Second); wi.InstanceID != "x" {
		t.Fatalf("the worker got %q, want x", wi.InstanceID)
	}
}

func TestJoinReturnsWithThePartitionsHeld(t *testing.T) {
	cfg := workerConfig(t, uniqueHub("join"), "a", 4)
	cfg.BalanceInterval = time.Hour // only Join can take them
	s := openTest(t, cfg)
	t.Cleanup(func() { _ = s.Close() })
	if h := holders(t, s); h["a"] != 0 {
		t.Fatalf("before Join the worker holds %d partitions", h["a"])
	}
	s.Join(context.Background())
	if h := holders(t, s); h["a"] != 4 {
		t.Fatalf("after Join the worker holds %d of 4 partitions", h["a"])
	}
	s.Join(context.Background()) // a second call returns at once
}
