package config

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
	yamlv3 "go.yaml.in/yaml/v3"
)

//go:embed conf conf/_sections
var embedded embed.FS

// globalMarker on a group file's first line merges it at the root instead
// of under its group, as Hydra's `# @package _global_` does.
const globalMarker = "# @package _global_"

// Schema describes one tool's configuration.
type Schema struct {
	// Tool names the tool in messages.
	Tool string
	// Defaults is the tool's defaults YAML: every key it accepts, with its
	// default, and a `defaults:` list of {group: option} choices.
	Defaults []byte
	// Target is a pointer to the tool's config struct; its field types
	// type the overrides.
	Target any
	// Sections names shared sections (conf/_sections/<name>.yaml, e.g.
	// "scheduler", "slo") whose keys and defaults every tool that lists
	// them takes from that one file; the tool's own defaults merge on top
	// and may add keys of their own under the same section.
	Sections []string
}

// Options are the sources beside the command line.
type Options struct {
	// UserDir holds <group>/<option>.yaml files that add or replace
	// embedded options.
	UserDir string
	// File is a YAML file merged after the groups, before overrides.
	File string
}

// GroupChoice is one selected group option.
type GroupChoice struct {
	Group, Option string
	Source        string // where the option's file came from
}

// Config is a resolved configuration.
type Config struct {
	k      *koanf.Koanf
	Groups []GroupChoice
	schema Schema
	// given records the keys the user set explicitly: the source of each.
	given map[string]string
}

// UsageError is a configuration mistake of the user's: exit status 2.
type UsageError struct {
	Err  error
	Hint string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(hint, format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...), Hint: hint}
}

// Load resolves the configuration from the schema, options and
// command-line arguments (each `group=option`, `key=value` or
// `+key=value` to add a key the schema lacks).
func Load(s Schema, args []string, opt Options) (*Config, error) {
	base, order, err := parseDefaults(s)
	if err != nil {
		return nil, err
	}
	choices := map[string]string{}
	for _, g := range order {
		choices[g.Group] = g.Option
	}
	// Group selections apply first, wherever they stand on the line.
	var overrides [][2]string
	chosen := map[string]bool{}
	for _, a := range args {
		key, val, ok := strings.Cut(a, "=")
		if !ok || key == "" {
			return nil, usagef("overrides are key=value, e.g. workload.num_requests=64", "bad argument %q: expected key=value", a)
		}
		if _, isGroup := choices[key]; isGroup {
			choices[key] = val
			chosen[key] = true
			continue
		}
		overrides = append(overrides, [2]string{key, val})
	}
	// A --config file may start with a defaults: list, as every saved
	// config.yaml does, so that a run can be repeated from its output
	// directory. The command line's choices win over the file's.
	var fk *koanf.Koanf
	if opt.File != "" {
		var err error
		if fk, err = loadConfigFile(opt.File, choices, chosen); err != nil {
			return nil, err
		}
	}
	known := map[string]bool{}
	for _, key := range base.Keys() {
		known[key] = true
	}
	// The keys a group may set are those of its default option.
	type loaded struct {
		k   *koanf.Koanf
		src string
	}
	defaults := make([]loaded, len(order))
	for i, g := range order {
		gk, src, _, err := loadGroupFile(s, opt, g.Group, g.Option)
		if err != nil {
			return nil, err
		}
		for _, key := range gk.Keys() {
			known[key] = true
		}
		defaults[i] = loaded{gk, src}
	}
	c := &Config{k: base, schema: s, given: map[string]string{}}
	for i, g := range order {
		opt1 := choices[g.Group]
		gk, src := defaults[i].k, defaults[i].src
		if opt1 != g.Option {
			var err error
			if gk, src, _, err = loadGroupFile(s, opt, g.Group, opt1); err != nil {
				return nil, err
			}
		}
		if err := checkKeys(gk, known, src); err != nil {
			return nil, err
		}
		if err := c.k.Merge(gk); err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		c.Groups = append(c.Groups, GroupChoice{Group: g.Group, Option: opt1, Source: src})
	}
	if fk != nil {
		if err := checkKeys(fk, known, opt.File); err != nil {
			return nil, err
		}
		if err := c.k.Merge(fk); err != nil {
			return nil, fmt.Errorf("%s: %w", opt.File, err)
		}
		for _, key := range fk.Keys() {
			c.given[key] = "config file " + opt.File
		}
	}
	if err := c.setAll(overrides, known); err != nil {
		return nil, err
	}
	if err := c.interpolate(); err != nil {
		return nil, err
	}
	if err := c.Decode(s.Target); err != nil {
		return nil, err
	}
	return c, nil
}

// oneLine joins a multi-line error (the YAML decoder lists each type
// error on a line of its own) so that the message stays one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
}

// loadConfigFile reads a --config file. Its defaults: list, if any, sets
// the choices of groups the command line left alone (an unknown group is
// an error); the rest is returned for merging.
func loadConfigFile(path string, choices map[string]string, chosen map[string]bool) (*koanf.Koanf, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("", "config file: %v", err)
	}
	var head struct {
		Defaults []map[string]string `yaml:"defaults"`
	}
	if err := yamlv3.Unmarshal(data, &head); err != nil {
		return nil, usagef("the defaults: list holds one {group: option} per item, as config.yaml writes it", "%s: %s", path, oneLine(err))
	}
	var replaced []string
	for _, m := range head.Defaults {
		for g, o := range m {
			if _, ok := choices[g]; !ok {
				return nil, usagef("", "%s: defaults: unknown group %q%s", path, g, didYouMean(g, keysOfChoices(choices)))
			}
			if !chosen[g] {
				choices[g] = o
			} else if choices[g] != o {
				replaced = append(replaced, g)
			}
		}
	}
	fk := koanf.New(".")
	if err := fk.Load(rawbytes.Provider(data), yaml.Parser()); err != nil {
		return nil, usagef("", "%s: %s", path, oneLine(err))
	}
	fk.Delete("defaults")
	// The file's values of a group the command line switched to another
	// option belong to the old option: drop them, or they would undo the
	// switch (a saved config.yaml holds every model.* key).
	for _, g := range replaced {
		fk.Delete(g)
	}
	return fk, nil
}

func keysOfChoices(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func parseDefaults(s Schema) (*koanf.Koanf, []GroupChoice, error) {
	var head struct {
		Defaults []map[string]string `yaml:"defaults"`
	}
	if err := yamlv3.Unmarshal(s.Defaults, &head); err != nil {
		return nil, nil, fmt.Errorf("config: %s defaults: %w", s.Tool, err)
	}
	var order []GroupChoice
	for _, m := range head.Defaults {
		for g, o := range m {
			order = append(order, GroupChoice{Group: g, Option: o})
		}
	}
	k := koanf.New(".")
	for _, name := range s.Sections {
		data, err := embedded.ReadFile("conf/_sections/" + name + ".yaml")
		if err != nil {
			return nil, nil, fmt.Errorf("config: %s: no shared section %q", s.Tool, name)
		}
		if err := k.Load(rawbytes.Provider(data), yaml.Parser()); err != nil {
			return nil, nil, fmt.Errorf("config: shared section %s: %w", name, err)
		}
	}
	if err := k.Load(rawbytes.Provider(s.Defaults), yaml.Parser()); err != nil {
		return nil, nil, fmt.Errorf("config: %s defaults: %w", s.Tool, err)
	}
	k.Delete("defaults")
	return k, order, nil
}

// loadGroupFile finds <group>/<option>.yaml in the user directory or the
// embedded set and returns it as a koanf rooted where it merges.
func loadGroupFile(s Schema, opt Options, group, option string) (*koanf.Koanf, string, bool, error) {
	if option == "" || strings.ContainsAny(option, `/\`) || strings.HasPrefix(option, ".") {
		return nil, "", false, usagef("", "bad %s option %q", group, option)
	}
	var data []byte
	var src string
	if opt.UserDir != "" {
		p := filepath.Join(opt.UserDir, group, option+".yaml")
		if b, err := os.ReadFile(p); err == nil {
			data, src = b, p
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", false, usagef("", "config group %s=%s: %v", group, option, err)
		}
	}
	if data == nil {
		p := "conf/" + group + "/" + option + ".yaml"
		b, err := embedded.ReadFile(p)
		if err != nil {
			avail := GroupOptions(group, opt.UserDir)
			return nil, "", false, usagef(fmt.Sprintf("available: %s", strings.Join(avail, ", ")),
				"unknown %s %q%s", group, option, didYouMean(option, avail))
		}
		data, src = b, "embedded "+p
	}
	raw := koanf.New(".")
	if err := raw.Load(rawbytes.Provider(data), yaml.Parser()); err != nil {
		return nil, "", false, usagef("", "%s: %v", src, err)
	}
	global := bytes.HasPrefix(bytes.TrimSpace(data), []byte(globalMarker))
	if global {
		return raw, src, true, nil
	}
	k := koanf.New(".")
	if err := k.MergeAt(raw, group); err != nil {
		return nil, "", false, fmt.Errorf("%s: %w", src, err)
	}
	return k, src, false, nil
}

// GroupOptions lists the options of a group, embedded and user ones.
func GroupOptions(group, userDir string) []string {
	set := map[string]bool{}
	if ents, err := embedded.ReadDir("conf/" + group); err == nil {
		for _, e := range ents {
			set[strings.TrimSuffix(e.Name(), ".yaml")] = true
		}
	}
	if userDir != "" {
		if ents, err := os.ReadDir(filepath.Join(userDir, group)); err == nil {
			for _, e := range ents {
				if strings.HasSuffix(e.Name(), ".yaml") {
					set[strings.TrimSuffix(e.Name(), ".yaml")] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for o := range set {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

func checkKeys(k *koanf.Koanf, known map[string]bool, src string) error {
	for _, key := range k.Keys() {
		if !known[key] {
			return usagef("", "%s: unknown key %q%s", src, key, didYouMean(key, keysOf(known)))
		}
	}
	return nil
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// set applies one command-line override, typed by the target struct.
// setAll applies the command line's overrides in order. Each koanf Load
// rebuilds the whole configuration's maps, so the overrides go in as one
// map, unless a key repeats or one key lies under another (their order
// then matters), when they go one at a time.
func (c *Config) setAll(overrides [][2]string, known map[string]bool) error {
	vals := make(map[string]any, len(overrides))
	for _, o := range overrides {
		key, v, err := c.value(o[0], o[1], known)
		if err != nil {
			return err
		}
		vals[key] = v
	}
	if len(vals) == 0 {
		return nil
	}
	if len(vals) == len(overrides) && !nested(vals) {
		return c.k.Load(confmap.Provider(vals, "."), nil)
	}
	for _, o := range overrides {
		if err := c.set(o[0], o[1], known); err != nil {
			return err
		}
	}
	return nil
}

// nested reports whether a key of vals lies under another (a.b and a.b.c).
func nested(vals map[string]any) bool {
	for k := range vals {
		for p := k; ; {
			i := strings.LastIndexByte(p, '.')
			if i < 0 {
				break
			}
			p = p[:i]
			if _, ok := vals[p]; ok {
				return true
			}
		}
	}
	return false
}

func (c *Config) set(key, raw string, known map[string]bool) error {
	key, v, err := c.value(key, raw, known)
	if err != nil {
		return err
	}
	return c.k.Load(confmap.Provider(map[string]any{key: v}, "."), nil)
}

// value checks an override and returns its key (without a leading +) and
// typed value, marking the key as given on the command line.
func (c *Config) value(key, raw string, known map[string]bool) (string, any, error) {
	add := strings.HasPrefix(key, "+")
	key = strings.TrimPrefix(key, "+")
	if !known[key] && !add {
		if c.isSection(key) {
			return "", nil, usagef("", "override %s=%s: %q is a section; set one of its keys, e.g. %s", key, raw, key, firstUnder(key, known))
		}
		cands := keysOf(known)
		for _, g := range c.Groups {
			cands = append(cands, g.Group)
		}
		return "", nil, usagef("every key is listed by --print-config", "override %s=%s: unknown key %q%s", key, raw, key, didYouMean(key, cands))
	}
	ft, ok := fieldType(reflect.TypeOf(c.schema.Target), strings.Split(key, "."))
	var v any
	var err error
	if strings.Contains(raw, "${") {
		v = raw // a reference: typed once resolved, after every source (interpolate)
	} else if ok {
		v, err = coerce(raw, ft)
	} else {
		err = yamlv3.Unmarshal([]byte(raw), &v)
	}
	if err != nil {
		return "", nil, usagef("", "override %s=%s: %s", key, raw, oneLine(err))
	}
	c.given[key] = "command line"
	return key, v, nil
}

// Given says where the user set key explicitly ("command line", or
// "config file <path>"), or "" when it comes from the defaults and groups.
func (c *Config) Given(key string) string { return c.given[key] }

func (c *Config) isSection(key string) bool {
	_, isMap := c.k.Get(key).(map[string]any)
	return isMap
}

func firstUnder(prefix string, known map[string]bool) string {
	for _, k := range keysOf(known) {
		if strings.HasPrefix(k, prefix+".") {
			return k + "=..."
		}
	}
	return prefix + ".<key>=..."
}

// Decode decodes the configuration into target (a pointer to a struct
// with koanf tags) strictly: keys the struct lacks are errors, and a
// non-integral number never lands in an int.
func (c *Config) Decode(target any) error {
	if target == nil {
		return nil
	}
	conf := koanf.UnmarshalConf{
		Tag: "koanf",
		DecoderConfig: &mapstructure.DecoderConfig{
			Result:           target,
			TagName:          "koanf",
			ErrorUnused:      true,
			WeaklyTypedInput: false,
			Squash:           true,
			DecodeHook:       noTruncate,
		},
	}
	if err := c.k.UnmarshalWithConf("", target, conf); err != nil {
		return usagef("every key is listed by --print-config", "config: %s", decodeMessage(err, target))
	}
	return nil
}

// decodeMessage puts mapstructure's multi-line report on one line (errors
// are one line on stderr) and names the root section plainly instead of by
// its Go type.
func decodeMessage(err error, target any) string {
	msg := strings.TrimPrefix(err.Error(), "decoding failed due to the following error(s):")
	if t := reflect.TypeOf(target); t != nil {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		msg = strings.ReplaceAll(msg, "'"+t.String()+"'", "the top level")
	}
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// noTruncate refuses to decode 1.5 into an int, which mapstructure would
// otherwise do silently.
func noTruncate(from, to reflect.Type, data any) (any, error) {
	f, isFloat := data.(float64)
	switch to.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if isFloat && f != float64(int64(f)) {
			return nil, fmt.Errorf("%v is not an integer", f)
		}
	}
	return data, nil
}

// YAML returns the resolved configuration as YAML: the group choices as a
// `defaults:` list, then every key, sorted.
func (c *Config) YAML() []byte {
	var b bytes.Buffer
	b.WriteString("defaults:\n")
	for _, g := range c.Groups {
		fmt.Fprintf(&b, "  - %s: %s\n", g.Group, g.Option)
	}
	body, err := c.k.Marshal(yaml.Parser())
	if err != nil {
		// The map came from YAML and overrides of plain types: marshalling
		// it cannot fail short of a bug.
		panic("config: marshal resolved config: " + err.Error())
	}
	b.Write(body)
	return b.Bytes()
}

// Hash is a short hash of the resolved configuration, for default ids.
func (c *Config) Hash() string {
	sum := sha256.Sum256(c.YAML())
	return hex.EncodeToString(sum[:])[:8]
}

// Choice returns the option chosen for a group ("" if the tool has none).
func (c *Config) Choice(group string) string {
	for _, g := range c.Groups {
		if g.Group == group {
			return g.Option
		}
	}
	return ""
}

// Get returns a raw value by key, for messages and metadata.
func (c *Config) Get(key string) any { return c.k.Get(key) }

// Section returns everything under a key as a nested map.
func (c *Config) Section(key string) map[string]any {
	if m, ok := c.k.Get(key).(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// ReadSaved reads a saved config.yaml (as every output directory holds)
// and returns everything under section as a flat map of dotted keys
// relative to it ("kind", "max_batch_size").
func ReadSaved(path, section string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k := koanf.New(".")
	if err := k.Load(rawbytes.Provider(data), yaml.Parser()); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]any{}
	for key, v := range k.Cut(section).All() {
		out[key] = v
	}
	return out, nil
}

// GroupsHelp describes the schema's config groups for --help: one line per
// group with its options, the default first. userDir adds a user's own
// options (--config-dir).
func GroupsHelp(s Schema, userDir string) string {
	_, order, err := parseDefaults(s)
	if err != nil || len(order) == 0 {
		return ""
	}
	var b strings.Builder
	for _, g := range order {
		opts := []string{g.Option + " (default)"}
		for _, o := range GroupOptions(g.Group, userDir) {
			if o != g.Option {
				opts = append(opts, o)
			}
		}
		fmt.Fprintf(&b, "  %s=%s\n", g.Group, strings.Join(opts, " | "))
	}
	return b.String()
}
