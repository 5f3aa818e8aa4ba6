// Package crashtest kills the engine with SIGKILL at random moments and
// checks that every instance still finishes with the right result, with no
// history event recorded twice. The engine runs in a child process (this
// test binary re-executed) over a SQLite file.
package crashtest
