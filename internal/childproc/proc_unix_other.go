//go:build unix && !linux

package childproc

import "syscall"

func dieWithParent(*syscall.SysProcAttr) {}
