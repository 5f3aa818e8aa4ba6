package memory

import (
	"container/heap"
	"context"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/backend/storekit"
	"github.com/godurable/durablefunctions/internal/history"
)

// activity is a queued activity request.
type activity struct {
	id         uint64
	instanceID string
	execID     string
	event      *history.Event
	visibleAt  time.Time
	dequeue    int
	lock       uint64 // 0 when unlocked
	ver        uint64 // invalidates older heap entries
}

// addActivity queues a request. Callers hold mu.
func (s *Store) addActivity(instanceID, execID string, e *history.Event, now time.Time) {
	s.seq++
	a := &activity{id: s.seq, instanceID: instanceID, execID: execID, event: storekit.CloneEvent(e), visibleAt: now}
	s.acts[a.id] = a
	s.pushActivity(a)
}

// pushActivity puts an unlocked request into the ready heap and wakes the
// activity waiters. Callers hold mu.
func (s *Store) pushActivity(a *activity) {
	a.ver++
	heap.Push(&s.actReady, activityEntry{a: a, ver: a.ver, key: a.visibleAt})
	s.wake(activityQueue)
}

// NextActivityWorkItem locks the request that became visible first.
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
			return wi, nil
		}
		if err := s.wait(ctx, activityQueue, due, now); err != nil {
			return nil, err
		}
	}
}

// lockedActivity returns the request wi holds the lock of, or
// ErrWorkItemLost. Callers hold mu.
func (s *Store) lockedActivity(op string, wi *backend.ActivityWorkItem) (*activity, error) {
	lock, ok := s.lockOf(wi.Lock)
	if !ok {
		return nil, lostError(op, wi.InstanceID)
	}
	a := s.acts[lock.actID]
	if a == nil || a.lock != lock.token {
		return nil, lostError(op, wi.InstanceID)
	}
	return a, nil
}

// CompleteActivityWorkItem deletes the request and queues result for the
// orchestration that scheduled it.
func (s *Store) CompleteActivityWorkItem(ctx context.Context, wi *backend.ActivityWorkItem, result *history.Event) error {
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
	delete(s.acts, a.id)
	a.ver++
	s.enqueue(&backend.Message{InstanceID: a.instanceID, ExecutionID: a.execID, Event: result}, s.clock.Now())
	return nil
}

// AbandonActivityWorkItem unlocks the request; it becomes visible again
// after retryAfter.
func (s *Store) AbandonActivityWorkItem(ctx context.Context, wi *backend.ActivityWorkItem, retryAfter time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("abandon activity for instance %q: %w", wi.InstanceID, err)
	}
	defer s.mu.Unlock()
	a, err := s.lockedActivity("abandon activity", wi)
	if err != nil {
		return err
	}
	a.lock = 0
	a.visibleAt = storekit.RetryAt(s.clock.Now(), retryAfter)
	s.pushActivity(a)
	return nil
}

type activityEntry struct {
	a   *activity
	key time.Time
	ver uint64
}

type activityHeap []activityEntry

func (h activityHeap) Len() int { return len(h) }
func (h activityHeap) Less(i, j int) bool {
	if c := h[i].key.Compare(h[j].key); c != 0 {
		return c < 0
	}
	return h[i].a.id < h[j].a.id
}
func (h activityHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *activityHeap) Push(x any)   { *h = append(*h, x.(activityEntry)) }
func (h *activityHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = activityEntry{}
	*h = old[:len(old)-1]
	return e
}
