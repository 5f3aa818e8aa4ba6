package redis

// Hand-offs on a copy. The process that commits an episode scheduling an
// orchestration's one pending activity knows the row and history it just
// wrote; when the same process completes that activity (a result
// hand-off, result.go), it runs the next episode on that copy instead of
// reading and locking the instance first. The lock's round trip and
// script go; the commit checks, atomically, what the lock script would
// have: the lease, that the instance is unlocked and has no queued
// message, the activity's lock token, and in addition that the row and
// history are still the copy's (the row's meta holds the last commit's
// time in nanoseconds, and the history's length). A commit refused
// because the instance moved on meanwhile writes nothing, and the
// engine completes the activity the usual way, as after any failed
// hand-off. Nothing is locked in Redis meanwhile, so a dispatcher may
// fetch the instance at the same time (a message came): its lock, held
// from its fetch to its commit, refuses the copy's commit, and a copy's
// commit made before that fetch is what the fetch reads.

import (
	"sync"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// instanceCopy is an instance as this process's last commit of it left it.
type instanceCopy struct {
	meta string          // the row's meta field as written
	cur  [3]string       // its status, index and retention members
	row  *store.Instance // the row as a fetch would decode it
	raw  []string        // the stored history
}

type instanceCopies struct {
	mu sync.Mutex
	m  map[string]*instanceCopy
}

func newInstanceCopies() *instanceCopies { return &instanceCopies{m: map[string]*instanceCopy{}} }

func (c *instanceCopies) put(id string, cp *instanceCopy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	makeRoom(c.m, id)
	c.m[id] = cp
}

// take removes and returns id's copy (nil when there is none): a copy
// serves one hand-off.
func (c *instanceCopies) take(id string) *instanceCopy {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := c.m[id]
	delete(c.m, id)
	return cp
}

// keepCopy records the instance as the commit b of work item wi left it,
// when a hand-off may use it: an orchestration, still running, waiting
// for exactly one activity of this process's, with no message queued
// (score, its ready score after the commit, is ""): a queued message, a
// durable timer say, would refuse the hand-off's commit after its
// episode ran. Otherwise it drops any older copy.
func (s *Store) keepCopy(wi *store.OrchestrationWorkItem, lock *orchLock, c *store.OrchestrationCommit, b *commitArgs, score string) {
	id := wi.InstanceID
	s.copies.take(id)
	if c.Instance == nil || c.Instance.Status.IsTerminal() || store.KindOf(id) != store.Orchestrations ||
		!s.pending.only(id) || score != "" {
		return
	}
	base := lock.raw
	if c.ReplaceHistory {
		base = nil
	}
	if len(base) != len(wi.History) && !c.ReplaceHistory {
		return
	}
	row, err := decodeRow(id, b.row.meta, b.row.input, b.row.output, b.row.custom)
	if err != nil {
		return
	}
	cp := &instanceCopy{meta: b.row.meta, cur: [3]string{b.row.status, b.row.member, b.row.doneMember}, row: row,
		raw: make([]string, 0, len(base)+len(b.newRaw))}
	cp.raw = append(append(cp.raw, base...), b.newRaw...)
	s.copies.put(id, cp)
}

// handoffOnCopy returns the work item of a hand-off run on id's copy, or
// nil when there is none. Its history goes through the history cache,
// which decodes only the events it has not seen.
func (s *Store) handoffOnCopy(id string, lock *orchLock) *store.OrchestrationWorkItem {
	cp := s.copies.take(id)
	if cp == nil {
		return nil
	}
	h, err := s.hist.decode(id, cp.raw)
	if err != nil {
		return nil
	}
	lock.copy, lock.raw = cp, cp.raw
	lock.row, lock.cur = storekit.CloneInstance(cp.row), cp.cur
	return &store.OrchestrationWorkItem{InstanceID: id, Instance: storekit.CloneInstance(cp.row), History: h, Lock: lock}
}
