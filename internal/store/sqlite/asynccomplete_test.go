package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// outcome returns a then for CompleteActivityWorkItemAsync and a channel
// that receives what it was called with.
func outcome() (func(error), chan error) {
	ch := make(chan error, 1)
	return func(err error) { ch <- err }, ch
}

// settled waits for an outcome; the bound only stops a hung test.
func settled(t *testing.T, ch chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(time.Minute):
		t.Fatal("then was never called")
		return nil
	}
}

func TestCompleteActivityWorkItemAsync(t *testing.T) {
	ctx := context.Background()
	done := func() *history.Event { return history.NewTaskCompleted(time.Now(), 0, `1`) }
	t.Run("then gets nil once the result is committed: it is dispatched, and the request is gone", func(t *testing.T) {
		s := open(t, filepath.Join(t.TempDir(), "async.db"), store.SystemClock{})
		defer s.Close()
		act := runningWithActivity(t, s, "a")
		then, ch := outcome()
		if err := s.CompleteActivityWorkItemAsync(ctx, act, done(), then); err != nil {
			t.Fatal(err)
		}
		if err := settled(t, ch); err != nil {
			t.Fatalf("then(%v), want nil", err)
		}
		wi := nextWithin(t, s, time.Minute)
		if wi == nil || len(wi.Messages) != 1 || wi.Messages[0].Event.EventType != history.TaskCompleted {
			t.Fatalf("work item %+v, want the result", wi)
		}
		actx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if got, err := s.NextActivityWorkItem(actx); err == nil {
			t.Fatalf("the completed request was handed out again: %+v", got.Event)
		}
	})
	t.Run("a request completed meanwhile: then gets ErrWorkItemLost and nothing is queued twice", func(t *testing.T) {
		s := open(t, filepath.Join(t.TempDir(), "async.db"), store.SystemClock{})
		defer s.Close()
		act := runningWithActivity(t, s, "a")
		if err := s.CompleteActivityWorkItem(ctx, act, done()); err != nil {
			t.Fatal(err)
		}
		then, ch := outcome()
		if err := s.CompleteActivityWorkItemAsync(ctx, act, done(), then); err != nil {
			t.Fatal(err)
		}
		if err := settled(t, ch); !errors.Is(err, store.ErrWorkItemLost) {
			t.Fatalf("then(%v), want ErrWorkItemLost", err)
		}
		if wi := nextWithin(t, s, time.Minute); wi == nil || len(wi.Messages) != 1 {
			t.Fatalf("work item %+v, want the one result", wi)
		}
	})
	t.Run("Close commits a result queued just before it, which a reopen finds", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "async.db")
		s := open(t, path, store.SystemClock{})
		act := runningWithActivity(t, s, "a")
		then, ch := outcome()
		if err := s.CompleteActivityWorkItemAsync(ctx, act, done(), then); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := settled(t, ch); err != nil {
			t.Fatalf("then(%v), want nil", err)
		}
		s = open(t, path, store.SystemClock{})
		defer s.Close()
		if wi := nextWithin(t, s, time.Minute); wi == nil || len(wi.Messages) != 1 {
			t.Fatalf("work item %+v after a reopen, want the result", wi)
		}
		actx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if got, err := s.NextActivityWorkItem(actx); err == nil {
			t.Fatalf("the completed request is back after a reopen: %+v", got.Event)
		}
	})
	t.Run("a closed store refuses the result and never calls then", func(t *testing.T) {
		s := open(t, filepath.Join(t.TempDir(), "async.db"), store.SystemClock{})
		act := runningWithActivity(t, s, "a")
		_ = s.Close()
		called := false
		err := s.CompleteActivityWorkItemAsync(ctx, act, done(), func(error) { called = true })
		if !errors.Is(err, store.ErrClosed) || called {
			t.Fatalf("err %v, then called %v; want ErrClosed and no call", err, called)
		}
	})
}
