package replay

import (
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

func TestResultNamesWhatTheCodeIsWaitingFor(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	start := []*history.Event{history.NewOrchestratorStarted(t0), history.NewExecutionStarted(t0, "Approve", "i", "e", "", nil, nil)}
	cases := []struct {
		name string
		fn   Orchestrator
		want []string
	}{
		{"an event raced against a timer lists both", func(c *Context) (any, error) {
			ev := c.WaitForExternalEvent("ApprovalEvent", 0)
			tm := c.CreateTimer(t0.Add(time.Hour))
			return nil, c.WhenAny([]*Task{ev, tm}).Await(nil)
		}, []string{`external event "ApprovalEvent"`, "durable timer (task 0) due 2024-01-01T01:00:00Z"}},
		{"a fan-out lists the activities still out", func(c *Context) (any, error) {
			return nil, c.WhenAll([]*Task{c.CallActivity("A", 1, nil), c.CallActivity("B", 2, nil)}).Await(nil)
		}, []string{"activity 'A' (task 0)", "activity 'B' (task 1)"}},
		{"an entity call names the entity and the operation", func(c *Context) (any, error) {
			return nil, c.CallEntity("@counter@x", "get", nil).Await(nil)
		}, []string{"entity call 'get' to @counter@x (task 0)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Execute(tc.fn, Episode{InstanceID: "i", New: start}, Options{})
			if r.Done || strings.Join(r.Waiting, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("done=%v waiting=%q, want %q", r.Done, r.Waiting, tc.want)
			}
		})
	}
}
