package replay

import (
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

func TestSmokeSequence(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fn := func(c *Context) (any, error) {
		var out []string
		for _, city := range []string{"Tokyo", "Seattle"} {
			var s string
			if err := c.CallActivity("SayHello", city, nil).Await(&s); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	past := []*history.Event{}
	newEv := []*history.Event{history.NewOrchestratorStarted(t0), history.NewExecutionStarted(t0, "Hello", "i1", "e1", "", nil, nil)}
	r := Execute(fn, Episode{InstanceID: "i1", Past: past, New: newEv}, Options{})
	if r.Done || len(r.Actions) != 1 || r.Actions[0].Name != "SayHello" {
		t.Fatalf("episode 1: %+v", r)
	}
	past = append(newEv, r.Actions[0], history.NewOrchestratorCompleted(t0))
	newEv = []*history.Event{history.NewOrchestratorStarted(t0.Add(time.Second)), history.NewTaskCompleted(t0, 0, `"Hello Tokyo!"`)}
	r = Execute(fn, Episode{InstanceID: "i1", Past: past, New: newEv}, Options{})
	if r.Done || len(r.Actions) != 1 || r.Actions[0].EventID != 1 {
		t.Fatalf("episode 2: %+v", r)
	}
	past = append(append(past, newEv...), r.Actions[0])
	newEv = []*history.Event{history.NewOrchestratorStarted(t0.Add(2 * time.Second)), history.NewTaskCompleted(t0, 1, `"Hello Seattle!"`)}
	r = Execute(fn, Episode{InstanceID: "i1", Past: past, New: newEv}, Options{})
	if !r.Done || r.Output != `["Hello Tokyo!","Hello Seattle!"]` {
		t.Fatalf("episode 3: %+v %+v", r, r.Failure)
	}
}

func TestSmokeDeferDuringSuspend(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fn := func(c *Context) (any, error) {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("user recover saw %v", r)
			}
			_ = c.CallActivity("InDefer", nil, nil).Await(nil)
		}()
		return nil, c.CallActivity("A", nil, nil).Await(nil)
	}
	r := Execute(fn, Episode{InstanceID: "i", New: []*history.Event{history.NewOrchestratorStarted(t0), history.NewExecutionStarted(t0, "X", "i", "e", "", nil, nil)}}, Options{})
	if r.Done || len(r.Actions) != 1 || r.Actions[0].Name != "A" {
		t.Fatalf("got %+v", r)
	}
}
