package kvcache

import (
	"errors"
	"testing"
)

func TestReserveReleaseAndExhaustion(t *testing.T) {
	c, err := New(4, 16)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Reserve(1, 33); err != nil { // 3 blocks
		t.Fatal(err)
	}
	if c.FreeBlocks() != 1 || len(c.Table(1)) != 3 {
		t.Fatalf("free %d, table %v", c.FreeBlocks(), c.Table(1))
	}
	err = c.Reserve(2, 17) // needs 2, 1 free
	if !errors.Is(err, ErrOutOfBlocks) {
		t.Fatalf("want ErrOutOfBlocks, got %v", err)
	}
	if c.FreeBlocks() != 1 || c.Table(2) != nil {
		t.Fatal("a failed Reserve changed state")
	}
	if err := c.Advance(1, 48); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(1, 1); err == nil {
		t.Fatal("advancing past reserved blocks must fail")
	}
	c.Release(1)
	if c.FreeBlocks() != 4 || c.Len(1) != 0 {
		t.Fatal("release did not free everything")
	}
	if err := c.Prefill(3, 64); err != nil || c.Len(3) != 64 {
		t.Fatalf("prefill: %v, len %d", err, c.Len(3))
	}
	if _, err := New(0, 16); err == nil {
		t.Fatal("zero blocks must be an error")
	}
}
