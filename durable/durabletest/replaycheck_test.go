package durabletest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/durabletest"
)

// flowApp is a test app. Flow(n) calls A then B when n > 0, then waits for
// "go"; reordered, it calls B then A. Other never changes.
func flowApp(reordered bool) *durable.Registry {
	reg := durable.NewRegistry()
	step := func(name string) durable.ActivityFunc {
		return durable.ActivityOf(func(context.Context, int) (string, error) { return name, nil })
	}
	_ = reg.AddActivity("A", step("A"))
	_ = reg.AddActivity("B", step("B"))
	_ = reg.AddOrchestrator("Flow", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		if err := ctx.GetInput(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			first, second := "A", "B"
			if reordered {
				first, second = second, first
			}
			if err := ctx.CallActivity(first, n).Await(nil); err != nil {
				return nil, err
			}
			if err := ctx.CallActivity(second, n).Await(nil); err != nil {
				return nil, err
			}
		}
		_ = ctx.SetCustomStatus("waiting")
		return nil, ctx.WaitForExternalEvent("go").Await(nil)
	})
	_ = reg.AddOrchestrator("Other", func(ctx *durable.OrchestrationContext) (any, error) {
		if err := ctx.CallActivity("A", 0).Await(nil); err != nil {
			return nil, err
		}
		_ = ctx.SetCustomStatus("waiting")
		return nil, ctx.WaitForExternalEvent("go").Await(nil)
	})
	return reg
}

// inFlightHub runs the original app until every instance waits, and
// returns the store and the ids of the Flow instances that called
// activities (the ones the reorder breaks).
func inFlightHub(t *testing.T, st *durable.Store, n int) (affected []string) {
	t.Helper()
	rt := durable.NewRuntime(flowApp(false), st)
	rt.Start()
	c := rt.Client()
	ctx := context.Background()
	var all []string
	for i := 0; i < n; i++ {
		name, input := "Flow", i%3
		if i%5 == 4 {
			name = "Other"
		}
		id, err := c.StartNew(ctx, name, input, durable.WithInstanceID(fmt.Sprintf("inst-%05d", i)))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, id)
		if name == "Flow" && input > 0 {
			affected = append(affected, id)
		}
	}
	for _, id := range all {
		waitWaiting(t, c, id)
	}
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := rt.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	return affected
}

func waitWaiting(t *testing.T, c *durable.Client, id string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		st, err := c.GetStatus(context.Background(), id)
		if err == nil && string(st.CustomStatus) == `"waiting"` {
			return
		}
	}
	t.Fatalf("instance %s never got to wait", id)
}

func TestTheReplayCheckNamesExactlyTheInstancesAReorderBreaksAndTheStep(t *testing.T) {
	st := durable.NewMemoryStore()
	affected := inFlightHub(t, st, 20)
	hs, err := durabletest.HistoriesFromStore(context.Background(), st, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 20 {
		t.Fatalf("read %d in-flight histories, want 20", len(hs))
	}
	tests := []struct {
		name      string
		reordered bool
		want      []string
	}{
		{"the unchanged code breaks nothing", false, nil},
		{"reordering A and B breaks the Flow instances that called them", true, affected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := durabletest.ReplayCheck(flowApp(tc.reordered), hs)
			if rep.Checked != 20 || len(rep.Diverged["Other"]) != 0 {
				t.Fatalf("checked %d, Other diverged %v", rep.Checked, rep.Diverged["Other"])
			}
			var got []string
			for _, d := range rep.Diverged["Flow"] {
				got = append(got, d.InstanceID)
				if d.Step != 0 || !strings.Contains(d.Message, "named 'A'") {
					t.Errorf("instance %s: step %d, %q; want step 0 naming A", d.InstanceID, d.Step, d.Message)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || rep.Failed() != (tc.want != nil) {
				t.Errorf("diverged %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTheReplayCheckReportsAnOrchestratorThatIsNoLongerRegistered(t *testing.T) {
	st := durable.NewMemoryStore()
	inFlightHub(t, st, 5)
	hs, err := durabletest.HistoriesFromStore(context.Background(), st, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	reg := durable.NewRegistry()
	_ = reg.AddOrchestrator("Flow", func(*durable.OrchestrationContext) (any, error) { return nil, nil })
	rep := durabletest.ReplayCheck(reg, hs)
	if ds := rep.Diverged["Other"]; len(ds) != 1 || !strings.Contains(ds[0].Message, "no orchestrator \"Other\"") {
		t.Fatalf("Other: %+v", ds)
	}
}
