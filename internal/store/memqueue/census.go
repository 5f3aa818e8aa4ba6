package memqueue

import "time"

// Census counts what the queues would hand out next: Locked instances and
// requests (a dispatcher is processing them), Visible messages and
// requests (a dispatcher is about to take them), and NextDue, the
// earliest time a message or request not visible yet becomes so (zero
// when there is none).
type Census struct {
	Locked, Visible int
	NextDue         time.Time
}

// Census takes a census at now.
func (q *Queues) Census(now time.Time) Census {
	var c Census
	due := func(t time.Time) {
		if t.After(now) {
			if c.NextDue.IsZero() || t.Before(c.NextDue) {
				c.NextDue = t
			}
			return
		}
		c.Visible++
	}
	for _, in := range q.instances {
		if in.Lock != 0 {
			c.Locked++
			continue
		}
		for _, m := range in.Msgs {
			due(m.VisibleAt)
		}
	}
	for _, a := range q.acts {
		if a.Lock != 0 {
			c.Locked++
			continue
		}
		due(a.VisibleAt)
	}
	return c
}
