package durable_test

import (
	"context"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// run registers fns, starts orchestrator over the memory store with
// input, calls whileRunning (if any) and prints the orchestration's output.
func run[In, Out any](orchestrator durable.Orchestrator[In, Out], input In, whileRunning func(c *durable.Client, id string), fns ...durable.Function) {
	reg := durable.NewRegistry()
	if err := reg.Register(append(fns, orchestrator)...); err != nil {
		fmt.Println(err)
		return
	}
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	defer rt.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := rt.Client()
	id, err := orchestrator.Start(ctx, c, input)
	if err != nil {
		fmt.Println(err)
		return
	}
	if whileRunning != nil {
		whileRunning(c, id)
	}
	status, err := c.WaitForCompletion(ctx, id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(status.RuntimeStatus, string(status.Output))
}

// Function chaining: call activities one after the other, each with the
// result of the code before it. Greet (see the typed handles example)
// calls SayHello for each city in turn and collects the greetings.
func Example_chaining() {
	run(Greet, []string{"Tokyo", "Seattle", "London"}, nil, SayHello)
	// Output: Completed ["Hello Tokyo!","Hello Seattle!","Hello London!"]
}

// Fan-out/fan-in: start many activities at once, then wait for all of them.
func Example_fanOutFanIn() {
	square := durable.NewActivity("Square", func(ctx context.Context, n int) (int, error) {
		return n * n, nil
	})
	sumOfSquares := durable.NewOrchestrator("SumOfSquares", func(ctx *durable.OrchestrationContext, n int) (int, error) {
		calls := make([]durable.TaskOf[int], 0, n)
		for k := 1; k <= n; k++ {
			calls = append(calls, square.Call(ctx, k)) // all in flight at once
		}
		squares, err := durable.WhenAllOf(ctx, calls...).Await()
		total := 0
		for _, s := range squares {
			total += s
		}
		return total, err
	})
	run(sumOfSquares, 10, nil, square)
	// Output: Completed 385
}

// Human interaction: wait for an approval event, or escalate when a durable
// timer fires first.
func Example_humanInteraction() {
	approvalWorkflow := durable.NewOrchestrator("ApprovalWorkflow", func(ctx *durable.OrchestrationContext, _ any) (string, error) {
		decision := ctx.WaitForExternalEvent("ApprovalEvent")
		deadline := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(72 * time.Hour))
		var first durable.Task
		if err := ctx.WhenAny(decision, deadline).Await(&first); err != nil {
			return "", err
		}
		if first == deadline {
			return "escalated", nil
		}
		deadline.Cancel() // nobody waits for it any more
		var approved bool
		err := decision.Await(&approved)
		switch {
		case err != nil:
			return "", err
		case approved:
			return "approved", nil
		default:
			return "rejected", nil
		}
	})
	run(approvalWorkflow, nil, func(c *durable.Client, id string) {
		// A person approves: the event can arrive before or after the
		// orchestrator starts waiting.
		_ = c.RaiseEvent(context.Background(), id, "ApprovalEvent", true)
	})
	// Output: Completed "approved"
}
