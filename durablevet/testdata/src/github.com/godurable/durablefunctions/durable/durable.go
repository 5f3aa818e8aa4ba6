// Package durable is a minimal stand-in for
// github.com/godurable/durablefunctions/durable: the analyzer only needs the
// type names and method sets.
package durable

import (
	"context"
	"time"
)

type OrchestratorFunc func(ctx *OrchestrationContext) (any, error)

type OrchestrationContext struct{}

type Task struct{}

func (t Task) Await(v any) error { return nil }

func (ctx *OrchestrationContext) GetInput(v any) error                         { return nil }
func (ctx *OrchestrationContext) CurrentUTCDateTime() time.Time                { return time.Time{} }
func (ctx *OrchestrationContext) NewGUID() string                              { return "" }
func (ctx *OrchestrationContext) IsReplaying() bool                            { return false }
func (ctx *OrchestrationContext) CallActivity(name string, input any) Task     { return Task{} }
func (ctx *OrchestrationContext) CreateTimer(fireAt time.Time) Task            { return Task{} }
func (ctx *OrchestrationContext) WhenAll(tasks ...Task) Task                   { return Task{} }
func (ctx *OrchestrationContext) WhenAny(tasks ...Task) Task                   { return Task{} }
func (ctx *OrchestrationContext) WaitForExternalEvent(name string) Task        { return Task{} }
func (ctx *OrchestrationContext) CallSubOrchestrator(name string, in any) Task { return Task{} }

type ActivityFunc func(ctx *ActivityContext) (any, error)

type ActivityContext struct {
	context.Context
}

func (c *ActivityContext) GetInput(v any) error { return nil }

type Registry struct{}

func NewRegistry() *Registry { return &Registry{} }

func (r *Registry) AddOrchestrator(name string, fn OrchestratorFunc) error { return nil }
func (r *Registry) AddActivity(name string, fn ActivityFunc) error         { return nil }

func OrchestratorOf[In, Out any](fn func(*OrchestrationContext, In) (Out, error)) OrchestratorFunc {
	return func(ctx *OrchestrationContext) (any, error) {
		var in In
		_ = ctx.GetInput(&in)
		return fn(ctx, in)
	}
}

func ActivityOf[In, Out any](fn func(context.Context, In) (Out, error)) ActivityFunc {
	return func(ctx *ActivityContext) (any, error) {
		var in In
		_ = ctx.GetInput(&in)
		return fn(ctx, in)
	}
}
