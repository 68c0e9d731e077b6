// Package config loads a tool's configuration the way Hydra does for the
// Python original: a defaults document, config groups chosen by
// `group=option` (model=qwen3_0_6b, hardware=cpu, backend=native), then
// `key=value` overrides, strictly typed.
//
// A tool describes itself with a [Schema]: its defaults YAML, which lists
// every key it accepts (a key absent there is unknown, and an error that
// names the nearest valid key), a `defaults:` list choosing one option per
// group, and the Go struct the configuration decodes into. The struct is
// what types an override: `workload.num_requests=1.5` is refused for an
// int field instead of being truncated, and `run_id=0010` stays a string.
//
// Group files are embedded (conf/<group>/<option>.yaml) and a user
// directory may add or replace options. A group file's keys live under
// its group (model.*) unless its first line is `# @package _global_`.
//
// Load order: tool defaults, embedded group options, user group options,
// an optional --config file, then command-line overrides in order.
package config
