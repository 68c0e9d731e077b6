// Command vidur-profile times the model's operators on the hardware, with
// the engine's own kernels, and writes a profiling bundle in Vidur's
// layout (docs/artifacts.md §3).
package main

import (
	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
)

func main() { command.Main(newTool()) }

func newTool() command.Tool {
	var cfg Config
	return command.Tool{
		Name:  "vidur-profile",
		Usage: "time the model's operators with the engine's kernels and write a Vidur-layout profiling bundle",
		Description: "Writes <root>/data/profiling/compute/<device>/<model_id>/{mlp,attention}.csv,\n" +
			"cpu_overhead/<network_device>/<model_id>/{cpu_overheads,idle_wakeup,step_jitter}.csv and profile_meta.json,\nand prints the root.\n" +
			"Example: vidur-profile model=qwen3_0_6b hardware=cpu vidur.profiling.root=tmp/vidur_profiling/cpu/qwen3_0_6b",
		Schema: config.Schema{Tool: "vidur-profile", Defaults: defaultsYAML, Target: &cfg, Sections: []string{"scheduler"}},
		Run:    func(c *command.Context) error { return run(c, &cfg) },
	}
}
