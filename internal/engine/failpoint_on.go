//go:build durable_failpoints

package engine

import (
	"os"
	"syscall"
)

// FailPointEnv names the fail point at which a binary built with the
// durable_failpoints tag kills itself with SIGKILL, so that the crash
// tests can stop a process exactly between two steps (after an inline
// episode ran and before its commit, for one). Production builds have no
// such tag and no fail points.
const FailPointEnv = "DURABLE_FAILPOINT"

var failAt = os.Getenv(FailPointEnv)

func failPoint(name string) {
	if failAt == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
