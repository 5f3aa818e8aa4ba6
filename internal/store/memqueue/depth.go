package memqueue

import (
	"time"

	"github.com/godurable/durablefunctions/internal/store"
)

// Depth counts the messages and requests due at now, per queue, for the
// queue-depth gauges (store.QueueDepther). It walks only the instances
// that hold messages or a lock and the queued requests: the work waiting,
// not the store's instances. Callers hold the owner's mutex.
func (q *Queues) Depth(now time.Time) []store.QueueDepth {
	out := []store.QueueDepth{
		{Queue: store.QueueOrchestrations},
		{Queue: store.QueueEntities},
		{Queue: store.QueueActivities, Instances: store.Unknown},
	}
	older := func(d *store.QueueDepth, t time.Time) {
		if d.Oldest.IsZero() || t.Before(d.Oldest) {
			d.Oldest = t
		}
	}
	for _, in := range q.instances {
		d := &out[0]
		if in.Kind == store.Entities {
			d = &out[1]
		}
		due := 0
		for _, m := range in.Msgs {
			if m.LockedBy != 0 || m.VisibleAt.After(now) {
				continue
			}
			due++
			older(d, m.Due)
		}
		if due > 0 {
			d.Messages += int64(due)
			d.Instances++
		}
	}
	for _, a := range q.acts {
		if a.Lock == 0 && !a.VisibleAt.After(now) {
			out[2].Messages++
			older(&out[2], a.VisibleAt)
		}
	}
	return out
}
