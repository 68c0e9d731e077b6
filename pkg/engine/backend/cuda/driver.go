//go:build cuda

package cuda

// #cgo LDFLAGS: -ldl
// #include <cuda.h>
// int simcheck_cu_init_status(void);
import "C"

import (
	_ "embed"
	"fmt"
	"reflect"
	"runtime"
	"unsafe"

	"gorgonia.org/cu"
)

//go:embed kernels.ptx
var kernelsPTX string

// Values of CUresult the checks name (cuda.h, stable across CUDA 11-13).
const (
	errStubLibrary       = 34  // CUDA_ERROR_STUB_LIBRARY
	errInsufficientDrv   = 35  // CUDA_ERROR_INSUFFICIENT_DRIVER
	errNoDevice          = 100 // CUDA_ERROR_NO_DEVICE
	errUnsupportedPTX    = 222 // CUDA_ERROR_UNSUPPORTED_PTX_VERSION
	errNoBinaryForGPU    = 209 // CUDA_ERROR_NO_BINARY_FOR_GPU
	errCompatNotOnDevice = 804 // CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE
)

// The PTX is built for compute_80 (gen.go): Ampere or newer.
const minMajor = 8

// checkDriver turns cuInit's recorded result into the runbook's message.
func checkDriver() error {
	st := int(C.simcheck_cu_init_status())
	const hint = "install the NVIDIA driver and check that `nvidia-smi` lists a GPU"
	switch st {
	case 0:
		return nil
	case -1:
		return fmt.Errorf("cuda: %w: the libcuda.so.1 that was loaded has no cuInit; %s", ErrNoDriver, hint)
	case -2:
		return fmt.Errorf("cuda: %w: cuInit was never called (gorgonia.org/cu not initialised)", ErrNoDriver)
	case errStubLibrary:
		return fmt.Errorf("cuda: %w: libcuda.so.1 is NVIDIA's link stub, not a driver (cuInit: CUDA_ERROR_STUB_LIBRARY); %s", ErrNoDriver, hint)
	case errInsufficientDrv, errCompatNotOnDevice:
		return fmt.Errorf("cuda: %w: the installed driver (CUDA %s) is too old for this binary (cuInit: error %d); upgrade the NVIDIA driver", ErrNoDriver, driverVersion(), st)
	case errNoDevice:
		return fmt.Errorf("cuda: %w: the NVIDIA driver (CUDA %s) found no GPU (cuInit: CUDA_ERROR_NO_DEVICE); check that `nvidia-smi` lists one (is the nvidia kernel module loaded?) and CUDA_VISIBLE_DEVICES", ErrNoDevice, driverVersion())
	}
	return fmt.Errorf("cuda: %w: cuInit failed with CUresult %d; %s", ErrNoDriver, st, hint)
}

func driverVersion() string {
	v := cu.Version()
	if v <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}

// resultCode is the CUresult inside a gorgonia.org/cu error (its type is
// unexported, an int underneath), or -1 for any other error.
func resultCode(err error) int {
	if err == nil {
		return 0
	}
	if v := reflect.ValueOf(err); v.Kind() == reflect.Int {
		return int(v.Int())
	}
	return -1
}

// device is the state New sets up: the first GPU's primary context (the one
// cuBLAS's runtime also uses) and the loaded kernels.
type device struct {
	dev  cu.Device
	ctx  cu.CUContext
	name string
	cc   [2]int
	mod  cu.Module
	fn   map[string]cu.Function
}

var kernelNames = []string{
	"rmsnorm", "headnorm", "rope", "silu_mul", "add", "add_bias",
	"embed_f32", "embed_bf16", "widen_bf16", "narrow_f32", "kv_write",
	"matmul_bf16_rows", "attention",
}

// openDevice runs the checks in the runbook's order: driver, device,
// compute capability, then the PTX load (which fails on a driver older than
// the nvcc that made the PTX).
func openDevice() (*device, error) {
	if err := checkDriver(); err != nil {
		return nil, err
	}
	n, err := cu.NumDevices()
	if err != nil {
		return nil, fmt.Errorf("cuda: %w: cuDeviceGetCount: %v", ErrNoDevice, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("cuda: %w: the NVIDIA driver (CUDA %s) reports 0 devices; check `nvidia-smi` and CUDA_VISIBLE_DEVICES", ErrNoDevice, driverVersion())
	}
	d := &device{dev: cu.Device(0), fn: map[string]cu.Function{}}
	if d.name, err = d.dev.Name(); err != nil {
		return nil, fmt.Errorf("cuda: device 0: %v", err)
	}
	major, minor, err := d.dev.ComputeCapability()
	if err != nil {
		return nil, fmt.Errorf("cuda: device 0 (%s): %v", d.name, err)
	}
	d.cc = [2]int{major, minor}
	if major < minMajor {
		return nil, fmt.Errorf("cuda: %w: device 0 is %s with compute capability %d.%d; the kernels need 8.0 or newer (A100, H100, RTX 30xx and later)", ErrNoDevice, d.name, major, minor)
	}
	if d.ctx, err = d.dev.RetainPrimaryCtx(); err != nil {
		return nil, fmt.Errorf("cuda: device 0 (%s): retaining its primary context: %v", d.name, err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cu.SetCurrentContext(d.ctx); err != nil {
		return nil, fmt.Errorf("cuda: device 0 (%s): making its context current: %v", d.name, err)
	}
	if d.mod, err = cu.LoadData(kernelsPTX); err != nil {
		hint := "the PTX in this binary could not be JIT-compiled"
		switch resultCode(err) {
		case errUnsupportedPTX:
			hint = "the driver is older than the nvcc that produced kernels.ptx (docs/gpu.md); upgrade the NVIDIA driver"
		case errNoBinaryForGPU:
			hint = "the driver cannot compile compute_80 PTX for this GPU"
		}
		return nil, fmt.Errorf("cuda: loading kernels on %s (driver CUDA %s): %v: %s", d.name, driverVersion(), err, hint)
	}
	for _, k := range kernelNames {
		f, err := d.mod.Function(k)
		if err != nil {
			return nil, fmt.Errorf("cuda: kernel %s missing from kernels.ptx (regenerate with go generate): %v", k, err)
		}
		d.fn[k] = f
	}
	return d, nil
}

// The rest is the device layer cuda.go and ops.go are written against;
// emu.go is its CPU twin for the cudaemu tag.

// devPtr is a device address.
type devPtr uintptr

func (d *device) memAlloc(bytes int64) (devPtr, error) {
	p, err := cu.MemAlloc(bytes)
	return devPtr(p), err
}

func (d *device) memFree(p devPtr) error { return cu.MemFree(cu.DevicePtr(p)) }

func (d *device) memsetD32(p devPtr, v uint32, n int64) error {
	return cu.MemsetD32(cu.DevicePtr(p), v, n)
}

// htod and dtoh are synchronous copies on the legacy default stream.
func (d *device) htod(p devPtr, src unsafe.Pointer, bytes int64) error {
	return cu.MemcpyHtoD(cu.DevicePtr(p), src, bytes)
}

func (d *device) dtoh(dst unsafe.Pointer, p devPtr, bytes int64) error {
	return cu.MemcpyDtoH(dst, cu.DevicePtr(p), bytes)
}

func (d *device) sync() error { return cu.Synchronize() }

// makeCurrent binds the context to the calling OS thread, which the caller
// has locked.
func (d *device) makeCurrent() error { return cu.SetCurrentContext(d.ctx) }

func (d *device) release() error { return d.dev.ReleasePrimaryCtx() }

func (d *device) describe() string {
	return fmt.Sprintf("%s (compute capability %d.%d), driver CUDA %s", d.name, d.cc[0], d.cc[1], driverVersion())
}

// launch runs a kernel on the legacy default stream; params point at one
// 8-byte word per kernel parameter.
func (d *device) launch(name string, gx, gy, threads int, params []unsafe.Pointer) error {
	f, ok := d.fn[name]
	if !ok {
		return fmt.Errorf("no kernel %s", name)
	}
	return f.Launch(gx, gy, 1, threads, 1, 1, 0, cu.Stream{}, params)
}
