// Package command wires a tool's command line: urfave/cli/v2 flags
// (--help, --version, --print-config, --config, --config-dir), Hydra-style
// overrides in any order among the flags, configuration loading, one place
// that maps errors to exit statuses (0 ok, 1 run failure, 2 usage or
// config error), and `tool: error: …` / `tool: hint: …` lines on stderr.
//
// With --multirun (-m) the overrides are a sweep, as Hydra's basic
// sweeper reads them: Expand turns them into jobs, which run one after
// another, each with a freshly loaded configuration, and a manifest
// (multirun.yaml) records how each ended. With launcher=local, parallel
// or slurm the jobs run instead as processes of this executable, from a
// job list (jobs.txt) that a pool, GNU parallel or a Slurm job array
// reads.
package command
