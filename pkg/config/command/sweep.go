package command

import (
	"fmt"
	"slices"
	"strings"
)

// Job is one run of a sweep: the overrides it passes to config.Load, in
// command-line order. The job list is plain data, so that whatever runs
// the jobs (one after another here, later in parallel or on a cluster)
// needs nothing but it and the sweep's flags.
type Job struct {
	Num       int      // 0-based, in sweep order (Hydra's job.num)
	Overrides []string // every key=value and group=option of the job
}

// String is the job's overrides as they would be typed.
func (j Job) String() string { return strings.Join(j.Overrides, " ") }

// Expand turns a sweep's overrides into its jobs, as Hydra's basic
// sweeper does: a value with commas at its top level (`k=a,b`) is swept,
// and the jobs are the cartesian product of the swept values, the first
// swept key varying slowest and the last fastest. Commas inside quotes or
// brackets do not sweep: `k='a,b'` is the string a,b and `k=[a,b]` one
// list value (`k=[a,b],[c]` sweeps two lists).
func Expand(overrides []string) ([]Job, error) {
	combos := [][]string{{}}
	for _, arg := range overrides {
		values := []string{arg}
		if key, val, ok := strings.Cut(arg, "="); ok {
			vals, err := sweepValues(val)
			if err != nil {
				return nil, Usage(fmt.Errorf("bad sweep %s: %w", arg, err),
					"sweep values are comma-separated (k=a,b); quote a value that holds a comma (k='a,b'); k=[a,b] is one list value")
			}
			values = nil
			for _, v := range vals {
				values = append(values, key+"="+v)
			}
		}
		next := make([][]string, 0, len(combos)*len(values))
		for _, c := range combos {
			for _, v := range values {
				next = append(next, append(slices.Clip(c), v))
			}
		}
		combos = next
	}
	jobs := make([]Job, len(combos))
	for i, c := range combos {
		jobs[i] = Job{Num: i, Overrides: c}
	}
	return jobs, nil
}

// sweepFuncs are Hydra's sweep functions, which this sweeper lacks; they
// are refused by name rather than passed on as odd string values.
var sweepFuncs = []string{"range(", "choice(", "glob(", "interval(", "shuffle(", "sort(", "tag("}

// sweepValues splits one override value at its top-level commas. A value
// without a comma is one value whatever it holds, so that only sweeps are
// held to the quoting and bracket rules.
func sweepValues(v string) ([]string, error) {
	out := []string{v}
	if strings.Contains(v, ",") {
		var err error
		if out, err = splitTopLevel(v); err != nil {
			return nil, err
		}
	}
	for _, item := range out {
		for _, f := range sweepFuncs {
			if strings.HasPrefix(item, f) {
				return nil, fmt.Errorf("%s) sweeps are not supported; list the values", f)
			}
		}
	}
	return out, nil
}

// splitTopLevel splits v at the commas outside quotes and brackets.
func splitTopLevel(v string) ([]string, error) {
	var out []string
	var closers []byte // the brackets open at this point, innermost last
	start, atItem := 0, true
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case atItem && c == ' ':
			continue
		case atItem && (c == '\'' || c == '"'):
			// A quote opens only at the start of an item, as in Hydra's
			// grammar; elsewhere (it's) it is an ordinary character.
			end := strings.IndexByte(v[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unclosed %c", c)
			}
			i += end + 1
		case c == '[' || c == '{' || c == '(':
			closers = append(closers, map[byte]byte{'[': ']', '{': '}', '(': ')'}[c])
			atItem = true
			continue
		case c == ']' || c == '}' || c == ')':
			if len(closers) == 0 || closers[len(closers)-1] != c {
				return nil, fmt.Errorf("unbalanced %c", c)
			}
			closers = closers[:len(closers)-1]
		case c == ',':
			if len(closers) == 0 {
				out = append(out, v[start:i])
				start = i + 1
			}
			atItem = true
			continue
		}
		atItem = false
	}
	if len(closers) > 0 {
		return nil, fmt.Errorf("unclosed %c", map[byte]byte{']': '[', '}': '{', ')': '('}[closers[len(closers)-1]])
	}
	out = append(out, v[start:])
	for i, s := range out {
		// Hydra strips the blanks around an item (`k=a, b`).
		if out[i] = strings.TrimSpace(s); out[i] == "" {
			return nil, fmt.Errorf("value %d of %d is empty (write '' for the empty string)", i+1, len(out))
		}
	}
	return out, nil
}
