//go:build durable_failpoints

package crashtest

// Deterministic kills at the engine's fail points (internal/engine,
// failpoint_on.go). Run with:
//
//	go test -tags durable_failpoints ./internal/crashtest/
//
// Each test starts a child with DURABLE_FAILPOINT naming a point, which
// kills itself with SIGKILL when it reaches it, then runs a child without
// it to the end and checks that nothing was lost and that every
// activity ran as often as its semantics allow.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

const runLogEnv = "DURABLE_CRASHTEST_RUNLOG"

// The fail-point workload: one two-step chain whose activity appends a
// line to the run log each time it runs.
const failPointID = "failpoint-chain"

func init() {
	scenarios["failpoint"] = scenario{
		registry: failPointRegistry,
		start: func(ctx context.Context, c *durable.Client) error {
			return startOnce(ctx, c, "Twice", failPointID, 2)
		},
		ids: func() []string { return []string{failPointID} },
	}
}

func failPointRegistry() *durable.Registry {
	reg := durable.NewRegistry()
	_ = reg.AddActivity("Logged", durable.ActivityOf(func(_ context.Context, n int) (int, error) {
		f, err := os.OpenFile(os.Getenv(runLogEnv), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if _, err := f.WriteString(strconv.Itoa(n) + "\n"); err != nil {
			return 0, err
		}
		return n, f.Sync()
	}))
	_ = reg.AddOrchestrator("Twice", chainOf("Logged"))
	return reg
}

func TestAFailPointKillLosesNothingAndRunsNothingTwiceThatRunsOnce(t *testing.T) {
	for _, tc := range []struct {
		name, point string
		// wantRuns is the run log after the kill and the final run:
		// activities are at least once, so one whose result was not
		// committed runs again.
		wantAfterKill, wantRuns string
		// instanceAfterKill: whether the instance exists after the kill.
		instanceAfterKill bool
	}{
		{
			name:  "a kill between the inline first episode and its commit leaves no instance, and the restart runs each activity once",
			point: "inline-start-before-commit", wantAfterKill: "", wantRuns: "1\n2\n", instanceAfterKill: false,
		},
		{
			name: "a kill between an activity's hand-off episode and its commit keeps the request, and the restart runs that activity again and records it once",
			// Activities are at least once: the first ran, its result was
			// not committed, so it runs again; the second runs once.
			point: "activity-handoff-before-commit", wantAfterKill: "1\n", wantRuns: "1\n1\n2\n", instanceAfterKill: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db, runLog := filepath.Join(dir, "crash.db"), filepath.Join(dir, "runs.log")
			t.Setenv(runLogEnv, runLog)

			killed := runFailPointChild(t, db, tc.point)
			if !killed {
				t.Fatalf("the child did not die at fail point %s", tc.point)
			}
			if got := readLog(t, runLog); got != tc.wantAfterKill {
				t.Errorf("run log after the kill = %q, want %q", got, tc.wantAfterKill)
			}
			sc := scenarios["failpoint"]
			withClient(t, db, sc, func(c *durable.Client) {
				_, err := c.GetStatus(context.Background(), failPointID)
				if exists := err == nil; exists != tc.instanceAfterKill {
					t.Errorf("instance exists after the kill: %v (%v), want %v", exists, err, tc.instanceAfterKill)
				}
			})

			if runFailPointChild(t, db, "") {
				t.Fatal("the final child died")
			}
			withClient(t, db, sc, func(c *durable.Client) {
				st, err := c.GetStatus(context.Background(), failPointID, durable.WithHistory())
				if err != nil {
					t.Fatal(err)
				}
				if st.RuntimeStatus != durable.StatusCompleted || string(st.Output) != "3" {
					t.Errorf("got %v %s (%v), want Completed 3", st.RuntimeStatus, st.Output, st.Failure)
				}
				checkNoDuplicates(t, failPointID, st.History)
			})
			if got := readLog(t, runLog); got != tc.wantRuns {
				t.Errorf("run log = %q, want %q", got, tc.wantRuns)
			}
		})
	}
}

// runFailPointChild runs a child that starts the workload and waits for
// it, with DURABLE_FAILPOINT set to point, and reports whether SIGKILL
// ended it.
func runFailPointChild(t *testing.T, db, point string) (killed bool) {
	t.Helper()
	return runScenarioChild(t, db, "failpoint", point)
}

// runScenarioChild is runFailPointChild for the given workload.
func runScenarioChild(t *testing.T, db, workload, point string) (killed bool) {
	t.Helper()
	t.Setenv("DURABLE_FAILPOINT", point)
	cmd := startChild(t, db, workload, true)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the child did not finish")
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
		t.Fatalf("child: %v", err)
	}
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	return false
}

func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
