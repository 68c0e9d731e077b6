//go:build !amd64 || purego

package peak

func sumAsm() []SumKernel { return nil }
func fmaAsm() []FMAKernel { return nil }
func dotAsm() []DotKernel { return nil }
