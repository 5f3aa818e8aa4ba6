package crashtest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// markerEnv names a file the Notify activity creates on its first run. The
// first run then hangs, as if its process died mid-activity, so the parent
// kills the process and the activity is redelivered after the restart.
const markerEnv = "DURABLE_CRASHTEST_MARKER"

const notifyID = "notify-1"

var notifyEntity = durable.NewEntityID("Tally", "k")

var notifyScenario = scenario{
	registry: notifyRegistry,
	start: func(ctx context.Context, c *durable.Client) error {
		return startOnce(ctx, c, "NotifyThenRead", notifyID, nil)
	},
	ids:    func() []string { return []string{notifyID} },
	verify: verifyNotify,
}

func notifyRegistry() *durable.Registry {
	reg := durable.NewRegistry()
	must(reg.AddOrchestrator("NotifyThenRead", func(ctx *durable.OrchestrationContext) (any, error) {
		if err := ctx.CallActivity("Notify", nil).Await(nil); err != nil {
			return nil, err
		}
		var n int
		err := ctx.CallEntity(notifyEntity, "get", nil).Await(&n)
		return n, err
	}))
	must(reg.AddActivity("Notify", func(ctx *durable.ActivityContext) (any, error) {
		if marker := os.Getenv(markerEnv); marker != "" {
			if _, err := os.Stat(marker); os.IsNotExist(err) {
				if err := os.WriteFile(marker, nil, 0o600); err != nil {
					return nil, err
				}
				select {} // the first run never finishes: the parent kills us here
			}
		}
		return nil, ctx.Client().SignalEntity(ctx, notifyEntity, "add", 1)
	}))
	must(reg.AddEntity("Tally", func(ctx *durable.EntityContext) error {
		var n int
		if err := ctx.GetState(&n); err != nil {
			return err
		}
		switch ctx.OperationName() {
		case "add":
			var d int
			if err := ctx.GetInput(&d); err != nil {
				return err
			}
			return ctx.SetState(n + d)
		case "get":
			return ctx.Return(n)
		}
		return nil
	}))
	return reg
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func verifyNotify(t *testing.T, c *durable.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := c.WaitForCompletion(ctx, notifyID)
	if err != nil {
		t.Fatal(err)
	}
	if st.RuntimeStatus != durable.StatusCompleted {
		t.Fatalf("status %s (output %s)", st.RuntimeStatus, st.Output)
	}
	// The entity has seen exactly one signal: the first run died before it
	// signaled, the redelivered run signaled once.
	for {
		md, err := c.ReadEntityState(ctx, notifyEntity)
		if err == nil {
			var n int
			if err := json.Unmarshal(md.State, &n); err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				return
			}
			if n > 1 {
				t.Fatalf("the entity counted %d signals; the activity signaled once", n)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the entity never received the signal: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// An activity uses its client to signal an entity, and keeps that client
// when it is redelivered right after a restart: the process is killed while
// the first run is in flight, and the new process runs it again at startup.
func TestAnActivityRedeliveredAfterARestartSignalsAnEntityThroughItsClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	dir := t.TempDir()
	db, marker := filepath.Join(dir, "notify.db"), filepath.Join(dir, "first-run")
	t.Setenv(markerEnv, marker)
	first := startChild(t, db, "activity-client", false)
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = first.Process.Kill()
			t.Fatal("the first run of the activity never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	second := startChild(t, db, "activity-client", true)
	if err := second.Wait(); err != nil {
		t.Fatalf("the restarted process did not finish the workload: %v", err)
	}
	withRuntime(t, db, notifyScenario, true, func(c *durable.Client) { verifyNotify(t, c) })
}
