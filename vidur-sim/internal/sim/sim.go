package sim

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/des"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
	"github.com/simcheck/simcheck/vidur-sim/internal/predict"
	"github.com/simcheck/simcheck/vidur-sim/internal/sched"
)

// Config is a whole simulation's setting.
type Config struct {
	Sched       sched.Config
	Plan        sched.Plan
	NumReplicas int
	Global      string
	Seed        uint64
	Predictor   *predict.Predictor
	// TrackTokens records every output token's time on its request.
	TrackTokens bool
	// VidurTimes keeps Vidur's per-request execution, model execution and
	// preemption times (entity.Request's stage bookkeeping, VidurRow), a
	// walk over a batch's requests at each stage's start and end. No
	// artifact holds them; the reference tests compare them with Python
	// Vidur's.
	VidurTimes bool
}

// Observer receives results as the simulation produces them. A request
// passed to RequestDone is reused for a later arrival once RequestDone
// returns (fresh memory costs a page fault per 4 KiB, which dominated a
// short run), so an observer copies what it needs and keeps no pointer;
// batches passed to StageDone and BatchDone are recycled after the
// batch's end, so an observer must not keep them past BatchDone.
type Observer interface {
	RequestDone(r *entity.Request)
	BatchDone(b *entity.Batch)
	StageDone(replica, stage int, b *entity.Batch, start des.Time, exec float64)
}

type kind uint8

const (
	evGlobalSchedule kind = iota
	evReplicaSchedule
	evStageArrival
	evStageSchedule
	evStageEnd
	evBatchEnd
)

var kindNames = [...]string{"global_schedule", "replica_schedule", "batch_stage_arrival",
	"replica_stage_schedule", "batch_stage_end", "batch_end"}

// event is pointer-free: its batch is a slot of Sim.inFlight, so that
// queueing an event writes no pointer (no write barrier, nothing for the
// collector to scan) at the million events of a large run.
type event struct {
	kind    kind
	replica int32
	stage   int32
	batch   int32 // slot in Sim.inFlight; 0 for none
}

type stage struct {
	queue         []*entity.Batch
	busy          bool
	start         des.Time
	exec, modelEx float64
	idleSince     des.Time // when the stage last finished a batch (0 at the start)
}

type replica struct {
	sched  sched.Replica
	stages []stage
	// wakeAt is when a replica that was idle starts on new work (the
	// wake-up's late start); late is that delay, owed to the next
	// first-stage batch's penalty.
	wakeAt des.Time
	late   float64
}

// idle reports whether no batch is queued or running on any stage.
func (r *replica) idle() bool {
	for i := range r.stages {
		if r.stages[i].busy || len(r.stages[i].queue) > 0 {
			return false
		}
	}
	return true
}

// Sim is one simulation. Drive it with Step or Run.
type Sim struct {
	cfg      Config
	pred     *predict.Predictor
	obs      Observer
	q        *des.Queue[event]
	inputs   []artifacts.Request
	next     int // next arrival in inputs
	now      des.Time
	global   *sched.Global
	replicas []replica
	batchID  int
	assign   []sched.Assignment
	trace    io.Writer
	jitter   *rand.Rand // draws the step-time factors when the predictor has a Jitter
	events   int64
	done     int
	spare    []*entity.Request // finished requests, for reuse by arrive
	// inFlight holds the batches between their scheduling and their end,
	// by the slot events name them with (slot 0 unused); free lists
	// the slots to reuse.
	inFlight []*entity.Batch
	free     []int32
}

// New builds a simulation of reqs (arrival order as given; ties keep
// input order, as Vidur's pre-created arrival events do).
func New(cfg Config, reqs []artifacts.Request, obs Observer) (*Sim, error) {
	if cfg.NumReplicas < 1 {
		return nil, fmt.Errorf("cluster.num_replicas=%d must be at least 1", cfg.NumReplicas)
	}
	if err := cfg.Plan.Validate(); err != nil {
		return nil, err
	}
	slots, err := cfg.Plan.MaxBatchSize()
	if err != nil {
		return nil, err
	}
	inputs := reqs
	if !sort.SliceIsSorted(reqs, func(i, j int) bool { return reqs[i].ArrivedAt < reqs[j].ArrivedAt }) {
		inputs = append([]artifacts.Request(nil), reqs...)
		sort.SliceStable(inputs, func(i, j int) bool { return inputs[i].ArrivedAt < inputs[j].ArrivedAt })
	}
	s := &Sim{cfg: cfg, pred: cfg.Predictor, obs: obs, inputs: inputs,
		// Vidur numbers the N arrival events 1..N before the run; events
		// created during the run come after them.
		q:        des.NewQueue[event](des.Seq(len(reqs) + 1)),
		inFlight: []*entity.Batch{nil}} // slot 0: no batch
	scfg := cfg.Sched
	scfg.NumStages = cfg.Plan.PP
	rs := make([]sched.Replica, cfg.NumReplicas)
	for i := range rs {
		if rs[i], err = sched.New(scfg, i, slots, &s.batchID); err != nil {
			return nil, err
		}
		s.replicas = append(s.replicas, replica{sched: rs[i], stages: make([]stage, cfg.Plan.PP)})
	}
	var rng *rand.Rand
	if cfg.Global == sched.Random {
		rng = rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	}
	if s.global, err = sched.NewGlobal(cfg.Global, rs, rng); err != nil {
		return nil, err
	}
	if cfg.Predictor != nil && cfg.Predictor.Jitter != nil {
		// A stream of its own, so turning the jitter on does not move the
		// random global scheduler's draws.
		s.jitter = rand.New(rand.NewPCG(cfg.Seed, 0x717e5))
	}
	return s, nil
}

// SetTrace makes the simulation write one line per handled event to w
// (golden traces).
func (s *Sim) SetTrace(w io.Writer) { s.trace = w }

// Now is the simulated time of the last handled event.
func (s *Sim) Now() des.Time { return s.now }

// Events is the number of events handled so far.
func (s *Sim) Events() int64 { return s.events }

// Replicas returns the replica schedulers (for tests and reports).
func (s *Sim) Replicas() []sched.Replica {
	out := make([]sched.Replica, len(s.replicas))
	for i := range s.replicas {
		out[i] = s.replicas[i].sched
	}
	return out
}

// Step handles the next event. It returns false when none is left.
func (s *Sim) Step() (bool, error) {
	top, ok := s.q.Peek()
	if s.next < len(s.inputs) {
		in := &s.inputs[s.next]
		at := des.Time(in.ArrivedAt)
		// An arrival's sequence (its index + 1) is below every run-time
		// event's, so it goes first at equal times.
		if !ok || at <= top.Time {
			s.next++
			s.arrive(at, in)
			return true, nil
		}
	}
	if !ok {
		return false, nil
	}
	it := s.q.Pop()
	s.now = it.Time
	s.events++
	if s.trace != nil {
		ev := it.Payload
		bid := -1
		b := s.inFlight[ev.batch]
		if b != nil {
			bid = b.ID
		}
		fmt.Fprintf(s.trace, "%.9f %s r=%d s=%d b=%d", float64(it.Time), kindNames[ev.kind], ev.replica, ev.stage, bid)
		if ev.kind == evStageArrival && ev.stage == 0 {
			// The batch's make-up, and restarts so far, when it is formed.
			fmt.Fprintf(s.trace, " reqs=")
			for i, r := range b.Requests {
				if i > 0 {
					fmt.Fprint(s.trace, ",")
				}
				fmt.Fprintf(s.trace, "%d:%d", r.ID, b.Tokens[i])
				if r.NumRestarts > 0 {
					fmt.Fprintf(s.trace, "(restarts %d)", r.NumRestarts)
				}
			}
		}
		fmt.Fprintln(s.trace)
	}
	return true, s.handle(it.Time, &it.Payload)
}

// Run steps until no event is left.
func (s *Sim) Run() error {
	for {
		ok, err := s.Step()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
	}
}

func (s *Sim) arrive(t des.Time, in *artifacts.Request) {
	s.now = t
	s.events++
	var r *entity.Request
	if n := len(s.spare); n > 0 {
		r, s.spare = s.spare[n-1], s.spare[:n-1]
	} else {
		r = new(entity.Request)
	}
	r.Init(in.RequestID, t, in.NumPrefillTokens, in.NumDecodeTokens)
	r.Track = s.cfg.TrackTokens
	if s.trace != nil {
		fmt.Fprintf(s.trace, "%.9f request_arrival req=%d p=%d d=%d\n", float64(t), r.ID, r.PrefillTokens, r.DecodeTokens)
	}
	s.global.Add(r)
	s.q.Push(t, event{kind: evGlobalSchedule})
}

func (s *Sim) handle(t des.Time, ev *event) error {
	switch ev.kind {
	case evGlobalSchedule:
		return s.globalSchedule(t, ev)
	case evReplicaSchedule:
		return s.replicaSchedule(t, ev)
	case evStageArrival:
		return s.stageArrival(t, ev)
	case evStageSchedule:
		return s.stageSchedule(t, ev)
	case evStageEnd:
		return s.stageEnd(t, ev)
	case evBatchEnd:
		return s.batchEnd(t, ev)
	}
	return errors.New("sim: unknown event kind")
}

// globalSchedule drains the global queue into the replicas' waiting queues and wakes each replica that got requests, in ascending order (vidur-semantics.md §1.3).
func (s *Sim) globalSchedule(t des.Time, ev *event) error {
	s.assign = s.global.Schedule(s.assign[:0])
	if len(s.assign) == 0 {
		return nil
	}
	var seen [64]bool // replica ids are small; fall back to a scan beyond
	var many map[int]bool
	for _, a := range s.assign {
		s.replicas[a.Replica].sched.Add(a.Req)
		if a.Replica < len(seen) {
			seen[a.Replica] = true
		} else {
			if many == nil {
				many = map[int]bool{}
			}
			many[a.Replica] = true
		}
	}
	// Python iterates a set of small ints in ascending order.
	for r := range s.replicas {
		if (r < len(seen) && seen[r]) || many[r] {
			s.q.Push(s.wake(r, t), event{kind: evReplicaSchedule, replica: int32(r)})
		}
	}
	return nil
}

// replicaSchedule asks the replica's scheduler for batches and sends each to stage 0.
func (s *Sim) replicaSchedule(t des.Time, ev *event) error {
	rep := &s.replicas[ev.replica]
	batches, err := rep.sched.Schedule()
	for _, b := range batches {
		b.OnSchedule(t)
		s.q.Push(t, event{kind: evStageArrival, replica: ev.replica, stage: 0, batch: s.hold(b)})
	}
	if err != nil {
		return fmt.Errorf("replica %d at t=%.6f s: %w", ev.replica, float64(t), err)
	}
	return nil
}

// stageArrival queues the batch at its stage.
func (s *Sim) stageArrival(t des.Time, ev *event) error {
	st := &s.replicas[ev.replica].stages[ev.stage]
	st.queue = append(st.queue, s.inFlight[ev.batch])
	s.q.Push(t, event{kind: evStageSchedule, replica: ev.replica, stage: ev.stage})
	return nil
}

// stageSchedule starts the stage's next batch if the stage is free, with its time predicted now.
func (s *Sim) stageSchedule(t des.Time, ev *event) error {
	st := &s.replicas[ev.replica].stages[ev.stage]
	if st.busy || len(st.queue) == 0 {
		return nil
	}
	st.busy = true
	// Shift rather than re-slice, so appends reuse the array.
	b := st.queue[0]
	n := copy(st.queue, st.queue[1:])
	st.queue[n] = nil
	st.queue = st.queue[:n]
	total, model, err := s.pred.StageTime(b, int(ev.stage))
	if err != nil {
		return fmt.Errorf("batch %d (replica %d, stage %d, %d requests, %d tokens) at t=%.6f s: %w",
			b.ID, ev.replica, ev.stage, b.Size(), b.TotalTokens, float64(t), err)
	}
	pen := 0.0
	if ev.stage == 0 && s.pred.Wake != nil {
		// The engine sat idle since its last batch (or since the
		// start, as a real run starts after its warm-up); the late
		// start already paid part of the penalty.
		rep := &s.replicas[ev.replica]
		pen = max(s.pred.Wake.Penalty(float64(t-st.idleSince)-rep.late, total)-rep.late, 0)
		rep.late = 0
	}
	if s.jitter != nil {
		// Handled in event order, so the draws are deterministic.
		f := s.pred.Jitter.Ratio(s.jitter.Float64())
		total, model = total*f, model*f
	}
	total += pen
	st.start, st.exec, st.modelEx = t, total, model
	if s.cfg.VidurTimes {
		for _, r := range b.Requests {
			r.OnStageSchedule(t)
		}
	}
	s.q.Push(t+des.Time(total), event{kind: evStageEnd, replica: ev.replica, stage: ev.stage, batch: b.Slot})
	return nil
}

// stageEnd frees the stage and passes the batch on: to the next stage or to its end.
func (s *Sim) stageEnd(t des.Time, ev *event) error {
	st := &s.replicas[ev.replica].stages[ev.stage]
	st.busy = false
	st.idleSince = t
	b := s.inFlight[ev.batch]
	if s.cfg.VidurTimes {
		for _, r := range b.Requests {
			r.OnStageEnd(t, st.exec, st.modelEx)
		}
	}
	if s.obs != nil {
		s.obs.StageDone(int(ev.replica), int(ev.stage), b, st.start, st.exec)
	}
	s.q.Push(t, event{kind: evStageSchedule, replica: ev.replica, stage: ev.stage})
	if int(ev.stage) == len(s.replicas[ev.replica].stages)-1 {
		s.q.Push(t, event{kind: evBatchEnd, replica: ev.replica, batch: ev.batch})
	} else {
		s.q.Push(t, event{kind: evStageArrival, replica: ev.replica, stage: ev.stage + 1, batch: ev.batch})
	}
	return nil
}

// batchEnd advances the batch's requests, records their tokens and completions, and lets the replica schedule again.
func (s *Sim) batchEnd(t des.Time, ev *event) error {
	b := s.inFlight[ev.batch]
	s.inFlight[ev.batch] = nil
	s.free = append(s.free, ev.batch)
	b.CompletedAt = t
	finished := false
	for i, r := range b.Requests {
		n := r.OnBatchEnd(t, b.Tokens[i])
		finished = finished || r.Completed
		if n > 0 && r.Track {
			if r.TokenTimes == nil {
				// A request emits at most the tokens it asked for
				// (restarts do not emit again): one pair of arrays
				// each, not a growing copy per request, recycled.
				r.GrowTokens(r.OrigDecode)
			}
			for range n {
				r.TokenTimes = append(r.TokenTimes, float64(t))
				r.TokenBatch = append(r.TokenBatch, b.Size())
			}
		}
	}
	rep := &s.replicas[ev.replica]
	rep.sched.OnBatchEnd(b)
	if s.obs != nil {
		s.obs.BatchDone(b)
	}
	if finished { // most batches finish no request: no second walk
		for _, r := range b.Requests {
			if r.Completed {
				s.done++
				if s.obs != nil {
					s.obs.RequestDone(r)
				}
				s.spare = append(s.spare, r)
			}
		}
	}
	rep.sched.Release(b)
	s.q.Push(t, event{kind: evReplicaSchedule, replica: ev.replica})
	return nil
}

// hold gives b a slot in inFlight until its end and returns the slot.
func (s *Sim) hold(b *entity.Batch) int32 {
	var slot int32
	if n := len(s.free); n > 0 {
		slot, s.free = s.free[n-1], s.free[:n-1]
		s.inFlight[slot] = b
	} else {
		slot = int32(len(s.inFlight))
		s.inFlight = append(s.inFlight, b)
	}
	b.Slot = slot
	return slot
}

// wake returns when replica r starts on work given to it at t: at t,
// unless the predictor has a wake-up table and the replica is idle, when
// the table's late start after that much idle time is added (a real
// engine's idle wait ends late; requests see it as scheduling delay).
// Work given during a pending wake-up waits for it.
func (s *Sim) wake(r int, t des.Time) des.Time {
	if s.pred.Wake == nil {
		return t
	}
	rep := &s.replicas[r]
	if rep.wakeAt > t {
		return rep.wakeAt
	}
	if !rep.idle() {
		return t
	}
	late := s.pred.Wake.Late(float64(t - rep.stages[0].idleSince))
	if late <= 0 {
		return t
	}
	rep.wakeAt, rep.late = t+des.Time(late), late
	return rep.wakeAt
}

// Completed is the number of requests that finished.
func (s *Sim) Completed() int { return s.done }

// Unfinished returns the requests that never finished, once Run has
// returned: Vidur's final is_empty assertion failing (a leak, a blocked
// queue). Each comes with the reason.
func (s *Sim) Unfinished() []*entity.Request {
	out := s.global.Unfinished()
	for _, r := range s.replicas {
		out = append(out, r.sched.Unfinished()...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
