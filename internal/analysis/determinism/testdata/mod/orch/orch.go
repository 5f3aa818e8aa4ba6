// Package orch uses the real durable package (module mode), for the
// go vet -vettool test.
package orch

import (
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/analysis/determinism/testdata/mod/steps"
)

func Approval(ctx *durable.OrchestrationContext) (any, error) {
	deadline := steps.Deadline(time.Hour)
	timer := ctx.CreateTimer(deadline)
	approval := ctx.WaitForExternalEvent("Approve")
	var winner durable.Task
	if err := ctx.WhenAny(approval, timer).Await(&winner); err != nil {
		return nil, err
	}
	return steps.Label(1), nil
}

func Good(ctx *durable.OrchestrationContext) (any, error) {
	fire := ctx.CurrentUTCDateTime().Add(time.Minute)
	return nil, ctx.CreateTimer(fire).Await(nil)
}

func Register(r *durable.Registry) error {
	return r.AddOrchestrator("Typed", durable.OrchestratorOf(func(ctx *durable.OrchestrationContext, n int) (int, error) {
		time.Sleep(time.Second)
		return n, nil
	}))
}
