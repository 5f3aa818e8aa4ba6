//go:build linux

package childproc

import "syscall"

// dieWithParent asks the kernel to kill the service when the process that
// started it exits, so that a test binary that crashes leaves no server
// behind.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
