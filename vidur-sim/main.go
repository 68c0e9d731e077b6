// Command vidur-sim simulates a workload on a profiled model and hardware
// with Vidur's semantics and writes a run directory (docs/artifacts.md §2, docs/vidur-sim.md).
package main

import "github.com/simcheck/simcheck/pkg/config/command"

func main() { command.Main(newTool()) }
