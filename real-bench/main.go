// Command real-bench replays a workload on a real engine in real time and
// records per-request, per-token and per-batch timing (docs/artifacts.md §2, docs/engine.md).
package main

import "github.com/simcheck/simcheck/pkg/config/command"

func main() { command.Main(newTool()) }
