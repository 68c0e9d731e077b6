package capacity

import (
	"errors"
	"fmt"
	"math"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Status says where the capacity lies relative to the probed range. It
// is capacity.json's status, whose values pkg/artifacts owns.
type Status = artifacts.CapacityStatus

const (
	// Found: the range's bottom meets the objectives and its top does
	// not; the capacity is bracketed within the tolerance.
	Found = artifacts.CapacityFound
	// AboveRange: the top of the range already meets the objectives, so
	// the capacity is at least qps_max.
	AboveRange = artifacts.CapacityAboveRange
	// BelowRange: even the bottom of the range misses, so the capacity is
	// below qps_min.
	BelowRange = artifacts.CapacityBelowRange
)

// Range is the bracket of rates to search, in requests per second, and
// the relative width at which the search stops.
type Range struct {
	Min, Max  float64
	Tolerance float64
}

// Validate checks the range can be searched.
func (r Range) Validate() error {
	var errs []error
	if !(r.Min > 0) || math.IsInf(r.Min, 0) {
		errs = append(errs, fmt.Errorf("capacity.qps_min=%g must be a positive number", r.Min))
	}
	if !(r.Max > r.Min) || math.IsInf(r.Max, 0) {
		errs = append(errs, fmt.Errorf("capacity.qps_max=%g must be a finite number above capacity.qps_min=%g", r.Max, r.Min))
	}
	if !(r.Tolerance > 0 && r.Tolerance < 1) {
		errs = append(errs, fmt.Errorf("capacity.tolerance=%g must be in (0, 1) (0.01 stops when the bracket is within 1%%)", r.Tolerance))
	}
	return errors.Join(errs...)
}

// Result is a finished search.
type Result struct {
	Status Status
	// QPS is the highest probed rate that met the objectives: Max when
	// AboveRange, 0 when BelowRange.
	QPS float64
	// Fails is the lowest probed rate that missed (0 when AboveRange).
	Fails float64
	// Binding names the objective the lowest failing probe missed by the
	// widest margin ("" when AboveRange).
	Binding Objective
	Probes  []Probe
}

// Search probes rng.Max, then rng.Min, then bisects between the highest
// rate known to meet and the lowest known to miss until they are within
// rng.Tolerance of each other (relative to the lower one). The midpoint
// is geometric: the tolerance is relative, so each probe halves the
// bracket's log-ratio whatever the scale of the range. probe runs one
// simulation at a rate.
func Search(rng Range, probe func(qps float64) (Probe, error)) (Result, error) {
	if err := rng.Validate(); err != nil {
		return Result{}, err
	}
	var res Result
	try := func(q float64) (Probe, error) {
		p, err := probe(q)
		if err != nil {
			return p, fmt.Errorf("probe at %g req/s: %w", q, err)
		}
		res.Probes = append(res.Probes, p)
		return p, nil
	}
	top, err := try(rng.Max)
	if err != nil {
		return res, err
	}
	if top.Meets {
		res.Status, res.QPS = AboveRange, rng.Max
		return res, nil
	}
	lowFail := top
	bottom, err := try(rng.Min)
	if err != nil {
		return res, err
	}
	if !bottom.Meets {
		res.Status, res.Fails, res.Binding = BelowRange, rng.Min, bottom.Binding()
		return res, nil
	}
	lo, hi := rng.Min, rng.Max
	for hi-lo > rng.Tolerance*lo {
		mid := math.Sqrt(lo * hi)
		if !(mid > lo && mid < hi) {
			break // the bracket is down to adjacent floats
		}
		p, err := try(mid)
		if err != nil {
			return res, err
		}
		if p.Meets {
			lo = mid
		} else {
			hi, lowFail = mid, p
		}
	}
	res.Status, res.QPS, res.Fails, res.Binding = Found, lo, hi, lowFail.Binding()
	return res, nil
}
