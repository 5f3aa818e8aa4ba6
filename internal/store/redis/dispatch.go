package redis

import (
	"context"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/store"
)

// A dispatcher remembers which partitions may have work for one kind of
// Next call (orchestrations, entities, activities), so that idle callers
// ask Redis only where something happened: a commit of this process, a
// notification by pub/sub, a due time a fetch reported, or the safety
// poll. A caller claims a hint (taking it away from the other callers),
// runs one fetch script on that partition and, if the script says more
// work is visible there, puts the hint back for the next caller.
//
// Work can also be handed over: a script that already took a work item
// for this process (see handoff.go) queues it in ready, and callers take
// from ready before they fetch. An item is handed over only to a caller
// that waits and was not promised one already (promise), or to the caller
// that is about to come back (the dispatcher whose commit prefetched it).
type dispatcher struct {
	mu       sync.Mutex
	hint     map[int]bool
	due      map[int]int64 // partition → earliest known future visibility (ms)
	ch       chan struct{} // closed when a hint, due time or ready item is added
	waiting  int
	ready    []any // work items taken for this process's callers
	promised int   // items being taken for waiting callers
}

func newDispatcher() *dispatcher {
	return &dispatcher{hint: map[int]bool{}, due: map[int]int64{}, ch: make(chan struct{})}
}

// signal records that partition p has work visible at dueMs.
func (d *dispatcher) signal(p int, dueMs, nowMs int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dueMs <= nowMs {
		if d.hint[p] {
			return
		}
		d.hint[p] = true
	} else {
		if cur, ok := d.due[p]; ok && cur <= dueMs {
			return
		}
		d.due[p] = dueMs
	}
	close(d.ch)
	d.ch = make(chan struct{})
}

// setDue records p's earliest future visibility as a fetch reported it.
func (d *dispatcher) setDue(p int, dueMs int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if cur, ok := d.due[p]; !ok || dueMs < cur {
		d.due[p] = dueMs
	}
}

// claim returns a work item handed over, or a partition that may have
// work visible now, or else the earliest known future due time (0 if
// none) and a channel closed when something changes.
func (d *dispatcher) claim(nowMs int64) (item any, p int, ok bool, nextDue int64, ch <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.ready) > 0 {
		item = d.ready[0]
		d.ready[0] = nil
		d.ready = d.ready[1:]
		return item, 0, false, 0, nil
	}
	for p := range d.hint {
		delete(d.hint, p)
		return nil, p, true, 0, nil
	}
	for p, due := range d.due {
		if due <= nowMs {
			delete(d.due, p)
			return nil, p, true, 0, nil
		}
		if nextDue == 0 || due < nextDue {
			nextDue = due
		}
	}
	return nil, 0, false, nextDue, d.ch
}

// promise reserves up to n waiting callers for items about to be handed
// over and returns how many it reserved.
func (d *dispatcher) promise(n int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := min(n, d.waiting-len(d.ready)-d.promised)
	if k <= 0 {
		return 0
	}
	d.promised += k
	return k
}

// prefetchable reports whether a caller about to come back may be handed
// an item: fewer than prefetchDepth are queued. Under load many callers
// commit at once (dispatchers, and activity workers running hand-offs),
// and each prefetch taken in a commit script saves a fetch script; a few
// queued items are taken within an episode or two, and Close gives back
// whatever is left.
func (d *dispatcher) prefetchable() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.ready) < prefetchDepth
}

const prefetchDepth = 4

// settle ends promised reservations and queues the items delivered
// (nil items are skipped: the script took nothing).
func (d *dispatcher) settle(promised int, items ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.promised -= promised
	added := false
	for _, it := range items {
		if it != nil {
			d.ready = append(d.ready, it)
			added = true
		}
	}
	if added {
		close(d.ch)
		d.ch = make(chan struct{})
	}
}

// drain removes and returns the items handed over and not taken (Close).
func (d *dispatcher) drain() []any {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.ready
	d.ready = nil
	return out
}

// forget drops what is known of partition p (its lease was lost).
func (d *dispatcher) forget(p int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.hint, p)
	delete(d.due, p)
}

// idle returns how many callers are waiting.
func (d *dispatcher) idle() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.waiting
}

func (d *dispatcher) setWaiting(delta int) {
	d.mu.Lock()
	d.waiting += delta
	d.mu.Unlock()
}

// fetched is what one fetch script found.
type fetched struct {
	found bool  // a work item was taken
	more  bool  // more work is visible in the partition
	next  int64 // else: the earliest future visibility, 0 if none
}

// nextWork is the loop of every Next call: claim a hinted partition and
// fetch from it, or wait for a hint, a due time, ctx or Close.
func nextWork[T any](s *Store, ctx context.Context, d *dispatcher, fetch func(context.Context, int) (T, fetched, error)) (T, error) {
	var zero T
	failures := 0
	for {
		if err := s.begin(ctx); err != nil {
			return zero, err
		}
		now := floorMs(s.clock.Now())
		item, p, ok, due, ch := d.claim(now)
		if item != nil {
			return item.(T), nil
		}
		if ok {
			v, r, err := fetch(ctx, p)
			switch {
			case err != nil:
				if cerr := s.begin(ctx); cerr != nil {
					return zero, cerr
				}
				d.signal(p, now, now)
				failures++
				s.logFailure("fetching work failed; retrying", err)
				if !s.sleep(ctx, backoff(failures)) {
					return zero, s.begin(ctx)
				}
			case r.found:
				if r.more {
					d.signal(p, now, now)
				}
				return v, nil
			case r.next > 0:
				d.setDue(p, r.next)
			}
			continue
		}
		failures = 0
		var timer <-chan time.Time
		if due > 0 {
			timer = s.clock.After(time.Duration(due-now) * time.Millisecond)
		}
		d.setWaiting(1)
		select {
		case <-ch:
		case <-timer:
		case <-ctx.Done():
		case <-s.closedCh:
		}
		d.setWaiting(-1)
	}
}

// backoff is the wait after n failures in a row: 50 ms doubling to 2 s.
func backoff(n int) time.Duration {
	d := 50 * time.Millisecond
	for i := 1; i < n && d < 2*time.Second; i++ {
		d *= 2
	}
	return min(d, 2*time.Second)
}

// sleep waits d of real time; false when ctx ended or the store closed.
func (s *Store) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closedCh:
		return false
	}
}

var failureLog struct {
	mu   sync.Mutex
	last time.Time
}

// logFailure logs a Redis failure at most every 5 s, so that an outage
// does not flood the log.
func (s *Store) logFailure(msg string, err error) {
	failureLog.mu.Lock()
	defer failureLog.mu.Unlock()
	if time.Since(failureLog.last) < 5*time.Second {
		return
	}
	failureLog.last = time.Now()
	s.log.Warn("redis store: "+msg, "hub", s.cfg.HubName, "worker", s.cfg.WorkerID, "err", err)
}

// pollLoop is the safety net under notifications: every PollInterval it
// hints every owned partition to the orchestration and entity
// dispatchers and every partition to the activity dispatcher.
func (s *Store) pollLoop() {
	s.every(s.cfg.PollInterval, func() {
		now := floorMs(s.clock.Now())
		for _, p := range s.owned() {
			s.orch.signal(p, now, now)
			s.ent.signal(p, now, now)
		}
		for p := range s.parts {
			s.act.signal(p, now, now)
		}
	})
}

// dispatcherOf returns the dispatcher of an instance kind.
func (s *Store) dispatcherOf(k store.WorkKind) *dispatcher {
	if k == store.Entities {
		return s.ent
	}
	return s.orch
}
