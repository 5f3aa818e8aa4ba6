// Package crashtest kills the engine with SIGKILL at random moments and
// checks that every instance still finishes with the right result, with no
// history event recorded twice. The engine runs in a child process (this
// test binary re-executed) over a SQLite file.
//
// Random kills rarely land in a window of a few microseconds, so the
// engine's fast paths also have deterministic kills: built with the
// durable_failpoints tag, the engine kills itself with SIGKILL at the fail
// point DURABLE_FAILPOINT names (between an inline first episode and its
// commit, between a result hand-off's episode and its commit), and
// failpoint_test.go checks what a restart makes of it:
//
//	go test -tags durable_failpoints ./internal/crashtest/
package crashtest
