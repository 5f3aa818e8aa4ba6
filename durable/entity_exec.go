package durable

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
)

// RunEntityBatch runs a batch of operations one after the other. A failed
// operation (an error or a panic) leaves the state and the signals as they
// were before it.
func (x executor) RunEntityBatch(ctx context.Context, b *engine.EntityBatch) *engine.EntityBatchResult {
	res := &engine.EntityBatchResult{State: b.State, HasState: b.HasState}
	fn, ok := lookup(x.r, x.r.entities, b.Name)
	for _, op := range b.Operations {
		if !ok {
			res.Results = append(res.Results, engine.EntityOperationResult{Failure: &history.FailureDetails{
				ErrorType: "FunctionNotFound", ErrorMessage: fmt.Sprintf("The entity function '%s' doesn't exist: register it with AddEntity.", b.Name)}})
			continue
		}
		ectx := &EntityContext{Context: ctx, id: EntityID{Name: b.Name, Key: b.Key}, operation: op.Operation, input: op.Input,
			state: res.State, hasState: res.HasState, existed: res.HasState, now: x.clock.Now(), log: x.log}
		if failure := runOperation(fn, ectx); failure != nil {
			res.Results = append(res.Results, engine.EntityOperationResult{Failure: failure})
			continue
		}
		res.State, res.HasState = ectx.state, ectx.hasState
		res.Actions = append(res.Actions, ectx.actions...)
		res.Results = append(res.Results, engine.EntityOperationResult{Result: ectx.result})
	}
	return res
}

func runOperation(fn EntityFunc, ctx *EntityContext) (failure *history.FailureDetails) {
	defer func() {
		if p := recover(); p != nil {
			failure = &history.FailureDetails{ErrorType: "panic",
				ErrorMessage: fmt.Sprintf("entity %s operation '%s' panicked: %v", ctx.id, ctx.operation, p), StackTrace: string(debug.Stack())}
		}
	}()
	if err := fn(ctx); err != nil {
		return &history.FailureDetails{ErrorType: replay.ErrorTypeOf(err), ErrorMessage: err.Error()}
	}
	return nil
}
