package memqueue

import (
	"context"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/store"
)

// waitQueue numbers the three kinds of waiters a change can wake.
type waitQueue int

const (
	orchestrationQueue waitQueue = iota // store.Orchestrations
	entityQueue                         // store.Entities
	activityQueue
	queueCount
)

func queueOf(k store.WorkKind) waitQueue {
	if k == store.Entities {
		return entityQueue
	}
	return orchestrationQueue
}

// Queues holds the messages and activity requests of one store. Unless
// a method says otherwise, callers hold the owner's mutex.
type Queues struct {
	mu    *sync.Mutex
	clock store.Clock

	closed  bool
	done    chan struct{}             // closed by Close
	changed [queueCount]chan struct{} // closed and replaced when that queue gains work
	seq     uint64                    // heap order; the memory store's ids too
	lockSeq uint64                    // lock tokens

	instances map[string]*Instance
	ready     [2]readyHeap[*Instance] // per WorkKind: unlocked instances with messages
	acts      map[int64]*Activity
	actReady  readyHeap[*Activity]
}

// New returns empty queues guarded by mu that tell time by clock.
func New(mu *sync.Mutex, clock store.Clock) *Queues {
	q := &Queues{
		mu:        mu,
		clock:     clock,
		done:      make(chan struct{}),
		instances: make(map[string]*Instance),
		acts:      make(map[int64]*Activity),
	}
	for i := range q.changed {
		q.changed[i] = make(chan struct{})
	}
	return q
}

// NextID returns a new sequence number, for an owner without ids of its
// own. Sharing the heap-order counter keeps ids and arrival order in step.
func (q *Queues) NextID() int64 {
	q.seq++
	return int64(q.seq)
}

// Close makes blocked and later Next calls fail with store.ErrClosed.
// It reports whether this call closed the queues (false when they already
// were).
func (q *Queues) Close() bool {
	if q.closed {
		return false
	}
	q.closed = true
	close(q.done)
	return true
}

// Done returns a channel that Close closes. Callers need not hold the
// mutex.
func (q *Queues) Done() <-chan struct{} { return q.done }

// Closed reports whether Close has been called.
func (q *Queues) Closed() bool { return q.closed }

// Begin locks the mutex unless ctx has ended or the queues are closed.
// Callers do not hold the mutex; on success they do.
func (q *Queues) Begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return store.ErrClosed
	}
	return nil
}

// wake wakes the waiters of wq.
func (q *Queues) wake(wq waitQueue) {
	close(q.changed[wq])
	q.changed[wq] = make(chan struct{})
}

// wait blocks until wq gains work, due passes (if not zero), ctx ends or
// the queues close. It releases the mutex.
func (q *Queues) wait(ctx context.Context, wq waitQueue, due, now time.Time) error {
	changed := q.changed[wq]
	q.mu.Unlock()
	var timer <-chan time.Time
	if !due.IsZero() {
		timer = q.clock.After(due.Sub(now))
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-q.done:
		return store.ErrClosed
	case <-changed:
	case <-timer:
	}
	return nil
}

// next blocks until the top of h is visible and returns it with the mutex
// held, together with the time it judged visibility by. Entries that
// current rejects were superseded and are dropped on the way.
func next[T any](ctx context.Context, q *Queues, wq waitQueue, h *readyHeap[T], current func(entry[T]) bool) (T, time.Time, error) {
	for {
		if err := q.Begin(ctx); err != nil {
			var zero T
			return zero, time.Time{}, err
		}
		now := q.clock.Now()
		item, due, ok := h.popVisible(now, current)
		if ok {
			return item, now, nil
		}
		if err := q.wait(ctx, wq, due, now); err != nil {
			var zero T
			return zero, time.Time{}, err
		}
	}
}
