package main

import (
	_ "embed"

	"github.com/simcheck/simcheck/pkg/config"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// Config is real-bench's configuration (docs/real-bench.md lists every key).
type Config struct {
	config.Common `koanf:",squash"`
	Model         config.Model    `koanf:"model"`
	Hardware      config.Hardware `koanf:"hardware"`
	Backend       config.Backend  `koanf:"backend"`
	Workload      struct {
		WorkloadDir string `koanf:"workload_dir"`
	} `koanf:"workload"`
	// Recover names a crashed run (its run id, or its temporary
	// directory) to rebuild from its journal instead of replaying.
	Recover        string  `koanf:"recover"`
	TimeScale      float64 `koanf:"time_scale"`
	IgnoreEOS      bool    `koanf:"ignore_eos"`
	TokenizerCheck bool    `koanf:"tokenizer_check"`
	Warmup         struct {
		Requests     int `koanf:"requests"`
		PromptTokens int `koanf:"prompt_tokens"`
		DecodeTokens int `koanf:"decode_tokens"`
	} `koanf:"warmup"`
	Scheduler config.Scheduler `koanf:"scheduler"`
	SLO       config.SLO       `koanf:"slo"`
	Engine    struct {
		Threads     int     `koanf:"threads"`
		KVDType     string  `koanf:"kv_dtype"`
		Seed        uint64  `koanf:"seed"`
		Temperature float64 `koanf:"temperature"`
		TopP        float64 `koanf:"top_p"`
	} `koanf:"engine"`
	Server Server `koanf:"server"`
}

// Server holds the server.* keys of the OpenAI-compatible backends.
type Server struct {
	URL            string  `koanf:"url"`
	Model          string  `koanf:"model"`
	Timeout        float64 `koanf:"timeout"`
	MaxConcurrency int     `koanf:"max_concurrency"`
	Launch         string  `koanf:"launch"`
	// The keys of a server real-bench starts itself (url empty,
	// backend=sarathi|vllm): managed.go.
	Command      string  `koanf:"command"`
	ExtraArgs    string  `koanf:"extra_args"`
	StartTimeout float64 `koanf:"start_timeout"`
	StopGrace    float64 `koanf:"stop_grace"`
}
