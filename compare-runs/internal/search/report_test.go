package search

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// job is a job of a capacity search at slo with status st.
func job(num int, st artifacts.CapacityStatus, qps float64, replicas, tp, pp int, ttft float64) Job {
	c := &artifacts.Capacity{Status: st, CapacityQPS: qps, SLO: artifacts.CapacitySLO{TTFTms: ttft, Quantile: 0.9},
		Scheduler: map[string]any{"num_replicas": replicas, "tensor_parallel": tp, "pipeline_parallel": pp}}
	return Job{Sweep: "s", Num: num, State: "succeeded", Capacity: c,
		Overrides: []string{fmt.Sprintf("cluster.num_replicas=%d", replicas), fmt.Sprintf("parallel.tensor=%d", tp)}}
}

// TestFrontIsUndominated checks the front of random grids against its
// definition: every configuration that met its SLO is on the front or
// beaten by one on it, no two on the front beat each other, the front
// climbs with GPUs, and the best is on it with the most capacity.
func TestFrontIsUndominated(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	statuses := []artifacts.CapacityStatus{artifacts.CapacityFound, artifacts.CapacityFound, artifacts.CapacityAboveRange, artifacts.CapacityBelowRange}
	for trial := range 200 {
		var jobs []Job
		for i := range 1 + r.IntN(12) {
			st := statuses[r.IntN(len(statuses))]
			qps := float64(1 + r.IntN(6)) // few values: many ties
			if st == artifacts.CapacityBelowRange {
				qps = 0
			}
			jobs = append(jobs, job(i, st, qps, 1+r.IntN(3), 1<<r.IntN(2), 1, float64(500*(1+r.IntN(2)))))
		}
		rep := NewReport([]string{"s"}, jobs, nil)
		for _, g := range rep.Groups {
			on := map[int]bool{}
			for k, i := range g.Front {
				on[i] = true
				if !rep.Rows[i].Pareto || !rep.Rows[i].Met() {
					t.Fatalf("trial %d: front row %d not marked or never met", trial, i)
				}
				if k > 0 {
					a, b := &rep.Rows[g.Front[k-1]], &rep.Rows[i]
					if a.Cluster.GPUs() > b.Cluster.GPUs() || a.Cluster.GPUs() < b.Cluster.GPUs() && a.Capacity.CapacityQPS >= b.Capacity.CapacityQPS {
						t.Fatalf("trial %d: front not climbing with GPUs at %d", trial, k)
					}
				}
				for _, j := range g.Front {
					if dominates(&rep.Rows[j], &rep.Rows[i]) {
						t.Fatalf("trial %d: front rows %d and %d: one beats the other", trial, j, i)
					}
				}
			}
			best := -1
			for _, i := range g.Rows {
				a := &rep.Rows[i]
				if rep.Groups[a.Group].SLO != g.SLO {
					t.Fatalf("trial %d: row %d in the wrong group", trial, i)
				}
				if !a.Met() {
					if on[i] {
						t.Fatalf("trial %d: never-met row %d on the front", trial, i)
					}
					continue
				}
				if best < 0 || a.Capacity.CapacityQPS > rep.Rows[best].Capacity.CapacityQPS {
					best = i
				}
				if on[i] {
					continue
				}
				beaten := false
				for _, j := range g.Front {
					beaten = beaten || dominates(&rep.Rows[j], a)
				}
				if !beaten {
					t.Fatalf("trial %d: row %d is off the front but nothing on it beats it", trial, i)
				}
			}
			if best >= 0 && (g.Best < 0 || rep.Rows[g.Best].Capacity.CapacityQPS != rep.Rows[best].Capacity.CapacityQPS || !on[g.Best] || !rep.Rows[g.Best].Best) {
				t.Fatalf("trial %d: best %d, want the capacity of %d, on the front", trial, g.Best, best)
			}
			if best < 0 && (g.Best >= 0 || len(g.Front) > 0) {
				t.Fatalf("trial %d: no configuration met the SLO, yet best %d, front %v", trial, g.Best, g.Front)
			}
		}
	}
}

// TestBestTies: equal capacity goes to fewer GPUs, then to the earlier
// job; a tie in both puts both on the front.
func TestBestTies(t *testing.T) {
	rep := NewReport([]string{"s"}, []Job{
		job(0, artifacts.CapacityFound, 4, 2, 1, 1, 500),
		job(1, artifacts.CapacityFound, 4, 1, 1, 1, 500),
		job(2, artifacts.CapacityFound, 4, 1, 1, 1, 500),
		job(3, artifacts.CapacityBelowRange, 0, 1, 1, 1, 500),
	}, nil)
	g := rep.Groups[0]
	if len(rep.Groups) != 1 || g.Best != 1 || fmt.Sprint(g.Front) != "[1 2]" {
		t.Errorf("best %d, front %v; want job 1 (fewer GPUs than job 0, earlier than job 2), front [1 2]", g.Best, g.Front)
	}
	if fmt.Sprint(rep.Keys) != "[cluster.num_replicas]" {
		t.Errorf("varying keys %v", rep.Keys)
	}
	none := NewReport([]string{"s"}, []Job{job(0, artifacts.CapacityBelowRange, 0, 1, 1, 1, 500)}, nil)
	if g := none.Groups[0]; g.Best != -1 || len(g.Front) != 0 {
		t.Errorf("never met: best %d, front %v", g.Best, g.Front)
	}
}
