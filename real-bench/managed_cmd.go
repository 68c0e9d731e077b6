package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/simcheck/simcheck/pkg/config/command"
)

// managedInstall is how to install each server, for the not-installed
// error.
var managedInstall = map[string]string{
	"sarathi": "install Sarathi-Serve into this python (git clone https://github.com/microsoft/sarathi-serve && pip install -e sarathi-serve)",
	"vllm":    "install vLLM (pip install vllm)",
}

// serverArgs are the arguments of the backend's server after its
// program, server.extra_args last, and the kind its policy is recorded as.
func (m *managed) serverArgs(cfg *Config) ([]string, error) {
	var args []string
	switch cfg.Backend.Profile {
	case "sarathi":
		m.name = "Sarathi-Serve"
		if s := cfg.Server.Model; s != "" && s != m.model {
			return nil, command.Usage(fmt.Errorf("server.model=%s: Sarathi-Serve serves the model under the name it loads (%s)", s, m.model), "leave server.model empty")
		}
		args = m.sarathiArgs(cfg)
	case "vllm":
		m.name = "vLLM"
		args = m.vllmArgs(cfg)
	default:
		return nil, fmt.Errorf("backend.profile %q: real-bench starts only sarathi and vllm servers", cfg.Backend.Profile)
	}
	if cfg.Scheduler.Kind != m.sched.Kind {
		m.warnings = append(m.warnings, fmt.Sprintf("scheduler.kind=%s is not what %s runs: its policy is recorded as kind %s", cfg.Scheduler.Kind, m.name, m.sched.Kind))
	}
	return append(args, strings.Fields(cfg.Server.ExtraArgs)...), nil
}

// checkModelDir: a model.model_id that is a directory must be a Hugging
// Face snapshot; one that looks like a path must exist. Anything else is
// a hub id, which the server resolves itself.
func checkModelDir(model string) error {
	st, err := os.Stat(model)
	switch {
	case err == nil && st.IsDir():
		if _, err := os.Stat(filepath.Join(model, "config.json")); errors.Is(err, fs.ErrNotExist) {
			return command.Usage(fmt.Errorf("model.model_id=%s: %s does not exist, so this is not a Hugging Face snapshot directory", model, filepath.Join(model, "config.json")),
				"point model.model_id at the directory holding config.json, the tokenizer and the weights, or give a hub id such as meta-llama/Llama-2-7b-hf")
		} else if err != nil {
			return err
		}
	case err == nil:
		return command.Usage(fmt.Errorf("model.model_id=%s is a file, not a snapshot directory or a hub id", model), "")
	case strings.HasPrefix(model, "/") || strings.HasPrefix(model, ".") || strings.HasPrefix(model, "~"):
		return command.Usage(fmt.Errorf("model.model_id=%s: no such directory", model), "give an existing Hugging Face snapshot directory, or a hub id")
	}
	return nil
}

// modelRefDir is the directory of the model's reference files (config.json,
// tokenizer.json): model.model_id when it is a local snapshot, else
// model.path.
func modelRefDir(cfg *Config) string {
	if st, err := os.Stat(cfg.Model.ModelID); cfg.Model.ModelID != "" && err == nil && st.IsDir() {
		return cfg.Model.ModelID
	}
	return cfg.Model.Path
}

// torchDType is model.dtype as both servers spell it.
func torchDType(d string) string {
	switch d {
	case "bf16":
		return "bfloat16"
	case "fp16":
		return "float16"
	case "fp32":
		return "float32"
	}
	return d
}

// sarathiArgs is Sarathi-Serve's OpenAI server on one GPU with the shared
// scheduler keys (docs/backends.md lists them key by key). Sarathi sizes
// its KV cache by profiling GPU memory, so no capacity is passed.
func (m *managed) sarathiArgs(cfg *Config) []string {
	s := m.sched
	m.sched.Kind = "sarathi"
	if s.NumKVBlocks > 0 || s.KVCacheGB > 0 {
		m.warnings = append(m.warnings, fmt.Sprintf("scheduler.num_kv_blocks=%d / kv_cache_gb=%g are not passed to Sarathi-Serve, which sizes its KV cache by profiling GPU memory; run_meta.json leaves num_kv_blocks out (the server's own sizing, unknown here)", s.NumKVBlocks, s.KVCacheGB))
	}
	it := strconv.Itoa
	return []string{"-m", "sarathi.entrypoints.openai.api_server",
		"--host", "127.0.0.1", "--port", it(m.port), "--log_level", "info",
		"--model_config_model", m.model, "--model_config_dtype", torchDType(cfg.Model.DType),
		"--model_config_seed", strconv.FormatUint(cfg.Engine.Seed, 10),
		"--parallel_config_pipeline_parallel_size", "1", "--parallel_config_tensor_parallel_size", "1",
		"--scheduler_config_type", "SARATHI",
		"--sarathi_scheduler_config_chunk_size", it(s.ChunkSize),
		"--sarathi_scheduler_config_max_num_seqs", it(s.MaxBatchSize),
		"--cache_config_block_size", it(s.BlockSize)}
}

// vllmArgs is `vllm serve` with the shared scheduler keys. vLLM (V1)
// always chunks prefills: max_tokens_in_batch is its per-step token
// budget.
func (m *managed) vllmArgs(cfg *Config) []string {
	s := m.sched
	m.sched.Kind = "vllm"
	it := strconv.Itoa
	args := []string{"serve", m.model, "--host", "127.0.0.1", "--port", it(m.port),
		"--dtype", torchDType(cfg.Model.DType), "--seed", strconv.FormatUint(cfg.Engine.Seed, 10),
		"--max-num-seqs", it(s.MaxBatchSize), "--max-num-batched-tokens", it(s.MaxTokensInBatch),
		"--block-size", it(s.BlockSize), "--enable-chunked-prefill"}
	if s.NumKVBlocks > 0 {
		m.blocks = s.NumKVBlocks
		args = append(args, "--num-gpu-blocks-override", it(s.NumKVBlocks))
	} else if s.KVCacheGB > 0 {
		m.warnings = append(m.warnings, fmt.Sprintf("scheduler.kv_cache_gb=%g is not passed to vLLM (set scheduler.num_kv_blocks for --num-gpu-blocks-override); run_meta.json leaves num_kv_blocks out (the server's own sizing, unknown here)", s.KVCacheGB))
	}
	if sm := cfg.Server.Model; sm != "" && sm != m.model {
		args = append(args, "--served-model-name", sm)
	}
	return args
}

// expandCommand splits server.command at spaces and fills in {port},
// {model} and {args}.
func expandCommand(s Server, m *managed, args []string) ([]string, error) {
	words := strings.Fields(s.Command)
	if !strings.Contains(s.Command, "{port}") && !strings.Contains(s.Command, "{args}") {
		return nil, command.Usage(fmt.Errorf("server.command %q has neither {port} nor {args}, so the server cannot learn the port real-bench picked", s.Command),
			`e.g. server.command="python -m my.server --port {port} --model {model}"`)
	}
	if s.ExtraArgs != "" && !strings.Contains(s.Command, "{args}") {
		return nil, command.Usage(errors.New("server.extra_args is only added through {args} when server.command is set"), "put the arguments in server.command, or use {args} in it")
	}
	var out []string
	for _, w := range words {
		if w == "{args}" {
			out = append(out, args...)
			continue
		}
		w = strings.ReplaceAll(w, "{port}", strconv.Itoa(m.port))
		out = append(out, strings.ReplaceAll(w, "{model}", m.model))
	}
	return out, nil
}

// findProgram resolves the server's program and checks it is installed,
// reading Sarathi-Serve's version on the way (importing it would take
// seconds; its package metadata does not).
func (m *managed) findProgram(profile string) (string, error) {
	notInstalled := func(why string) error {
		return command.WithHint(fmt.Errorf("backend=%s starts %s, but it is not installed here: %s", profile, m.name, why),
			managedInstall[profile]+", or pass server.url= of a server already running")
	}
	if profile == "vllm" {
		p, err := exec.LookPath("vllm")
		if err != nil {
			return "", notInstalled("no vllm program on PATH")
		}
		return p, nil
	}
	var py string
	for _, name := range []string{"python", "python3"} {
		if p, err := exec.LookPath(name); err == nil {
			py = p
			break
		}
	}
	if py == "" {
		return "", notInstalled("neither python nor python3 is on PATH")
	}
	const probe = `import importlib.util as u, importlib.metadata as md, sys
if u.find_spec("sarathi") is None: sys.exit(3)
for n in ("sarathi", "sarathi-serve"):
    try:
        print(md.version(n)); break
    except Exception: pass`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c", probe).Output()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == 3:
		return "", notInstalled(py + " cannot import sarathi")
	case err != nil:
		return "", fmt.Errorf("checking that %s can import sarathi: %v", py, err)
	}
	m.version = strings.TrimSpace(string(out))
	return py, nil
}
