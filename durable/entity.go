package durable

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
)

// EntityFunc is an entity: it runs one operation at a time against the
// entity's state. Operations on one entity never overlap, and each sender's
// operations run in the order it sent them.
//
//	func Counter(ctx *durable.EntityContext) error {
//		var n int
//		_ = ctx.GetState(&n)
//		switch ctx.OperationName() {
//		case "add":
//			var amount int
//			if err := ctx.GetInput(&amount); err != nil {
//				return err
//			}
//			return ctx.SetState(n + amount)
//		case "get":
//			return ctx.Return(n)
//		}
//		return fmt.Errorf("unknown operation %q", ctx.OperationName())
//	}
type EntityFunc func(ctx *EntityContext) error

// EntityContext is what an entity operation uses: its input, the entity's
// state, and the means to reply, signal entities and start orchestrations.
// It is a context.Context.
type EntityContext struct {
	context.Context
	id        EntityID
	operation string
	input     string
	state     string
	hasState  bool
	existed   bool
	result    string
	actions   []engine.EntityAction
	now       time.Time
	log       *slog.Logger
}

// ID returns the entity's id.
func (ctx *EntityContext) ID() EntityID { return ctx.id }

// OperationName returns the operation being run, as the caller spelled it.
func (ctx *EntityContext) OperationName() string { return ctx.operation }

// GetInput decodes the operation's input into v.
func (ctx *EntityContext) GetInput(v any) error {
	if ctx.input == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(ctx.input), v); err != nil {
		return &InputError{Function: ctx.id.Name + "." + ctx.operation, Err: err}
	}
	return nil
}

// HasState reports whether the entity has state.
func (ctx *EntityContext) HasState() bool { return ctx.hasState }

// IsNewlyConstructed reports whether the entity had no state before this
// operation.
func (ctx *EntityContext) IsNewlyConstructed() bool { return !ctx.existed }

// GetState decodes the state into v; without state, v is left unchanged
// (so initialize v with the default).
func (ctx *EntityContext) GetState(v any) error {
	if !ctx.hasState || ctx.state == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(ctx.state), v); err != nil {
		return fmt.Errorf("durable: entity %s: state cannot be decoded: %w", ctx.id, err)
	}
	return nil
}

// SetState replaces the state with v.
func (ctx *EntityContext) SetState(v any) error {
	js, err := encodeResult(v)
	if err != nil {
		return fmt.Errorf("durable: entity %s: state cannot be encoded as JSON: %w", ctx.id, err)
	}
	if js == "" {
		js = "null"
	}
	ctx.state, ctx.hasState = js, true
	return nil
}

// DeleteState deletes the entity: its state is gone and reads report it as
// not found.
func (ctx *EntityContext) DeleteState() { ctx.state, ctx.hasState = "", false }

// Return sets the operation's result, which a caller receives.
func (ctx *EntityContext) Return(v any) error {
	js, err := encodeResult(v)
	if err != nil {
		return fmt.Errorf("durable: entity %s: result cannot be encoded as JSON: %w", ctx.id, err)
	}
	ctx.result = js
	return nil
}

// SignalEntity sends a one-way operation to an entity (this one included),
// after this operation succeeds.
func (ctx *EntityContext) SignalEntity(id EntityID, operation string, input any, opts ...SignalOption) error {
	if err := id.Validate(); err != nil {
		return err
	}
	var o signalOptions
	for _, opt := range opts {
		opt(&o)
	}
	js, err := encodeResult(input)
	if err != nil {
		return fmt.Errorf("durable: signal %s: input cannot be encoded as JSON: %w", id, err)
	}
	ctx.actions = append(ctx.actions, engine.EntityAction{Signal: &engine.EntitySignal{Target: id.String(), Operation: operation, Input: js, At: o.at}})
	return nil
}

// StartNewOrchestration starts an orchestration after this operation
// succeeds and returns its instance id.
func (ctx *EntityContext) StartNewOrchestration(name string, input any, opts ...StartOption) (string, error) {
	var o startOptions
	for _, opt := range opts {
		opt.applyStart(&o)
	}
	id := o.instanceID
	if id == "" {
		id = engine.NewExecutionID()
	}
	if err := ValidateInstanceID(id); err != nil {
		return "", err
	}
	js, err := encodeResult(input)
	if err != nil {
		return "", fmt.Errorf("durable: start %q: input cannot be encoded as JSON: %w", name, err)
	}
	start := history.NewExecutionStarted(ctx.now, name, id, engine.NewExecutionID(), js, nil, nil)
	ctx.actions = append(ctx.actions, engine.EntityAction{Start: start})
	return id, nil
}

// Logger returns a logger for the operation.
func (ctx *EntityContext) Logger() *slog.Logger {
	return ctx.log.With("entity", ctx.id.String(), "operation", ctx.operation)
}
