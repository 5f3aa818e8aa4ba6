// Package greet has an orchestrator that reads the wall clock, for the
// package example of durablevet.
package greet

import (
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// Greeting reads the wall clock: reported.
func Greeting(ctx *durable.OrchestrationContext) (any, error) {
	if time.Now().Hour() < 12 {
		return "good morning", nil
	}
	return "good afternoon", nil
}

// Replayable reads the orchestration's clock: not reported.
func Replayable(ctx *durable.OrchestrationContext) (any, error) {
	if ctx.CurrentUTCDateTime().Hour() < 12 {
		return "good morning", nil
	}
	return "good afternoon", nil
}
