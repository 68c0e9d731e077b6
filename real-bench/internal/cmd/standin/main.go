// Command standin pretends to be a serving system for real-bench's
// managed-server tests. It takes whatever arguments real-bench would pass
// to Sarathi-Serve or vLLM, records them with its environment and process
// id in the JSON file named by STANDIN_RECORD, and serves the OpenAI
// streaming API (internal/fakeserver) on the --port it was given: vLLM's
// way when the arguments hold "serve", Sarathi-Serve's when they name a
// sarathi module. STANDIN_MODE changes how it behaves: "exit" fails
// before listening, "silent" never listens, "ignore-term" ignores
// SIGTERM, "fail" answers every completion with HTTP 500. STANDIN_DELAY
// (a Go duration) delays listening.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/simcheck/simcheck/real-bench/internal/fakeserver"
)

// Record is what the stand-in writes to STANDIN_RECORD.
type Record struct {
	Argv []string `json:"argv"`
	Env  []string `json:"env"`
	Pid  int      `json:"pid"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "standin: error:", err)
		os.Exit(1)
	}
}

func run() error {
	if err := record(os.Getenv("STANDIN_RECORD")); err != nil {
		return err
	}
	args := os.Args[1:]
	port := flagValue(args, "--port")
	if port == "" {
		return fmt.Errorf("no --port in %q", args)
	}
	b := fakeserver.Behavior{Profile: "generic", Step: 2 * time.Millisecond}
	if i := slices.Index(args, "serve"); i >= 0 && i+1 < len(args) {
		b.Profile, b.Models, b.Version = "vllm", []string{args[i+1]}, "standin-vllm-1.0"
	} else if slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "sarathi.") }) {
		b.Profile, b.Models, b.PrefillSteps = "sarathi", []string{flagValue(args, "--model_config_model")}, 1
	}
	mode := os.Getenv("STANDIN_MODE")
	fmt.Println("standin: loading model", b.Models)
	if d, err := time.ParseDuration(os.Getenv("STANDIN_DELAY")); err == nil {
		time.Sleep(d)
	}
	sig := make(chan os.Signal, 1)
	switch mode {
	case "exit":
		fmt.Fprintln(os.Stderr, "standin: RuntimeError: CUDA out of memory (pretend)")
		os.Exit(3)
	case "silent":
		time.Sleep(time.Hour)
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
	case "fail":
		b.Status = 500
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		return err
	}
	srv := fakeserver.NewOn(l, b)
	fmt.Fprintln(os.Stderr, "standin: listening on", srv.URL, "as", b.Profile)
	if mode == "ignore-term" {
		time.Sleep(time.Hour) // until SIGKILL
	}
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	fmt.Println("standin: SIGTERM, shutting down")
	srv.Close()
	return nil
}

func flagValue(args []string, name string) string {
	if i := slices.Index(args, name); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

func record(path string) error {
	if path == "" {
		return nil
	}
	data, err := json.Marshal(Record{Argv: os.Args, Env: os.Environ(), Pid: os.Getpid()})
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), ".standin-record")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
