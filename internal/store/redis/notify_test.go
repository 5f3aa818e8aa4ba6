package redis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// notified opens two workers that never poll, shares the partitions
// between them and checks that work one of them creates for the other
// reaches it by notification.
func notified(t *testing.T, conn func(testing.TB) Connection) {
	hub := uniqueHub("notify")
	cfg := func(worker string) Config {
		c := testConfig(conn(t), hub, store.SystemClock{})
		c.WorkerID, c.Partitions, c.PollInterval = worker, 2, time.Hour
		c.BalanceInterval, c.LeaseDuration = 100*time.Millisecond, 2*time.Second
		return c
	}
	a := openWorker(t, cfg("a"))
	b := openWorker(t, cfg("b"))
	eventually(t, "a and b hold one partition each", func() bool { h := holders(t, b); return h["a"] == 1 && h["b"] == 1 })
	ctx := context.Background()
	idIn := func(owner *Store) string {
		for i := 0; ; i++ {
			if id := fmt.Sprintf("i%d", i); owner.owns(owner.k.partition(id)) {
				return id
			}
		}
	}

	// An event a sends to an instance of b's partition wakes b.
	target := idIn(b)
	if err := a.SendMessages(ctx, store.Message{InstanceID: target, Event: history.NewEventRaised(time.Now().UTC(), "e", `1`)}); err != nil {
		t.Fatal(err)
	}
	if wi := nextWithin(t, b, 3*time.Second); wi.InstanceID != target {
		t.Fatalf("b got %q, want %q", wi.InstanceID, target)
	}

	// Activities a's commit queues beyond its idle activity callers wake b.
	own := idIn(a)
	startAt(t, a, own)
	wi := nextWithin(t, a, 3*time.Second)
	var acts []*history.Event
	for i := range 3 {
		acts = append(acts, history.NewTaskScheduled(time.Now().UTC(), i, "Act", ""))
	}
	row := *wi.Instance
	row.Status = history.StatusRunning
	if err := a.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: &row, NewHistory: acts, Activities: acts}); err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if act, err := b.NextActivityWorkItem(actx); err != nil || act.InstanceID != own {
		t.Fatalf("b's NextActivityWorkItem = %v, %v; want an activity of %q", act, err, own)
	}
}

func TestWorkForAnotherWorkersPartitionWakesItOnASingleNode(t *testing.T) {
	notified(t, singleNode)
}

func TestWorkForAnotherWorkersPartitionWakesItOnACluster(t *testing.T) {
	notified(t, clusterNodes)
}
