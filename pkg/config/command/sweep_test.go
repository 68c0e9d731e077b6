package command

import (
	"reflect"
	"strings"
	"testing"
)

// TestExpandOrder: jobs are the cartesian product in Hydra's basic
// sweeper order, keys in command-line order, the first slowest.
func TestExpandOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   []string
		want []string // each job's overrides, space-separated
	}{
		{[]string{"a=1,2", "b=x,y,z", "c=k"}, []string{
			"a=1 b=x c=k", "a=1 b=y c=k", "a=1 b=z c=k", "a=2 b=x c=k", "a=2 b=y c=k", "a=2 b=z c=k"}},
		{[]string{"hardware=cpu,a100", "n=1,2"}, []string{"hardware=cpu n=1", "hardware=cpu n=2", "hardware=a100 n=1", "hardware=a100 n=2"}},
		{[]string{"n=1,2", "hardware=cpu,a100"}, []string{"n=1 hardware=cpu", "n=1 hardware=a100", "n=2 hardware=cpu", "n=2 hardware=a100"}},
		{[]string{"+x=1", "n=3"}, []string{"+x=1 n=3"}}, // nothing swept: one job
		{nil, []string{""}},
		{[]string{"model"}, []string{"model"}}, // not key=value: left for config.Load to refuse
	}
	for _, tc := range cases {
		jobs, err := Expand(tc.in)
		if err != nil {
			t.Fatalf("Expand(%q): %v", tc.in, err)
		}
		var got []string
		for i, j := range jobs {
			if j.Num != i {
				t.Errorf("Expand(%q): job %d numbered %d", tc.in, i, j.Num)
			}
			got = append(got, j.String())
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Expand(%q) =\n%q\nwant\n%q", tc.in, got, tc.want)
		}
	}
}

// TestSweepCommaRule: top-level commas sweep; quotes and brackets keep a
// comma inside one value, as in Hydra (`k=[a,b]` is a list, not a sweep).
func TestSweepCommaRule(t *testing.T) {
	t.Parallel()
	ok := []struct {
		in   string
		want []string
	}{
		{"1", []string{"1"}},
		{"", []string{""}},
		{"a,b", []string{"a", "b"}},
		{"a, b ,c", []string{"a", "b", "c"}},
		{"[a,b]", []string{"[a,b]"}},
		{"[a,b],[c]", []string{"[a,b]", "[c]"}},
		{"[[1,2],[3]],[]", []string{"[[1,2],[3]]", "[]"}},
		{"{a: 1, b: 2},{}", []string{"{a: 1, b: 2}", "{}"}},
		{"'a,b',c", []string{"'a,b'", "c"}},
		{`"a,b"`, []string{`"a,b"`}},
		{"['x,]', y],z", []string{"['x,]', y]", "z"}},
		{"it's,x", []string{"it's", "x"}},
		{"[weird", []string{"[weird"}}, // no comma: one value, as without -m
	}
	for _, tc := range ok {
		got, err := sweepValues(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("sweepValues(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	bad := []struct{ in, err string }{
		{"a,,b", "value 2 of 3 is empty"},
		{"a,", "value 2 of 2 is empty"},
		{",a", "value 1 of 2 is empty"},
		{"[a,b", "unclosed ["},
		{"a],b", "unbalanced ]"},
		{"[a,b)", "unbalanced )"},
		{"'a,b", "unclosed '"},
		{"range(1,3)", "range() sweeps are not supported"},
		{"1,choice(2)", "choice() sweeps are not supported"},
	}
	for _, tc := range bad {
		if got, err := sweepValues(tc.in); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("sweepValues(%q) = %q, %v; want an error with %q", tc.in, got, err, tc.err)
		}
	}
}

// FuzzSweepValues: splitting never panics, and every value it yields is
// one value: non-empty, trimmed, and not split again.
func FuzzSweepValues(f *testing.F) {
	for _, s := range []string{"a,b", "[a,b],[c]", "'a,b',c", "{a: [1,2]},x", "it's,(x,y)", "a,,", "[", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		vals, err := sweepValues(v)
		if err != nil {
			return
		}
		if len(vals) == 0 {
			t.Fatalf("%q: no values", v)
		}
		if len(vals) == 1 {
			return // a value without a top-level comma is passed on as it is
		}
		for _, s := range vals {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("%q: value %q", v, s)
			}
			if again, err := sweepValues(s); err != nil || len(again) != 1 || again[0] != s {
				t.Fatalf("%q: value %q splits again into %q, %v", v, s, again, err)
			}
		}
	})
}
