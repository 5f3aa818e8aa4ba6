package crashtest

import (
	"context"
	"encoding/json"
	"errors"
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
	"github.com/godurable/durablefunctions/internal/history"
)

const childEnv = "DURABLE_CRASHTEST_DB"

// The workload: a 200-activity fan-out, a 50-step chain and a set of timers.
var workload = []struct {
	id, orchestrator string
	input            int
	want             string
}{
	{"fanout-200", "FanOut", 200, strconv.Itoa(200 * 201 / 2)},
	{"chain-50", "Chain", 50, strconv.Itoa(50 * 51 / 2)},
	{"timers-1", "Timers", 3, "3"},
	{"timers-2", "Timers", 5, "5"},
}

func registry() *durable.Registry {
	reg := durable.NewRegistry()
	_ = reg.AddActivity("Echo", durable.ActivityOf(func(_ context.Context, n int) (int, error) {
		time.Sleep(15 * time.Millisecond) // keep work in flight when the kill lands
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
	_ = reg.AddOrchestrator("Chain", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		_ = ctx.GetInput(&n)
		sum := 0
		for i := 1; i <= n; i++ {
			var v int
			if err := ctx.CallActivity("Echo", i).Await(&v); err != nil {
				return nil, err
			}
			sum += v
		}
		return sum, nil
	})
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

// TestMain turns the test binary into the engine process when asked to.
func TestMain(m *testing.M) {
	if db := os.Getenv(childEnv); db != "" {
		os.Exit(child(db))
	}
	os.Exit(m.Run())
}

// child starts the workload (idempotently) and runs the engine until it is
// killed, or, with DURABLE_CRASHTEST_FINISH, until everything completed.
func child(db string) int {
	ctx := context.Background()
	store, err := durable.OpenSQLiteStore(ctx, db)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	rt := durable.NewRuntime(registry(), store)
	rt.Start()
	c := rt.Client()
	for _, w := range workload {
		if _, err := c.StartNew(ctx, w.orchestrator, w.input, durable.WithInstanceID(w.id)); err != nil && !errors.Is(err, durable.ErrInstanceExists) {
			fmt.Fprintln(os.Stderr, "start:", err)
			return 1
		}
	}
	if os.Getenv("DURABLE_CRASHTEST_FINISH") == "" {
		select {} // run until killed
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, w := range workload {
		if _, err := c.WaitForCompletion(wctx, w.id); err != nil {
			fmt.Fprintln(os.Stderr, "wait:", err)
			return 1
		}
	}
	_ = rt.Close(context.Background())
	return 0
}

func startChild(t *testing.T, db string, finish bool) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+db)
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
	if testing.Short() {
		t.Skip("crash test runs child processes; skipped with -short")
	}
	db := filepath.Join(t.TempDir(), "crash.db")
	kills := 25
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	midWork := 0
	for i := 0; i < kills; i++ {
		cmd := startChild(t, db, false)
		time.Sleep(time.Duration(30+rng.IntN(300)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		_ = cmd.Wait()
		if unfinished(t, db) > 0 {
			midWork++
		}
	}
	// The kills must have interrupted real work, or the test proves nothing.
	if midWork < 10 {
		t.Fatalf("only %d of %d kills landed while work was unfinished", midWork, kills)
	}
	t.Logf("%d of %d kills interrupted unfinished instances", midWork, kills)
	cmd := startChild(t, db, true)
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
	verify(t, db)
}

// unfinished counts the workload's instances not completed yet.
func unfinished(t *testing.T, db string) int {
	ctx := context.Background()
	store, err := durable.OpenSQLiteStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c := durable.NewRuntime(registry(), store).Client()
	n := 0
	for _, w := range workload {
		if st, err := c.GetStatus(ctx, w.id); err != nil || !st.IsFinished() {
			n++
		}
	}
	return n
}

// verify opens the store after the last child exited and checks results
// and histories.
func verify(t *testing.T, db string) {
	ctx := context.Background()
	store, err := durable.OpenSQLiteStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rt := durable.NewRuntime(registry(), store)
	c := rt.Client()
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
	scheduled := map[int]bool{}
	completed := map[int]bool{}
	counts := map[history.EventType]int{}
	for _, e := range h {
		counts[e.EventType]++
		if e.EventType.IsScheduling() {
			if scheduled[e.EventID] {
				t.Errorf("%s: sequence number %d scheduled twice", id, e.EventID)
			}
			scheduled[e.EventID] = true
		}
		var done int = -1
		switch e.EventType {
		case history.TaskCompleted, history.TaskFailed:
			done = e.TaskScheduledID
		case history.TimerFired:
			done = e.TimerID
		}
		if done >= 0 {
			if completed[done] {
				b, _ := json.Marshal(e)
				t.Errorf("%s: task %d completed twice (%s)", id, done, b)
			}
			completed[done] = true
		}
	}
	if counts[history.ExecutionStarted] != 1 || counts[history.ExecutionCompleted] != 1 {
		t.Errorf("%s: %d ExecutionStarted and %d ExecutionCompleted events, want 1 each", id, counts[history.ExecutionStarted], counts[history.ExecutionCompleted])
	}
	for id2 := range scheduled {
		if !completed[id2] {
			t.Errorf("%s: task %d was scheduled but never completed", id, id2)
		}
	}
}
