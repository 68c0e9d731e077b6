package artifacts

import (
	"bytes"
	"reflect"
	"testing"
)

func TestStepJitterRoundTripAndErrors(t *testing.T) {
	rows := []JitterRow{{Quantile: 0, Ratio: 0.9, StepMs: 45}, {Quantile: 0.5, Ratio: 1, StepMs: 50}, {Quantile: 1, Ratio: 1.6, StepMs: 80}}
	var b bytes.Buffer
	if err := WriteStepJitter(&b, rows); err != nil {
		t.Fatal(err)
	}
	got, err := ReadStepJitter(tempFile(t, "good.csv", b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rows) {
		t.Fatalf("read back %+v, want %+v", got, rows)
	}
	checkRefused(t, "quantile,ratio,step_ms\n", []badCase{
		{"0,0.9,45\n1.5,1,50\n", `bad.csv:3:1: column "quantile": 1.5 is outside [0, 1]`},
		{"0.1,0.9,45\n1,1,50\n", `bad.csv:2:1: column "quantile": 0.1: the first row must be quantile 0`},
		{"0,0.9,45\n0.5,1,50\n0.5,1.1,55\n1,1.2,60\n", `bad.csv:4:1: column "quantile": 0.5 does not increase (the row before has 0.5)`},
		{"0,0,45\n1,1,50\n", `bad.csv:2:3: column "ratio": 0 must be > 0`},
		{"0,1.1,45\n1,1,50\n", `bad.csv:3:3: column "ratio": 1 is below the row before's 1.1`},
		{"0,0.9,-45\n1,1,50\n", `bad.csv:2:7: column "step_ms": -45 must be > 0`},
		{"0,0.9,45\n1,x,50\n", `bad.csv:3:3: column "ratio": "x" is not a finite number`},
		{"0,0.9,45\n0.5,1,50\n", `bad.csv:3: the last row's quantile is 0.5, want 1`},
		{"0,1,45\n", "bad.csv: 1 rows, want at least 2"},
		{"", "bad.csv: 0 rows, want at least 2"},
	}, func(p string) error { _, err := ReadStepJitter(p); return err })
}
