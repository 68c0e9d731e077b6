package artifacts

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type ioWriter = io.Writer

func seeds(f *testing.F, golden string, extra ...string) {
	if b, err := os.ReadFile(filepath.Join("testdata", "golden", golden)); err == nil {
		f.Add(b)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

func FuzzReadRequestMetrics(f *testing.F) {
	seeds(f, "run/request_metrics.csv", reqHead+"0,0,0,1,2,4,2,2,0,ok\n", reqHead+"0,0,,,,1,1,0,0,failed\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		reqs, err := ReadRequestMetrics("f.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		cw := NewCSVWriter(&buf, RequestColumns...)
		for i := range reqs {
			cw.Write(requestFields(&reqs[i])...)
		}
		if err := cw.Flush(); err != nil {
			t.Fatal(err)
		}
		again, err := ReadRequestMetrics("g.csv", &buf)
		if err != nil {
			t.Fatalf("re-read of written rows: %v", err)
		}
		if len(again) != len(reqs) {
			t.Fatalf("%d rows became %d", len(reqs), len(again))
		}
		for i := range reqs {
			a, b := reqs[i], again[i]
			if !sameRecord(a, b) {
				t.Fatalf("row %d changed: %+v vs %+v", i, a, b)
			}
		}
	})
}

func sameRecord(a, b RequestRecord) bool {
	fa := requestFields(&a)
	fb := requestFields(&b)
	return reflect.DeepEqual(fa, fb)
}

func FuzzReadTokenMetrics(f *testing.F) {
	seeds(f, "run/token_metrics.csv", "request_id,token_index,completed_at,latency,batch_size\n0,0,1,1,\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ReadTokenMetrics("f.csv", bytes.NewReader(data))
	})
}

func FuzzReadBatchMetrics(f *testing.F) {
	seeds(f, "run/batch_metrics.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ReadBatchMetrics("f.csv", bytes.NewReader(data))
	})
}

func FuzzReadTraceReplay(f *testing.F) {
	seeds(f, "workload/trace_replay.csv", "arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		reqs, err := ReadTraceReplay("f.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteTraceReplay(&buf, reqs); err != nil {
			t.Fatal(err)
		}
		again, err := ReadTraceReplay("g.csv", &buf)
		if err != nil || !reflect.DeepEqual(again, reqs) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzReadPrompts(f *testing.F) {
	seeds(f, "workload/prompts.jsonl", `{"request_id":0,"prompt":"","prompt_token_ids":[],"num_prefill_tokens":0,"num_decode_tokens":0}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ReadPrompts("f.jsonl", bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WritePrompts(&buf, ps); err != nil {
			t.Fatal(err)
		}
		again, err := ReadPrompts("g.jsonl", &buf)
		if err != nil || len(again) != len(ps) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzReadNumericTable(f *testing.F) {
	f.Add([]byte("num_tokens,a,b\n1,2,x\n2,,3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ReadNumericTable("f.csv", bytes.NewReader(data), "num_tokens")
	})
}

func FuzzReadSummaryTable(f *testing.F) {
	seeds(f, "summary.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ReadSummaryTable("f.csv", bytes.NewReader(data))
	})
}

func FuzzReadRunMeta(f *testing.F) {
	seeds(f, "run/run_meta.json", `{"schema_version":1}`, "{\n\"run_id\": [1,2]\n}")
	f.Fuzz(func(t *testing.T, data []byte) {
		var m RunMeta
		err := decodeJSON("f.json", data, &m, 1)
		if err != nil && !strings.Contains(err.Error(), "f.json") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
