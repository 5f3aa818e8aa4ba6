package memory

import (
	"container/heap"
	"slices"
	"strconv"
	"time"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/backend/storekit"
	"github.com/godurable/durablefunctions/internal/history"
)

// instance is everything the store keeps for one instance id.
type instance struct {
	id      string
	kind    backend.WorkKind
	row     *backend.Instance // nil: no row (yet, or purged)
	history []*history.Event
	msgs    []*message // in delivery order (due, seq)
	lock    uint64     // 0 when unlocked

	// Position in the ready heap: ver invalidates older entries.
	ver     uint64
	inHeap  bool
	heapKey time.Time
}

// message is a queued message.
type message struct {
	seq       uint64
	execID    string
	event     *history.Event
	due       time.Time // when it first became visible: fixes its order
	visibleAt time.Time // when it is visible now (later after an abandon)
	dequeue   int
	lockedBy  uint64
}

func (m *message) less(o *message) bool {
	if c := m.due.Compare(o.due); c != 0 {
		return c < 0
	}
	return m.seq < o.seq
}

// get returns the state for id, creating it. Callers hold mu.
func (s *Store) get(id string) *instance {
	in := s.instances[id]
	if in == nil {
		in = &instance{id: id, kind: backend.KindOf(id)}
		s.instances[id] = in
	}
	return in
}

// forget drops the state of an instance that holds nothing.
func (s *Store) forget(in *instance) {
	if in.row == nil && len(in.msgs) == 0 && in.lock == 0 && len(in.history) == 0 {
		in.ver++
		delete(s.instances, in.id)
	}
}

// enqueue adds a message for m.InstanceID. Callers hold mu and call
// reschedule for the target afterwards (enqueue does it unless the
// instance is locked).
func (s *Store) enqueue(m *backend.Message, now time.Time) *instance {
	in := s.get(m.InstanceID)
	s.seq++
	due := storekit.Visible(m.VisibleAt, now)
	msg := &message{seq: s.seq, execID: m.ExecutionID, event: storekit.CloneEvent(m.Event), due: due, visibleAt: due}
	// Keep msgs sorted; appending is the common case.
	i := len(in.msgs)
	for i > 0 && msg.less(in.msgs[i-1]) {
		i--
	}
	in.msgs = slices.Insert(in.msgs, i, msg)
	s.reschedule(in)
	return in
}

// reschedule puts an unlocked instance with messages into its ready heap
// keyed by its earliest visible time, and wakes its waiters when that is
// a change. Callers hold mu.
func (s *Store) reschedule(in *instance) {
	if in.lock != 0 || len(in.msgs) == 0 {
		if in.inHeap {
			in.ver++
			in.inHeap = false
		}
		return
	}
	key := in.msgs[0].visibleAt
	for _, m := range in.msgs[1:] {
		if m.visibleAt.Before(key) {
			key = m.visibleAt
		}
	}
	if in.inHeap && in.heapKey.Equal(key) {
		return
	}
	in.ver++
	in.inHeap = true
	in.heapKey = key
	s.seq++
	heap.Push(&s.ready[in.kind], instanceEntry{in: in, key: key, ver: in.ver, order: s.seq})
	s.wake(queueOf(in.kind))
}

// lockInstance locks in and builds its work item from its visible
// messages. Callers hold mu.
func (s *Store) lockInstance(in *instance, now time.Time) *backend.OrchestrationWorkItem {
	s.lockSeq++
	lock := &lockToken{store: s, token: s.lockSeq}
	in.lock = lock.token
	in.inHeap = false
	in.ver++
	wi := &backend.OrchestrationWorkItem{
		InstanceID: in.id,
		Instance:   storekit.CloneInstance(in.row),
		History:    storekit.CloneEvents(in.history),
		Lock:       lock,
	}
	for _, m := range in.msgs {
		if m.visibleAt.After(now) {
			continue
		}
		m.dequeue++
		m.lockedBy = lock.token
		lock.seqs = append(lock.seqs, m.seq)
		wi.Messages = append(wi.Messages, &backend.Message{
			InstanceID:   in.id,
			ExecutionID:  m.execID,
			Event:        storekit.CloneEvent(m.event),
			VisibleAt:    m.due,
			ID:           strconv.FormatUint(m.seq, 10),
			DequeueCount: m.dequeue,
		})
	}
	return wi
}

// unlock releases in's lock; still-locked messages are released too.
// Callers hold mu.
func (s *Store) unlock(in *instance) {
	for _, m := range in.msgs {
		if m.lockedBy == in.lock {
			m.lockedBy = 0
		}
	}
	in.lock = 0
	s.reschedule(in)
	s.forget(in)
}

// drop deletes everything the store holds for in: row, history and
// messages; a held lock is lost. Callers hold mu.
func (s *Store) drop(in *instance) {
	in.row = nil
	in.history = nil
	in.msgs = nil
	in.lock = 0
	in.ver++
	in.inHeap = false
	s.forget(in)
}

// instanceEntry is a ready-heap entry; it is stale when ver differs from
// the instance's.
type instanceEntry struct {
	in    *instance
	key   time.Time
	ver   uint64
	order uint64 // ties on key go first-come first-served
}

type instanceHeap []instanceEntry

func (h instanceHeap) Len() int { return len(h) }
func (h instanceHeap) Less(i, j int) bool {
	if c := h[i].key.Compare(h[j].key); c != 0 {
		return c < 0
	}
	return h[i].order < h[j].order
}
func (h instanceHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *instanceHeap) Push(x any)   { *h = append(*h, x.(instanceEntry)) }
func (h *instanceHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = instanceEntry{}
	*h = old[:len(old)-1]
	return e
}
