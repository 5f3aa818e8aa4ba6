package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
)

func inlineStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s := open(t, filepath.Join(t.TempDir(), "inline.db"), store.SystemClock{})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func startEvent(id string) *history.Event {
	return history.NewExecutionStarted(time.Now().UTC(), "Orch", id, id+"-exec", `"in"`, nil, nil)
}

// nextWithin returns the next orchestration work item, or nil when none
// comes within a short wait.
func nextWithin(t *testing.T, s store.Store, d time.Duration) *store.OrchestrationWorkItem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return wi
}

func TestInlineStart(t *testing.T) {
	ctx := context.Background()
	t.Run("the commit creates the instance with its first episode, and no start message is left to dispatch", func(t *testing.T) {
		s := inlineStore(t)
		wi, ok, err := s.CreateLocked(ctx, startEvent("a"), store.CreateOptions{})
		if err != nil || !ok {
			t.Fatalf("CreateLocked = %v, %v", ok, err)
		}
		if wi.Instance == nil || wi.Instance.Status != history.StatusPending || len(wi.Messages) != 1 ||
			wi.Messages[0].Event.EventType != history.ExecutionStarted {
			t.Fatalf("work item = %+v, want the Pending row and the start message", wi)
		}
		if _, err := s.GetInstance(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("before the commit GetInstance = %v, want ErrNotFound", err)
		}
		if err := commitEpisode(ctx, s, wi, history.StatusRunning, history.NewTaskScheduled(time.Now(), 0, "Act", `1`)); err != nil {
			t.Fatal(err)
		}
		inst, err := s.GetInstance(ctx, "a")
		if err != nil || inst.Status != history.StatusRunning {
			t.Fatalf("GetInstance = %+v, %v, want Running", inst, err)
		}
		h, err := s.GetHistory(ctx, "a")
		if err != nil || len(h) != 4 {
			t.Fatalf("history = %d events, %v; want 4", len(h), err)
		}
		awi, err := s.NextActivityWorkItem(ctx)
		if err != nil || awi.InstanceID != "a" {
			t.Fatalf("activity = %+v, %v", awi, err)
		}
		if wi := nextWithin(t, s, 50*time.Millisecond); wi != nil {
			t.Fatalf("a work item was dispatched after an inline start: %+v", wi.Messages[0].Event)
		}
	})
	t.Run("the start survives a reopen: the commit is durable", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "inline.db")
		s := open(t, path, store.SystemClock{})
		wi, _, _ := s.CreateLocked(ctx, startEvent("a"), store.CreateOptions{})
		if err := commitEpisode(ctx, s, wi, history.StatusRunning, history.NewTaskScheduled(time.Now(), 0, "Act", `1`)); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		s = open(t, path, store.SystemClock{})
		defer s.Close()
		if inst, err := s.GetInstance(ctx, "a"); err != nil || inst.Status != history.StatusRunning {
			t.Fatalf("after reopen GetInstance = %+v, %v", inst, err)
		}
		if awi, err := s.NextActivityWorkItem(ctx); err != nil || awi.InstanceID != "a" {
			t.Fatalf("after reopen activity = %+v, %v", awi, err)
		}
	})
	t.Run("a CreateInstance of the same id first makes the commit lost, writing nothing, and frees the id", func(t *testing.T) {
		s := inlineStore(t)
		wi, _, _ := s.CreateLocked(ctx, startEvent("a"), store.CreateOptions{})
		if err := s.CreateInstance(ctx, startEvent("a"), store.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		err := commitEpisode(ctx, s, wi, history.StatusRunning, history.NewTaskScheduled(time.Now(), 0, "Act", `1`))
		if !errors.Is(err, store.ErrWorkItemLost) {
			t.Fatalf("commit = %v, want ErrWorkItemLost", err)
		}
		if h, _ := s.GetHistory(ctx, "a"); len(h) != 0 {
			t.Fatalf("the lost commit wrote %d history events", len(h))
		}
		got := nextWithin(t, s, time.Second)
		if got == nil || got.Instance == nil || got.Instance.Status != history.StatusPending {
			t.Fatalf("the other create's start was not dispatched: %+v", got)
		}
	})
	t.Run("an abandon creates the instance for the dispatchers", func(t *testing.T) {
		s := inlineStore(t)
		wi, _, _ := s.CreateLocked(ctx, startEvent("a"), store.CreateOptions{})
		if err := s.AbandonOrchestrationWorkItem(ctx, wi, time.Second); err != nil {
			t.Fatal(err)
		}
		got := nextWithin(t, s, time.Second)
		if got == nil || len(got.Messages) != 1 || got.Messages[0].Event.EventType != history.ExecutionStarted {
			t.Fatalf("work item after abandon = %+v, want the start", got)
		}
	})
	t.Run("messages sent while the id is reserved wait for the commit and are then dispatched", func(t *testing.T) {
		s := inlineStore(t)
		wi, _, _ := s.CreateLocked(ctx, startEvent("a"), store.CreateOptions{})
		if err := s.SendMessages(ctx, store.Message{InstanceID: "a", Event: history.NewEventRaised(time.Now(), "go", `1`)}); err != nil {
			t.Fatal(err)
		}
		if got := nextWithin(t, s, 50*time.Millisecond); got != nil {
			t.Fatalf("a reserved instance was dispatched: %+v", got)
		}
		if err := commitEpisode(ctx, s, wi, history.StatusRunning, history.NewTaskScheduled(time.Now(), 0, "Act", `1`)); err != nil {
			t.Fatal(err)
		}
		got := nextWithin(t, s, time.Second)
		if got == nil || got.Instance == nil || got.Instance.Status != history.StatusRunning || len(got.Messages) != 1 ||
			got.Messages[0].Event.EventType != history.EventRaised {
			t.Fatalf("work item after the commit = %+v, want the raised event for the Running instance", got)
		}
	})
	t.Run("an id with queued messages, a lock, a finished instance or a scheduled start is not started inline", func(t *testing.T) {
		s := inlineStore(t)
		if err := s.SendMessages(ctx, store.Message{InstanceID: "early", Event: history.NewEventRaised(time.Now(), "go", `1`)}); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.CreateLocked(ctx, startEvent("early"), store.CreateOptions{}); ok || err != nil {
			t.Errorf("id with messages: ok = %v, err = %v; want false, nil", ok, err)
		}
		if _, ok, _ := s.CreateLocked(ctx, startEvent("twice"), store.CreateOptions{}); !ok {
			t.Fatal("first CreateLocked refused")
		}
		if _, ok, err := s.CreateLocked(ctx, startEvent("twice"), store.CreateOptions{}); ok || err != nil {
			t.Errorf("reserved id: ok = %v, err = %v; want false, nil", ok, err)
		}
		finish(t, s, "done")
		if _, ok, err := s.CreateLocked(ctx, startEvent("done"), store.CreateOptions{}); ok || err != nil {
			t.Errorf("finished id: ok = %v, err = %v; want false, nil", ok, err)
		}
		later := store.CreateOptions{VisibleAt: time.Now().Add(time.Hour)}
		if _, ok, err := s.CreateLocked(ctx, startEvent("later"), later); ok || err != nil {
			t.Errorf("scheduled start: ok = %v, err = %v; want false, nil", ok, err)
		}
	})
}
