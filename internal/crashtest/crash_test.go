package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
	"github.com/godurable/durablefunctions/internal/history"
	workloads "github.com/godurable/durablefunctions/internal/workload"
)

const (
	childEnv    = "DURABLE_CRASHTEST_DB"
	workloadEnv = "DURABLE_CRASHTEST_WORKLOAD"
)

// A scenario is a set of instances the child starts (idempotently) and the
// checks the parent runs once they all finished.
type scenario struct {
	registry func() *durable.Registry
	start    func(ctx context.Context, c *durable.Client) error
	ids      func() []string
	verify   func(t *testing.T, c *durable.Client)
}

var scenarios = map[string]scenario{
	"orchestrations":  {registry: registry, start: startOrchestrations, ids: orchestrationIDs, verify: verifyOrchestrations},
	"entities":        {registry: entityRegistry, start: startEntityWorkload, ids: entityWorkloadIDs, verify: verifyEntities},
	"activity-client": notifyScenario,
}

// The workload: a 200-activity fan-out, a 50-step chain and a set of timers.
var workload = []struct {
	id, orchestrator string
	input            int
	want             string
}{
	{"fanout-200", "FanOut", 200, strconv.Itoa(200 * 201 / 2)},
	{"chain-100", "Chain", 100, strconv.Itoa(100 * 101 / 2)},
	{"timers-1", "Timers", 3, "3"},
	{"timers-2", "Timers", 5, "5"},
}

func registry() *durable.Registry {
	reg := durable.NewRegistry()
	_ = reg.AddActivity("Echo", durable.ActivityOf(func(_ context.Context, n int) (int, error) {
		time.Sleep(40 * time.Millisecond) // keep work in flight when the kill lands
		return n, nil
	}))
	_ = reg.AddOrchestrator("FanOut", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		_ = ctx.GetInput(&n)
		tasks := make([]durable.Task, n)
		for i := range tasks {
			tasks[i] = ctx.CallActivity("Echo", i+1)
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
	_ = reg.AddOrchestrator("Chain", chainOf("Echo"))
	_ = reg.AddOrchestrator("Timers", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		_ = ctx.GetInput(&n)
		fired := 0
		for i := 0; i < n; i++ {
			if err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(300 * time.Millisecond)).Await(nil); err != nil {
				return nil, err
			}
			fired++
		}
		return fired, nil
	})
	return reg
}

// chainOf returns an orchestrator that calls activity with 1 … n, one
// after the other, and returns the sum of the results.
func chainOf(activity string) func(ctx *durable.OrchestrationContext) (any, error) {
	return func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		_ = ctx.GetInput(&n)
		sum := 0
		for i := 1; i <= n; i++ {
			var v int
			if err := ctx.CallActivity(activity, i).Await(&v); err != nil {
				return nil, err
			}
			sum += v
		}
		return sum, nil
	}
}

// TestMain turns the test binary into the engine process when asked to.
func TestMain(m *testing.M) {
	if db := os.Getenv(childEnv); db != "" {
		os.Exit(child(db, scenarios[os.Getenv(workloadEnv)]))
	}
	os.Exit(m.Run())
}

// child starts the workload (idempotently) and runs the engine until it is
// killed, or, with DURABLE_CRASHTEST_FINISH, until everything completed.
func child(db string, sc scenario) int {
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, db)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	rt := durable.NewRuntime(sc.registry(), store, childRuntimeOptions()...)
	rt.Start()
	c := rt.Client()
	if err := sc.start(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		return 1
	}
	if os.Getenv("DURABLE_CRASHTEST_FINISH") == "" {
		select {} // run until killed
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, id := range sc.ids() {
		if _, err := c.WaitForCompletion(wctx, id); err != nil {
			fmt.Fprintln(os.Stderr, "wait:", err)
			return 1
		}
	}
	_ = rt.Close(context.Background())
	return 0
}

// startOnce starts an instance unless it exists in any status: children
// restart the same workload after every kill, and starting a finished id
// again would replace it with a new execution.
func startOnce(ctx context.Context, c *durable.Client, name, id string, input any) error {
	return workloads.StartOnce(ctx, c, workloads.Job{ID: id, Name: name, Input: input})
}

func startOrchestrations(ctx context.Context, c *durable.Client) error {
	for _, w := range workload {
		if err := startOnce(ctx, c, w.orchestrator, w.id, w.input); err != nil {
			return err
		}
	}
	return nil
}

func orchestrationIDs() []string {
	var ids []string
	for _, w := range workload {
		ids = append(ids, w.id)
	}
	return ids
}

func startChild(t *testing.T, db, workload string, finish bool) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+db, workloadEnv+"="+workload)
	if finish {
		cmd.Env = append(cmd.Env, "DURABLE_CRASHTEST_FINISH=1")
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func TestEveryInstanceFinishesCorrectlyAfterRepeatedSIGKILL(t *testing.T) {
	crashLoop(t, "orchestrations", 20, 300)
}

// crashLoop runs the workload in child processes killed with SIGKILL kills
// times at random moments, then lets a last child finish, and verifies.
func crashLoop(t *testing.T, workload string, kills, maxDelayMs int) {
	if testing.Short() {
		t.Skip("crash test runs child processes; skipped with -short")
	}
	sc := scenarios[workload]
	db := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	// Count only kills that interrupted unfinished work: a kill after
	// everything finished proves nothing.
	midWork := 0
	for attempt := 0; midWork < kills && attempt < 4*kills; attempt++ {
		cmd := startChild(t, db, workload, false)
		time.Sleep(time.Duration(20+rng.IntN(maxDelayMs)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", attempt, err)
		}
		_ = cmd.Wait()
		if unfinished(t, db, sc) == 0 {
			break
		}
		midWork++
	}
	if midWork < kills {
		t.Fatalf("only %d kills landed while work was unfinished, want %d: make the workload longer", midWork, kills)
	}
	t.Logf("%d kills interrupted unfinished instances", midWork)
	cmd := startChild(t, db, workload, true)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("final run after %d kills: %v", kills, err)
		}
	case <-time.After(3 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("final run after %d kills did not finish: an instance is stuck", kills)
	}
	// Verify with an engine running: messages the last child sent just
	// before it exited (entity releases, signals) are still to be processed.
	withRuntime(t, db, sc, true, func(c *durable.Client) { sc.verify(t, c) })
}

func withClient(t *testing.T, db string, sc scenario, fn func(c *durable.Client)) {
	withRuntime(t, db, sc, false, fn)
}

func withRuntime(t *testing.T, db string, sc scenario, run bool, fn func(c *durable.Client)) {
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	rt := durable.NewRuntime(sc.registry(), store)
	if run {
		rt.Start()
	}
	defer rt.Close(ctx)
	fn(rt.Client())
}

// unfinished counts the workload's instances not finished yet.
func unfinished(t *testing.T, db string, sc scenario) int {
	n := 0
	withClient(t, db, sc, func(c *durable.Client) {
		for _, id := range sc.ids() {
			if st, err := c.GetStatus(context.Background(), id); err != nil || !st.IsFinished() {
				n++
			}
		}
	})
	return n
}

func verifyOrchestrations(t *testing.T, c *durable.Client) {
	ctx := context.Background()
	for _, w := range workload {
		st, err := c.GetStatus(ctx, w.id, durable.WithHistory())
		if err != nil {
			t.Fatalf("%s: %v", w.id, err)
		}
		if st.RuntimeStatus != durable.StatusCompleted || string(st.Output) != w.want {
			t.Errorf("%s: got %v %s (%v), want Completed %s", w.id, st.RuntimeStatus, st.Output, st.Failure, w.want)
		}
		checkNoDuplicates(t, w.id, st.History)
	}
}

func checkNoDuplicates(t *testing.T, id string, h []*history.Event) {
	t.Helper()
	workloads.NoDuplicates(t, id, h)
	// These workloads send no events, so every scheduled task completes.
	open := map[int]bool{}
	for _, e := range h {
		switch {
		case e.EventType.IsScheduling():
			open[e.EventID] = true
		case e.EventType == history.TaskCompleted || e.EventType == history.TaskFailed:
			delete(open, e.TaskScheduledID)
		case e.EventType == history.TimerFired:
			delete(open, e.TimerID)
		}
	}
	for seq := range open {
		t.Errorf("%s: task %d was scheduled but never completed", id, seq)
	}
}
