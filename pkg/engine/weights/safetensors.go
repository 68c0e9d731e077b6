package weights

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// TensorInfo is one header entry: dtype, shape and byte range inside the
// data section (after the header).
type TensorInfo struct {
	DType   string   `json:"dtype"`
	Shape   []int64  `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

var dtypeSize = map[string]int64{"F32": 4, "F16": 2, "BF16": 2}

// maxHeader bounds the JSON header (the format's reference reader uses
// 100 MB); a corrupt length must not make us allocate gigabytes.
const maxHeader = 100 << 20

// ParseHeader decodes a safetensors file's header from the start of its
// bytes and checks each entry against the file: known dtype, non-negative
// shape, offsets inside the data and matching the shape's byte size. It
// returns the entries and where the data section starts. It never panics
// on corrupt input (FuzzParseHeader).
func ParseHeader(file []byte) (map[string]TensorInfo, int64, error) {
	if len(file) < 8 {
		return nil, 0, fmt.Errorf("safetensors: file of %d bytes has no header length", len(file))
	}
	n := binary.LittleEndian.Uint64(file[:8])
	if n > maxHeader || n > uint64(len(file)-8) {
		return nil, 0, fmt.Errorf("safetensors: header length %d exceeds the file (%d bytes)", n, len(file))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(file[8:8+n], &raw); err != nil {
		return nil, 0, fmt.Errorf("safetensors: header: %w", err)
	}
	start := int64(8 + n)
	dataLen := int64(len(file)) - start
	out := make(map[string]TensorInfo, len(raw))
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic first error
	for _, name := range names {
		if name == "__metadata__" {
			continue
		}
		var ti TensorInfo
		if err := json.Unmarshal(raw[name], &ti); err != nil {
			return nil, 0, fmt.Errorf("safetensors: tensor %s: %w", name, err)
		}
		size, ok := dtypeSize[ti.DType]
		if !ok {
			return nil, 0, fmt.Errorf("safetensors: tensor %s: dtype %q not supported (want F32, F16 or BF16)", name, ti.DType)
		}
		for _, d := range ti.Shape {
			if d < 0 || (d > 0 && size > math.MaxInt64/4/d) {
				return nil, 0, fmt.Errorf("safetensors: tensor %s: bad shape %v", name, ti.Shape)
			}
			size *= d
		}
		b, e := ti.Offsets[0], ti.Offsets[1]
		if b < 0 || e < b || e > dataLen {
			return nil, 0, fmt.Errorf("safetensors: tensor %s: data offsets [%d %d] outside the %d data bytes", name, b, e, dataLen)
		}
		if e-b != size {
			return nil, 0, fmt.Errorf("safetensors: tensor %s: %d data bytes for shape %v of %s (want %d)", name, e-b, ti.Shape, ti.DType, size)
		}
		out[name] = ti
	}
	return out, start, nil
}

func mathFloat32bits(f float32) uint32 { return math.Float32bits(f) }
