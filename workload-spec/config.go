package main

import (
	_ "embed"

	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/workload-spec/internal/gen"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// Config is workload-spec's configuration.
type Config struct {
	config.Common `koanf:",squash"`
	Model         config.Model `koanf:"model"`
	Workload      gen.Settings `koanf:"workload"`
}
