package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/real-bench/internal/launch"
)

// ServerLogFile is the managed server's stdout and stderr in the run
// directory.
const ServerLogFile = "server.log"

// managed is a serving system real-bench starts as its child (server.url
// empty, backend=sarathi|vllm) and stops at the end of the run.
type managed struct {
	name     string // Sarathi-Serve | vLLM
	model    string // what the server loads and serves
	dtype    string // model.dtype, as the server was told
	port     int
	argv     []string
	version  string
	sched    config.Scheduler // the settings the server runs with
	blocks   int              // KV blocks passed to the server; 0 = its own sizing
	warnings []string
	grace    time.Duration
	timeout  time.Duration

	log       *os.File
	proc      *launch.Process
	readyS    float64 // s from start to the first answer of GET /v1/models
	stopState string
}

// newManaged checks everything that can be checked before the run: the
// keys, the model, the program, the port, the command line.
func newManaged(cfg *Config) (*managed, error) {
	s := cfg.Server
	if s.StartTimeout <= 0 {
		return nil, command.Usage(fmt.Errorf("server.start_timeout: %g must be > 0 (s)", s.StartTimeout), "")
	}
	if s.StopGrace < 0 {
		return nil, command.Usage(fmt.Errorf("server.stop_grace: %g must be ≥ 0 (s)", s.StopGrace), "")
	}
	m := &managed{model: cfg.Model.ModelID, dtype: cfg.Model.DType, sched: cfg.Scheduler, grace: seconds(s.StopGrace), timeout: seconds(s.StartTimeout)}
	if m.model == "" {
		m.model = cfg.Model.HFName
	}
	if err := checkModelDir(m.model); err != nil {
		return nil, err
	}
	if err := m.sched.Validate(); err != nil {
		return nil, command.Usage(err, "")
	}
	port, err := launch.FreePort()
	if err != nil {
		return nil, err
	}
	m.port = port
	args, err := m.serverArgs(cfg)
	if err != nil {
		return nil, err
	}
	if s.Command != "" {
		if m.argv, err = expandCommand(s, m, args); err != nil {
			return nil, err
		}
		if m.argv[0], err = exec.LookPath(m.argv[0]); err != nil {
			return nil, fmt.Errorf("server.command: %w", err)
		}
		return m, nil
	}
	prog, err := m.findProgram(cfg.Backend.Profile)
	if err != nil {
		return nil, err
	}
	m.argv = append([]string{prog}, args...)
	return m, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// URL is the server's base URL.
func (m *managed) URL() string { return "http://127.0.0.1:" + strconv.Itoa(m.port) }

// Start starts the server and waits until it answers GET /v1/models.
// Cancelling ctx (Ctrl-C) stops it, whenever that comes. On an error the
// server is stopped and its output is left in a file the hint names.
func (m *managed) Start(ctx context.Context) error {
	log, err := os.CreateTemp("", "real-bench-server-*.log")
	if err != nil {
		return err
	}
	m.log = log
	t0 := time.Now()
	m.proc, err = launch.Start(launch.Spec{Argv: m.argv, Log: log, ReadyURL: m.URL() + "/v1/models", StartTimeout: m.timeout, StopGrace: m.grace})
	if err != nil {
		return err
	}
	m.proc.StopOnCancel(ctx)
	if err := m.proc.WaitReady(ctx); err != nil {
		m.Stop()
		if ctx.Err() != nil {
			return fmt.Errorf("%w while waiting for %s to start; nothing was recorded", command.ErrInterrupted, m.name)
		}
		return command.WithHint(fmt.Errorf("%s: %w", m.name, err), m.logHint())
	}
	m.readyS = time.Since(t0).Seconds()
	if m.version == "" {
		m.version = serverVersion(ctx, m.URL())
	}
	return nil
}

// logHint says where a failed server's output and command line are.
func (m *managed) logHint() string {
	return "the server's whole output is in " + m.log.Name() + "; its command: " + strings.Join(m.argv, " ")
}

// serverVersion asks GET /version (vLLM has it); "" when the server does
// not say.
func serverVersion(ctx context.Context, base string) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/version", nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var v struct {
		Version string `json:"version"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&v) != nil {
		return ""
	}
	return v.Version
}

// Stop stops the server if it was started; later calls do nothing.
func (m *managed) Stop() {
	if m.proc != nil {
		m.stopState = m.proc.Stop()
	}
}

// Describe records the server: its command line, version, and the
// scheduler settings it ran with under the shared key names. Once the
// server has stopped (after Replay) it also moves the server's log into
// the run directory; a Describe while it still runs (the crash journal's
// header) leaves the log where it is.
func (m *managed) Describe(d *artifacts.Dir, meta *artifacts.RunMeta) error {
	if m.log != nil && m.proc != nil && m.stopState != "" {
		name := m.log.Name()
		err := d.WriteFile(ServerLogFile, func(w io.Writer) error {
			if _, err := m.log.Seek(0, io.SeekStart); err != nil {
				return err
			}
			_, err := io.Copy(w, m.log)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", ServerLogFile, err)
		}
		m.log.Close()
		m.log = nil
		os.Remove(name)
	}
	meta.Scheduler = m.sched.Meta(m.blocks)
	if m.blocks == 0 {
		// The server sized its cache itself and does not say how over
		// the API: unknown, so that compare-runs does not compare it and
		// vidur-sim scheduler.from_run= keeps its own sizing.
		delete(meta.Scheduler, "num_kv_blocks")
	}
	meta.Scheduler["server"] = m.name
	meta.Model.DType = m.dtype
	for k, v := range map[string]any{
		"server_managed": true, "server_command": strings.Join(m.argv, " "), "server_argv": m.argv,
		"server_version": m.version, "server_log": ServerLogFile, "server_ready_s": m.readyS,
		"server_stop": m.stopState, "model_id": m.model,
	} {
		meta.Extra[k] = v
	}
	meta.Warnings = append(meta.Warnings, m.warnings...)
	return nil
}
