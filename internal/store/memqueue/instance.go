package memqueue

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// Instance is an instance's queue state. It exists while the instance has
// messages or a lock; owners keep rows and histories elsewhere.
type Instance struct {
	ID   string
	Kind store.WorkKind
	Msgs []*Message // in delivery order (Due, ID); read-only for owners
	Lock uint64     // 0 when unlocked
	// Gen is the owner's to count changes to the instance's stored state,
	// so that a reader that loaded it without the lock knows whether it may
	// cache what it read.
	Gen uint64

	// Position in the ready heap: ver invalidates older entries.
	ver     uint64
	inHeap  bool
	heapKey time.Time
}

// Message is a queued message.
type Message struct {
	ID        int64
	ExecID    string
	Event     *history.Event // owned by the queue: never modified
	Due       time.Time      // when it first became visible: fixes its order
	VisibleAt time.Time      // when it is visible now (later after an abandon)
	Dequeue   int
	LockedBy  uint64
}

func (m *Message) less(o *Message) bool {
	if c := m.Due.Compare(o.Due); c != 0 {
		return c < 0
	}
	return m.ID < o.ID
}

// WorkMessage returns a copy of m as a work item hands it out.
func (m *Message) WorkMessage(instanceID string) *store.Message {
	return &store.Message{
		InstanceID:   instanceID,
		ExecutionID:  m.ExecID,
		Event:        storekit.CloneEvent(m.Event),
		VisibleAt:    m.Due,
		ID:           strconv.FormatInt(m.ID, 10),
		DequeueCount: m.Dequeue,
	}
}

// Instance returns the queue state of id, or nil if it has none.
func (q *Queues) Instance(id string) *Instance { return q.instances[id] }

// Locked returns the instance id if token holds its lock, or nil.
func (q *Queues) Locked(id string, token uint64) *Instance {
	in := q.instances[id]
	if in == nil || in.Lock != token {
		return nil
	}
	return in
}

func (q *Queues) get(id string) *Instance {
	in := q.instances[id]
	if in == nil {
		in = &Instance{ID: id, Kind: store.KindOf(id)}
		q.instances[id] = in
	}
	return in
}

// forget drops the state of an instance that holds nothing.
func (q *Queues) forget(in *Instance) {
	if len(in.Msgs) == 0 && in.Lock == 0 {
		in.ver++
		in.inHeap = false
		delete(q.instances, in.ID)
	}
}

// Enqueue adds m to instanceID's messages and returns its state.
func (q *Queues) Enqueue(instanceID string, m *Message) *Instance {
	in := q.get(instanceID)
	// Keep Msgs sorted; appending is the common case.
	i := len(in.Msgs)
	for i > 0 && m.less(in.Msgs[i-1]) {
		i--
	}
	in.Msgs = slices.Insert(in.Msgs, i, m)
	q.reschedule(in)
	return in
}

// reschedule puts an unlocked instance with messages into its ready heap
// keyed by its earliest visible time, and wakes its waiters when that is
// a change.
func (q *Queues) reschedule(in *Instance) {
	if in.Lock != 0 || len(in.Msgs) == 0 {
		if in.inHeap {
			in.ver++
			in.inHeap = false
		}
		return
	}
	key := in.Msgs[0].VisibleAt
	for _, m := range in.Msgs[1:] {
		if m.VisibleAt.Before(key) {
			key = m.VisibleAt
		}
	}
	if in.inHeap && in.heapKey.Equal(key) {
		return
	}
	in.ver++
	in.inHeap = true
	in.heapKey = key
	q.seq++
	q.ready[in.Kind].push(entry[*Instance]{item: in, key: key, tie: q.seq, ver: in.ver})
	q.wake(queueOf(in.Kind))
}

// NextInstance blocks until an instance of kind has a visible message and
// locks it with its visible messages. Callers do not hold the mutex; on
// success NextInstance returns with it held, so that the owner can build
// the work item in the same critical section.
func (q *Queues) NextInstance(ctx context.Context, kind store.WorkKind) (in *Instance, token uint64, msgs []*Message, err error) {
	current := func(e entry[*Instance]) bool { return e.ver == e.item.ver }
	in, now, err := next(ctx, q, queueOf(kind), &q.ready[queueOf(kind)], current)
	if err != nil {
		return nil, 0, nil, err
	}
	q.lockSeq++
	token = q.lockSeq
	in.Lock = token
	in.inHeap = false
	in.ver++
	for _, m := range in.Msgs {
		if m.VisibleAt.After(now) {
			continue
		}
		m.Dequeue++
		m.LockedBy = token
		msgs = append(msgs, m)
	}
	return in, token, msgs, nil
}

// Unlock releases in's lock and the messages it still holds.
func (q *Queues) Unlock(in *Instance) {
	for _, m := range in.Msgs {
		if m.LockedBy == in.Lock {
			m.LockedBy = 0
		}
	}
	in.Lock = 0
	q.reschedule(in)
	q.forget(in)
}

// DeleteLocked deletes the messages token holds, which a completed work
// item consumed.
func (q *Queues) DeleteLocked(in *Instance, token uint64) {
	in.Msgs = slices.DeleteFunc(in.Msgs, func(m *Message) bool { return m.LockedBy == token })
}

// Retry makes the messages token holds visible again at at, once the
// lock is released.
func (q *Queues) Retry(in *Instance, token uint64, at time.Time) {
	for _, m := range in.Msgs {
		if m.LockedBy == token {
			m.VisibleAt = at
		}
	}
}

// Drop forgets id's messages; a held lock is lost.
func (q *Queues) Drop(id string) {
	in := q.instances[id]
	if in == nil {
		return
	}
	in.Msgs = nil
	in.Lock = 0
	in.Gen++
	in.ver++
	in.inHeap = false
	q.forget(in)
}
