// Command vidur-sim simulates a workload on a profiled model and hardware
// with Vidur's semantics and writes a run directory (DESIGN §4.2, §5).
package main

import "github.com/simcheck/simcheck/pkg/config/command"

func main() { command.Main(newTool()) }
