package replay

import (
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// maxOrchestrationActions: a runaway fan-out fails the instance with a
// message naming the setting, instead of growing memory without bound.
func TestAnExecutionThatTakesTooManyActionsFailsNamingTheSetting(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fanOut := func(n int) Orchestrator {
		return func(c *Context) (any, error) {
			tasks := make([]*Task, n)
			for i := range tasks {
				tasks[i] = c.CallActivity("Square", i, nil)
			}
			return nil, c.WhenAll(tasks).Await(nil)
		}
	}
	start := []*history.Event{history.NewOrchestratorStarted(t0), history.NewExecutionStarted(t0, "FanOut", "i1", "e1", "", nil, nil)}
	tests := []struct {
		name    string
		n, max  int
		failed  bool
		actions int
	}{
		{name: "a fan-out at the limit schedules everything", n: 10, max: 10, actions: 10},
		{name: "a fan-out one past the limit fails", n: 11, max: 10, failed: true},
		{name: "the default limit is Durable Functions' 100,000", n: 100_001, failed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Execute(fanOut(tc.n), Episode{InstanceID: "i1", New: start}, Options{MaxActions: tc.max})
			if !tc.failed {
				if r.Done || len(r.Actions) != tc.actions {
					t.Fatalf("done=%v actions=%d failure=%+v", r.Done, len(r.Actions), r.Failure)
				}
				return
			}
			if !r.Done || r.Status != history.StatusFailed || r.Failure.ErrorType != ActionLimitErrorType ||
				!strings.Contains(r.Failure.ErrorMessage, "maxOrchestrationActions") {
				t.Fatalf("done=%v status=%v failure=%+v", r.Done, r.Status, r.Failure)
			}
			if len(r.Actions) != 0 {
				t.Errorf("a failed execution scheduled %d actions", len(r.Actions))
			}
		})
	}
}

// Entity names are case-insensitive and keys are not, as EntityID says:
// alice's and Alice's accounts are two entities, so locking both holds two
// locks.
func TestEntityKeysAreCaseSensitiveInLockSets(t *testing.T) {
	got := SortEntityIDs([]string{"@Account@alice", "@account@Alice", "@account@alice"})
	if len(got) != 2 {
		t.Fatalf("SortEntityIDs kept %q; want alice and Alice", got)
	}
	cs := &criticalSection{locked: map[string]bool{}}
	for _, id := range got {
		cs.locked[entityKey(id)] = true
	}
	if !cs.holds("@ACCOUNT@Alice") || !cs.holds("@account@alice") || cs.holds("@account@ALICE") {
		t.Errorf("holds: Alice=%v alice=%v ALICE=%v; want true, true, false", cs.holds("@ACCOUNT@Alice"), cs.holds("@account@alice"), cs.holds("@account@ALICE"))
	}
}
