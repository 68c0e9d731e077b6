package capacity

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/des"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// Objective names one latency objective a probe can miss.
type Objective string

const (
	TTFT Objective = "ttft"
	TBT  Objective = "tbt"
	// Unfinished: the probe left requests that never finished, which no
	// latency quantile can excuse.
	Unfinished Objective = "unfinished"
)

// Label is the objective as a person reads it ("TBT p90").
func (o Objective) Label(quantile float64) string {
	switch o {
	case TTFT, TBT:
		return map[Objective]string{TTFT: "TTFT ", TBT: "TBT "}[o] + QuantileName(quantile)
	case Unfinished:
		return "unfinished requests"
	}
	return string(o)
}

// QuantileName is q in (0, 1] as a percentile's name: 0.9 is "p90",
// 0.999 "p99.9".
func QuantileName(q float64) string { return "p" + fmt.Sprint(math.Round(q*100*1e6)/1e6) }

// SLO is the objectives a probe must meet, in ms (0 leaves one out), and
// the quantile both bound.
type SLO struct {
	TTFTms, TBTms float64
	Quantile      float64 // in (0, 1]
}

// Validate checks at least one objective is given.
func (s SLO) Validate() error {
	if !(s.TTFTms > 0) && !(s.TBTms > 0) {
		return errors.New("capacity needs an objective: set slo.ttft_ms and/or slo.tbt_ms above 0")
	}
	if !(s.Quantile > 0 && s.Quantile <= 1) {
		return fmt.Errorf("slo.quantile=%g must be in (0, 1]", s.Quantile)
	}
	return nil
}

// Probe is one simulation at one rate. A quantile is NaN when there was
// nothing to measure (no request finished, or none produced a second
// token).
type Probe struct {
	QPS               float64
	TTFTms, TBTms     float64 // the SLO's quantile of each, ms
	Completed, Total  int
	Meets             bool
	Misses            []Objective
	ttftOver, tbtOver float64 // quantile / objective, for Binding
}

// Binding is the objective the probe missed by the widest margin: any
// unfinished request first, then the larger ratio of quantile to
// objective. It is "" when the probe met every objective.
func (p Probe) Binding() Objective {
	if len(p.Misses) == 0 {
		return ""
	}
	if slices.Contains(p.Misses, Unfinished) {
		return Unfinished
	}
	if slices.Contains(p.Misses, TTFT) && (!slices.Contains(p.Misses, TBT) || p.ttftOver >= p.tbtOver) {
		return TTFT
	}
	return TBT
}

// Collector is a simulation observer that keeps each finished request's
// TTFT and the gaps between its output tokens, in ms. The simulation must
// track token times (sim.Config.TrackTokens).
type Collector struct {
	ttft, gaps []float64
}

// RequestDone records r: TTFT from arrival to the end of its prefill (as
// the serving metrics define it), and the gap before each token from
// index 1 on (token 0's latency is the TTFT itself).
func (c *Collector) RequestDone(r *entity.Request) {
	c.ttft = append(c.ttft, float64(r.PrefillCompletedAt-r.ArrivedAt)*1e3)
	for k := 1; k < len(r.TokenTimes); k++ {
		c.gaps = append(c.gaps, (r.TokenTimes[k]-r.TokenTimes[k-1])*1e3)
	}
	entity.ReleaseTokens(r.TokenTimes, r.TokenBatch)
	r.TokenTimes, r.TokenBatch = nil, nil
}

// BatchDone implements the simulation's observer; batches are not needed.
func (c *Collector) BatchDone(*entity.Batch) {}

// StageDone implements the simulation's observer; stages are not needed.
func (c *Collector) StageDone(int, int, *entity.Batch, des.Time, float64) {}

// Measure turns what c collected from a simulation of total requests at
// qps into a probe judged against slo. An objective with nothing to
// measure is met (no token gaps cannot be too long); a probe that left
// requests unfinished never meets.
func (c *Collector) Measure(qps float64, total int, slo SLO) Probe {
	p := Probe{QPS: qps, Completed: len(c.ttft), Total: total}
	p.TTFTms = quantile(c.ttft, slo.Quantile)
	p.TBTms = quantile(c.gaps, slo.Quantile)
	if p.Completed < total {
		p.Misses = append(p.Misses, Unfinished)
	}
	if slo.TTFTms > 0 && p.TTFTms > slo.TTFTms {
		p.Misses, p.ttftOver = append(p.Misses, TTFT), p.TTFTms/slo.TTFTms
	}
	if slo.TBTms > 0 && p.TBTms > slo.TBTms {
		p.Misses, p.tbtOver = append(p.Misses, TBT), p.TBTms/slo.TBTms
	}
	p.Meets = len(p.Misses) == 0
	return p
}

// quantile is numpy's linear percentile of xs at q in (0, 1]; it sorts xs.
func quantile(xs []float64, q float64) float64 {
	slices.Sort(xs)
	return artifacts.Percentile(xs, q*100)
}
