//go:build unix

package childproc

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts the process in a group of its own (so that a stop
// reaches everything it forked, such as node's workers) and, where the
// system allows, has the kernel kill it when the test binary dies.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
}

func terminateGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

func killGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
