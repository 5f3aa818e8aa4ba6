// Package durabletest unit-tests orchestrators, activities and entities
// in-process: the real engine over the memory store, on a virtual clock.
//
// Three uses:
//
// Mocked activities. Register the code under test, mock what it calls,
// start it, wait and assert:
//
//	env := durabletest.New(t)
//	env.Orchestrator("HelloSequence", app.HelloSequence)
//	env.MockActivity("SayHello").Do(func(_ context.Context, city string) (string, error) {
//		return "Hi " + city, nil
//	})
//	var out []string
//	env.Start("HelloSequence", nil).Output(&out)
//	env.AssertCallOrder("SayHello", "SayHello", "SayHello")
//
// Time skipping. Durable timers, retry back-offs, delayed signals and
// events the test schedules (RaiseEventAfter) fire as soon as nothing else
// can make progress, and CurrentUTCDateTime jumps with them: a 72-hour
// approval timeout takes milliseconds. A test that can never finish fails
// with the orchestration's pending tasks instead of hanging.
//
//	env.RaiseEventAfter(72*time.Hour, "ApprovalEvent", true)
//	run := env.Start("ApprovalWorkflow", app.ApprovalInput{TimeoutSeconds: 3600})
//	run.Output(&result) // "escalated": the timeout came first
//
// Saved-history replay. Replay a history saved from a real instance (the
// export of `durablefunc history export`, or the status JSON of
// GET /instances/{id}?showHistory=true&showHistoryOutput=true) against the
// current code; a change that breaks running instances fails with the
// nondeterminism message:
//
//	durabletest.ReplayHistoryFile(t, app.ApprovalWorkflow, "testdata/approval.json")
//
// Activities run one at a time by default, in the order they were
// scheduled, so Calls is deterministic; WithConcurrency changes that. The
// Env's methods are meant for the test's goroutine.
package durabletest
