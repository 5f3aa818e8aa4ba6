// Package testkit holds the hooks durable/durabletest needs from package
// durable without widening durable's public API. Package durable fills them
// in at init time.
package testkit

import (
	"github.com/godurable/durablefunctions/internal/replay"
)

// RunOrchestrator replays one episode of an orchestrator function, which
// must be a durable.OrchestratorFunc (it is typed any to keep this package
// free of an import cycle). Set by package durable.
var RunOrchestrator func(fn any, ep replay.Episode, opts replay.Options) *replay.Result

// Lookup returns the function registered in reg (a *durable.Registry)
// under name: kind is "orchestrator", "activity" or "entity". Set by
// package durable.
var Lookup func(reg any, kind, name string) (fn any, ok bool)
