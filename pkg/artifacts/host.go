package artifacts

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// CPUDevice describes this machine's CPU for run and profile metadata:
// the model name from /proc/cpuinfo, the logical CPU count and the
// threads the tool used (0 = all).
func CPUDevice(threads int) DeviceInfo {
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	host, _ := os.Hostname()
	return DeviceInfo{Name: "cpu", Description: fmt.Sprintf("%s, %d logical CPUs, %s/%s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH),
		Host: host, Threads: threads}
}
