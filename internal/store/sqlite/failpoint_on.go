//go:build durable_failpoints

package sqlite

import (
	"os"
	"syscall"
)

// failAt names the fail point at which a binary built with the
// durable_failpoints tag kills itself with SIGKILL; the variable is the
// engine's (engine.FailPointEnv), so one setting names a point in either
// package.
var failAt = os.Getenv("DURABLE_FAILPOINT")

func failPoint(name string) {
	if failAt == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
