package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memqueue"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// addActivity queues a request. Callers hold mu.
func (s *Store) addActivity(instanceID, execID string, e *history.Event, now time.Time) {
	s.q.AddActivity(&memqueue.Activity{
		ID: s.q.NextID(), InstanceID: instanceID, ExecID: execID, Event: storekit.CloneEvent(e), VisibleAt: now,
	})
}

// NextActivityWorkItem locks the request that became visible first.
func (s *Store) NextActivityWorkItem(ctx context.Context) (*store.ActivityWorkItem, error) {
	a, err := s.q.NextActivity(ctx)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return &store.ActivityWorkItem{
		InstanceID:   a.InstanceID,
		ExecutionID:  a.ExecID,
		Event:        storekit.CloneEvent(a.Event),
		DequeueCount: a.Dequeue,
		Lock:         &lockToken{store: s, token: a.Lock, actID: a.ID},
	}, nil
}

// lockedActivity returns the request wi holds the lock of, or
// ErrWorkItemLost. Callers hold mu.
func (s *Store) lockedActivity(op string, wi *store.ActivityWorkItem) (*memqueue.Activity, error) {
	lock, ok := s.lockOf(wi.Lock)
	if !ok {
		return nil, lostError(op, wi.InstanceID)
	}
	a := s.q.LockedActivity(lock.actID, lock.token)
	if a == nil {
		return nil, lostError(op, wi.InstanceID)
	}
	return a, nil
}

// CompleteActivityWorkItem deletes the request and queues result for the
// orchestration that scheduled it.
func (s *Store) CompleteActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event) error {
	if result == nil {
		return fmt.Errorf("%w: complete activity for instance %q: nil result", storekit.ErrInvalidRequest, wi.InstanceID)
	}
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("complete activity for instance %q: %w", wi.InstanceID, err)
	}
	defer s.mu.Unlock()
	a, err := s.lockedActivity("complete activity", wi)
	if err != nil {
		return err
	}
	s.q.RemoveActivity(a.ID)
	s.enqueue(&store.Message{InstanceID: a.InstanceID, ExecutionID: a.ExecID, Event: result}, s.clock.Now())
	return nil
}

// AbandonActivityWorkItem unlocks the request; it becomes visible again
// after retryAfter.
func (s *Store) AbandonActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, retryAfter time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("abandon activity for instance %q: %w", wi.InstanceID, err)
	}
	defer s.mu.Unlock()
	a, err := s.lockedActivity("abandon activity", wi)
	if err != nil {
		return err
	}
	s.q.RetryActivity(a, storekit.RetryAt(s.clock.Now(), retryAfter))
	return nil
}
