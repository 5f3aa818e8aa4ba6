//go:build unix

package redisserver

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts the server in a process group of its own (so
// that Stop and Kill reach all of it) and, where the system allows, has it
// killed when the test process dies without stopping it.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
}

func terminateGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

func killGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
