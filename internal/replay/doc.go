// Package replay is the deterministic replay core: history in, actions out.
//
// Execute runs an orchestrator function over the history of one execution
// (the past events, already processed, and the new events of this episode)
// and returns the actions the code took that history does not yet record,
// plus its custom status and, when it finished, its output or failure.
//
// # How suspension works
//
// Orchestrator code runs on its own goroutine. Completion events are applied
// lazily, from inside Task.Await: when the code awaits a task that history
// has not completed yet, Await applies the next history events one at a time
// (advancing the clock, completing tasks, buffering external events) until
// the task completes. Replaying a long history therefore costs no goroutine
// switches at all: the code and the history walk run on the same goroutine.
//
// When the history runs out while the code still waits, the episode is over.
// The goroutine then ends with runtime.Goexit, which runs the code's deferred
// calls but cannot be stopped by recover, so user code never observes the
// suspension as a panic. While it unwinds, the context is inert: calls made
// from deferred functions record nothing.
//
// # Sessions
//
// ExecuteSession parks the goroutine instead (Durable Functions' extended
// sessions): the code stays blocked in the Await that ran out of history,
// and Session.Resume hands it the next episode's events, so the history
// already applied is not replayed. Resume accepts only an episode that
// continues the history the session applied, and checks the actions history
// recorded since against the tasks the live code created; otherwise it
// closes the session and the caller replays in full. Either way the result
// is the same (session_test.go compares them episode by episode).
//
// The package performs no I/O and reads no clock: the current time is the
// timestamp of the latest OrchestratorStarted event applied.
package replay
