package durable

import "context"

// Activity is a typed handle on an activity: its name and its Go function,
// bound once. Calls made through it are checked by the compiler: a
// misspelt name cannot happen, and an input or result of the wrong type
// does not compile.
//
//	var SayHello = durable.NewActivity("SayHello", func(ctx context.Context, city string) (string, error) {
//		return "Hello " + city + "!", nil
//	})
//
//	reg.Register(SayHello)
//	greeting, err := SayHello.Call(ctx, "Tokyo").Await() // greeting is a string
//
// The zero Activity has no name: registering it fails with ErrInvalidName.
type Activity[In, Out any] struct {
	name string
	fn   ActivityFunc
}

// NewActivity binds name to fn. The input is decoded into In, as with
// [ActivityOf]; ctx is the call's *ActivityContext, so
// ctx.(*durable.ActivityContext) reaches its instance id and client.
func NewActivity[In, Out any](name string, fn func(ctx context.Context, in In) (Out, error)) Activity[In, Out] {
	a := Activity[In, Out]{name: name}
	if fn != nil { // a nil fn must fail registration, not panic when called
		a.fn = ActivityOf(fn)
	}
	return a
}

// Name returns the activity's name.
func (a Activity[In, Out]) Name() string { return a.name }

// Kind returns "activity".
func (a Activity[In, Out]) Kind() string { return "activity" }

// Func returns the activity as an [ActivityFunc], for APIs that take one.
func (a Activity[In, Out]) Func() ActivityFunc { return a.fn }

func (a Activity[In, Out]) register(r *Registry) error { return r.AddActivity(a.name, a.fn) }

// Call schedules the activity with in, like [OrchestrationContext.CallActivity]
// (WithRetry applies), and returns its pending result.
func (a Activity[In, Out]) Call(ctx *OrchestrationContext, in In, opts ...CallOption) TaskOf[Out] {
	return TaskOf[Out]{ctx.CallActivity(a.name, in, opts...)}
}

// Orchestrator is a typed handle on an orchestrator: its name and its Go
// function, bound once. Sub-orchestration calls and client starts made
// through it are checked by the compiler.
//
//	var Greet = durable.NewOrchestrator("Greet", func(ctx *durable.OrchestrationContext, cities []string) ([]string, error) {
//		...
//	})
//
//	reg.Register(Greet)
//	id, err := Greet.Start(ctx, client, []string{"Tokyo", "London"})
//
// An orchestrator that calls its own handle (to recurse) makes a Go
// initialization cycle: call it by name with CallSubOrchestrator instead.
type Orchestrator[In, Out any] struct {
	name string
	fn   OrchestratorFunc
}

// NewOrchestrator binds name to fn. The input is decoded into In, as with
// [OrchestratorOf]: use a pointer type when "no input" must be told apart
// from a zero value.
func NewOrchestrator[In, Out any](name string, fn func(ctx *OrchestrationContext, in In) (Out, error)) Orchestrator[In, Out] {
	o := Orchestrator[In, Out]{name: name}
	if fn != nil {
		o.fn = OrchestratorOf(fn)
	}
	return o
}

// Name returns the orchestrator's name.
func (o Orchestrator[In, Out]) Name() string { return o.name }

// Kind returns "orchestrator".
func (o Orchestrator[In, Out]) Kind() string { return "orchestrator" }

// Func returns the orchestrator as an [OrchestratorFunc], for APIs that
// take one ([Replay], the test kit).
func (o Orchestrator[In, Out]) Func() OrchestratorFunc { return o.fn }

func (o Orchestrator[In, Out]) register(r *Registry) error { return r.AddOrchestrator(o.name, o.fn) }

// CallSubOrchestrator starts the orchestrator as a child of ctx's
// orchestration, like [OrchestrationContext.CallSubOrchestrator]
// (WithInstanceID and WithRetry apply), and returns its pending output.
func (o Orchestrator[In, Out]) CallSubOrchestrator(ctx *OrchestrationContext, in In, opts ...CallOption) TaskOf[Out] {
	return TaskOf[Out]{ctx.CallSubOrchestrator(o.name, in, opts...)}
}

// Start starts a new instance from a client, like [Client.StartNew], and
// returns its instance id.
func (o Orchestrator[In, Out]) Start(ctx context.Context, c *Client, in In, opts ...StartOption) (string, error) {
	return c.StartNew(ctx, o.name, in, opts...)
}
