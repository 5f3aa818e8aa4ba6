package crashtest

// A request whose activity kills the process every time it runs must
// still end: its dequeue count grows durably across the kills and the
// engine poisons it at MaxDequeueCount (20 by default). The SQLite store
// does not write the count of a fresh request's first delivery
// (internal/store/sqlite, dequeue.go), so that one kill goes uncounted
// and the activity runs at most MaxDequeueCount times in all.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

const (
	poisonID       = "poison-1"
	poisonRunsEnv  = "DURABLE_CRASHTEST_POISON_RUNS"
	maxDequeue     = 20 // engine.Options.MaxDequeueCount's default
	maxPoisonKills = maxDequeue + 5
)

func init() {
	scenarios["poison"] = scenario{
		registry: poisonRegistry,
		start: func(ctx context.Context, c *durable.Client) error {
			return startOnce(ctx, c, "CallsKiller", poisonID, 0)
		},
		ids: func() []string { return []string{poisonID} },
	}
}

func poisonRegistry() *durable.Registry {
	reg := durable.NewRegistry()
	_ = reg.AddActivity("Killer", durable.ActivityOf(func(_ context.Context, _ int) (int, error) {
		f, err := os.OpenFile(os.Getenv(poisonRunsEnv), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return 0, err
		}
		_, _ = f.WriteString("run\n")
		_ = f.Sync()
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}))
	_ = reg.AddOrchestrator("CallsKiller", func(ctx *durable.OrchestrationContext) (any, error) {
		return nil, ctx.CallActivity("Killer", 1).Await(nil)
	})
	return reg
}

func TestAnActivityThatKillsTheProcessEveryTimeIsPoisoned(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs child processes; skipped with -short")
	}
	dir := t.TempDir()
	db, runs := filepath.Join(dir, "crash.db"), filepath.Join(dir, "runs.log")
	t.Setenv(poisonRunsEnv, runs)
	kills := 0
	for ; kills <= maxPoisonKills && runPoisonChild(t, db); kills++ {
	}
	n := strings.Count(readRuns(t, runs), "run\n")
	t.Logf("%d runs, %d kills", n, kills)
	if kills > maxPoisonKills {
		t.Fatalf("still crash-looping after %d kills (%d runs): the dequeue count does not reach the poison limit", kills, n)
	}
	if n != kills || n > maxDequeue {
		t.Errorf("the activity ran %d times with %d kills; want every run killed and at most %d runs", n, kills, maxDequeue)
	}
	withClient(t, db, scenarios["poison"], func(c *durable.Client) {
		st, err := c.GetStatus(context.Background(), poisonID)
		if err != nil {
			t.Fatal(err)
		}
		if st.RuntimeStatus != durable.StatusFailed || st.Failure == nil || !strings.Contains(st.Failure.Error(), "without completing") {
			t.Errorf("instance ended %v with %v, want Failed by the poisoned activity", st.RuntimeStatus, st.Failure)
		}
	})
}

// runPoisonChild runs a child until the instance finishes or the child is
// killed, and reports whether SIGKILL ended it.
func runPoisonChild(t *testing.T, db string) (killed bool) {
	t.Helper()
	cmd := startChild(t, db, "poison", true)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the child neither died nor finished")
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	return false
}

func readRuns(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}
