package artifacts

import (
	"bytes"
	"reflect"
	"testing"
)

func TestIdleWakeupRoundTripAndErrors(t *testing.T) {
	rows := []WakeupRow{{IdleS: 4, StepMs: 45.5, PenaltyMs: 30, MeanMs: 31.5, StdMs: 4.25, Samples: 3, LateMs: 12.5},
		{IdleS: 0.5, StepMs: 180, PenaltyMs: -2, MeanMs: 1, StdMs: 3, Samples: 3}}
	var b bytes.Buffer
	if err := WriteIdleWakeup(&b, rows); err != nil {
		t.Fatal(err)
	}
	got, err := ReadIdleWakeup(tempFile(t, "good.csv", b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if want := []WakeupRow{rows[1], rows[0]}; !reflect.DeepEqual(got, want) {
		t.Fatalf("read back %+v, want %+v (sorted by idle_s)", got, want)
	}
	// An older file without late_ms_median reads with LateMs 0.
	old := tempFile(t, "old.csv", []byte("idle_s,step_ms,penalty_ms_median,penalty_ms_mean,penalty_ms_std,samples\n2,45,30,31,4,3\n"))
	if got, err := ReadIdleWakeup(old); err != nil || len(got) != 1 || got[0].LateMs != 0 || got[0].PenaltyMs != 30 {
		t.Errorf("a file without late_ms_median: %+v, %v", got, err)
	}
	read := func(p string) error { _, err := ReadIdleWakeup(p); return err }
	checkRefused(t, "idle_s,step_ms,penalty_ms_median,penalty_ms_mean,penalty_ms_std,samples\n", []badCase{
		{"4,45,30,31,4,3\n0,45,1,1,1,3\n", `bad.csv:3:1: column "idle_s": 0 must be > 0`},
		{"4,-45,30,31,4,3\n", `bad.csv:2:3: column "step_ms": -45 must be > 0`},
		{"4,45,x,31,4,3\n", `bad.csv:2:6: column "penalty_ms_median": "x" is not a finite number`},
		{"4,45,30,31,4,0\n", `bad.csv:2:14: column "samples": 0 must be at least 1`},
		{"4,45,30,31,4,3\n4,45,30,31,4,3\n", `bad.csv:3:3: column "step_ms": idle_s 4, step_ms 45 appears twice`},
		{"", "bad.csv: no rows"},
	}, read)
	checkRefused(t, "idle_s,step_ms,penalty_ms_median,penalty_ms_mean,penalty_ms_std,samples,late_ms_median\n", []badCase{
		{"4,45,30,31,4,3,-1\n", `bad.csv:2:16: column "late_ms_median": -1 must be ≥ 0`},
	}, read)
}
