package durable_test

import (
	"context"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// Handles bind a function's name to its Go code once. Registration and
// every call site go through the handle, so a misspelt name cannot happen,
// and SayHello.Call(ctx, 42) or a greeting read into an int is a compile
// error instead of a failure at run time.
var (
	SayHello = durable.NewActivity("SayHello", func(ctx context.Context, city string) (string, error) {
		return "Hello " + city + "!", nil
	})
	Greet = durable.NewOrchestrator("Greet", func(ctx *durable.OrchestrationContext, cities []string) ([]string, error) {
		var out []string
		for _, city := range cities {
			greeting, err := SayHello.Call(ctx, city).Await() // greeting is a string
			if err != nil {
				return nil, err
			}
			out = append(out, greeting)
		}
		return out, nil
	})
)

// Typed handles: an activity and an orchestrator registered by handle, and
// the orchestration started with a typed input.
func Example_typedHandles() {
	reg := durable.NewRegistry()
	if err := reg.Register(Greet, SayHello); err != nil {
		fmt.Println(err)
		return
	}
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	defer rt.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	id, err := Greet.Start(ctx, rt.Client(), []string{"Tokyo", "London"})
	if err != nil {
		fmt.Println(err)
		return
	}
	status, err := rt.Client().WaitForCompletion(ctx, id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(status.RuntimeStatus, string(status.Output))
	// Output: Completed ["Hello Tokyo!","Hello London!"]
}

// Tally is a typed entity: its methods are its operations.
type Tally struct{ Value int }

// Add adds n.
func (t *Tally) Add(n int) { t.Value += n }

// Get returns the value.
func (t *Tally) Get() int { return t.Value }

// Entity operation handles: typed calls and signals to an entity.
func Example_entityOperations() {
	var (
		Counter = durable.NewEntity("Counter", durable.EntityOf[Tally]())
		Add     = durable.NewEntityOperation[int, struct{}](Counter.Name(), "add")
		Get     = durable.NewEntityOperation[any, int](Counter.Name(), "get")
		// Total adds 2 to a counter and returns its value.
		Total = durable.NewOrchestrator("Total", func(ctx *durable.OrchestrationContext, key string) (int, error) {
			if _, err := Add.Call(ctx, key, 2).Await(); err != nil {
				return 0, err
			}
			return Get.Call(ctx, key, nil).Await()
		})
	)
	reg := durable.NewRegistry()
	if err := reg.Register(Counter, Total); err != nil {
		fmt.Println(err)
		return
	}
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	defer rt.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// A client signals (one-way), then an orchestration calls.
	if err := Add.SignalFromClient(ctx, rt.Client(), "c1", 5); err != nil {
		fmt.Println(err)
		return
	}
	id, err := Total.Start(ctx, rt.Client(), "c1")
	if err != nil {
		fmt.Println(err)
		return
	}
	status, err := rt.Client().WaitForCompletion(ctx, id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(status.RuntimeStatus, string(status.Output))
	// Output: Completed 7
}
