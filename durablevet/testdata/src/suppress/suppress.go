// Package suppress shows the //durable:nondeterministic-ok directive.
package suppress

import (
	"os"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

func Orchestrator(ctx *durable.OrchestrationContext) (any, error) {
	if !ctx.IsReplaying() {
		debug := os.Getenv("DEBUG") //durable:nondeterministic-ok only used for local logging
		_ = debug
	}
	//durable:nondeterministic-ok the next line is covered too
	_ = time.Now()
	_ = time.Now() // want `call to time\.Now`
	// durable:nondeterministic-ok (a space after // is accepted)
	_ = time.Now()
	_ = time.Now() // durable:nondeterministic-okay is not the directive // want `call to time\.Now`
	logf("x")
	trace() //durable:nondeterministic-ok a suppressed call is not followed
	return nil, nil
}

// logf is exempt as a whole.
//
//durable:nondeterministic-ok writes debug output only
func logf(format string) {
	_, _ = os.Stderr.WriteString(format + time.Now().String())
}

func trace() { // want trace:`WriteString`
	_, _ = os.Stderr.WriteString("trace")
}
