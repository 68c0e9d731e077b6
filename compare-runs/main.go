// Command compare-runs lines up one or several real runs against one or
// several simulated runs of the same workload and writes a report:
// summary.md, tables/*.csv and figs/ (docs/artifacts.md §4).
package main

import "github.com/simcheck/simcheck/pkg/config/command"

func main() { command.Main(newTool()) }
