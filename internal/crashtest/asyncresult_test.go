//go:build durable_failpoints

package crashtest

// A kill between an activity result queued without its worker waiting
// (store.AsyncActivityCompleter, SQLite) and the commit that stores it.

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/durable"
)

const asyncResultID = "failpoint-fanout"

func init() {
	scenarios["failpoint-fanout"] = scenario{
		registry: asyncResultRegistry,
		start: func(ctx context.Context, c *durable.Client) error {
			return startOnce(ctx, c, "FanLogged", asyncResultID, 3)
		},
		ids: func() []string { return []string{asyncResultID} },
	}
}

// asyncResultRegistry adds to the fail-point registry a fan-out of n
// logged activities (1..n) that returns their sum. While more than one
// of them is outstanding no result can be handed off, so the first
// results take the queued path.
func asyncResultRegistry() *durable.Registry {
	reg := failPointRegistry()
	_ = reg.AddOrchestrator("FanLogged", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		_ = ctx.GetInput(&n)
		tasks := make([]durable.Task, n)
		for i := range tasks {
			tasks[i] = ctx.CallActivity("Logged", i+1)
		}
		var vals []int
		if err := ctx.WhenAll(tasks...).Await(&vals); err != nil {
			return nil, err
		}
		sum := 0
		for _, v := range vals {
			sum += v
		}
		return sum, nil
	})
	return reg
}

func TestAKillBeforeAQueuedActivityResultCommitsRunsThatActivityAgainAndRecordsItOnce(t *testing.T) {
	dir := t.TempDir()
	db, runLog := filepath.Join(dir, "crash.db"), filepath.Join(dir, "runs.log")
	t.Setenv(runLogEnv, runLog)
	sc := scenarios["failpoint-fanout"]

	if !runScenarioChild(t, db, "failpoint-fanout", "async-activity-result-before-commit") {
		t.Fatal("the child did not die at the fail point")
	}
	afterKill := strings.Fields(readLog(t, runLog))
	if len(afterKill) == 0 {
		t.Fatal("no activity ran before the kill, though the kill waits for a result")
	}
	withClient(t, db, sc, func(c *durable.Client) {
		if _, err := c.GetStatus(context.Background(), asyncResultID); err != nil {
			t.Errorf("the instance, committed by its start, is gone after the kill: %v", err)
		}
	})

	if runScenarioChild(t, db, "failpoint-fanout", "") {
		t.Fatal("the final child died")
	}
	withClient(t, db, sc, func(c *durable.Client) {
		st, err := c.GetStatus(context.Background(), asyncResultID, durable.WithHistory())
		if err != nil {
			t.Fatal(err)
		}
		if st.RuntimeStatus != durable.StatusCompleted || string(st.Output) != "6" {
			t.Errorf("got %v %s (%v), want Completed 6", st.RuntimeStatus, st.Output, st.Failure)
		}
		checkNoDuplicates(t, asyncResultID, st.History)
	})
	runs := map[string]int{}
	for _, v := range strings.Fields(readLog(t, runLog)) {
		runs[v]++
	}
	twice := false
	for _, v := range []string{"1", "2", "3"} {
		if runs[v] == 0 {
			t.Errorf("activity %s never ran (run log %v)", v, runs)
		}
		twice = twice || runs[v] > 1
	}
	// The killed transaction held at least one result, which no commit
	// stored before it (a hand-off needs every other activity done), so
	// that activity ran again: at least once, never lost.
	if !twice {
		t.Errorf("no activity ran again after the kill (run log %v), yet a result was in the killed transaction", runs)
	}
}
