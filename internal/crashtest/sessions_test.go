package crashtest

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
)

// sessionsEnv, set in a child's environment, runs its runtime with
// extended sessions, so that the crash scenarios also cover code parked in
// memory between episodes: a kill loses every session, and the next child
// must replay from the store alone.
const sessionsEnv = "DURABLE_CRASHTEST_SESSIONS"

// childSessionIdle is long enough that no session expires during a run:
// every episode after the first of an instance resumes parked code.
const childSessionIdle = 5 * time.Minute

// childRuntimeOptions are the runtime options of the child process.
func childRuntimeOptions() []durable.RuntimeOption {
	if os.Getenv(sessionsEnv) == "" {
		return nil
	}
	return []durable.RuntimeOption{durable.WithExtendedSessions(childSessionIdle)}
}

func TestEveryInstanceFinishesCorrectlyAfterRepeatedSIGKILLWithExtendedSessions(t *testing.T) {
	t.Setenv(sessionsEnv, "1")
	crashLoop(t, "orchestrations", 20, 300)
}

func TestEntityInvariantsHoldAcrossSIGKILLWithExtendedSessions(t *testing.T) {
	t.Setenv(sessionsEnv, "1")
	crashLoop(t, "entities", 10, 60)
}

// The children above run with the options this test uses, over the same
// kind of SQLite file: it checks that they do keep sessions, which the
// crash loop cannot see from outside. A chain's code runs from the start
// once, not once per activity.
func TestTheChildsSessionOptionKeepsAChainInMemory(t *testing.T) {
	t.Setenv(sessionsEnv, "1")
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	var prologue atomic.Int32
	reg := durable.NewRegistry()
	_ = reg.AddActivity("Echo", durable.ActivityOf(func(_ context.Context, n int) (int, error) { return n, nil }))
	_ = reg.AddOrchestrator("CountedChain", func(ctx *durable.OrchestrationContext) (any, error) {
		prologue.Add(1)
		sum := 0
		for i := 1; i <= 30; i++ {
			var v int
			if err := ctx.CallActivity("Echo", i).Await(&v); err != nil {
				return nil, err
			}
			sum += v
		}
		return sum, nil
	})
	rt := durable.NewRuntime(reg, store, childRuntimeOptions()...)
	rt.Start()
	defer rt.Close(ctx)
	id, err := rt.Client().StartNew(ctx, "CountedChain", nil)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	st, err := rt.Client().WaitForCompletion(wctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.RuntimeStatus != durable.StatusCompleted || string(st.Output) != "465" {
		t.Fatalf("the chain ended %s with %s (%v)", st.RuntimeStatus, st.Output, st.Failure)
	}
	if n := prologue.Load(); n != 1 {
		t.Errorf("the chain's code ran from the start %d times over 31 episodes, want once", n)
	}
}
