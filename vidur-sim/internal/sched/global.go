package sched

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// Global scheduler kinds (vidur-semantics.md §3.8).
const (
	RoundRobin = "round_robin"
	Random     = "random"
	LOR        = "lor"
)

// GlobalKinds lists the global scheduler kinds.
var GlobalKinds = []string{RoundRobin, Random, LOR}

// Assignment is one request routed to one replica.
type Assignment struct {
	Replica int
	Req     *entity.Request
}

// Global routes the cluster's queue to replicas.
type Global struct {
	kind     string
	replicas []Replica
	queue    []*entity.Request
	counter  int
	rng      *rand.Rand
	pending  []int
}

// NewGlobal builds a global scheduler. rng is used by random only and
// must then be non-nil (no hidden global source).
func NewGlobal(kind string, replicas []Replica, rng *rand.Rand) (*Global, error) {
	switch kind {
	case RoundRobin, LOR:
	case Random:
		if rng == nil {
			return nil, fmt.Errorf("sched: global scheduler random needs a seeded source")
		}
	default:
		return nil, fmt.Errorf("unknown cluster.global_scheduler %q (valid: %v)", kind, GlobalKinds)
	}
	return &Global{kind: kind, replicas: replicas, rng: rng, pending: make([]int, len(replicas))}, nil
}

// Add puts an arrived request in the global queue.
func (g *Global) Add(r *entity.Request) { g.queue = append(g.queue, r) }

// Empty reports whether the global queue is empty.
func (g *Global) Empty() bool { return len(g.queue) == 0 }

// Schedule stable-sorts the queue by arrival and drains it, appending to
// out (reused to avoid an allocation per call).
func (g *Global) Schedule(out []Assignment) []Assignment {
	sortByArrival(g.queue)
	if g.kind == LOR {
		for i, r := range g.replicas {
			g.pending[i] = r.Waiting()
		}
	}
	for _, r := range g.queue {
		var id int
		switch g.kind {
		case RoundRobin:
			id = g.counter % len(g.replicas)
			g.counter++
		case Random:
			id = g.rng.IntN(len(g.replicas))
		case LOR:
			id = 0
			for i := range g.pending {
				if g.pending[i] < g.pending[id] {
					id = i
				}
			}
			g.pending[id]++
		}
		out = append(out, Assignment{Replica: id, Req: r})
	}
	clear(g.queue)
	g.queue = g.queue[:0]
	return out
}

// Unfinished returns requests never routed.
func (g *Global) Unfinished() []*entity.Request { return slices.Clone(g.queue) }
