package sqlite

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/backend/storekit"
	"github.com/godurable/durablefunctions/internal/history"
)

// NextActivityWorkItem locks the activity request that became visible
// first; see backend.Backend.
func (s *Store) NextActivityWorkItem(ctx context.Context) (*backend.ActivityWorkItem, error) {
	h := &s.actReady
	for {
		if err := s.begin(ctx); err != nil {
			return nil, err
		}
		now := s.clock.Now()
		var due time.Time
		for h.Len() > 0 {
			top := (*h)[0]
			if top.ver != top.a.ver || s.acts[top.a.id] != top.a {
				heap.Pop(h)
				continue
			}
			if top.key.After(now) {
				due = top.key
				break
			}
			heap.Pop(h)
			a := top.a
			s.lockSeq++
			a.lock = s.lockSeq
			a.ver++
			a.dequeue++
			wi := &backend.ActivityWorkItem{
				InstanceID:   a.instanceID,
				ExecutionID:  a.execID,
				Event:        storekit.CloneEvent(a.event),
				DequeueCount: a.dequeue,
				Lock:         &lockToken{store: s, token: a.lock, actID: a.id},
			}
			s.mu.Unlock()
			id, n := a.id, a.dequeue
			_ = s.submit(context.Background(), &op{apply: func(b *batch) (func(), error, error) {
				return nil, nil, b.exec(s.w.bumpAct, n, id)
			}})
			return wi, nil
		}
		if err := s.wait(ctx, activityQueue, due, now); err != nil {
			return nil, err
		}
	}
}

// checkActivity reports whether lock still holds its activity request.
func (b *batch) checkActivity(lock *lockToken) bool {
	if b.usedActs[lock.actID] {
		return false
	}
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	a := b.s.acts[lock.actID]
	return a != nil && a.lock == lock.token
}

// CompleteActivityWorkItem deletes the request and queues result for the
// orchestration, in one transaction.
func (s *Store) CompleteActivityWorkItem(ctx context.Context, wi *backend.ActivityWorkItem, result *history.Event) error {
	if result == nil {
		return fmt.Errorf("%w: complete activity for instance %q: nil result", storekit.ErrInvalidRequest, wi.InstanceID)
	}
	lock, ok := s.lockOf(wi.Lock)
	if !ok || lock.actID == 0 {
		return lostError("complete activity", wi.InstanceID)
	}
	msgs, err := encodeMessages([]backend.Message{{InstanceID: wi.InstanceID, ExecutionID: wi.ExecutionID, Event: result}}, s.clock.Now())
	if err != nil {
		return fmt.Errorf("complete activity for instance %q: %w", wi.InstanceID, err)
	}
	o := &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
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
			if a := s.acts[lock.actID]; a != nil {
				a.ver++
				delete(s.acts, lock.actID)
			}
			queue()
		}, nil, nil
	}}
	if err := s.submit(ctx, o); err != nil {
		if errors.Is(err, backend.ErrWorkItemLost) {
			return err
		}
		return fmt.Errorf("complete activity for instance %q: %w", wi.InstanceID, err)
	}
	return nil
}

// AbandonActivityWorkItem unlocks the request; it becomes visible again
// after retryAfter.
func (s *Store) AbandonActivityWorkItem(ctx context.Context, wi *backend.ActivityWorkItem, retryAfter time.Duration) error {
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
		n := s.acts[lock.actID].dequeue
		s.mu.Unlock()
		if err := b.exec(s.w.updAct, toNanos(at), n, lock.actID); err != nil {
			return nil, nil, err
		}
		b.usedActs[lock.actID] = true
		return func() {
			if a := s.acts[lock.actID]; a != nil && a.lock == lock.token {
				a.lock = 0
				a.visibleAt = at
				s.pushActivity(a)
			}
		}, nil, nil
	}}
	if err := s.submit(ctx, o); err != nil {
		if errors.Is(err, backend.ErrWorkItemLost) {
			return err
		}
		return fmt.Errorf("abandon activity for instance %q: %w", wi.InstanceID, err)
	}
	return nil
}
