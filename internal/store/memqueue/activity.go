package memqueue

import (
	"context"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// Activity is a queued activity request.
type Activity struct {
	ID         int64
	InstanceID string
	ExecID     string
	Event      *history.Event // owned by the queue: never modified
	VisibleAt  time.Time
	Dequeue    int
	Lock       uint64 // 0 when unlocked
	ver        uint64 // invalidates older heap entries
}

// AddActivity queues the unlocked request a.
func (q *Queues) AddActivity(a *Activity) {
	q.acts[a.ID] = a
	q.pushActivity(a)
}

// pushActivity puts an unlocked request into the ready heap and wakes the
// activity waiters.
func (q *Queues) pushActivity(a *Activity) {
	a.ver++
	q.actReady.push(entry[*Activity]{item: a, key: a.VisibleAt, tie: uint64(a.ID), ver: a.ver})
	q.wake(activityQueue)
}

// LockedActivity returns request id if token holds its lock, or nil.
func (q *Queues) LockedActivity(id int64, token uint64) *Activity {
	a := q.acts[id]
	if a == nil || a.Lock != token {
		return nil
	}
	return a
}

// NextActivity blocks until a request is visible and locks the one that
// became visible first. Callers do not hold the mutex; on success
// NextActivity returns with it held.
func (q *Queues) NextActivity(ctx context.Context) (*Activity, error) {
	current := func(e entry[*Activity]) bool {
		return e.ver == e.item.ver && q.acts[e.item.ID] == e.item
	}
	a, _, err := next(ctx, q, activityQueue, &q.actReady, current)
	if err != nil {
		return nil, err
	}
	q.lockSeq++
	a.Lock = q.lockSeq
	a.ver++
	a.Dequeue++
	return a, nil
}

// RemoveActivity deletes request id, whose work item completed.
func (q *Queues) RemoveActivity(id int64) {
	if a := q.acts[id]; a != nil {
		a.ver++
		delete(q.acts, id)
	}
}

// RetryActivity unlocks a and makes it visible again at at.
func (q *Queues) RetryActivity(a *Activity, at time.Time) {
	a.Lock = 0
	a.VisibleAt = at
	q.pushActivity(a)
}
