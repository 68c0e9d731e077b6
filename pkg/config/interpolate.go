package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/knadh/koanf/providers/confmap"
)

// A value may refer to another key as Hydra does, `${workload.max_tokens}`,
// written on the command line, in a group file or in a --config file. The
// reference is resolved after every source has been merged, so it sees the
// final value of the key it names; a value that is one reference takes the
// referenced value's type, one with text around it becomes that text. `\${`
// is a literal "${". Hydra's resolvers (`${oc.env:HOME}`) are not
// supported and say so.
var refPattern = regexp.MustCompile(`\\?\$\{([^}]*)\}`)

// maxRefDepth bounds a chain of references; a longer one is a cycle.
const maxRefDepth = 16

// interpolate resolves every value that holds a reference.
func (c *Config) interpolate() error {
	for _, key := range c.k.Keys() {
		s, ok := c.k.Get(key).(string)
		if !ok || !strings.Contains(s, "${") {
			continue
		}
		v, err := c.resolve(key, s, 0)
		if err != nil {
			return err
		}
		if ft, ok := fieldType(reflect.TypeOf(c.schema.Target), strings.Split(key, ".")); ok {
			if v, err = coerce(fmt.Sprint(v), ft); err != nil {
				return usagef("", "%s=%s: %s", key, s, oneLine(err))
			}
		}
		if err := c.k.Load(confmap.Provider(map[string]any{key: v}, "."), nil); err != nil {
			return err
		}
	}
	return nil
}

// resolve returns s with its references replaced, for key.
func (c *Config) resolve(key, s string, depth int) (any, error) {
	if depth > maxRefDepth {
		return nil, usagef("", "%s: ${…} references nest deeper than %d; two keys refer to each other", key, maxRefDepth)
	}
	locs := refPattern.FindAllStringSubmatchIndex(s, -1)
	var b strings.Builder
	last := 0
	for _, m := range locs {
		b.WriteString(s[last:m[0]])
		last = m[1]
		if s[m[0]] == '\\' {
			b.WriteString(s[m[0]+1 : m[1]]) // an escaped, literal ${…}
			continue
		}
		name := strings.TrimSpace(s[m[2]:m[3]])
		v, err := c.lookup(key, s, name, depth)
		if err != nil {
			return nil, err
		}
		if len(locs) == 1 && m[0] == 0 && m[1] == len(s) {
			return v, nil // the whole value: keep the referenced type
		}
		fmt.Fprint(&b, v)
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

func (c *Config) lookup(key, s, name string, depth int) (any, error) {
	if strings.Contains(name, ":") {
		return nil, usagef("write the value itself, or refer to a key: ${workload.max_tokens}",
			"%s=%s: resolvers such as ${%s} are not supported", key, s, name)
	}
	if !c.k.Exists(name) {
		return nil, usagef("every key is listed by --print-config", "%s=%s: ${%s} names no key%s", key, s, name, didYouMean(name, c.k.Keys()))
	}
	v := c.k.Get(name)
	if _, isMap := v.(map[string]any); isMap {
		return nil, usagef("", "%s=%s: ${%s} is a section; refer to one of its keys", key, s, name)
	}
	if inner, ok := v.(string); ok && strings.Contains(inner, "${") {
		return c.resolve(name, inner, depth+1)
	}
	return v, nil
}
