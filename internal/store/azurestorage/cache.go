package azurestorage

import (
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// The instance cache keeps, per instance, what this worker last committed
// (history, sentinel with its ETag, Instances row) while it owns the
// instance's partition without interruption (same lease epoch), so that
// the next work item of the instance needs no history query and no row
// read. A stale entry (another worker committed meanwhile, e.g. during a
// partition steal before our lease renewal fails) is caught twice:
//
//   - before a cached work item's commit sends anything, the sentinel is
//     point-read and its ETag compared with the cached one (a mismatch is
//     ErrWorkItemLost, before any message leaves, so a stale replay has no
//     side effects);
//   - the history transaction is conditional on the cached ETag.
//
// An entry is taken out of the cache when a work item starts and put back
// only by a successful commit (or unchanged by an abandon / a work item
// that delivered nothing), so any failure leaves the instance uncached.
// Work items that carry an ExecutionStarted message (a client may have
// replaced the instance's row) and instances created or purged by this
// process always read from storage.

type cachedInst struct {
	part  int
	epoch int
	sen   sentinel
	// events is the committed history (shallow copies).
	events []*history.Event
	row    instanceRow
}

// maxCached bounds the cache; past it an arbitrary entry is evicted.
const maxCached = 20000

// takeCachedLocked removes and returns the usable cache entry of a work
// item's instance (nil when there is none). Callers hold mu.
func (s *Store) takeCachedLocked(id string, msgs []*qmsg) *cachedInst {
	c := s.cache[id]
	if c == nil {
		return nil
	}
	delete(s.cache, id)
	p := s.parts[c.part]
	if !p.owned || p.epoch != c.epoch {
		return nil
	}
	for _, q := range msgs {
		if q.env.Event != nil && q.env.Event.EventType == history.ExecutionStarted {
			return nil
		}
	}
	return c
}

// putCached stores c if its partition is still owned in the same epoch.
func (s *Store) putCached(id string, c *cachedInst) {
	if c == nil || !c.sen.exists || c.sen.etag == "" {
		return
	}
	if c.row.inst != nil && c.row.inst.Status.IsTerminal() {
		return // rarely gets more work; keep the cache small
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.parts[c.part]
	if !p.owned || p.epoch != c.epoch {
		return
	}
	if _, ok := s.cache[id]; !ok && len(s.cache) >= maxCached {
		for k := range s.cache {
			delete(s.cache, k)
			break
		}
	}
	s.cache[id] = c
}

// forgetCached drops an instance's entry.
func (s *Store) forgetCached(id string) {
	s.mu.Lock()
	delete(s.cache, id)
	s.mu.Unlock()
}

// forgetPartitionLocked drops the entries of a partition. Callers hold mu.
func (s *Store) forgetPartitionLocked(part int) {
	for id, c := range s.cache {
		if c.part == part {
			delete(s.cache, id)
		}
	}
}

// committedEntry builds the cache entry of a successful commit.
func committedEntry(lk *orchLock, base int, newEvents []*history.Event, sen sentinel, row *store.Instance) *cachedInst {
	events := make([]*history.Event, 0, base+len(newEvents))
	events = append(events, lk.events[:base]...)
	events = append(events, storekit.CloneEvents(newEvents)...)
	sen.instance = storekit.CloneInstance(row)
	return &cachedInst{part: lk.part, epoch: lk.epoch, sen: sen, events: events,
		row: instanceRow{inst: storekit.CloneInstance(row), token: sen.token}}
}
