package telemetry_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// The workload every telemetry test runs: one orchestration that chains
// two activities, fans out to three, calls a sub-orchestration, an entity
// and waits on a timer. In the crash test, Slow blocks in the first process
// until it is killed.

type counter struct{ N int }

func (c *counter) Add(n int) int { c.N += n; return c.N }

var (
	hello = durable.NewActivity("Hello", func(ctx context.Context, name string) (string, error) {
		return "Hello " + name, nil
	})
	square = durable.NewActivity("Square", func(ctx context.Context, n int) (int, error) { return n * n, nil })
	// slow blocks forever when slowMarker names a file: it creates the
	// file, so the crash test knows to kill the process now.
	slow = durable.NewActivity("Slow", func(ctx context.Context, _ any) (string, error) {
		if marker := os.Getenv(slowMarkerEnv); marker != "" {
			// The timer's span is emitted just after the commit that
			// schedules Slow; a kill in between would lose it (spans are
			// at most once), so the kill waits until it is written.
			for i := 0; i < 2000; i++ {
				if b, _ := os.ReadFile(os.Getenv(childSpansEnv)); bytes.Contains(b, []byte("orchestration:Workflow:timer")) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			_ = os.WriteFile(marker, []byte("in Slow"), 0o644)
			select {}
		}
		return "slow done", nil
	})
	counterEntity = durable.NewEntity("Counter", durable.EntityOf[counter]())
	counterAdd    = durable.NewEntityOperation[int, int]("Counter", "add")

	child = durable.NewOrchestrator("Child", func(ctx *durable.OrchestrationContext, name string) (string, error) {
		return hello.Call(ctx, name).Await()
	})
	failing = durable.NewOrchestrator("Failing", func(ctx *durable.OrchestrationContext, _ any) (string, error) {
		return "", errors.New("boom")
	})
	workflow = durable.NewOrchestrator("Workflow", func(ctx *durable.OrchestrationContext, withSlow bool) (int, error) {
		for _, n := range []string{"Tokyo", "Lima"} { // chaining
			if _, err := hello.Call(ctx, n).Await(); err != nil {
				return 0, err
			}
		}
		if err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(10 * time.Millisecond)).Await(nil); err != nil {
			return 0, err
		}
		if withSlow {
			if _, err := slow.Call(ctx, nil).Await(); err != nil {
				return 0, err
			}
		}
		squares := make([]durable.TaskOf[int], 0, 3) // fan-out
		for k := 1; k <= 3; k++ {
			squares = append(squares, square.Call(ctx, k))
		}
		got, err := durable.WhenAllOf(ctx, squares...).Await()
		if err != nil {
			return 0, err
		}
		if _, err := child.CallSubOrchestrator(ctx, "Oslo").Await(); err != nil {
			return 0, err
		}
		n, err := counterAdd.Call(ctx, ctx.InstanceID(), 5).Await()
		return got[0] + got[1] + got[2] + n, err
	})
)

const slowMarkerEnv = "TELEMETRY_TEST_SLOW_MARKER"

func workloadFunctions() []durable.Function {
	return []durable.Function{hello, square, slow, counterEntity, child, failing, workflow, launcher, approval}
}
