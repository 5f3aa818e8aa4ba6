package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
)

// runningWithActivity starts instance id with one activity scheduled and
// returns that activity's work item.
func runningWithActivity(t *testing.T, s *sqlite.Store, id string) *store.ActivityWorkItem {
	t.Helper()
	ctx := context.Background()
	wi, ok, err := s.CreateLocked(ctx, startEvent(id), store.CreateOptions{})
	if err != nil || !ok {
		t.Fatalf("CreateLocked = %v, %v", ok, err)
	}
	if err := commitEpisode(ctx, s, wi, history.StatusRunning, history.NewTaskScheduled(time.Now(), 0, "Act", `1`)); err != nil {
		t.Fatal(err)
	}
	act, err := s.NextActivityWorkItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return act
}

func TestResultHandoff(t *testing.T) {
	ctx := context.Background()
	done := func() *history.Event { return history.NewTaskCompleted(time.Now(), 0, `1`) }
	t.Run("the commit records the result with the episode and deletes the request, which is gone after a reopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "handoff.db")
		s := open(t, path, store.SystemClock{})
		act := runningWithActivity(t, s, "a")
		wi, ok, err := s.LockForResult(ctx, act, done())
		if err != nil || !ok {
			t.Fatalf("LockForResult = %v, %v", ok, err)
		}
		if len(wi.History) != 4 || len(wi.Messages) != 1 || wi.Messages[0].Event.EventType != history.TaskCompleted {
			t.Fatalf("work item: %d history events, messages %+v; want 4 and the result", len(wi.History), wi.Messages)
		}
		if err := commitEpisode(ctx, s, wi, history.StatusCompleted, nil); err != nil {
			t.Fatal(err)
		}
		if inst, err := s.GetInstance(ctx, "a"); err != nil || inst.Status != history.StatusCompleted {
			t.Fatalf("GetInstance = %+v, %v; want Completed", inst, err)
		}
		if got := nextWithin(t, s, 50*time.Millisecond); got != nil {
			t.Fatalf("a result message was dispatched after a hand-off: %+v", got.Messages[0].Event)
		}
		_ = s.Close()
		s = open(t, path, store.SystemClock{})
		defer s.Close()
		actx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if again, err := s.NextActivityWorkItem(actx); err == nil {
			t.Fatalf("the handed-off activity was delivered again after a reopen: %+v", again)
		}
	})
	t.Run("an instance with queued messages or held by a worker is not handed off", func(t *testing.T) {
		s := inlineStore(t)
		act := runningWithActivity(t, s, "a")
		if err := s.SendMessages(ctx, store.Message{InstanceID: "a", Event: history.NewEventRaised(time.Now(), "go", `1`)}); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.LockForResult(ctx, act, done()); ok || err != nil {
			t.Errorf("instance with messages: ok = %v, err = %v; want false, nil", ok, err)
		}
		held := nextWithin(t, s, time.Second)
		if held == nil {
			t.Fatal("the raised event was not dispatched")
		}
		if _, ok, err := s.LockForResult(ctx, act, done()); ok || err != nil {
			t.Errorf("locked instance: ok = %v, err = %v; want false, nil", ok, err)
		}
	})
	t.Run("a result whose instance waits for another activity goes through the queue, and the last one is handed off", func(t *testing.T) {
		s := inlineStore(t)
		wi, _, _ := s.CreateLocked(ctx, startEvent("fan"), store.CreateOptions{})
		row := *wi.Instance
		row.Status = history.StatusRunning
		acts := []*history.Event{history.NewTaskScheduled(time.Now(), 0, "Act", `1`), history.NewTaskScheduled(time.Now(), 1, "Act", `2`)}
		if err := s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: &row, NewHistory: acts, Activities: acts}); err != nil {
			t.Fatal(err)
		}
		first, err := s.NextActivityWorkItem(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.LockForResult(ctx, first, history.NewTaskCompleted(time.Now(), first.Event.EventID, `1`)); ok || err != nil {
			t.Fatalf("first of two results: ok = %v, err = %v; want false, nil", ok, err)
		}
		if err := s.CompleteActivityWorkItem(ctx, first, history.NewTaskCompleted(time.Now(), first.Event.EventID, `1`)); err != nil {
			t.Fatal(err)
		}
		if got := nextWithin(t, s, time.Second); got == nil {
			t.Fatal("the first result was not dispatched")
		} else if err := commitEpisode(ctx, s, got, history.StatusRunning, nil); err != nil {
			t.Fatal(err)
		}
		last, err := s.NextActivityWorkItem(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.LockForResult(ctx, last, history.NewTaskCompleted(time.Now(), last.Event.EventID, `2`)); !ok || err != nil {
			t.Fatalf("last result: ok = %v, err = %v; want true, nil", ok, err)
		}
	})
	t.Run("an abandon unlocks the instance and leaves the activity to its worker, whose completion is dispatched", func(t *testing.T) {
		s := inlineStore(t)
		act := runningWithActivity(t, s, "a")
		wi, ok, _ := s.LockForResult(ctx, act, done())
		if !ok {
			t.Fatal("LockForResult refused")
		}
		if err := s.AbandonOrchestrationWorkItem(ctx, wi, time.Second); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteActivityWorkItem(ctx, act, done()); err != nil {
			t.Fatal(err)
		}
		got := nextWithin(t, s, time.Second)
		if got == nil || len(got.Messages) != 1 || got.Messages[0].Event.EventType != history.TaskCompleted {
			t.Fatalf("work item after the abandon = %+v, want the result", got)
		}
	})
}
