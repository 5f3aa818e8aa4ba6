package durable

import (
	"fmt"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/testkit"
)

// The test kit (durable/durabletest) replays saved histories against
// orchestrator code directly, without a runtime.
func init() {
	testkit.RunOrchestrator = func(fn any, ep replay.Episode, opts replay.Options) *replay.Result {
		f, ok := fn.(OrchestratorFunc)
		if !ok {
			if g, ok2 := fn.(func(*OrchestrationContext) (any, error)); ok2 {
				f, ok = OrchestratorFunc(g), true
			}
		}
		if !ok || f == nil {
			return &replay.Result{Done: true, Status: history.StatusFailed, Failure: &history.FailureDetails{
				ErrorType: "FunctionNotFound", ErrorMessage: fmt.Sprintf("not an orchestrator function: %T", fn)}}
		}
		return replay.Execute(func(c *replay.Context) (any, error) {
			return f(&OrchestrationContext{c: c})
		}, ep, opts)
	}
	testkit.Lookup = func(reg any, kind, name string) (any, bool) {
		r, ok := reg.(*Registry)
		if !ok || r == nil {
			return nil, false
		}
		switch kind {
		case "orchestrator":
			return lookup(r, r.orchestrators, name)
		case "activity":
			return lookup(r, r.activities, name)
		case "entity":
			return lookup(r, r.entities, name)
		}
		return nil, false
	}
}
