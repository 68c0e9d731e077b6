package predict

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
)

// Saving a trained [Native] lets the next process skip reading the bundle
// and fitting it (vidur-sim's on-disk cache). The state holds every
// fitted number exactly (gob writes a float64's bits), so a restored
// predictor answers bit for bit as the one that was saved.

// StateVersion changes whenever the state's layout or the meaning of a
// field changes; a state of another version is refused.
const StateVersion = 1

type nativeState struct {
	Version  int
	Ops      []opState // indexed by Op
	Dec, Pre fitState
	Reports  []OpReport
	Notes    []string
}

// Curve kinds of opState.
const (
	curveNone = iota
	curveZero
	curvePL
	curveLinear
)

type opState struct {
	Kind   int
	Lo, Hi float64
	X, Y   []float64 // curvePL
	Coef   []float64 // curveLinear
}

type fitState struct {
	AMax, BMax   float64
	AName, BName string
	GroupOnB     bool
	Keys         []float64 // grouped interpolation: one curve per key
	CurveX       [][]float64
	CurveY       [][]float64
	Basis        basisKind // least squares, when not grouped
	Coef         []float64
}

// SaveState writes n's fitted state.
func (n *Native) SaveState(w io.Writer) error {
	st := nativeState{Version: StateVersion, Ops: make([]opState, numOps), Reports: n.Reports, Notes: n.Notes}
	for op := range numOps {
		o := &st.Ops[op]
		o.Lo, o.Hi = n.lo[op], n.hi[op]
		switch c := n.op[op].(type) {
		case nil:
			o.Kind = curveNone
		case zero:
			o.Kind = curveZero
		case *pl:
			o.Kind, o.X, o.Y = curvePL, c.x, c.y
		case lsq1:
			o.Kind, o.Coef = curveLinear, c.f.coef
		default:
			return fmt.Errorf("predict: cannot save a %T fit of %s", c, Op(op))
		}
	}
	var err error
	if st.Dec, err = saveFit(&n.dec); err != nil {
		return err
	}
	if st.Pre, err = saveFit(&n.pre); err != nil {
		return err
	}
	return gob.NewEncoder(w).Encode(&st)
}

func saveFit(f *fit2) (fitState, error) {
	s := fitState{AMax: f.aMax, BMax: f.bMax, AName: f.aName, BName: f.bName, GroupOnB: f.groupOnB}
	switch {
	case f.g != nil:
		s.Keys = f.g.keys
		for _, c := range f.g.curves {
			s.CurveX, s.CurveY = append(s.CurveX, c.x), append(s.CurveY, c.y)
		}
	case f.l != nil:
		s.Basis, s.Coef = f.l.kind, f.l.coef
	default:
		return s, fmt.Errorf("predict: cannot save the unfitted %s", f.aName)
	}
	return s, nil
}

// LoadState reads a state SaveState wrote. Anything malformed (another
// version, missing fits, mismatched lengths) is an error, never a
// predictor that answers differently.
func LoadState(data []byte) (*Native, error) {
	var st nativeState
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		return nil, fmt.Errorf("predictor state: %w", err)
	}
	if st.Version != StateVersion {
		return nil, fmt.Errorf("predictor state: version %d, want %d", st.Version, StateVersion)
	}
	if len(st.Ops) != int(numOps) {
		return nil, fmt.Errorf("predictor state: %d operations, want %d", len(st.Ops), numOps)
	}
	n := &Native{Reports: st.Reports, Notes: st.Notes, warned: map[string]bool{}}
	for op := range numOps {
		o := &st.Ops[op]
		n.lo[op], n.hi[op] = o.Lo, o.Hi
		switch o.Kind {
		case curveNone:
		case curveZero:
			n.op[op] = zero{}
		case curvePL:
			if len(o.X) == 0 || len(o.X) != len(o.Y) {
				return nil, fmt.Errorf("predictor state: %s has %d keys and %d values", Op(op), len(o.X), len(o.Y))
			}
			n.op[op] = &pl{x: o.X, y: o.Y}
		case curveLinear:
			l, err := restoreLSQ(basisLinear, o.Coef)
			if err != nil {
				return nil, fmt.Errorf("predictor state: %s: %w", Op(op), err)
			}
			n.op[op] = lsq1{l}
		default:
			return nil, fmt.Errorf("predictor state: %s has unknown fit kind %d", Op(op), o.Kind)
		}
	}
	var err error
	if n.dec, err = restoreFit(&st.Dec); err != nil {
		return nil, err
	}
	if n.pre, err = restoreFit(&st.Pre); err != nil {
		return nil, err
	}
	return n, nil
}

func restoreLSQ(kind basisKind, coef []float64) (*lsq, error) {
	basis, k, ok := basisFunc(kind)
	if !ok || len(coef) != k {
		return nil, fmt.Errorf("least-squares basis %d with %d coefficients", kind, len(coef))
	}
	return &lsq{kind: kind, basis: basis, coef: coef, buf: make([]float64, k)}, nil
}

func restoreFit(s *fitState) (fit2, error) {
	f := fit2{aMax: s.AMax, bMax: s.BMax, aName: s.AName, bName: s.BName, groupOnB: s.GroupOnB}
	switch {
	case len(s.Keys) > 0:
		if len(s.CurveX) != len(s.Keys) || len(s.CurveY) != len(s.Keys) {
			return f, fmt.Errorf("predictor state: %s: %d groups but %d and %d curves", s.AName, len(s.Keys), len(s.CurveX), len(s.CurveY))
		}
		g := &grouped{keys: s.Keys}
		for i := range s.Keys {
			if len(s.CurveX[i]) == 0 || len(s.CurveX[i]) != len(s.CurveY[i]) {
				return f, fmt.Errorf("predictor state: %s: group %d has %d keys and %d values", s.AName, i, len(s.CurveX[i]), len(s.CurveY[i]))
			}
			g.curves = append(g.curves, &pl{x: s.CurveX[i], y: s.CurveY[i]})
		}
		f.g, f.f = g, groupedFn(g, s.GroupOnB)
	case s.Basis != 0:
		l, err := restoreLSQ(s.Basis, s.Coef)
		if err != nil {
			return f, fmt.Errorf("predictor state: %s: %w", s.AName, err)
		}
		f.l, f.f = l, lsqFn(l)
	default:
		return f, errors.New("predictor state: an attention fit is missing")
	}
	return f, nil
}
