// Package b has orchestrators that reach forbidden constructs through
// helpers: in the same package (reported where the construct is) and in
// other packages of the module (reported at the call).
package b

import (
	"math/rand"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"helpers"
)

// Same-package helpers.

func Local(ctx *durable.OrchestrationContext) (any, error) {
	deadline := deadlineFrom(3)
	jitter()
	return deadline, nil
}

func deadlineFrom(n int) time.Time { // want deadlineFrom:`call to time\.Now`
	return time.Now().Add(time.Duration(n) * time.Second) // want `call to time\.Now in deadlineFrom \(called from orchestrator Local\): the wall clock .*; use ctx\.CurrentUTCDateTime\(\)`
}

func jitter() { // want jitter:`call to time\.Sleep \(b\.go:\d+, via b\.pause\)`
	pause()
}

func pause() { // want pause:`call to time\.Sleep`
	time.Sleep(time.Millisecond) // want `call to time\.Sleep in pause \(called from orchestrator Local\): .*ctx\.CreateTimer\(\.\.\.\)\.Await\(nil\)`
}

// notCalled is never reached from an orchestrator: not reported.
func notCalled() { // want notCalled:`call to os\.Exit`
	os.Exit(1)
}

// Cross-package helpers: reported at the call, naming where the construct is.

func Cross(ctx *durable.OrchestrationContext) (any, error) {
	_ = helpers.Stamp()           // want `call to helpers\.Stamp in orchestrator Cross reaches call to time\.Now \(helpers\.go:19\): the wall clock .*; use ctx\.CurrentUTCDateTime\(\)`
	helpers.Nap()                 // want `call to helpers\.Nap in orchestrator Cross reaches call to time\.Sleep .*ctx\.CreateTimer`
	_ = helpers.Token()           // want `call to helpers\.Token .*crypto/rand\.Read.*ctx\.NewGUID\(\)`
	helpers.Spawn(func() {})      // want `call to helpers\.Spawn .*go statement.*ctx\.WhenAll/WhenAny`
	_ = helpers.Recv(nil)         // want `call to helpers\.Recv .*channel receive`
	_ = helpers.Pick(nil, nil)    // want `call to helpers\.Pick .*select statement`
	_ = helpers.NewChan()         // want `call to helpers\.NewChan .*make\(chan\)`
	_ = helpers.Keys(nil)         // want `call to helpers\.Keys .*range over map.*sort the keys first`
	_, _ = helpers.ReadConfig()   // want `call to helpers\.ReadConfig .*os\.ReadFile.*do I/O in an activity`
	_ = helpers.Bump()            // want `call to helpers\.Bump .*package variable counter.*keep state in local variables`
	helpers.Remember("k", "v")    // want `call to helpers\.Remember .*package variable cache`
	helpers.Locked(&sync.Mutex{}) // want `call to helpers\.Locked .*sync\.Mutex.*ctx\.WhenAll/WhenAny`
	_ = helpers.Indirect()        // want `call to helpers\.Indirect in orchestrator Cross reaches call to time\.Now \(helpers\.go:69, via helpers\.stamp\):`
	_ = helpers.Deep()            // want `call to helpers\.Deep in orchestrator Cross reaches call to math/rand\.Intn \(deeper\.go:7, via deeper\.Roll\)`
	_ = helpers.Ping(3)           // want `call to helpers\.Ping .*via helpers\.Pong`
	_ = helpers.Clock{}.Now()     // want `call to helpers\.Clock\.Now .*time\.Now`
	// Deterministic helpers and exempt functions are fine.
	_ = helpers.Pure(2)
	_ = helpers.Sorted(nil)
	_ = helpers.Even(4)
	helpers.Logged("hello")
	return nil, nil
}

// A same-package helper that calls across packages is reported at its call.
func Chain(ctx *durable.OrchestrationContext) (any, error) {
	return stampTwice(), nil
}

func stampTwice() [2]time.Time { // want stampTwice:`call to time\.Now \(helpers\.go:19, via helpers\.Stamp\)`
	return [2]time.Time{helpers.Stamp(), helpers.Stamp()} // want `call to helpers\.Stamp in stampTwice \(called from orchestrator Chain\) reaches call to time\.Now` `call to helpers\.Stamp`
}

// Helpers reached from orchestrator literals are followed too.
func Register(r *durable.Registry) {
	_ = r.AddOrchestrator("Lit", func(ctx *durable.OrchestrationContext) (any, error) {
		return readEnv(), nil
	})
}

func readEnv() string { // want readEnv:`call to os\.Getenv`
	return os.Getenv("MODE") // want `call to os\.Getenv in readEnv \(called from orchestrator "Lit"\)`
}

// A function of the package passed by name is followed.
func ByName(ctx *durable.OrchestrationContext) (any, error) {
	xs := []int{3, 1, 2}
	slices.SortFunc(xs, shuffled)
	return xs, nil
}

func shuffled(a, b int) int { // want shuffled:`call to math/rand\.Intn`
	return rand.Intn(3) - 1 // want `call to math/rand\.Intn in shuffled \(called from orchestrator ByName\)`
}
