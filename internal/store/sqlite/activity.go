package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// NextActivityWorkItem locks the activity request that became visible
// first; see store.Store.
func (s *Store) NextActivityWorkItem(ctx context.Context) (*store.ActivityWorkItem, error) {
	a, err := s.q.NextActivity(ctx)
	if err != nil {
		return nil, err
	}
	wi := &store.ActivityWorkItem{
		InstanceID:   a.InstanceID,
		ExecutionID:  a.ExecID,
		Event:        storekit.CloneEvent(a.Event),
		DequeueCount: a.Dequeue,
		Lock:         &lockToken{store: s, token: a.Lock, actID: a.ID},
	}
	id, n, token := a.ID, a.Dequeue, a.Lock
	deferred := s.deferAct(id, n)
	s.mu.Unlock()
	if deferred {
		return wi, nil
	}
	// The count is durable before the activity runs (dequeue.go).
	if err := s.writeDequeues(ctx, nil, id, n); err != nil {
		s.mu.Lock()
		if a := s.q.LockedActivity(id, token); a != nil {
			s.q.RetryActivity(a, s.clock.Now())
		}
		s.mu.Unlock()
		return nil, err
	}
	return wi, nil
}

// checkActivity reports whether lock still holds its activity request.
func (b *batch) checkActivity(lock *lockToken) bool {
	if b.usedActs[lock.actID] {
		return false
	}
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.s.q.LockedActivity(lock.actID, lock.token) != nil
}

// CompleteActivityWorkItem deletes the request and queues result for the
// orchestration, in one transaction.
func (s *Store) CompleteActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event) error {
	o, err := s.completeActivityOp(wi, result)
	if err != nil {
		return err
	}
	o.done = make(chan error, 1)
	return completeActivityError(wi, s.submit(ctx, o))
}

var _ store.AsyncActivityCompleter = (*Store)(nil)

// CompleteActivityWorkItemAsync queues what CompleteActivityWorkItem
// writes for the writer's next transaction and returns; see
// store.AsyncActivityCompleter. A fan-out's workers then keep running
// activities while the writer commits their results in large groups,
// where each used to wait a commit per result.
func (s *Store) CompleteActivityWorkItemAsync(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event, then func(error)) error {
	o, err := s.completeActivityOp(wi, result)
	if err != nil {
		return err
	}
	o.then = func(err error) { then(completeActivityError(wi, err)) }
	return completeActivityError(wi, s.submit(ctx, o))
}

// completeActivityOp returns the request that deletes wi's activity
// request and queues result, unsubmitted.
func (s *Store) completeActivityOp(wi *store.ActivityWorkItem, result *history.Event) (*op, error) {
	if result == nil {
		return nil, fmt.Errorf("%w: complete activity for instance %q: nil result", storekit.ErrInvalidRequest, wi.InstanceID)
	}
	lock, ok := s.lockOf(wi.Lock)
	if !ok || lock.actID == 0 {
		return nil, lostError("complete activity", wi.InstanceID)
	}
	msgs, err := encodeMessages([]store.Message{{InstanceID: wi.InstanceID, ExecutionID: wi.ExecutionID, Event: result}}, s.clock.Now())
	if err != nil {
		return nil, fmt.Errorf("complete activity for instance %q: %w", wi.InstanceID, err)
	}
	return &op{apply: func(b *batch) (func(), error, error) {
		if !b.checkActivity(lock) {
			return nil, lostError("complete activity", wi.InstanceID), nil
		}
		if err := b.exec(s.w.delAct, lock.actID); err != nil {
			return nil, nil, err
		}
		queue, err := b.insertMessages(msgs)
		if err != nil {
			return nil, nil, err
		}
		b.usedActs[lock.actID] = true
		return func() {
			s.removeActivity(lock.actID, wi.InstanceID)
			queue()
		}, nil, nil
	}}, nil
}

// completeActivityError wraps err, the outcome of completing wi.
func completeActivityError(wi *store.ActivityWorkItem, err error) error {
	if err == nil || errors.Is(err, store.ErrWorkItemLost) {
		return err
	}
	return fmt.Errorf("complete activity for instance %q: %w", wi.InstanceID, err)
}

// AbandonActivityWorkItem unlocks the request; it becomes visible again
// after retryAfter.
func (s *Store) AbandonActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, retryAfter time.Duration) error {
	lock, ok := s.lockOf(wi.Lock)
	if !ok || lock.actID == 0 {
		return lostError("abandon activity", wi.InstanceID)
	}
	at := storekit.RetryAt(s.clock.Now(), retryAfter)
	o := &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		if !b.checkActivity(lock) {
			return nil, lostError("abandon activity", wi.InstanceID), nil
		}
		s.mu.Lock()
		n := s.q.LockedActivity(lock.actID, lock.token).Dequeue
		s.mu.Unlock()
		if err := b.exec(s.w.updAct, toNanos(at), n, lock.actID); err != nil {
			return nil, nil, err
		}
		b.usedActs[lock.actID] = true
		return func() {
			delete(s.dq.acts, lock.actID) // written above
			if a := s.q.LockedActivity(lock.actID, lock.token); a != nil {
				s.q.RetryActivity(a, at)
			}
		}, nil, nil
	}}
	if err := s.submit(ctx, o); err != nil {
		if errors.Is(err, store.ErrWorkItemLost) {
			return err
		}
		return fmt.Errorf("abandon activity for instance %q: %w", wi.InstanceID, err)
	}
	return nil
}
