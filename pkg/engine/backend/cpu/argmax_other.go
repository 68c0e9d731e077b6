//go:build !amd64 || purego

package cpu

func argmaxRow(x []float32) int { return argmaxGo(x) }
