// Package durablevet provides [Analyzer], an analyzer in the sense of
// [golang.org/x/tools/go/analysis] that reports nondeterministic code in
// Durable Functions orchestrators.
//
// An orchestrator is replayed from its history every time it wakes up, so
// every run must take the same decisions in the same order. Anything that can
// differ between runs must come from the *durable.OrchestrationContext or
// from an activity, whose results are recorded in the history.
//
// # What it flags
//
// An orchestrator is a function, method or function literal with a
// *durable.OrchestrationContext parameter. The analyzer checks its body and,
// transitively, the functions of the module it calls (across packages,
// through analysis facts, so this also works under go vet), for:
//
//   - the wall clock: time.Now, time.Since, time.Until
//     (use ctx.CurrentUTCDateTime());
//   - real timers: time.Sleep, time.After, time.Tick, time.NewTimer,
//     time.NewTicker, time.AfterFunc (use ctx.CreateTimer(t).Await(nil));
//   - random numbers: math/rand, math/rand/v2 and crypto/rand
//     (use ctx.NewGUID() or an activity); explicitly seeded generators
//     (rand.New(rand.NewSource(seed))) are allowed;
//   - goroutines and channels: go statements, sends, receives, select,
//     range over a channel, make(chan ...), and sync.Mutex, RWMutex and
//     WaitGroup methods (use ctx.WhenAll and ctx.WhenAny);
//   - range over a map or over maps.Keys/Values/All (sort the keys first),
//     except loops that only collect the keys before sorting them or copy
//     into another map;
//   - I/O through os, os/exec, os/signal, os/user, net, net/http,
//     io/ioutil, database/sql, syscall, and filepath.Walk, WalkDir, Glob,
//     Abs and EvalSymlinks, including os.Getenv (do I/O in an activity);
//   - writes to package-level variables (keep state in local variables or
//     the orchestration input).
//
// A construct in the orchestrator's package is reported where it is:
//
//	greet.go:13:5: call to time.Now in orchestrator Greeting: the wall clock gives a different value each time the orchestrator is replayed; use ctx.CurrentUTCDateTime()
//
// A call into another package of the module is reported at the call, naming
// what it reaches:
//
//	orch.go:13:14: call to steps.Deadline in orchestrator Approval reaches call to time.Now (steps.go:7): ...
//
// Activities, the durable runtime, the standard library and dependency
// modules are not analyzed; calls through interfaces and function values are
// not followed. The repository's docs/determinism.md has the full rules and
// limitations.
//
// # Running it with go vet
//
// The command github.com/godurable/durablefunctions/cmd/durablevet runs the
// analyzer. Install it and hand it to go vet:
//
//	go install github.com/godurable/durablefunctions/cmd/durablevet@latest
//	go vet -vettool=$(go env GOPATH)/bin/durablevet ./...
//
// (use $(go env GOBIN) if GOBIN is set). With -vettool, go vet runs only this
// analyzer, not its default ones; run go vet a second time without -vettool
// for those. go vet exits with status 1 when something is reported. The same
// binary also runs standalone, loading the packages itself (status 3 when
// something is reported; -json and -c=N work too):
//
//	durablevet ./...
//
// # Running it from golangci-lint
//
// golangci-lint (v2) runs private analyzers through its module plugin
// system: golangci-lint custom builds a golangci-lint binary that includes
// them. This module does not depend on golangci-lint, so the registration
// lives in a small module of your own, for example tools/durablevetlint in
// your repository:
//
//	// Package durablevetlint registers durablevet as a golangci-lint plugin.
//	package durablevetlint
//
//	import (
//		"github.com/golangci/plugin-module-register/register"
//		"golang.org/x/tools/go/analysis"
//
//		"github.com/godurable/durablefunctions/durablevet"
//	)
//
//	func init() { register.Plugin("durablevet", New) }
//
//	// New is called with the linter's settings from .golangci.yml (none).
//	func New(settings any) (register.LinterPlugin, error) { return plugin{}, nil }
//
//	type plugin struct{}
//
//	func (plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
//		return []*analysis.Analyzer{durablevet.Analyzer}, nil
//	}
//
//	// The analyzer needs type information.
//	func (plugin) GetLoadMode() string { return register.LoadModeTypesInfo }
//
// Create its go.mod with
//
//	cd tools/durablevetlint
//	go mod init example.com/yourapp/tools/durablevetlint
//	go mod tidy
//
// Then, at the root of your repository, .custom-gcl.yml says which
// golangci-lint version to build and where the plugin is:
//
//	version: v2.8.0 # the golangci-lint version you use
//	plugins:
//	  - module: example.com/yourapp/tools/durablevetlint
//	    path: ./tools/durablevetlint
//
// and .golangci.yml enables the linter:
//
//	version: "2"
//	linters:
//	  enable:
//	    - durablevet
//	  settings:
//	    custom:
//	      durablevet:
//	        type: module
//	        description: reports nondeterministic code in Durable Functions orchestrators
//
// Build the custom binary (it needs go and git) and run it instead of
// golangci-lint:
//
//	golangci-lint custom   # writes ./custom-gcl
//	./custom-gcl run ./...
//
// # Suppressing a finding
//
// Put a //durable:nondeterministic-ok comment, optionally followed by a
// reason, on the reported line or alone on the line above it:
//
//	debug := os.Getenv("DEBUG") //durable:nondeterministic-ok local debugging only
//
//	//durable:nondeterministic-ok the value is only logged
//	started := time.Now()
//
// A space after // is accepted. On a call to a helper, the directive also
// stops the analyzer from following that call. In a function's doc comment
// it exempts the whole function: it is neither reported nor followed, and it
// does not make its callers nondeterministic:
//
//	// debugf writes to stderr when DEBUG is set.
//	//
//	//durable:nondeterministic-ok debug output only
//	func debugf(format string, args ...any) { ... }
//
// The directive works with every driver; golangci-lint's //nolint:durablevet
// works there too.
//
// # Other drivers
//
// [Analyzer] is a plain *analysis.Analyzer: it can be added to a
// [golang.org/x/tools/go/analysis/multichecker] command with other
// analyzers, or run from Go code with
// [golang.org/x/tools/go/analysis/checker], as in the package example.
package durablevet
