//go:build unix

package crash

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"
)

// pidAlive asks the kernel with signal 0, which checks without sending.
// A zombie (killed, not yet reaped by its parent) is dead for this
// purpose: it will never write again.
func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc (macOS): the signal's answer stands
	}
	// The state follows the parenthesised command name, which may
	// itself hold ") ".
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z' && stat[i+2] != 'X'
	}
	return true
}
