package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// fieldType walks a struct type along a key path by koanf tags, looking
// through squashed embedded structs.
func fieldType(t reflect.Type, path []string) (reflect.Type, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if len(path) == 0 {
		return t, t != nil
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, false
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("koanf"), ",")
		if f.Anonymous && strings.Contains(opts, "squash") {
			if ft, ok := fieldType(f.Type, path); ok {
				return ft, true
			}
			continue
		}
		if name == path[0] {
			return fieldType(f.Type, path[1:])
		}
	}
	return nil, false
}

// coerce converts a command-line value to the field's Go type.
func coerce(raw string, t reflect.Type) (any, error) {
	s := strings.TrimSpace(raw)
	switch t.Kind() {
	case reflect.String:
		return unquote(s), nil
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("expects true or false, got %q", raw)
		}
		return b, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return v, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("expects an integer, got %q", raw)
		}
		if f != math.Trunc(f) || math.Abs(f) > 1<<62 {
			return nil, fmt.Errorf("expects an integer, got %q (refusing to truncate)", raw)
		}
		return int64(f), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v, err := strconv.ParseUint(s, 10, 64); err == nil {
			return v, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f != math.Trunc(f) || f > 1<<63 {
			return nil, fmt.Errorf("expects a non-negative integer, got %q", raw)
		}
		return uint64(f), nil
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("expects a number, got %q", raw)
		}
		return f, nil
	case reflect.Slice:
		// Items keep their text and are typed like a scalar value: YAML's
		// own typing would make [0010] the octal 8 and ["1.10"] the
		// string "1.1" after a float round trip.
		var seq yamlv3.Node
		if err := yamlv3.Unmarshal([]byte(s), &seq); err != nil || len(seq.Content) != 1 || seq.Content[0].Kind != yamlv3.SequenceNode {
			return nil, fmt.Errorf("expects a list such as [1,2,3], got %q", raw)
		}
		items := seq.Content[0].Content
		out := make([]any, len(items))
		for i, n := range items {
			var c any
			var err error
			switch {
			case n.Kind != yamlv3.ScalarNode:
				b, merr := yamlv3.Marshal(n)
				if merr != nil {
					return nil, fmt.Errorf("item %d: %w", i, merr)
				}
				c, err = coerce(strings.TrimSpace(string(b)), t.Elem())
			case t.Elem().Kind() == reflect.String:
				c = n.Value // already unquoted; 0010 stays "0010"
			default:
				c, err = coerce(n.Value, t.Elem())
			}
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	case reflect.Struct:
		return nil, errors.New("is a section; set one of its keys")
	}
	var v any
	if err := yamlv3.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	return v, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' && s[len(s)-1] == '\'' || s[0] == '"' && s[len(s)-1] == '"') {
		return s[1 : len(s)-1]
	}
	return s
}

// didYouMean returns `; did you mean "x"?` for the nearest candidate
// within a small edit distance, or "".
func didYouMean(s string, candidates []string) string {
	best, bestD := "", math.MaxInt
	for _, c := range candidates {
		if d := levenshtein(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	// Beyond about a third of the word, a suggestion is noise.
	if best == "" || bestD > max(2, len(s)/3) {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
