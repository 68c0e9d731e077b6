package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/pkg/tokenizer"
	"github.com/simcheck/simcheck/workload-spec/internal/gen"
)

func newTool() command.Tool {
	var cfg Config
	return command.Tool{
		Name:  "workload-spec",
		Usage: "write a deterministic workload: prompts with exact token counts and arrival times",
		Description: "Writes <output_root>/workloads/<workload_id>/ (prompts.jsonl, trace_lengths.csv,\n" +
			"trace_intervals.csv, trace_replay.csv, workload_meta.json, config.yaml) and prints its path.\n" +
			"Example: workload-spec model=qwen3_0_6b workload.num_requests=64 workload.arrival.kind=poisson workload.arrival.qps=2",
		Schema: config.Schema{Tool: "workload-spec", Defaults: defaultsYAML, Target: &cfg},
		Run:    func(c *command.Context) error { return run(c, &cfg) },
	}
}

// bootstrapHint is the runbook's answer to a missing model reference.
const bootstrapHint = "run scripts/bootstrap_model.sh to fetch the Qwen3 tokenizer and config, or point model.path= at a Hugging Face snapshot"

// loadTokenizer opens <model.path>/tokenizer.json with the runbook's hint.
func loadTokenizer(m *config.Model) (*tokenizer.Tokenizer, error) {
	p := filepath.Join(m.Path, "tokenizer.json")
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, command.WithHint(fmt.Errorf("model reference for %s not found: %s does not exist", m.Name, p), bootstrapHint)
	}
	tok, err := tokenizer.Load(p)
	if err != nil {
		return nil, command.WithHint(err, "the file looks corrupt; delete it and "+bootstrapHint)
	}
	return tok, nil
}

func run(c *command.Context, cfg *Config) error {
	s := &cfg.Workload
	if err := s.Validate(); err != nil {
		return command.Usage(err, "see docs/workload-spec.md for every workload.* key")
	}
	tok, err := loadTokenizer(&cfg.Model)
	if err != nil {
		return err
	}
	reqs, err := gen.Requests(s)
	if err != nil {
		return err
	}
	prompter, err := gen.NewPrompter(tok, s)
	if err != nil {
		return err
	}
	inputs, err := inputHashes(s)
	if err != nil {
		return err
	}
	w := &artifacts.Workload{Requests: reqs}
	prog := c.NewProgress("prompts", len(reqs))
	counts := artifacts.WorkloadCounts{NumRequests: len(reqs)}
	for _, q := range reqs {
		p, err := prompter.Prompt(q.RequestID, q.NumPrefillTokens)
		if err != nil {
			return err
		}
		p.NumDecodeTokens = q.NumDecodeTokens
		w.Prompts = append(w.Prompts, p)
		counts.TotalPrefillTokens += q.NumPrefillTokens
		counts.TotalDecodeTokens += q.NumDecodeTokens
		counts.LastArrivalS = q.ArrivedAt
		prog.Add(1)
	}
	prog.Done()
	generator, err := generatorRecord(s, inputs)
	if err != nil {
		return err
	}
	id := cfg.RunID
	if id == "" {
		id = workloadID(cfg, generator, tok.SHA256())
	}
	w.Meta = artifacts.WorkloadMeta{
		SchemaVersion: artifacts.SchemaVersion,
		WorkloadID:    id,
		Generator:     generator,
		Seed:          s.Seed,
		Model: artifacts.ModelRef{Name: cfg.Model.Name, Tokenizer: artifacts.TokenizerRef{
			Path: filepath.ToSlash(filepath.Join(cfg.Model.Path, "tokenizer.json")), SHA256: tok.SHA256()}},
		Counts:      counts,
		ToolVersion: artifacts.ToolVersion,
	}
	d, err := artifacts.CreateDir(filepath.Join(cfg.OutputRoot, "workloads", id), cfg.Overwrite)
	if errors.Is(err, artifacts.ErrExists) {
		return command.WithHint(err, "the same settings give the same workload id; pass overwrite=true to write it again")
	}
	if err != nil {
		return err
	}
	defer d.Abort()
	if err := artifacts.WriteWorkload(d, w); err != nil {
		return err
	}
	if err := os.WriteFile(d.Path(artifacts.ConfigFile), configForID(c.Config), 0o644); err != nil {
		return err
	}
	if err := d.Commit(); err != nil {
		return err
	}
	c.Infof("wrote %d requests (%d prompt tokens, %d output tokens, last arrival %.3f s)",
		counts.NumRequests, counts.TotalPrefillTokens, counts.TotalDecodeTokens, counts.LastArrivalS)
	fmt.Fprintln(c.Stdout, d.Final)
	return nil
}

// configForID is the resolved config; it holds no timestamps, so the
// workload's bytes depend on its settings alone.
func configForID(c *config.Config) []byte { return c.YAML() }

// inputHashes records the sha256 of every input file, so a changed trace
// or corpus changes the workload id.
func inputHashes(s *gen.Settings) (map[string]string, error) {
	out := map[string]string{}
	for key, p := range map[string]string{
		"arrival.trace_file": s.Arrival.TraceFile,
		"length.trace_file":  s.Length.TraceFile,
		"prompt.corpus_file": s.Prompt.CorpusFile,
	} {
		if p == "" {
			continue
		}
		h, err := artifacts.FileSHA256(p)
		if err != nil {
			return nil, fmt.Errorf("workload.%s: %w", key, err)
		}
		out[key] = h
	}
	return out, nil
}

// generatorRecord is the generator settings as a JSON object, with the
// input files' hashes.
func generatorRecord(s *gen.Settings, inputs map[string]string) (map[string]any, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["input_sha256"] = inputs
	return m, nil
}

// workloadID is readable and derived from the settings alone: the same
// settings, model and tokenizer give the same id.
func workloadID(cfg *Config, generator map[string]any, tokSHA string) string {
	b, _ := json.Marshal(map[string]any{"generator": generator, "model": cfg.Model.Name, "tokenizer": tokSHA})
	sum := sha256.Sum256(b)
	s := &cfg.Workload
	n := fmt.Sprintf("n%d", s.NumRequests)
	if s.Duration > 0 {
		n = fmt.Sprintf("d%gs", s.Duration)
	}
	return fmt.Sprintf("%s-%s-%s-%s-%s", cfg.Model.Name, s.Arrival.Kind, s.Length.Kind, n, hex.EncodeToString(sum[:])[:8])
}
