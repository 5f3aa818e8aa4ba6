package sqlite

import (
	"container/heap"
	"slices"
	"time"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/history"
)

// The in-memory mirror of the queues. Every field is guarded by Store.mu;
// only the writer's effects (after a transaction committed) and Next
// calls (taking and releasing locks) change it.

// qinstance is an instance's queue state.
type qinstance struct {
	id   string
	kind backend.WorkKind
	msgs []*qmessage // in delivery order (due, id)
	lock uint64      // 0 when unlocked
	// gen counts changes to the row or history, so that a Next that read
	// them from the database knows whether it may cache what it read.
	gen uint64

	ver     uint64 // invalidates older ready-heap entries
	inHeap  bool
	heapKey time.Time
}

type qmessage struct {
	id        int64
	execID    string
	event     *history.Event
	due       time.Time
	visibleAt time.Time
	dequeue   int
	lockedBy  uint64
}

func (m *qmessage) less(o *qmessage) bool {
	if c := m.due.Compare(o.due); c != 0 {
		return c < 0
	}
	return m.id < o.id
}

// qactivity is a queued activity request.
type qactivity struct {
	id         int64
	instanceID string
	execID     string
	event      *history.Event
	visibleAt  time.Time
	dequeue    int
	lock       uint64
	ver        uint64
}

// cached is an instance's committed row and history. Entries are never
// changed in place: the writer replaces them.
type cached struct {
	row     *backend.Instance
	history []*history.Event
}

// maxCached bounds the row/history cache.
const maxCached = 4096

func (s *Store) qget(id string) *qinstance {
	in := s.instances[id]
	if in == nil {
		in = &qinstance{id: id, kind: backend.KindOf(id)}
		s.instances[id] = in
	}
	return in
}

func (s *Store) qforget(in *qinstance) {
	if len(in.msgs) == 0 && in.lock == 0 {
		in.ver++
		in.inHeap = false
		delete(s.instances, in.id)
	}
}

func (s *Store) setCache(id string, c *cached) {
	if c.row != nil && c.row.Status.IsTerminal() {
		delete(s.cache, id)
		return
	}
	if _, ok := s.cache[id]; !ok && len(s.cache) >= maxCached {
		for k := range s.cache { // evict an arbitrary entry
			delete(s.cache, k)
			break
		}
	}
	s.cache[id] = c
}

// qenqueue adds a committed message to the mirror.
func (s *Store) qenqueue(instanceID string, m *qmessage) {
	in := s.qget(instanceID)
	i := len(in.msgs)
	for i > 0 && m.less(in.msgs[i-1]) {
		i--
	}
	in.msgs = slices.Insert(in.msgs, i, m)
	s.reschedule(in)
}

func (s *Store) reschedule(in *qinstance) {
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
	s.order++
	heap.Push(&s.ready[in.kind], readyEntry{in: in, key: key, ver: in.ver, order: s.order})
	s.wake(queueOf(in.kind))
}

func (s *Store) qunlock(in *qinstance) {
	for _, m := range in.msgs {
		if m.lockedBy == in.lock {
			m.lockedBy = 0
		}
	}
	in.lock = 0
	s.reschedule(in)
	s.qforget(in)
}

// qdrop forgets an instance's messages, lock and cached state.
func (s *Store) qdrop(id string) {
	delete(s.cache, id)
	in := s.instances[id]
	if in == nil {
		return
	}
	in.msgs = nil
	in.lock = 0
	in.gen++
	in.ver++
	in.inHeap = false
	s.qforget(in)
}

func (s *Store) qaddActivity(a *qactivity) {
	s.acts[a.id] = a
	s.pushActivity(a)
}

func (s *Store) pushActivity(a *qactivity) {
	a.ver++
	heap.Push(&s.actReady, actEntry{a: a, key: a.visibleAt, ver: a.ver})
	s.wake(activityQueue)
}

type readyEntry struct {
	in    *qinstance
	key   time.Time
	ver   uint64
	order uint64
}

type readyHeap []readyEntry

func (h readyHeap) Len() int { return len(h) }
func (h readyHeap) Less(i, j int) bool {
	if c := h[i].key.Compare(h[j].key); c != 0 {
		return c < 0
	}
	return h[i].order < h[j].order
}
func (h readyHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *readyHeap) Push(x any)   { *h = append(*h, x.(readyEntry)) }
func (h *readyHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = readyEntry{}
	*h = old[:len(old)-1]
	return e
}

type actEntry struct {
	a   *qactivity
	key time.Time
	ver uint64
}

type actHeap []actEntry

func (h actHeap) Len() int { return len(h) }
func (h actHeap) Less(i, j int) bool {
	if c := h[i].key.Compare(h[j].key); c != 0 {
		return c < 0
	}
	return h[i].a.id < h[j].a.id
}
func (h actHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *actHeap) Push(x any)   { *h = append(*h, x.(actEntry)) }
func (h *actHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = actEntry{}
	*h = old[:len(old)-1]
	return e
}
