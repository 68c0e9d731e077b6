package artifacts

import (
	"math"
	"path/filepath"
)

// ReadWorkloadMeta reads and checks a workload directory's
// workload_meta.json alone, for a reader that needs the workload's
// settings but not its requests.
func ReadWorkloadMeta(dir string) (*WorkloadMeta, error) {
	var m WorkloadMeta
	path := filepath.Join(dir, WorkloadMetaFile)
	if err := readJSONFile(path, &m); err != nil {
		return nil, err
	}
	if err := checkSchemaVersion(path, m.SchemaVersion); err != nil {
		return nil, err
	}
	return &m, nil
}

// Arrival processes whose generator.arrival.qps is the workload's mean
// request rate. A static workload sends every request at time 0 and a
// trace keeps its own times, so for them the setting says nothing.
var rateArrivals = map[string]bool{"poisson": true, "gamma": true}

// ArrivalQPS is the request rate the workload was generated at
// (generator.arrival.qps, requests per second of trace time) and the
// arrival kind. ok is false when the generator record has no such
// setting, the kind is not a rate process (static, trace), or the rate
// is not a positive number.
func (m *WorkloadMeta) ArrivalQPS() (qps float64, kind string, ok bool) {
	arr, _ := m.Generator["arrival"].(map[string]any)
	kind, _ = arr["kind"].(string)
	qps, isNum := arr["qps"].(float64)
	if !isNum || !rateArrivals[kind] || !(qps > 0) || math.IsInf(qps, 0) {
		return 0, kind, false
	}
	return qps, kind, true
}
