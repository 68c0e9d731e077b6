package weights

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"unsafe"

	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/x448/float16"
)

// Source is a checkpoint's tensors by Hugging Face name, as host tensors
// with their shapes (1-D tensors have Rows 1).
type Source map[string]backend.HostTensor

// LoadDir reads model.safetensors, or the shards listed in
// model.safetensors.index.json, from a model directory.
func LoadDir(dir string) (Source, error) {
	index := filepath.Join(dir, "model.safetensors.index.json")
	data, err := os.ReadFile(index)
	if errors.Is(err, os.ErrNotExist) {
		src := Source{}
		return src, loadFile(filepath.Join(dir, "model.safetensors"), src)
	}
	if err != nil {
		return nil, err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", index, err)
	}
	shards := map[string]bool{}
	for _, f := range idx.WeightMap {
		if filepath.Base(f) != f {
			return nil, fmt.Errorf("%s: shard %q is not a plain file name", index, f)
		}
		shards[f] = true
	}
	names := make([]string, 0, len(shards))
	for f := range shards {
		names = append(names, f)
	}
	sort.Strings(names)
	src := Source{}
	for _, f := range names {
		if err := loadFile(filepath.Join(dir, f), src); err != nil {
			return nil, err
		}
	}
	for name, f := range idx.WeightMap {
		if _, ok := src[name]; !ok {
			return nil, fmt.Errorf("%s: tensor %s listed for %s is not in that shard", index, name, f)
		}
	}
	return src, nil
}

// LoadFile reads one safetensors file.
func LoadFile(path string) (Source, error) {
	src := Source{}
	return src, loadFile(path, src)
}

func loadFile(path string, src Source) error {
	file, err := mapFile(path)
	if err != nil {
		return err
	}
	infos, start, err := ParseHeader(file)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for name, ti := range infos {
		if _, dup := src[name]; dup {
			return fmt.Errorf("%s: tensor %s appears in two files", path, name)
		}
		h, err := hostTensor(name, ti, file[start+ti.Offsets[0]:start+ti.Offsets[1]])
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		src[name] = h
	}
	return nil
}

// hostTensor views the bytes as the tensor's dtype: in place for F32 and
// BF16 when aligned (little-endian hosts only, as every supported one is),
// converted for F16.
func hostTensor(name string, ti TensorInfo, b []byte) (backend.HostTensor, error) {
	h := backend.HostTensor{Name: name, Rows: 1, Cols: 1}
	switch len(ti.Shape) {
	case 0:
	case 1:
		h.Cols = int(ti.Shape[0])
	case 2:
		h.Rows, h.Cols = int(ti.Shape[0]), int(ti.Shape[1])
	default:
		return h, fmt.Errorf("tensor %s: %d-D shape %v (want 1-D or 2-D)", name, len(ti.Shape), ti.Shape)
	}
	n := h.Rows * h.Cols
	switch ti.DType {
	case "F32":
		if n > 0 && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
			h.F32 = unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
		} else {
			h.F32, h.Owned = make([]float32, n), true
			for i := range h.F32 {
				h.F32[i] = float32frombytes(b[4*i:])
			}
		}
	case "BF16":
		if n > 0 && uintptr(unsafe.Pointer(&b[0]))%2 == 0 {
			h.BF16 = unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), n)
		} else {
			h.BF16, h.Owned = make([]uint16, n), true
			for i := range h.BF16 {
				h.BF16[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
			}
		}
	case "F16":
		h.F32, h.Owned = make([]float32, n), true
		for i := range h.F32 {
			h.F32[i] = float16.Frombits(uint16(b[2*i]) | uint16(b[2*i+1])<<8).Float32()
		}
	}
	if n == 0 {
		h.F32 = []float32{}
	}
	return h, nil
}

func float32frombytes(b []byte) float32 {
	return *(*float32)(unsafe.Pointer(&[4]byte{b[0], b[1], b[2], b[3]}))
}
