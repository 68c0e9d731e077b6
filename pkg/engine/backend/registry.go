package backend

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// ErrNotBuilt is wrapped by constructors of backends left out of this build.
var ErrNotBuilt = errors.New("backend not built into this binary")

// Options are the knobs every backend understands.
type Options struct {
	// Threads bounds parallelism; 0 means GOMAXPROCS.
	Threads int
	// WeightDType is how weights are stored: "" keeps the checkpoint's
	// (bf16 stays bf16, anything else becomes fp32), "F32" or "BF16".
	WeightDType string
	// KVDType is how the KV cache is stored: "F32" or "BF16"; "" is the
	// weight dtype where the backend has a cache of that dtype, else F32.
	// A backend reports what it chose with [KVDTyper].
	KVDType string
}

// KVDTyper is a KV store that says its element dtype ("F32" or "BF16").
type KVDTyper interface{ DType() string }

// HostViewer is implemented by a backend whose activations live in host
// memory: View is t's data itself, no copy, valid as long as t is and
// changed by whatever next writes t.
type HostViewer interface{ View(t Tensor) []float32 }

// Constructor builds a backend.
type Constructor func(Options) (Backend, error)

var (
	mu       sync.Mutex
	registry = map[string]Constructor{}
)

// Register makes a backend available under name; backends call it from init.
func Register(name string, c Constructor) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[name]; dup {
		panic("backend: Register called twice for " + name)
	}
	registry[name] = c
}

// Names lists registered backends, sorted.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New builds the named backend.
func New(name string, opt Options) (Backend, error) {
	mu.Lock()
	c, ok := registry[name]
	mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("unknown backend %q (registered: %s)", name, strings.Join(Names(), ", "))
	}
	return c(opt)
}
