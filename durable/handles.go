package durable

import (
	"errors"
	"fmt"
)

// Function is a typed handle that a [Registry] can register: an [Activity],
// an [Orchestrator] or an [Entity]. The handle carries its own name, so the
// name it is registered under and the name its call sites use cannot differ.
// Only this package implements Function.
type Function interface {
	// Name returns the function's name.
	Name() string
	// Kind returns "orchestrator", "activity" or "entity".
	Kind() string
	register(r *Registry) error
}

// Register registers every handle under its own name. It returns the same
// errors as AddOrchestrator, AddActivity and AddEntity (test them with
// errors.Is: [ErrDuplicateFunction], [ErrInvalidName]); a failed handle does
// not stop the others, and their errors are joined.
//
//	reg.Register(SayHello, HelloSequence)
func (r *Registry) Register(fns ...Function) error {
	var errs []error
	for _, fn := range fns {
		if fn == nil {
			errs = append(errs, fmt.Errorf("%w: a nil Function handle", ErrInvalidName))
			continue
		}
		if err := fn.register(r); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 1 {
		// One failure reads exactly like the string form's error.
		return errs[0]
	}
	return errors.Join(errs...)
}

// TaskOf is a [Task] whose result has type T: a typed handle's call returns
// one, and Await returns the result instead of decoding it into a pointer.
// The embedded Task joins WhenAll and WhenAny with any other task:
//
//	greeting := SayHello.Call(ctx, "Tokyo")
//	timeout := ctx.CreateTimer(deadline)
//	var winner durable.Task
//	_ = ctx.WhenAny(greeting.Task, timeout).Await(&winner)
type TaskOf[T any] struct {
	Task
}

// Await waits for the task and returns its result. Its errors are those of
// [Task.Await]; on an error the result is T's zero value.
func (t TaskOf[T]) Await() (T, error) {
	var v T
	if err := t.Task.Await(&v); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// WhenAllOf is [OrchestrationContext.WhenAll] for tasks of one result type:
// it completes with every result in order, or fails with the first failure.
//
//	tasks := make([]durable.TaskOf[int], n)
//	for i := range tasks {
//		tasks[i] = Square.Call(ctx, i+1)
//	}
//	squares, err := durable.WhenAllOf(ctx, tasks...).Await()
func WhenAllOf[T any](ctx *OrchestrationContext, tasks ...TaskOf[T]) TaskOf[[]T] {
	plain := make([]Task, len(tasks))
	for i, t := range tasks {
		plain[i] = t.Task
	}
	return TaskOf[[]T]{ctx.WhenAll(plain...)}
}
