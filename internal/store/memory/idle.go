package memory

import "time"

// Quiet describes what the store would hand out next. The test kit's
// virtual clock reads it to decide whether the engine is idle and, if so,
// how far to skip time.
type Quiet struct {
	// Busy is true while any orchestration, entity or activity work item is
	// locked (a dispatcher is processing it) or any message or activity
	// request is visible now (a dispatcher is about to take it).
	Busy bool
	// Locked and Visible count those work items.
	Locked, Visible int
	// NextDue is the earliest VisibleAt of the messages and activity
	// requests that are not visible yet (zero when there are none).
	NextDue time.Time
}

// Quiet reports whether the store has work that is in flight or ready, and
// when the next delayed message (a durable timer, a scheduled start or
// signal, an abandoned work item's retry) becomes visible. The answer is a
// consistent snapshot: a store with no locks and nothing visible stays so
// until its clock moves or someone sends it a message.
func (s *Store) Quiet() Quiet {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.q.Census(s.clock.Now())
	return Quiet{Busy: c.Locked > 0 || c.Visible > 0, Locked: c.Locked, Visible: c.Visible, NextDue: c.NextDue}
}
