//go:build !amd64 || purego

package cpu

func exps(x []float32) { expsGo(x) }

func softmaxRow(p []float32, scale float32) { softmaxRowGo(p, scale) }

func siluMulRow(out, g, u []float32) { siluMulRowGo(out, g, u) }
