//go:build unix && !linux

package launch

import "syscall"

// sysProcAttr: outside Linux there is no parent-death signal; a crashed
// real-bench can leave the server running.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func signalGroup(pid int, sig syscall.Signal) { _ = syscall.Kill(-pid, sig) }
