//go:build linux

package redisserver

import "syscall"

// dieWithParent asks the kernel to kill the server when the process that
// started it exits, so that a test binary that crashes leaves no server
// behind.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
