package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// handOffOnCopy runs x's first episode with one activity, takes the
// activity and hands its result off, checking that the hand-off runs on
// the process's copy (no lock in Redis).
func handOffOnCopy(t *testing.T, s *Store) (*store.ActivityWorkItem, *history.Event, *store.OrchestrationWorkItem) {
	t.Helper()
	ctx := context.Background()
	act := runningWithActivities(t, s, "x", 1)
	result := history.NewTaskCompleted(time.Now().UTC(), act.Event.EventID, `"r"`)
	wi, ok, err := s.LockForResult(ctx, act, result)
	if err != nil || !ok {
		t.Fatalf("LockForResult = %v, %v", ok, err)
	}
	if l, _ := lockOf(wi); l.copy == nil {
		t.Fatal("the hand-off did not run on the copy of the first episode's commit")
	}
	if locked, err := s.rdb.HExists(ctx, s.k.locked(s.k.partition("x")), "x").Result(); err != nil || locked {
		t.Fatalf("instance locked in Redis = %v (%v) for a hand-off on a copy", locked, err)
	}
	if len(wi.History) != 3 || wi.Instance == nil || wi.Instance.Status != history.StatusRunning {
		t.Fatalf("copy's work item: %d events, row %+v", len(wi.History), wi.Instance)
	}
	stored, err := s.GetHistory(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range stored {
		if e.EventType != wi.History[i].EventType || !e.Timestamp.Equal(wi.History[i].Timestamp) {
			t.Fatalf("copy's event %d is %v, stored %v", i, wi.History[i], e)
		}
	}
	return act, result, wi
}

func TestAHandOffOnACopyCommitsLikeOneUnderALock(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("copy"), "a", 2))
	ctx := context.Background()
	act, result, wi := handOffOnCopy(t, s)
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, completedCommit(wi)); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, s, "x"); st != history.StatusCompleted {
		t.Fatalf("status %v, want Completed", st)
	}
	if h, _ := s.GetHistory(ctx, "x"); len(h) != 5 {
		t.Fatalf("history %d events, want 5", len(h))
	}
	if n := activityCount(t, s, "x"); n != 0 {
		t.Fatalf("%d activity requests left", n)
	}
	if err := s.CompleteActivityWorkItem(ctx, act, result); !errors.Is(err, store.ErrWorkItemLost) {
		t.Fatalf("completing the handed-off activity again = %v, want ErrWorkItemLost", err)
	}
}

// Each way the instance can move on while a hand-off runs on a copy makes
// its commit write nothing; the activity then completes the usual way.
func TestAHandOffOnACopyIsRefusedWhenTheInstanceMovedOn(t *testing.T) {
	cases := map[string]func(t *testing.T, s *Store){
		"a message came": func(t *testing.T, s *Store) {
			ev := history.NewEventRaised(time.Now().UTC(), "e", `1`)
			if err := s.SendMessages(context.Background(), store.Message{InstanceID: "x", Event: ev}); err != nil {
				t.Fatal(err)
			}
		},
		"a dispatcher holds it": func(t *testing.T, s *Store) {
			if err := s.rdb.HSet(context.Background(), s.k.locked(s.k.partition("x")), "x", "other").Err(); err != nil {
				t.Fatal(err)
			}
		},
		"another commit wrote the row": func(t *testing.T, s *Store) {
			rk := s.k.row(s.k.partition("x"), "x")
			if err := s.rdb.HSet(context.Background(), rk, "m", "changed").Err(); err != nil {
				t.Fatal(err)
			}
		},
		"the history grew": func(t *testing.T, s *Store) {
			if err := s.rdb.RPush(context.Background(), s.k.hist(s.k.partition("x"), "x"), "e").Err(); err != nil {
				t.Fatal(err)
			}
		},
		"the activity's lock was lost": func(t *testing.T, s *Store) {
			p := s.k.partition("x")
			ids, err := s.rdb.ZRange(context.Background(), s.k.acts(p), 0, 0).Result()
			if err != nil || len(ids) != 1 {
				t.Fatalf("activity requests %v (%v)", ids, err)
			}
			if err := s.rdb.HSet(context.Background(), s.k.prefix(p)+"actb", ids[0]+":l", "other").Err(); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, move := range cases {
		t.Run(name, func(t *testing.T) {
			s := openWorker(t, workerConfig(t, uniqueHub("copymoved"), "a", 2))
			ctx := context.Background()
			_, _, wi := handOffOnCopy(t, s)
			hk := s.k.hist(s.k.partition("x"), "x")
			move(t, s)
			before, err := s.rdb.LLen(ctx, hk).Result()
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CompleteOrchestrationWorkItem(ctx, wi, completedCommit(wi)); !errors.Is(err, store.ErrWorkItemLost) {
				t.Fatalf("commit = %v, want ErrWorkItemLost", err)
			}
			if after, _ := s.rdb.LLen(ctx, hk).Result(); after != before {
				t.Fatalf("the refused commit changed the history: %d → %d events", before, after)
			}
			if n := activityCount(t, s, "x"); n != 1 {
				t.Fatalf("%d activity requests, want the one still to complete", n)
			}
		})
	}
}

func TestAnAbandonedHandOffOnACopyReleasesNothing(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("copyabandon"), "a", 2))
	ctx := context.Background()
	act, result, wi := handOffOnCopy(t, s)
	if err := s.AbandonOrchestrationWorkItem(ctx, wi, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteActivityWorkItem(ctx, act, result); err != nil {
		t.Fatalf("completing the activity after the abandoned hand-off: %v", err)
	}
	got := nextWithin(t, s, 5*time.Second)
	if got.InstanceID != "x" || len(got.Messages) != 1 || got.Messages[0].Event.EventType != history.TaskCompleted {
		t.Fatalf("the dispatchers got %q with %v, want x's result", got.InstanceID, got.Messages)
	}
}

func TestNoCopyIsKeptOfAnInstanceWithAQueuedTimer(t *testing.T) {
	s := openWorker(t, workerConfig(t, uniqueHub("copytimer"), "a", 2))
	ctx := context.Background()
	wi := createLocked(t, s, "x")
	c := runningCommit(wi, 1)
	fireAt := time.Now().Add(time.Hour).UTC()
	c.Messages = []store.Message{{InstanceID: "x", VisibleAt: fireAt,
		Event: history.NewTimerFired(time.Now().UTC(), 9, fireAt)}}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, c); err != nil {
		t.Fatal(err)
	}
	if cp := s.copies.take("x"); cp != nil {
		t.Fatal("a copy was kept of an instance whose timer is queued: its hand-off could never commit")
	}
}
