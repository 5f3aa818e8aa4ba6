package storekit

import (
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// CloneEvent returns a shallow copy of e, so that a caller changing the
// top-level fields of an event it handed over or received (IsPlayed, for
// one) cannot change what the store holds.
func CloneEvent(e *history.Event) *history.Event {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}

// CloneEvents returns shallow copies of events.
func CloneEvents(events []*history.Event) []*history.Event {
	out := make([]*history.Event, len(events))
	for i, e := range events {
		out[i] = CloneEvent(e)
	}
	return out
}

// CloneInstance returns a copy of an instance row (nil for nil).
func CloneInstance(inst *store.Instance) *store.Instance {
	if inst == nil {
		return nil
	}
	c := *inst
	return &c
}
