// Command workload-spec writes a deterministic workload: prompts with
// exact token counts and their arrival times (docs/artifacts.md §1).
package main

import "github.com/simcheck/simcheck/pkg/config/command"

func main() { command.Main(newTool()) }
