package durable_test

import (
	"context"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// run starts a runtime over the memory store, runs orchestrator name with
// input and prints its output.
func run(reg *durable.Registry, name string, input any, whileRunning func(c *durable.Client, id string)) {
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	defer rt.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := rt.Client()
	id, err := c.StartNew(ctx, name, input)
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
// result of the code before it.
func Example_chaining() {
	reg := durable.NewRegistry()
	reg.AddActivity("SayHello", durable.ActivityOf(func(ctx context.Context, city string) (string, error) {
		return "Hello " + city + "!", nil
	}))
	reg.AddOrchestrator("HelloSequence", func(ctx *durable.OrchestrationContext) (any, error) {
		var out []string
		for _, city := range []string{"Tokyo", "Seattle", "London"} {
			var greeting string
			if err := ctx.CallActivity("SayHello", city).Await(&greeting); err != nil {
				return nil, err
			}
			out = append(out, greeting)
		}
		return out, nil
	})
	run(reg, "HelloSequence", nil, nil)
	// Output: Completed ["Hello Tokyo!","Hello Seattle!","Hello London!"]
}

// Fan-out/fan-in: start many activities at once, then wait for all of them.
func Example_fanOutFanIn() {
	reg := durable.NewRegistry()
	reg.AddActivity("Square", durable.ActivityOf(func(ctx context.Context, n int) (int, error) {
		return n * n, nil
	}))
	reg.AddOrchestrator("FanOutFanIn", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		if err := ctx.GetInput(&n); err != nil {
			return nil, err
		}
		tasks := make([]durable.Task, n)
		for i := range tasks {
			tasks[i] = ctx.CallActivity("Square", i+1)
		}
		var squares []int
		if err := ctx.WhenAll(tasks...).Await(&squares); err != nil {
			return nil, err
		}
		sum := 0
		for _, s := range squares {
			sum += s
		}
		return sum, nil
	})
	run(reg, "FanOutFanIn", 10, nil)
	// Output: Completed 385
}

// Human interaction: wait for an approval event, or escalate when a durable
// timer fires first.
func Example_humanInteraction() {
	reg := durable.NewRegistry()
	reg.AddOrchestrator("ApprovalWorkflow", func(ctx *durable.OrchestrationContext) (any, error) {
		deadline := ctx.CurrentUTCDateTime().Add(72 * time.Hour)
		timeout := ctx.CreateTimer(deadline)
		approval := ctx.WaitForExternalEvent("ApprovalEvent")
		var winner durable.Task
		if err := ctx.WhenAny(approval, timeout).Await(&winner); err != nil {
			return nil, err
		}
		if winner == timeout {
			return "escalated", nil
		}
		timeout.Cancel()
		var approved bool
		if err := approval.Await(&approved); err != nil {
			return nil, err
		}
		if approved {
			return "approved", nil
		}
		return "rejected", nil
	})
	run(reg, "ApprovalWorkflow", nil, func(c *durable.Client, id string) {
		// A person approves: the event can arrive before or after the
		// orchestrator starts waiting.
		_ = c.RaiseEvent(context.Background(), id, "ApprovalEvent", true)
	})
	// Output: Completed "approved"
}
