package model

import (
	"errors"
	"reflect"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/kvcache"
)

// tokenTimer records, per operator, the rows it was told of.
type tokenTimer map[string][]int

func (t tokenTimer) OpStart(string, int, int) {}
func (t tokenTimer) OpEnd(op string, layer, tokens int) {
	if layer <= 0 { // layer 0 or outside the layers
		t[op] = append(t[op], tokens)
	}
}

// TestProfileForward: a synthetic batch of two prefill chunks (one over a
// cache) and three decodes runs every operator with the batch's row
// counts, gives logits to every sequence, and leaves the cache as it was.
func TestProfileForward(t *testing.T) {
	m := tinyModel(t, tinyArch("qwen3", 64), "F32", 64, 16)
	tt := tokenTimer{}
	m.Timer = tt
	free := m.Cache.FreeBlocks()
	if err := m.ProfileForward(Shape{Prefill: [][2]int{{5, 0}, {7, 20}}, Decode: []int{3, 17, 40}}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{OpEmb: {15}, OpAttnPreProj: {15}, OpAttnKVCacheSave: {15}, OpAttnPrefill: {12},
		OpAttnDecode: {3}, OpMLPDownProj: {15}, OpAdd: {15, 15}, OpNorm: {5}, OpLMHead: {5}, OpSample: {5}}
	for op, w := range want {
		if !reflect.DeepEqual(tt[op], w) {
			t.Errorf("%s rows %v, want %v", op, tt[op], w)
		}
	}
	if got := m.Cache.FreeBlocks(); got != free {
		t.Errorf("free blocks %d after profiling, want %d", got, free)
	}
}

// layerTimer records, per operator, the layers it ran on.
type layerTimer map[string][]int

func (t layerTimer) OpStart(string, int, int)      {}
func (t layerTimer) OpEnd(op string, layer, _ int) { t[op] = append(t[op], layer) }

// TestProfileAttention: only the attention operators run, with the batch's
// rows, once on every layer (each layer's cache is cold in a real step,
// which one layer timed repeatedly would not be); the cache is left as it
// was, also when the shape does not fit it.
func TestProfileAttention(t *testing.T) {
	m := tinyModel(t, tinyArch("qwen3", 64), "F32", 16, 16)
	tt := tokenTimer{}
	m.Timer = tt
	free := m.Cache.FreeBlocks()
	if err := m.ProfileAttention(Shape{Prefill: [][2]int{{9, 30}}, Decode: []int{4, 4}}); err != nil {
		t.Fatal(err)
	}
	want := tokenTimer{OpAttnKVCacheSave: {11}, OpAttnPrefill: {9}, OpAttnDecode: {2}}
	if !reflect.DeepEqual(tt, want) {
		t.Errorf("ops %v, want %v", tt, want)
	}
	lt := layerTimer{}
	m.Timer = lt
	if err := m.ProfileAttention(Shape{Decode: []int{4}}); err != nil {
		t.Fatal(err)
	}
	var all []int
	for l := range m.Arch.NumHiddenLayers {
		all = append(all, l)
	}
	if want := (layerTimer{OpAttnKVCacheSave: all, OpAttnDecode: all}); !reflect.DeepEqual(lt, want) {
		t.Errorf("layers %v, want %v", lt, want)
	}
	m.Timer = tt
	err := m.ProfileAttention(Shape{Decode: []int{200, 200}})
	if !errors.Is(err, kvcache.ErrOutOfBlocks) {
		t.Errorf("two 200-token caches in 16 blocks of 16: got %v, want ErrOutOfBlocks", err)
	}
	if got := m.Cache.FreeBlocks(); got != free {
		t.Errorf("free blocks %d after profiling, want %d", got, free)
	}
	if err := m.ProfileForward(Shape{Prefill: [][2]int{{0, 0}}}); err == nil {
		t.Error("an empty chunk was accepted")
	}
}
