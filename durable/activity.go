package durable

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
)

// ActivityFunc is an activity: ordinary Go code that may do I/O. It runs at
// least once per scheduled call; make it idempotent.
type ActivityFunc func(ctx *ActivityContext) (any, error)

// ActivityContext carries an activity's input and identity. It is a
// context.Context canceled when the worker shuts down.
type ActivityContext struct {
	context.Context
	name       string
	instanceID string
	input      string
	client     *Client
}

// NewActivityContext builds the context an activity runs with; the engine
// and tests use it.
func NewActivityContext(ctx context.Context, name, instanceID, input string) *ActivityContext {
	return &ActivityContext{Context: ctx, name: name, instanceID: instanceID, input: input}
}

// Client returns a client of the task hub the activity runs in, so that an
// activity can signal an entity, raise an event or start an orchestration
// (what .NET activities do with a [DurableClient] parameter). It is set for
// every activity a [Runtime] runs, including those redelivered right after
// a restart. Behind the host in extension mode it is set when the
// activity's function.json declares a durableClient binding, and nil
// otherwise; it is nil for a context built with NewActivityContext.
func (c *ActivityContext) Client() *Client { return c.client }

// Name returns the activity's name.
func (c *ActivityContext) Name() string { return c.name }

// InstanceID returns the id of the orchestration that called the activity.
func (c *ActivityContext) InstanceID() string { return c.instanceID }

// RawInput returns the input as JSON text ("" when there is none).
func (c *ActivityContext) RawInput() string { return c.input }

// GetInput decodes the input into v.
func (c *ActivityContext) GetInput(v any) error {
	if c.input == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(c.input), v); err != nil {
		return &InputError{Function: c.name, Err: err}
	}
	return nil
}

// InputError reports an input that does not decode into the type a function
// expects.
type InputError struct {
	Function string
	Err      error
}

func (e *InputError) Error() string {
	return fmt.Sprintf("durable: input of %q cannot be decoded: %v", e.Function, e.Err)
}
func (e *InputError) Unwrap() error { return e.Err }

// ActivityOf adapts a typed function into an ActivityFunc: the input is
// decoded into In (a decoding failure fails the activity with an
// *InputError) and Out is encoded as the result.
//
//	r.AddActivity("SayHello", durable.ActivityOf(func(ctx context.Context, name string) (string, error) {
//		return "Hello " + name + "!", nil
//	}))
func ActivityOf[In, Out any](fn func(context.Context, In) (Out, error)) ActivityFunc {
	return func(ctx *ActivityContext) (any, error) {
		var in In
		if err := ctx.GetInput(&in); err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
}

// OrchestratorOf adapts an orchestrator with a typed input and output.
func OrchestratorOf[In, Out any](fn func(*OrchestrationContext, In) (Out, error)) OrchestratorFunc {
	return func(ctx *OrchestrationContext) (any, error) {
		var in In
		if err := ctx.GetInput(&in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		if v := reflect.ValueOf(out); !v.IsValid() {
			return nil, nil
		}
		return out, nil
	}
}
