package align

import (
	"fmt"
	"sort"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Pair statuses: why a request id is, or is not, in the paired set.
const (
	Paired      = "paired"
	FailedRef   = "failed_real"
	FailedOther = "failed_sim"
	MissingRef  = "missing_real"
	MissingOthr = "missing_sim"
)

// Pair is one request id seen from both sides.
type Pair struct {
	RequestID int
	Status    string
	// TruncatedTo is the real request's output count when the simulated
	// request was cut to it (the real one stopped early); 0 otherwise.
	TruncatedTo int
	// Ref and Other are the two sides' metrics (NaN unless Status is
	// Paired), from artifacts.RequestRecord.Metrics.
	Ref, Other             artifacts.RequestMetrics
	RefArrived, OtherArriv float64
	// Tokens pairs the token rows both sides have (after truncation).
	Tokens []TokenPair
}

// TokenPair is one output token seen from both sides.
type TokenPair struct {
	Index      int
	Ref, Other artifacts.TokenRow
}

// Counts summarises a pairing.
type Counts struct {
	Paired, FailedRef, FailedOther, MissingRef, MissingOther int
	// Truncated counts simulated requests cut to the real output count;
	// Untruncatable those that needed it but had no token rows, whose
	// request-level figures cover every requested token.
	Truncated, Untruncatable int
}

// Pairing is ref (a real run) lined up against other.
type Pairing struct {
	Ref, Other *Run
	Pairs      []Pair // by request id
	Counts     Counts
}

// PairRuns pairs requests by id. A request that failed or is missing on
// either side is counted and kept out of the paired set. When the real
// request stopped early (num_decode_tokens_actual below the request), the
// other side is cut to the same number of output tokens: its token rows
// are dropped past that count and, when it has token rows, its completion
// time becomes that of the last kept token.
func PairRuns(ref, other *Run) *Pairing {
	p := &Pairing{Ref: ref, Other: other}
	ids := map[int]bool{}
	for _, q := range ref.Requests {
		ids[q.RequestID] = true
	}
	for _, q := range other.Requests {
		ids[q.RequestID] = true
	}
	sorted := make([]int, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Ints(sorted)
	nan := artifacts.RequestRecord{Status: artifacts.StatusFailed}
	for _, id := range sorted {
		pr := Pair{RequestID: id, Ref: nan.Metrics(), Other: nan.Metrics()}
		a, okA := ref.Request(id)
		b, okB := other.Request(id)
		switch {
		case !okA:
			pr.Status = MissingRef
			p.Counts.MissingRef++
		case !okB:
			pr.Status = MissingOthr
			p.Counts.MissingOther++
		case a.Status != artifacts.StatusOK:
			pr.Status = FailedRef
			p.Counts.FailedRef++
		case b.Status != artifacts.StatusOK:
			pr.Status = FailedOther
			p.Counts.FailedOther++
		default:
			pr.Status = Paired
			p.Counts.Paired++
			p.pair(&pr, a, b)
		}
		p.Pairs = append(p.Pairs, pr)
	}
	return p
}

func (p *Pairing) pair(pr *Pair, a, b *artifacts.RequestRecord) {
	ta, tb := p.Ref.Tokens[a.RequestID], p.Other.Tokens[b.RequestID]
	bb := *b
	if n := a.NumDecodeTokensActual; n < a.NumDecodeTokens && b.NumDecodeTokensActual > n {
		switch {
		case n > 0 && len(tb) >= n:
			bb.CompletedAt = tb[n-1].CompletedAt
			bb.NumDecodeTokensActual = n
			tb = tb[:n]
			pr.TruncatedTo = n
			p.Counts.Truncated++
		default:
			p.Counts.Untruncatable++
		}
	}
	pr.Ref, pr.Other = a.Metrics(), bb.Metrics()
	pr.RefArrived, pr.OtherArriv = a.ArrivedAt, b.ArrivedAt
	for i := 0; i < len(ta) && i < len(tb); i++ {
		pr.Tokens = append(pr.Tokens, TokenPair{Index: i, Ref: ta[i], Other: tb[i]})
	}
}

// Mismatch describes how two runs' workloads differ.
type Mismatch struct {
	Reasons []string
}

func (m *Mismatch) Error() string {
	if len(m.Reasons) == 1 {
		return m.Reasons[0]
	}
	return fmt.Sprintf("%s (and %d more differences)", m.Reasons[0], len(m.Reasons)-1)
}

// CheckWorkload compares other's workload with ref's: the workload id
// and the sha256 of every workload file both runs name, then the
// requested token counts of every request id both have (prefill +
// decode for a Vidur request that restarted, since Vidur moves
// generated tokens into the prefill on a restart). nil means the same
// workload.
func CheckWorkload(ref, other *Run) *Mismatch {
	var m Mismatch
	if ref.Meta != nil && other.Meta != nil {
		wa, wb := ref.Meta.Workload, other.Meta.Workload
		if wa.WorkloadID != wb.WorkloadID {
			m.Reasons = append(m.Reasons, fmt.Sprintf("%s replayed workload %q but %s replayed %q", ref.Label, wa.WorkloadID, other.Label, wb.WorkloadID))
		}
		names := make([]string, 0, len(wa.Artifacts))
		for name := range wa.Artifacts {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if hb, ok := wb.Artifacts[name]; ok && hb != wa.Artifacts[name] {
				m.Reasons = append(m.Reasons, fmt.Sprintf("workload file %s differs: sha256 %.12s… in %s, %.12s… in %s", name, wa.Artifacts[name], ref.Label, hb, other.Label))
			}
		}
	}
	bad, first := 0, ""
	for _, a := range ref.Requests {
		b, ok := other.Request(a.RequestID)
		if !ok {
			continue
		}
		same := a.NumPrefillTokens == b.NumPrefillTokens && a.NumDecodeTokens == b.NumDecodeTokens
		if b.NumRestarts > 0 && other.Kind == KindVidur {
			same = a.NumPrefillTokens+a.NumDecodeTokens == b.NumPrefillTokens+b.NumDecodeTokens
		}
		if !same {
			if bad == 0 {
				first = fmt.Sprintf("request %d asks for %d prefill + %d decode tokens in %s but %d + %d in %s",
					a.RequestID, a.NumPrefillTokens, a.NumDecodeTokens, ref.Label, b.NumPrefillTokens, b.NumDecodeTokens, other.Label)
			}
			bad++
		}
	}
	if bad > 0 {
		m.Reasons = append(m.Reasons, fmt.Sprintf("%d requests differ in token counts; %s", bad, first))
	}
	if len(m.Reasons) == 0 {
		return nil
	}
	return &m
}
