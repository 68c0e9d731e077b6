package main

import (
	_ "embed"

	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/vidur-profile/internal/profile"
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
	Profile   profile.Settings `koanf:"profile"`
	Scheduler config.Scheduler `koanf:"scheduler"`
	Engine    struct {
		Threads int    `koanf:"threads"`
		KVDType string `koanf:"kv_dtype"`
	} `koanf:"engine"`
}
