package runout

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// tokenWriter formats token_metrics.csv on its own goroutine while the
// simulation runs: the token rows are most of a run's output, and the
// simulation hands each finished request's token times over (it never
// touches them again), so the two proceed side by side. Rows are written
// in the order requests were handed over, as one goroutine would.
type tokenWriter struct {
	c      *csvFile
	floats floatCache // the goroutine's own; Writer's is not shared
	// gaps counts each distinct inter-token latency (by its bits) of the
	// finished requests: the ITL sample, which repeats few values (every
	// request of a batch sees the same gap), so it costs a small map
	// instead of a row per token.
	gaps   counts
	idCell [24]byte        // the current request's id cell, as appendCell copies it
	p      *pipe[tokenJob] // nil once finished
}

// tokenJob is one request's tokens: its completion times and batch sizes.
type tokenJob struct {
	id      int
	arrived float64
	times   []float64
	sizes   []int
	ok      bool // finished: its gaps count for the ITL figures
}

func newTokenWriter(d *artifacts.Dir) (*tokenWriter, error) {
	t := &tokenWriter{}
	var err error
	if t.c, err = createCSV(d, artifacts.TokenMetricsFile, artifacts.TokenColumns, &t.floats); err != nil {
		return nil, err
	}
	t.p = newPipe(t.write)
	return t, nil
}

func (t *tokenWriter) add(r *entity.Request, ok bool) {
	t.p.add(tokenJob{id: r.ID, arrived: float64(r.ArrivedAt), times: r.TokenTimes, sizes: r.TokenBatch, ok: ok})
}

// finish waits for every row to be formatted and closes the file.
func (t *tokenWriter) finish() error {
	if t.p == nil {
		return nil
	}
	t.p.wait()
	t.p = nil
	return t.c.close()
}

// write writes the rows artifacts.RunWriter.Tokens writes: token 0's
// latency from arrival, token k's from token k−1, the batch size empty
// when unknown.
func (t *tokenWriter) write(j *tokenJob) {
	c := t.c
	// The request's cell, once: an int and a comma fit the 24 bytes.
	idLen := len(append(strconv.AppendInt(t.idCell[:0], int64(j.id), 10), ','))
	prev := j.arrived
	for i, at := range j.times {
		lat := at - prev
		prev = at
		c.row = appendCell(c.row, &t.idCell, idLen)
		c.int(i)
		c.float(at)
		c.float(lat)
		if i < len(j.sizes) && j.sizes[i] > 0 {
			c.row = appendInt(c.row, j.sizes[i])
		}
		c.row = append(c.row, ',')
		c.end()
		if j.ok && i >= 1 {
			t.gaps.add(math.Float64bits(lat))
		}
	}
	entity.ReleaseTokens(j.times, j.sizes)
}

// itl returns the ITL sample in ascending order, as distinct values
// with their counts; call after finish.
func (t *tokenWriter) itl() countedSample {
	var c countedSample
	type gap struct {
		v float64
		n int
	}
	gaps := make([]gap, 0, t.gaps.len)
	t.gaps.each(func(b uint64, n int) { gaps = append(gaps, gap{math.Float64frombits(b), n}) })
	slices.SortFunc(gaps, func(a, b gap) int { return cmp.Compare(a.v, b.v) })
	for _, g := range gaps {
		c.values = append(c.values, g.v)
		c.upto = append(c.upto, c.n+g.n)
		c.n += g.n
	}
	return c
}

// countedSample is an ascending sample stored as its distinct values and
// the running count up to each: two million token gaps repeat a few
// thousand values, and expanding them cost more than the simulation.
type countedSample struct {
	values []float64
	upto   []int // upto[k]: how many values are ≤ values[k]
	n      int
}

// at returns the i-th value of the expanded sample.
func (c countedSample) at(i int) float64 {
	k, _ := slices.BinarySearch(c.upto, i+1)
	return c.values[k]
}

// each calls f with every value of the expanded sample in ascending order.
func (c countedSample) each(f func(float64)) {
	prev := 0
	for k, v := range c.values {
		for range c.upto[k] - prev {
			f(v)
		}
		prev = c.upto[k]
	}
}

// setITL fills s's ITL figures from the ITL sample as
// artifacts.ComputeServing computes them from the token rows: the mean and
// the population standard deviation summed value by value in ascending
// order, numpy's percentiles (artifacts.PercentileOf), in ms; the same
// float operations, so the same bits. TestWriterMatchesRunWriter checks
// the figures against ComputeServing's.
func setITL(s *artifacts.ServingMetrics, c countedSample) {
	if c.n == 0 {
		return
	}
	var sum float64
	c.each(func(x float64) { sum += x })
	mu := sum / float64(c.n)
	var ss float64
	c.each(func(x float64) { ss += (x - mu) * (x - mu) })
	ms := func(v float64) *float64 { v *= 1e3; return &v }
	s.MeanITLms, s.MedianITLms, s.StdITLms = ms(mu), ms(artifacts.PercentileOf(c.n, c.at, 50)), ms(math.Sqrt(ss/float64(c.n)))
	s.P90ITLms, s.P99ITLms = ms(artifacts.PercentileOf(c.n, c.at, 90)), ms(artifacts.PercentileOf(c.n, c.at, 99))
}

// counts counts occurrences of 64-bit keys: an open-addressing table with
// linear probing, which two million increments over a few thousand keys
// (the ITL sample) pass through several times faster than a Go map.
type counts struct {
	keys []uint64
	ns   []int // 0: empty slot
	len  int
}

func (c *counts) add(k uint64) {
	if 2*(c.len+1) > len(c.keys) {
		c.grow()
	}
	c.insert(k, 1)
}

// insert adds n to k's count; the table has a free slot.
func (c *counts) insert(k uint64, n int) {
	mask := uint64(len(c.keys) - 1)
	for i := (k * 0x9e3779b97f4a7c15) >> 32 & mask; ; i = (i + 1) & mask {
		switch {
		case c.ns[i] == 0:
			c.keys[i], c.ns[i] = k, n
			c.len++
			return
		case c.keys[i] == k:
			c.ns[i] += n
			return
		}
	}
}

// grow doubles the table (from 1024 slots) and reinserts every key.
func (c *counts) grow() {
	keys, ns := c.keys, c.ns
	size := max(1024, 2*len(keys))
	c.keys, c.ns, c.len = make([]uint64, size), make([]int, size), 0
	for i, n := range ns {
		if n > 0 {
			c.insert(keys[i], n)
		}
	}
}

// each calls f with every key and its count, in no particular order.
func (c *counts) each(f func(k uint64, n int)) {
	for i, n := range c.ns {
		if n > 0 {
			f(c.keys[i], n)
		}
	}
}
