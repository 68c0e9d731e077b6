package sched

import (
	"fmt"
	"slices"

	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// Scheduler kinds.
const (
	Sarathi           = "sarathi"
	VLLM              = "vllm"
	Orca              = "orca"
	FasterTransformer = "faster_transformer"
	LightLLM          = "lightllm"
	// Transformers runs one request at a time, whole prefill then decode,
	// like Hugging Face generate (batch size 1). Not a Vidur scheduler.
	Transformers = "transformers"
)

// Kinds lists the replica scheduler kinds.
var Kinds = []string{Sarathi, VLLM, Orca, FasterTransformer, LightLLM, Transformers}

// Config configures one replica scheduler (vidur-semantics.md §7.3). All
// replicas share it, as in Vidur.
type Config struct {
	Kind              string
	NumStages         int // pipeline stages (PP)
	BatchSizeCap      int // 128
	BlockSize         int // 16
	ChunkSize         int // sarathi token budget, 512
	MaxTokensInBatch  int // vllm, lightllm: 4096
	WatermarkFraction float64
	MaxWaitingIters   int // lightllm: 10
	// NumBlocks is the KV capacity in blocks; 0 = from the planner.
	NumBlocks int
	// MaxTokens is the request generator's max_tokens (4096).
	MaxTokens int
	// Compat selects Vidur's behaviour where it is a bug (vidur-semantics.md §10).
	Compat bool
}

// Replica is one replica's scheduler. Schedule is Vidur's on_schedule:
// up to NumStages batches may be in flight.
type Replica interface {
	// Add appends a request to the waiting queue.
	Add(r *entity.Request)
	// Schedule returns the batches to start now (possibly none), in a
	// slice valid until the next call. An error is a state the
	// scheduler cannot handle (lightllm out of memory), which ends the
	// run.
	Schedule() ([]*entity.Batch, error)
	// OnBatchEnd frees completed requests and requeues the others.
	OnBatchEnd(b *entity.Batch)
	// Release hands back a batch, after its end, that nothing will read
	// again; the scheduler may reuse it for a later batch.
	Release(b *entity.Batch)
	// Waiting is the waiting-queue length (what lor balances).
	Waiting() int
	// Stats returns the allocated and total KV blocks and the number of
	// requests holding an allocation.
	Stats() (allocated, total, holders int)
	// Unfinished returns requests still waiting or running, for the
	// end-of-run report.
	Unfinished() []*entity.Request
}

// New builds replica id's scheduler. planSlots is the planner's max batch
// size (per stage); nextBatchID numbers batches across all replicas.
func New(cfg Config, id, plannerBatch int, nextBatchID *int) (Replica, error) {
	if cfg.BlockSize <= 0 || cfg.BatchSizeCap <= 0 || cfg.NumStages <= 0 {
		return nil, fmt.Errorf("scheduler.block_size=%d and scheduler.batch_size_cap=%d must be positive", cfg.BlockSize, cfg.BatchSizeCap)
	}
	b := &base{cfg: cfg, id: id, nextID: nextBatchID}
	b.maxBlocksPerSeq = cfg.MaxTokens / cfg.BlockSize
	if b.cfg.NumBlocks == 0 {
		b.cfg.NumBlocks = b.maxBlocksPerSeq * plannerBatch * cfg.NumStages
	}
	b.maxBatch = min(plannerBatch, cfg.BatchSizeCap)
	b.maxMicro = cfg.BatchSizeCap / cfg.NumStages
	b.watermark = int(cfg.WatermarkFraction * float64(b.cfg.NumBlocks))
	switch cfg.Kind {
	case Sarathi:
		if cfg.ChunkSize <= 0 {
			return nil, fmt.Errorf("scheduler.chunk_size=%d must be positive", cfg.ChunkSize)
		}
		return &sarathi{paged: paged{base: b}}, nil
	case VLLM:
		return &vllm{paged{base: b}}, nil
	case Orca:
		return &orca{base: b}, nil
	case Transformers:
		b.maxBatch = 1
		return &orca{base: b}, nil
	case FasterTransformer:
		return &fasterTransformer{base: b}, nil
	case LightLLM:
		if cfg.BlockSize != 1 {
			return nil, fmt.Errorf("scheduler.kind=lightllm needs scheduler.block_size=1 (tokens are its allocation unit), got %d", cfg.BlockSize)
		}
		if cfg.NumStages != 1 {
			return nil, fmt.Errorf("scheduler.kind=lightllm does not support parallel.pipeline=%d", cfg.NumStages)
		}
		return &lightllm{base: b}, nil
	}
	return nil, fmt.Errorf("unknown scheduler.kind %q (valid: %v)", cfg.Kind, Kinds)
}

// base is Vidur's BaseReplicaScheduler: the waiting queue and the block
// allocation map (kept on the requests: Blocks and Allocated).
type base struct {
	cfg             Config
	id              int
	nextID          *int
	queue           deque[*entity.Request]
	allocated       int
	holders         int // len(allocation_map)
	running         int
	maxBlocksPerSeq int
	maxBatch        int
	maxMicro        int
	watermark       int
	// spare holds released batches for reuse; out is Schedule's result,
	// valid until the next call.
	spare []*entity.Batch
	out   []*entity.Batch
}

func (b *base) Add(r *entity.Request) { b.queue.PushBack(r) }
func (b *base) Waiting() int          { return b.queue.Len() }
func (b *base) Stats() (int, int, int) {
	return b.allocated, b.cfg.NumBlocks, b.holders
}

func (b *base) canAllocate(n int) bool { return b.cfg.NumBlocks-b.allocated >= n }

func (b *base) allocate(r *entity.Request, n int) {
	b.allocated += n
	if !r.Allocated {
		r.Allocated = true
		b.holders++
	}
	r.Blocks += n
	if b.allocated > b.cfg.NumBlocks {
		panic(fmt.Sprintf("sched: replica %d allocated %d of %d blocks", b.id, b.allocated, b.cfg.NumBlocks))
	}
}

func (b *base) free(r *entity.Request) {
	if !r.Allocated {
		panic(fmt.Sprintf("sched: free of request %d that holds no allocation", r.ID))
	}
	b.allocated -= r.Blocks
	r.Blocks = 0
	r.Allocated = false
	b.holders--
}

// batch numbers a new batch of reqs and toks, which it keeps.
func (b *base) batch(reqs []*entity.Request, toks []int) *entity.Batch {
	return b.number(b.take(), reqs, toks)
}

// take returns a batch to fill, a released one when there is one, whose
// Requests[:0] and Tokens[:0] are ready to append to. A taken batch left
// unused goes back with Release.
func (b *base) take() *entity.Batch {
	n := len(b.spare)
	if n == 0 {
		return new(entity.Batch)
	}
	bt := b.spare[n-1]
	b.spare = b.spare[:n-1]
	return bt
}

// number makes bt the next-numbered batch of reqs and toks.
func (b *base) number(bt *entity.Batch, reqs []*entity.Request, toks []int) *entity.Batch {
	id := *b.nextID
	*b.nextID++
	bt.Set(id, b.id, reqs, toks)
	return bt
}

// Release keeps bt's request pointers until the batch is refilled: the
// spares are a few batches, and clearing them would cost write barriers
// per batch while the collector runs.
func (b *base) Release(bt *entity.Batch) { b.spare = append(b.spare, bt) }

// nextTokens is the default next_num_tokens: 1 after the prefill, else
// the whole prompt.
func nextTokens(r *entity.Request) int {
	if r.PrefillComplete {
		return 1
	}
	return r.PrefillTokens
}

func (b *base) schedule(next func() (*entity.Batch, error)) ([]*entity.Batch, error) {
	out := b.out[:0]
	var err error
	for b.running < b.cfg.NumStages {
		var bt *entity.Batch
		if bt, err = next(); err != nil || bt == nil {
			break
		}
		out = append(out, bt)
		b.running++
	}
	b.out = out
	return out, err
}

func (b *base) waitingList() []*entity.Request {
	out := make([]*entity.Request, 0, b.queue.Len())
	for i := range b.queue.Len() {
		out = append(out, b.queue.At(i))
	}
	return out
}

// sortByArrival is Python's stable sorted(key=arrived_at); the common
// already-sorted case costs one scan.
func sortByArrival(rs []*entity.Request) {
	for i := 1; i < len(rs); i++ {
		if rs[i].ArrivedAt < rs[i-1].ArrivedAt {
			slices.SortStableFunc(rs, func(a, b *entity.Request) int {
				switch {
				case a.ArrivedAt < b.ArrivedAt:
					return -1
				case a.ArrivedAt > b.ArrivedAt:
					return 1
				}
				return 0
			})
			return
		}
	}
}
