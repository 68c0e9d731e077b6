//go:build !amd64 || purego

package cpu

func sumSquares(x []float32) float32 { return sumSquaresGo(x) }

func scaleMul(y, x, w []float32, s float32) { scaleMulGo(y, x, w, s) }

func ropeRow(x, cs, sn []float32) { ropeRowGo(x, cs, sn) }

func addRow(y, a, b []float32) { addRowGo(y, a, b) }
