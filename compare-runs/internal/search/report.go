package search

import (
	"strings"

	"github.com/simcheck/simcheck/compare-runs/internal/figs"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Job is one job of a sweep and its capacity search, if it has one.
type Job struct {
	Sweep     string   // the sweep's id
	Num       int      // the job's number in its sweep (0-based, as multirun.yaml has it)
	Overrides []string // the job's key=value overrides, as multirun.yaml lists them
	State     string   // the job's state in multirun.yaml
	OutputDir string
	// Capacity is the job's capacity.json; nil when the job failed, did
	// not run, or its capacity.json could not be read (Err says which).
	Capacity *artifacts.Capacity
	Err      string
	// Missing: the job succeeded, but its output directory holds no
	// capacity.json (a sim.mode=run job).
	Missing bool
}

// Problem says in a word why a job has no capacity: its state, or
// "missing" or "unreadable" for a job that succeeded.
func (j *Job) Problem() string {
	switch {
	case j.State != "succeeded":
		return j.State
	case j.Missing:
		return "missing"
	}
	return "unreadable"
}

// Row is a job as the report shows it.
type Row struct {
	Job
	Cluster artifacts.Cluster // zero without a capacity
	Group   int               // index into Report.Groups; -1 without a capacity
	Best    bool              // the best of its SLO group
	Pareto  bool              // on its SLO group's Pareto front
}

// OK reports whether the row has a capacity search to report.
func (r *Row) OK() bool { return r.Capacity != nil }

// Met reports whether the configuration met the SLO somewhere in its
// range: it has a capacity to rank.
func (r *Row) Met() bool { return r.OK() && r.Capacity.Status != artifacts.CapacityBelowRange }

// QPSPerGPU is the capacity per GPU, the report's cost proxy.
func (r *Row) QPSPerGPU() float64 { return r.Capacity.CapacityQPS / float64(r.Cluster.GPUs()) }

// Value is the row's value of an override key; "" when the job does not
// set it (the tool's default applies).
func (r *Row) Value(key string) string { return value(r.Overrides, key) }

func value(overrides []string, key string) string {
	for _, o := range overrides {
		if k, v := split(o); k == key {
			return v
		}
	}
	return ""
}

// Group is the jobs searched against one SLO: only their capacities are
// comparable.
type Group struct {
	SLO  artifacts.CapacitySLO
	Rows []int // indexes into Report.Rows, in job order
	// Best is the row of the highest capacity, fewer GPUs breaking a tie
	// (then job order); -1 when no configuration met the SLO.
	Best int
	// Front is the Pareto front of capacity against GPUs, by GPUs: the
	// configurations that met the SLO and that no other beats, where
	// beating is as much capacity or more on as few GPUs or fewer, and
	// strictly more of one or strictly fewer of the other.
	Front []int
	// Uncertain are the rows that met the SLO at the top of their range
	// with a lower bound at or below the best's capacity: their true
	// capacity might beat the best's.
	Uncertain []int
}

// Report is the search report of one or more sweeps.
type Report struct {
	Sweeps []string
	Rows   []Row
	// Keys are the override keys whose values differ between jobs, in
	// the order they first appear: the grid's axes.
	Keys     []string
	Groups   []Group
	Warnings []string
	Figures  figs.Written
}

// NewReport ranks the jobs, given in sweep then job order.
func NewReport(sweeps []string, jobs []Job, warnings []string) *Report {
	r := &Report{Sweeps: sweeps, Warnings: warnings}
	for _, j := range jobs {
		row := Row{Job: j, Group: -1}
		if j.Capacity != nil {
			// ReadCapacity has checked the cluster's shape.
			row.Cluster, _ = j.Capacity.Cluster()
			row.Group = r.group(j.Capacity.SLO, len(r.Rows))
		}
		r.Rows = append(r.Rows, row)
	}
	r.Keys = varyingKeys(jobs)
	for g := range r.Groups {
		r.rank(g)
	}
	return r
}

// group returns the index of slo's group, adding row to it.
func (r *Report) group(slo artifacts.CapacitySLO, row int) int {
	for i := range r.Groups {
		if r.Groups[i].SLO == slo {
			r.Groups[i].Rows = append(r.Groups[i].Rows, row)
			return i
		}
	}
	r.Groups = append(r.Groups, Group{SLO: slo, Rows: []int{row}, Best: -1})
	return len(r.Groups) - 1
}

// rank finds group g's best row and Pareto front.
func (r *Report) rank(g int) {
	grp := &r.Groups[g]
	for _, i := range grp.Rows {
		a := &r.Rows[i]
		if !a.Met() {
			continue
		}
		if grp.Best < 0 || better(a, &r.Rows[grp.Best]) {
			grp.Best = i
		}
		dominated := false
		for _, j := range grp.Rows {
			if b := &r.Rows[j]; b.Met() && dominates(b, a) {
				dominated = true
				break
			}
		}
		if !dominated {
			grp.Front = append(grp.Front, i)
			a.Pareto = true
		}
	}
	if grp.Best < 0 {
		return
	}
	best := &r.Rows[grp.Best]
	best.Best = true
	for _, i := range grp.Rows {
		a := &r.Rows[i]
		if i != grp.Best && a.OK() && a.Capacity.Status == artifacts.CapacityAboveRange && a.Capacity.CapacityQPS <= best.Capacity.CapacityQPS {
			grp.Uncertain = append(grp.Uncertain, i)
		}
	}
	sortByGPUs(r.Rows, grp.Front)
}

// better reports whether a ranks above b: more capacity, or as much on
// fewer GPUs. Rows are visited in job order, so an exact tie keeps the
// earlier job.
func better(a, b *Row) bool {
	ca, cb := a.Capacity.CapacityQPS, b.Capacity.CapacityQPS
	return ca > cb || ca == cb && a.Cluster.GPUs() < b.Cluster.GPUs()
}

// dominates reports whether b beats a on the Pareto front.
func dominates(b, a *Row) bool {
	cb, ca := b.Capacity.CapacityQPS, a.Capacity.CapacityQPS
	gb, ga := b.Cluster.GPUs(), a.Cluster.GPUs()
	return cb >= ca && gb <= ga && (cb > ca || gb < ga)
}

// sortByGPUs orders a front by GPUs (insertion sort: stable, and fronts
// are short); on a front, fewer GPUs means less capacity.
func sortByGPUs(rows []Row, idx []int) {
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && rows[idx[j]].Cluster.GPUs() < rows[idx[j-1]].Cluster.GPUs(); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
}

// split is an override's key and value; an override without "=" is a
// key with no value.
func split(o string) (string, string) {
	k, v, _ := strings.Cut(o, "=")
	return k, v
}

// varyingKeys are the override keys whose value (or absence) is not the
// same in every job, in the order they first appear.
func varyingKeys(jobs []Job) []string {
	var keys []string
	values := map[string]map[string]bool{}
	for _, j := range jobs {
		for _, o := range j.Overrides {
			k, _ := split(o)
			if values[k] == nil {
				values[k] = map[string]bool{}
				keys = append(keys, k)
			}
		}
	}
	var out []string
	for _, k := range keys {
		for _, j := range jobs {
			values[k][value(j.Overrides, k)] = true
		}
		if len(values[k]) > 1 {
			out = append(out, k)
		}
	}
	return out
}
