package launch

import "syscall"

// sysProcAttr puts the child in a process group of its own (so that
// Ctrl-C at the terminal reaches real-bench only, and Stop reaches the
// server's workers too) and has the kernel SIGKILL it when real-bench
// dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func signalGroup(pid int, sig syscall.Signal) { _ = syscall.Kill(-pid, sig) }
