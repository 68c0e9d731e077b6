// Command vidur-profile times the model's operators on the hardware and
// writes a profiling bundle in Vidur's layout (DESIGN §4.3).
package main

import (
	_ "embed"

	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// Config is vidur-profile's configuration.
type Config struct {
	config.Common `koanf:",squash"`
	Model         config.Model    `koanf:"model"`
	Hardware      config.Hardware `koanf:"hardware"`
	Vidur         struct {
		Profiling struct {
			Root string `koanf:"root"`
		} `koanf:"profiling"`
	} `koanf:"vidur"`
}

func main() {
	var cfg Config
	command.Main(command.Tool{
		Name:   "vidur-profile",
		Usage:  "time the model's operators and write a Vidur-layout profiling bundle",
		Schema: config.Schema{Tool: "vidur-profile", Defaults: defaultsYAML, Target: &cfg},
		// Run is nil until the engine's profiler lands: the stage says it
		// is not implemented rather than pretending.
	})
}
