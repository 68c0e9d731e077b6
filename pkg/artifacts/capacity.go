package artifacts

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// CapacityFile is the result of a capacity search (vidur-sim
// sim.mode=capacity) in its run directory.
const CapacityFile = "capacity.json"

// CapacityStatus says where the capacity lies relative to the probed range.
type CapacityStatus string

// Capacity statuses.
const (
	// CapacityFound: the range's bottom meets the SLO and its top does
	// not; the capacity lies within the final bracket.
	CapacityFound CapacityStatus = "found"
	// CapacityAboveRange: the top of the range already meets the SLO, so
	// the capacity is at least qps_max.
	CapacityAboveRange CapacityStatus = "above_range"
	// CapacityBelowRange: even the bottom of the range misses, so the
	// capacity is below qps_min.
	CapacityBelowRange CapacityStatus = "below_range"
)

// bindingSLOs are the values binding_slo takes when a probe missed.
var bindingSLOs = []string{"ttft", "tbt", "unfinished"}

// Capacity is capacity.json: the answer of a capacity search, every probe
// in the order it ran, and the inputs that produced them. It holds no
// wall-clock time, so the same inputs give the same bytes.
type Capacity struct {
	SchemaVersion int            `json:"schema_version"`
	Status        CapacityStatus `json:"status"`
	// CapacityQPS is the highest probed rate that met the SLO: qps_max
	// when above_range (a lower bound), 0 when below_range.
	CapacityQPS float64 `json:"capacity_qps"`
	// LowestFailingQPS is the lowest probed rate that missed (null when
	// above_range): the capacity lies between the two.
	LowestFailingQPS *float64 `json:"lowest_failing_qps"`
	// BindingSLO is the objective the lowest failing probe missed by the
	// widest margin: ttft, tbt or unfinished; "" when above_range.
	BindingSLO string           `json:"binding_slo"`
	Summary    string           `json:"summary"`
	SLO        CapacitySLO      `json:"slo"`
	Range      CapacityRange    `json:"range"`
	Tolerance  float64          `json:"tolerance"`
	Arrivals   CapacityArrivals `json:"arrivals"`
	Workload   RunWorkload      `json:"workload"`
	// NumRequests is the workload's request count, simulated at every probe.
	NumRequests int            `json:"num_requests"`
	Model       map[string]any `json:"model"`
	Hardware    map[string]any `json:"hardware"`
	// Scheduler holds the scheduler settings under the shared names
	// (SchedulerKeys), the simulator's own, and the cluster's shape:
	// num_replicas, tensor_parallel and pipeline_parallel, which every
	// reader requires (Cluster).
	Scheduler        map[string]any    `json:"scheduler"`
	SchedulerSources map[string]string `json:"scheduler_sources"`
	Sim              map[string]any    `json:"sim"`
	Probes           []CapacityProbe   `json:"probes"`
	Warnings         []string          `json:"warnings"`
}

// CapacitySLO is the objective a probe must meet: the quantile of TTFT
// and of the gaps between tokens, in ms; an objective of 0 is left out.
type CapacitySLO struct {
	TTFTms   float64 `json:"ttft_ms"`
	TBTms    float64 `json:"tbt_ms"`
	Quantile float64 `json:"quantile"`
}

// CapacityRange is the range of request rates searched, in req/s.
type CapacityRange struct {
	QPSMin float64 `json:"qps_min"`
	QPSMax float64 `json:"qps_max"`
}

// CapacityArrivals is how each probe's arrivals were made: poisson (with
// the seed drawn from) or rescale.
type CapacityArrivals struct {
	Mode string  `json:"mode"`
	Seed *uint64 `json:"seed,omitempty"`
}

// CapacityProbe is one probe; a quantile with nothing to measure is null.
type CapacityProbe struct {
	QPS       float64  `json:"qps"`
	TTFTms    *float64 `json:"ttft_ms"`
	TBTms     *float64 `json:"tbt_ms"`
	Completed int      `json:"completed"`
	Meets     bool     `json:"meets"`
	Misses    []string `json:"misses,omitempty"`
}

// Cluster is the simulated cluster's shape, from capacity.json's
// scheduler object.
type Cluster struct {
	Replicas, Tensor, Pipeline int
}

// GPUs is the devices the cluster occupies: replicas × TP × PP.
func (c Cluster) GPUs() int { return c.Replicas * c.Tensor * c.Pipeline }

// clusterKeys are the scheduler object's keys of the cluster's shape.
var clusterKeys = [3]string{"num_replicas", "tensor_parallel", "pipeline_parallel"}

// Cluster reads the cluster's shape from the scheduler object; each of
// its keys must be a positive integer.
func (c *Capacity) Cluster() (Cluster, error) {
	cl, _, err := c.cluster()
	return cl, err
}

// cluster is Cluster that also returns the key at fault: the scheduler
// object's key, or "scheduler" when the key is missing.
func (c *Capacity) cluster() (Cluster, string, error) {
	var n [3]int
	for i, k := range clusterKeys {
		v, ok := c.Scheduler[k]
		if !ok {
			return Cluster{}, "scheduler", fmt.Errorf("field \"scheduler\": %s is missing", k)
		}
		x, ok := positiveInt(v)
		if !ok {
			return Cluster{}, k, fmt.Errorf("field \"scheduler\": %s=%v must be a positive integer", k, v)
		}
		n[i] = x
	}
	return Cluster{Replicas: n[0], Tensor: n[1], Pipeline: n[2]}, "", nil
}

// positiveInt accepts the integers a writer holds (int) and a reader
// decodes (float64).
func positiveInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, x > 0
	case float64:
		if x >= 1 && x <= 1<<31 && x == math.Trunc(x) {
			return int(x), true
		}
	}
	return 0, false
}

// Validate checks the fields every consumer relies on and their
// agreement with the status.
func (c *Capacity) Validate() error {
	_, err := c.check()
	return err
}

// check is Validate that also names the JSON key at fault, so a reader
// can point at its line.
func (c *Capacity) check() (string, error) {
	switch {
	case !(c.SLO.TTFTms >= 0 && c.SLO.TBTms >= 0) || c.SLO.TTFTms+c.SLO.TBTms == 0:
		return "slo", fmt.Errorf("field \"slo\": ttft_ms=%s and tbt_ms=%s: at least one must be above 0, neither negative", Float(c.SLO.TTFTms), Float(c.SLO.TBTms))
	case !(c.SLO.Quantile > 0 && c.SLO.Quantile <= 1):
		return "slo", fmt.Errorf("field \"slo\": quantile=%s must be in (0, 1]", Float(c.SLO.Quantile))
	case !(c.Range.QPSMin > 0 && c.Range.QPSMax > c.Range.QPSMin):
		return "range", fmt.Errorf("field \"range\": qps_min=%s and qps_max=%s must satisfy 0 < qps_min < qps_max", Float(c.Range.QPSMin), Float(c.Range.QPSMax))
	case c.CapacityQPS < 0:
		return "capacity_qps", fmt.Errorf("field \"capacity_qps\": %s is negative", Float(c.CapacityQPS))
	}
	if field, err := c.checkStatus(); err != nil {
		return field, err
	}
	_, key, err := c.cluster()
	return key, err
}

// checkStatus checks that the answer's fields agree with its status.
func (c *Capacity) checkStatus() (string, error) {
	binding := func() error {
		if slices.Contains(bindingSLOs, c.BindingSLO) {
			return nil
		}
		return fmt.Errorf("field \"binding_slo\": %q must be ttft, tbt or unfinished when the status is %s", c.BindingSLO, c.Status)
	}
	switch c.Status {
	case CapacityFound:
		switch {
		case c.CapacityQPS <= 0:
			return "capacity_qps", fmt.Errorf("field \"capacity_qps\": %s must be above 0 when the status is found", Float(c.CapacityQPS))
		case c.LowestFailingQPS == nil || *c.LowestFailingQPS <= c.CapacityQPS:
			return "lowest_failing_qps", errors.New("field \"lowest_failing_qps\": must be a rate above capacity_qps when the status is found")
		}
		return "binding_slo", binding()
	case CapacityAboveRange:
		switch {
		case c.CapacityQPS <= 0:
			return "capacity_qps", fmt.Errorf("field \"capacity_qps\": %s must be above 0 when the status is above_range", Float(c.CapacityQPS))
		case c.LowestFailingQPS != nil:
			return "lowest_failing_qps", errors.New("field \"lowest_failing_qps\": must be null when the status is above_range")
		case c.BindingSLO != "":
			return "binding_slo", fmt.Errorf("field \"binding_slo\": %q must be empty when the status is above_range", c.BindingSLO)
		}
		return "", nil
	case CapacityBelowRange:
		switch {
		case c.CapacityQPS != 0:
			return "capacity_qps", fmt.Errorf("field \"capacity_qps\": %s must be 0 when the status is below_range", Float(c.CapacityQPS))
		case c.LowestFailingQPS == nil:
			return "lowest_failing_qps", errors.New("field \"lowest_failing_qps\": must be a rate when the status is below_range")
		}
		return "binding_slo", binding()
	}
	return "status", fmt.Errorf("field \"status\": %q must be found, above_range or below_range", c.Status)
}

// ReadCapacity reads and checks a run directory's capacity.json.
func ReadCapacity(dir string) (*Capacity, error) {
	path := filepath.Join(dir, CapacityFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Capacity
	if err := decodeJSON(path, data, &c, 1); err != nil {
		return nil, err
	}
	if err := checkSchemaVersion(path, c.SchemaVersion); err != nil {
		return nil, err
	}
	if field, err := c.check(); err != nil {
		fe := &FileError{Path: path, Err: err}
		if off := keyOffset(data, strconv.Quote(field)); off >= 0 {
			fe.Line, fe.Column = position(data, off)
		}
		return nil, fe
	}
	// The writer leaves an empty misses list out: read it as none.
	for i := range c.Probes {
		if len(c.Probes[i].Misses) == 0 {
			c.Probes[i].Misses = nil
		}
	}
	return &c, nil
}

// WriteCapacity checks c and writes it as capacity.json.
func WriteCapacity(w io.Writer, c *Capacity) error {
	c.SchemaVersion = SchemaVersion
	if c.Warnings == nil {
		c.Warnings = []string{}
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return writeJSON(w, c)
}
