package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
)

// Tool describes one executable.
type Tool struct {
	Name        string
	Usage       string
	Description string
	Schema      config.Schema
	// Run does the work. A nil Run means the stage is not built yet, which
	// is reported as such (exit 1), never faked.
	Run func(*Context) error
}

// Context is what a tool's Run receives.
type Context struct {
	Ctx    context.Context // cancelled on Ctrl-C
	Config *config.Config
	Stdout io.Writer
	Stderr io.Writer
	Tool   string
}

// Warnf prints a warning line on stderr.
func (c *Context) Warnf(format string, args ...any) {
	fmt.Fprintf(c.Stderr, "%s: warning: %s\n", c.Tool, fmt.Sprintf(format, args...))
}

// Infof prints an informational line on stderr (stdout stays for results).
func (c *Context) Infof(format string, args ...any) {
	fmt.Fprintf(c.Stderr, "%s: %s\n", c.Tool, fmt.Sprintf(format, args...))
}

// HintError carries a hint line for the user.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// WithHint attaches a hint to err.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// Usage marks err as a usage or configuration error (exit status 2).
func Usage(err error, hint string) error {
	return &config.UsageError{Err: err, Hint: hint}
}

// ErrInterrupted marks an error caused by Ctrl-C (SIGINT). It and
// context.Canceled exit with 130, the shell's status for a process ended
// by SIGINT, so a script can tell a user's interrupt from a failure.
var ErrInterrupted = errors.New("interrupted")

// StatusInterrupted is the exit status after Ctrl-C: 128 + SIGINT.
const StatusInterrupted = 130

// ErrNotImplemented is returned for a capability that is not built yet.
var ErrNotImplemented = errors.New("not implemented yet")

// Main runs the tool on the process's arguments and exits.
func Main(t Tool) {
	os.Exit(Run(t, os.Args, os.Stdout, os.Stderr))
}

// Run runs the tool and returns its exit status.
func Run(t Tool, args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return runContext(ctx, t, args, stdout, stderr)
}

// runContext is Run with the context that Ctrl-C cancels, so that tests
// can cancel it instead.
func runContext(ctx context.Context, t Tool, args []string, stdout, stderr io.Writer) int {
	var started bool
	desc := ""
	if helpAsked(args) {
		// Only --help shows it, and reading every config group for it
		// costs milliseconds that every run would pay.
		desc = description(t)
	}
	app := &cli.App{
		Name:        t.Name,
		Usage:       t.Usage,
		Description: desc,
		Version:     fmt.Sprintf("%s (artifact schema %d, %s)", artifacts.ToolVersion, artifacts.SchemaVersion, runtime.Version()),
		ArgsUsage:   "[group=option ...] [key=value ...]",
		Writer:      stdout,
		ErrWriter:   stderr,
		// Errors are printed and mapped to statuses below, not by cli.
		ExitErrHandler: func(*cli.Context, error) {},
		// Without this, cli prints "Incorrect Usage" and the whole help
		// text on stdout for a bad flag; the error and a hint go to stderr
		// below instead, and stdout stays for results.
		OnUsageError:    func(_ *cli.Context, err error, _ bool) error { return err },
		HideHelpCommand: true,
		// cli's own --help and --version are package-level flag values that
		// every App writes while parsing: two apps in one process (tests,
		// in-process sweep jobs) race on them. Each app gets its own; cli
		// still answers --help (it looks the flag up by name), and the
		// action below answers --version.
		HideHelp:    true,
		HideVersion: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "help", Aliases: []string{"h"}, Usage: "show help"},
			&cli.BoolFlag{Name: "version", Aliases: []string{"v"}, Usage: "print the version"},
			&cli.BoolFlag{Name: "print-config", Usage: "print the resolved configuration and exit"},
			&cli.StringFlag{Name: "config", Usage: "a YAML `FILE` merged after the config groups, before overrides"},
			&cli.StringFlag{Name: "config-dir", EnvVars: []string{"SIMCHECK_CONFIG_DIR"}, Usage: "a `DIR` of <group>/<option>.yaml files adding or replacing config groups"},
			&cli.BoolFlag{Name: "multirun", Aliases: []string{"m"}, Usage: "sweep: run every combination of comma-separated values (key=a,b), one job after another, or as launcher=local|parallel|slurm says"},
			&cli.StringFlag{Name: "sweep-id", Usage: "with --multirun, the `ID` of <output_root>/multirun/<ID>/ (default: a UTC timestamp and a hash of the arguments)"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				cli.ShowVersion(c)
				return nil
			}
			started = true
			opt := config.Options{UserDir: c.String("config-dir"), File: c.String("config")}
			if c.IsSet("sweep-id") {
				if !c.Bool("multirun") {
					return Usage(errors.New("--sweep-id needs --multirun"), "")
				}
				if err := checkSweepID(c.String("sweep-id")); err != nil {
					return err
				}
			}
			if c.Bool("multirun") {
				s := &sweep{ctx: ctx, tool: t, args: args[min(1, len(args)):], opt: opt, stdout: stdout, stderr: stderr}
				return runSweep(s, c.Args().Slice(), sweepFlags{printConfig: c.Bool("print-config"), id: c.String("sweep-id")})
			}
			if err := refuseLauncher(c.Args().Slice()); err != nil {
				return err
			}
			cfg, err := config.Load(t.Schema, c.Args().Slice(), opt)
			if err != nil {
				return err
			}
			if c.Bool("print-config") {
				_, err := stdout.Write(cfg.YAML())
				return err
			}
			if t.Run == nil {
				return fmt.Errorf("the %s stage is %w", t.Name, ErrNotImplemented)
			}
			return t.Run(&Context{Ctx: ctx, Config: cfg, Stdout: stdout, Stderr: stderr, Tool: t.Name})
		},
	}
	err := app.Run(reorder(args))
	if err == nil {
		return 0
	}
	return report(t.Name, stderr, err, !started)
}

// description is the tool's --help text: its own, then its config groups
// and where the keys are listed.
func description(t Tool) string {
	d := t.Description
	if g := config.GroupsHelp(t.Schema, os.Getenv("SIMCHECK_CONFIG_DIR")); g != "" {
		d += "\n\nCONFIG GROUPS (group=option):\n" + g
	}
	return d + "\nKEYS: every key and its value: " + t.Name + " --print-config [group=option ...]; override one with key=value;\n" +
		"a value may refer to another key as ${key} (docs/configuration.md)."
}

// helpAsked reports whether args (the program name first) ask for
// --help, in any spelling the flag parser accepts.
func helpAsked(args []string) bool {
	for _, a := range args[min(1, len(args)):] {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (name == "h" || name == "help") {
			return true
		}
	}
	return false
}

// report prints err and returns the exit status for it.
func report(tool string, stderr io.Writer, err error, beforeAction bool) int {
	f := classify(tool, err, beforeAction)
	f.print(tool, stderr)
	return f.status
}

// failure is an error as the user sees it: one line, a hint, a status.
type failure struct {
	status    int
	msg, hint string
}

// classify maps err to its exit status, message and hint: the one place
// that does, for a single run and for each job of a sweep.
func classify(tool string, err error, beforeAction bool) failure {
	if errors.Is(err, ErrInterrupted) {
		return failure{status: StatusInterrupted, msg: strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	if errors.Is(err, context.Canceled) {
		return failure{status: StatusInterrupted, msg: "interrupted"}
	}
	f := failure{status: 1, msg: strings.ReplaceAll(err.Error(), "\n", "; ")}
	var ue *config.UsageError
	var he *HintError
	if errors.As(err, &ue) {
		f.status, f.hint = 2, ue.Hint
	} else if beforeAction {
		f.status, f.hint = 2, "see "+tool+" --help"
	}
	if errors.As(err, &he) && he.Hint != "" {
		f.hint = he.Hint
	}
	return f
}

func (f failure) print(tool string, stderr io.Writer) {
	fmt.Fprintf(stderr, "%s: error: %s\n", tool, f.msg)
	if f.hint != "" {
		fmt.Fprintf(stderr, "%s: hint: %s\n", tool, f.hint)
	}
}

// reorder moves key=value overrides behind flags, because urfave/cli v2
// stops parsing flags at the first positional argument (Go flag
// semantics). A flag value given as a separate word
// stays beside its flag, so use --flag=value for values containing '='.
func reorder(args []string) []string {
	if len(args) == 0 {
		return args
	}
	out := []string{args[0]}
	var pos []string
	help := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") && strings.Contains(a, "=") {
			pos = append(pos, a)
			continue
		}
		switch a {
		case "-h", "-help", "--help":
			help = true
		}
		out = append(out, a)
	}
	// With --help, cli reads the first argument as a help topic ("No help
	// topic for 'model=x'"): help ignores the overrides.
	if len(pos) == 0 || help {
		return out
	}
	return append(append(out, "--"), pos...)
}

// DefaultID is the id of an output directory when the user gives none: a
// UTC timestamp and a short hash of the resolved configuration.
func DefaultID(cfg *config.Config) string {
	return time.Now().UTC().Format("20060102T150405Z") + "-" + cfg.Hash()
}
