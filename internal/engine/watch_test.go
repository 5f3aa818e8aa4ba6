package engine

import (
	"testing"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// A waiter wants the end of an instance: a commit that leaves it running
// must not wake it (each wake-up costs the waiter a status read), and the
// commit that ends it must.
func TestFinishedWakesOnlyWhenACommitEndsTheInstance(t *testing.T) {
	e := &Engine{}
	ch := e.Finished("a")
	for _, tc := range []struct {
		name   string
		inst   *store.Instance
		closed bool
	}{
		{"a commit without a row leaves the waiter asleep", nil, false},
		{"a commit of another instance leaves it asleep", &store.Instance{InstanceID: "b", Status: history.StatusCompleted}, false},
		{"a commit that leaves the instance running leaves it asleep", &store.Instance{InstanceID: "a", Status: history.StatusRunning}, false},
		{"a commit that suspends the instance leaves it asleep", &store.Instance{InstanceID: "a", Status: history.StatusSuspended}, false},
		{"the commit that completes the instance wakes it", &store.Instance{InstanceID: "a", Status: history.StatusCompleted}, true},
	} {
		e.watch.notify(tc.inst)
		select {
		case <-ch:
			if !tc.closed {
				t.Fatalf("%s: the waiter was woken", tc.name)
			}
		default:
			if tc.closed {
				t.Fatalf("%s: the waiter still sleeps", tc.name)
			}
		}
	}
	// Failed and terminated instances are finished too.
	for _, s := range []history.RuntimeStatus{history.StatusFailed, history.StatusTerminated} {
		ch := e.Finished("c")
		e.watch.notify(&store.Instance{InstanceID: "c", Status: s})
		select {
		case <-ch:
		default:
			t.Errorf("a commit ending the instance %v did not wake the waiter", s)
		}
	}
}
