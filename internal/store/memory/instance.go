package memory

import (
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memqueue"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// instance is the stored state of an instance that has a row. Its queued
// messages and lock live in Store.q.
type instance struct {
	row     *store.Instance
	history []*history.Event
}

// record returns the stored state of id, creating it. Callers hold mu.
func (s *Store) record(id string) *instance {
	in := s.instances[id]
	if in == nil {
		in = &instance{}
		s.instances[id] = in
	}
	return in
}

// enqueue queues a copy of m. Callers hold mu.
func (s *Store) enqueue(m *store.Message, now time.Time) {
	due := storekit.Visible(m.VisibleAt, now)
	s.q.Enqueue(m.InstanceID, &memqueue.Message{
		ID: s.q.NextID(), ExecID: m.ExecutionID, Event: storekit.CloneEvent(m.Event), Due: due, VisibleAt: due,
	})
}

// drop deletes everything the store holds for id: row, history and
// messages; a held lock is lost. Callers hold mu.
func (s *Store) drop(id string) {
	delete(s.instances, id)
	s.q.Drop(id)
}
