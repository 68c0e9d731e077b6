package artifacts

import (
	"io"
	"slices"
)

// MLPRow is one num_tokens point of mlp.csv.
type MLPRow struct {
	Line      int // file line, for messages; 0 for rows not read from a file
	NumTokens int
	Model     BundleModel
	Ops       map[string]OpStats // by operator name; absent: not measured
}

// MLPTable is mlp.csv as read: Ops lists the operators that have a median
// column, in file order (a missing optional operator is not a zero).
type MLPTable struct {
	Path string
	Ops  []string
	Rows []MLPRow
}

// mlpKeys are mlp.csv's required numeric columns.
var mlpKeys = []string{ColNumTokens, ColNHead, ColNKVHead, ColNEmbd, ColNExpandedEmbd, ColTPWorkers}

// ReadMLP reads mlp.csv. The key columns must be present and numeric in
// every row; the core operators' median columns must be present (their
// cells may be empty: real bundles have holes); other time_stats columns
// are read when present.
func ReadMLP(path string, r io.Reader) (*MLPTable, error) {
	req := slices.Clone(mlpKeys)
	for _, op := range MLPCoreOps {
		req = append(req, MedianColumn(op))
	}
	t, err := NewTable(path, r, req...)
	if err != nil {
		return nil, err
	}
	out := &MLPTable{Path: path, Ops: statOps(t)}
	out.Rows, err = tableRows(t, func() MLPRow {
		// Model cells before the stats: the first bad cell of a row is
		// the one reported.
		row := MLPRow{Line: t.Line(), NumTokens: t.Int(ColNumTokens),
			Model: BundleModel{NumQHeads: t.Int(ColNHead), NumKVHeads: t.Int(ColNKVHead), Embd: t.Int(ColNEmbd),
				ExpandedEmbd: t.Int(ColNExpandedEmbd), VocabSize: optIntCell(t, ColVocabSize), TP: t.Int(ColTPWorkers),
				GatedMLP: boolCell(t, ColGatedMLP)},
			Ops: readAllStats(t, out.Ops)}
		return row
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WriteMLP writes mlp.csv: Vidur's 58 columns in its order (the MLPOps'
// statistics, then the model columns), then the MLPExtraOps. An operator a
// row lacks is written as empty cells, never 0, which would read as a
// real timing.
func WriteMLP(w io.Writer, rows []MLPRow) error {
	var header []string
	for _, op := range MLPOps {
		header = append(header, statColumns(op)...)
	}
	header = append(header, ColNHead, ColNKVHead, ColNEmbd, ColNExpandedEmbd, ColVocabSize, ColGatedMLP, ColNumTokens, ColTPWorkers)
	for _, op := range MLPExtraOps {
		header = append(header, statColumns(op)...)
	}
	cw := NewCSVWriter(w, header...)
	for _, r := range rows {
		var f []string
		for _, op := range MLPOps {
			f = append(f, opStats(r.Ops, op).fields()...)
		}
		m := r.Model
		f = append(f, Int(m.NumQHeads), Int(m.NumKVHeads), Int(m.Embd), Int(m.ExpandedEmbd), Int(m.VocabSize),
			pyBool(m.GatedMLP), Int(r.NumTokens), Int(m.TP))
		for _, op := range MLPExtraOps {
			f = append(f, opStats(r.Ops, op).fields()...)
		}
		cw.Write(f...)
	}
	return cw.Flush()
}

func opStats(ops map[string]OpStats, op string) OpStats {
	if s, ok := ops[op]; ok {
		return s
	}
	return NoStats()
}

// AttentionRow is one attention.csv point: a decode batch (PrefillChunk
// 0) or a prefill chunk over an existing KV cache.
type AttentionRow struct {
	Line         int
	Model        BundleModel
	BatchSize    int
	PrefillChunk int
	KVCacheSize  int
	IsPrefill    bool
	Backend      string
	Ops          map[string]OpStats // AttentionOps; absent: not measured
}

// AttentionTable is attention.csv as read; Ops as in [MLPTable].
type AttentionTable struct {
	Path string
	Ops  []string
	Rows []AttentionRow
}

var attentionKeys = []string{ColNEmbd, ColNQHead, ColNKVHead, ColBlockSize, ColTPWorkers, ColBatchSize, ColPrefillChunk, ColKVCacheSize}

// ReadAttention reads attention.csv: the key columns present and numeric,
// the prefill and decode median columns present (a decode row has no
// prefill time and the other way round).
func ReadAttention(path string, r io.Reader) (*AttentionTable, error) {
	req := append(slices.Clone(attentionKeys), MedianColumn(OpAttnPrefill), MedianColumn(OpAttnDecode))
	t, err := NewTable(path, r, req...)
	if err != nil {
		return nil, err
	}
	out := &AttentionTable{Path: path, Ops: statOps(t)}
	out.Rows, err = tableRows(t, func() AttentionRow {
		row := AttentionRow{Line: t.Line(), BatchSize: t.Int(ColBatchSize), PrefillChunk: t.Int(ColPrefillChunk),
			KVCacheSize: t.Int(ColKVCacheSize), IsPrefill: boolCell(t, ColIsPrefill), Backend: t.String(ColAttnBackend),
			Model: BundleModel{NumQHeads: t.Int(ColNQHead), NumKVHeads: t.Int(ColNKVHead), Embd: t.Int(ColNEmbd),
				TP: t.Int(ColTPWorkers), BlockSize: t.Int(ColBlockSize), MaxModelLen: optIntCell(t, ColMaxModelLen)},
			Ops: readAllStats(t, out.Ops)}
		return row
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WriteAttention writes attention.csv in Vidur's column layout, then
// attn_kv_cache_save.
func WriteAttention(w io.Writer, rows []AttentionRow) error {
	var header []string
	for _, op := range AttentionOps[:4] {
		header = append(header, statColumns(op)...)
	}
	header = append(header, ColNEmbd, ColNQHead, ColNKVHead, ColBlockSize, ColTPWorkers,
		ColMaxModelLen, ColBatchSize, ColPrefillChunk, ColKVCacheSize, ColIsPrefill, ColAttnBackend)
	header = append(header, statColumns(OpAttnKVCacheSave)...)
	cw := NewCSVWriter(w, header...)
	for _, r := range rows {
		var f []string
		for _, op := range AttentionOps[:4] {
			f = append(f, opStats(r.Ops, op).fields()...)
		}
		m := r.Model
		f = append(f, Int(m.Embd), Int(m.NumQHeads), Int(m.NumKVHeads), Int(m.BlockSize), Int(m.TP), Int(m.MaxModelLen),
			Int(r.BatchSize), Int(r.PrefillChunk), Int(r.KVCacheSize), pyBool(r.IsPrefill), r.Backend)
		f = append(f, opStats(r.Ops, OpAttnKVCacheSave).fields()...)
		cw.Write(f...)
	}
	return cw.Flush()
}

// CPUOverheadRow is the CPU overhead of one batch size. Only Mean and
// Median of each CPUOps entry are stored.
type CPUOverheadRow struct {
	Line        int
	ModelName   string
	BatchSize   int
	TP          int
	Ops         map[string]OpStats
	RayCommMean float64 // ms; NaN when the column is absent
}

// CPUOverheadTable is cpu_overheads.csv as read.
type CPUOverheadTable struct {
	Path       string
	HasRayComm bool
	Rows       []CPUOverheadRow
}

// ReadCPUOverheads reads cpu_overheads.csv: model_name, batch_size,
// tensor_parallel_degree and every CPUOps _median column present (cells
// may be empty); _mean columns and ray_comm_time_mean are optional.
func ReadCPUOverheads(path string, r io.Reader) (*CPUOverheadTable, error) {
	req := []string{ColModelName, ColBatchSize, ColTPDegree}
	for _, op := range CPUOps {
		req = append(req, op+"_median")
	}
	t, err := NewTable(path, r, req...)
	if err != nil {
		return nil, err
	}
	out := &CPUOverheadTable{Path: path, HasRayComm: t.Has(OpCPURayComm + "_mean")}
	out.Rows, err = tableRows(t, func() CPUOverheadRow {
		row := CPUOverheadRow{Line: t.Line(), ModelName: t.String(ColModelName), BatchSize: t.Int(ColBatchSize),
			TP: t.Int(ColTPDegree), RayCommMean: t.OptFloat(OpCPURayComm + "_mean"), Ops: make(map[string]OpStats, len(CPUOps))}
		for _, op := range CPUOps {
			s := NoStats()
			s.Mean, s.Median = t.OptFloat(op+"_mean"), t.OptFloat(op+"_median")
			row.Ops[op] = s
		}
		return row
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WriteCPUOverheads writes cpu_overheads.csv. An operator a row lacks is
// written as 0: Vidur reads every cell of this file as a number.
func WriteCPUOverheads(w io.Writer, rows []CPUOverheadRow) error {
	header := []string{ColModelName, ColBatchSize, ColTPDegree}
	for _, op := range CPUOps {
		header = append(header, op+"_mean", op+"_median")
	}
	header = append(header, OpCPURayComm+"_mean")
	cw := NewCSVWriter(w, header...)
	for _, r := range rows {
		f := []string{r.ModelName, Int(r.BatchSize), Int(r.TP)}
		for _, op := range CPUOps {
			s := r.Ops[op]
			f = append(f, Float(s.Mean), Float(s.Median))
		}
		f = append(f, Float(r.RayCommMean))
		cw.Write(f...)
	}
	return cw.Flush()
}

// NetworkRow is one collective measurement of all_reduce.csv or
// send_recv.csv.
type NetworkRow struct {
	Line           int
	Collective     string
	NumWorkers     int
	DevicesPerNode int
	Size           float64 // bytes
	Stats          OpStats
}

// NetworkTable is one collective's file as read: the rows of every
// collective in it (the file names one, but the column decides).
type NetworkTable struct {
	Path string
	Rows []NetworkRow
}

// ReadNetwork reads a collective's CSV; coll names the time_stats group
// that must be present (all_reduce or send_recv).
func ReadNetwork(path string, r io.Reader, coll string) (*NetworkTable, error) {
	t, err := NewTable(path, r, ColNumWorkers, ColSize, ColDevicesPerNode, ColCollective, MedianColumn(coll))
	if err != nil {
		return nil, err
	}
	out := &NetworkTable{Path: path}
	out.Rows, err = tableRows(t, func() NetworkRow {
		row := NetworkRow{Line: t.Line(), Collective: t.String(ColCollective), NumWorkers: t.Int(ColNumWorkers),
			DevicesPerNode: t.Int(ColDevicesPerNode), Size: t.Float(ColSize), Stats: readStats(t, coll)}
		return row
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WriteNetwork writes rows of collective coll in Vidur's column names.
func WriteNetwork(w io.Writer, coll string, rows []NetworkRow) error {
	header := append(statColumns(coll), ColNumWorkers, ColSize, ColCollective, ColDevicesPerNode)
	cw := NewCSVWriter(w, header...)
	for _, r := range rows {
		cw.Write(append(r.Stats.fields(), Int(r.NumWorkers), Float(r.Size), r.Collective, Int(r.DevicesPerNode))...)
	}
	return cw.Flush()
}

// tableRows reads every row of t with row, stopping at the first row whose
// cells do not read (the table's positioned error).
func tableRows[R any](t *Table, row func() R) ([]R, error) {
	var out []R
	for t.Next() {
		r := row()
		if t.Err() != nil {
			return nil, t.Err()
		}
		out = append(out, r)
	}
	if t.Err() != nil {
		return nil, t.Err()
	}
	return out, nil
}
