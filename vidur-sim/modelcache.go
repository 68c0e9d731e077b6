package main

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/bundle"
	"github.com/simcheck/simcheck/vidur-sim/internal/predict"
)

// The native predictor's set-up (reading the bundle, then fitting every
// operation) is the same for every run of one bundle, model and seed, so
// it is done once and saved under sim.cache_dir (docs/vidur-sim.md,
// "Predictor cache"). An entry is named by its key; a damaged, stale or
// unreadable entry is reported once and rebuilt, never trusted.

// cacheFormat numbers the entry layout below.
const cacheFormat = 1

// cacheMagic opens every entry; then the 32-byte key, the payload's
// sha256 and the payload (predict.SaveState's bytes).
var cacheMagic = []byte("simcheck vidur-sim predictor cache\n")

// modelCache is one run's view of the cache: where its entry lives, or
// off (dir == "").
type modelCache struct {
	dir  string
	key  [sha256.Size]byte
	warn func(format string, args ...any)
}

// cacheDir is sim.cache_dir, else $XDG_CACHE_HOME/simcheck, else
// ~/.cache/simcheck; "" when none can be found.
func cacheDir(cfg *Config) string {
	if cfg.Sim.CacheDir != "" {
		return cfg.Sim.CacheDir
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "simcheck")
}

// newModelCache computes the entry's key: the code and format versions,
// every setting Train and bundle.Load take, and each bundle file's path
// and bytes (the predictor's notes name the files). It returns a cache
// that is off when the cache is disabled or the key cannot be computed
// (the set-up then runs as usual and reports its own errors).
func newModelCache(cfg *Config, paths artifacts.ProfilePaths, dims bundle.ModelDims, needTP, needPP bool,
	warn func(string, ...any)) *modelCache {
	mc := &modelCache{warn: warn}
	if !cfg.Sim.Cache {
		return mc
	}
	dir := cacheDir(cfg)
	if dir == "" {
		return mc
	}
	code, err := codeID()
	if err != nil {
		return mc
	}
	h := sha256.New()
	fmt.Fprintf(h, "format %d state %d code %s\n", cacheFormat, predict.StateVersion, code)
	fmt.Fprintf(h, "dims %+v tp %t pp %t seed %d embedding %d\n", dims, needTP, needPP, cfg.Sim.Seed, cfg.Model.Arch.HiddenSize)
	files := []string{paths.MLP, paths.Attention, paths.CPUOverheads}
	if needTP {
		files = append(files, paths.AllReduce)
	}
	if needPP {
		files = append(files, paths.SendRecv)
	}
	buf := make([]byte, 64<<10)
	for _, f := range files {
		n, sum, err := hashFile(f, buf)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(h, "file %q absent\n", f)
		case err != nil:
			return mc
		default:
			fmt.Fprintf(h, "file %q %d %x\n", f, n, sum)
		}
	}
	h.Sum(mc.key[:0])
	mc.dir = dir
	return mc
}

// hashFile returns the size and sha256 of file f, read through buf: a
// bundle's tables are megabytes, and reading each whole into memory of its
// own costs a page fault per 4 KiB on every run.
func hashFile(f string, buf []byte) (int64, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	r, err := os.Open(f)
	if err != nil {
		return 0, sum, err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, r, buf)
	h.Sum(sum[:0])
	return n, sum, err
}

func (mc *modelCache) path() string {
	return filepath.Join(mc.dir, "vidur-sim", "predictor-"+hex.EncodeToString(mc.key[:16])+".bin")
}

// load returns the cached predictor, or nil when there is none; a bad
// entry is reported and ignored.
func (mc *modelCache) load() *predict.Native {
	if mc.dir == "" {
		return nil
	}
	p := mc.path()
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil // no entry yet (store reports a directory it cannot make)
	}
	if err == nil {
		var n *predict.Native
		if n, err = mc.decode(data); err == nil {
			return n
		}
	}
	mc.warn("ignoring the predictor cache entry %s (%v); rebuilding it", p, err)
	return nil
}

func (mc *modelCache) decode(data []byte) (*predict.Native, error) {
	head := len(cacheMagic) + 2*sha256.Size
	switch {
	case len(data) < head || !bytes.Equal(data[:len(cacheMagic)], cacheMagic):
		return nil, errors.New("not a predictor cache entry, or truncated")
	case !bytes.Equal(data[len(cacheMagic):len(cacheMagic)+sha256.Size], mc.key[:]):
		return nil, errors.New("made for other inputs")
	}
	payload := data[head:]
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], data[head-sha256.Size:head]) {
		return nil, errors.New("checksum mismatch: damaged or truncated")
	}
	return predict.LoadState(payload)
}

// store saves n atomically (a temporary file renamed into place), so a
// reader never sees half an entry; a failure is reported, not fatal.
func (mc *modelCache) store(n *predict.Native) {
	if mc.dir == "" {
		return
	}
	if err := mc.write(n); err != nil {
		mc.warn("cannot write the predictor cache (%v); set sim.cache_dir= to a writable directory or sim.cache=false", err)
	}
}

func (mc *modelCache) write(n *predict.Native) error {
	var payload bytes.Buffer
	if err := n.SaveState(&payload); err != nil {
		return err
	}
	p := mc.path()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".predictor-*.tmp")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(payload.Bytes())
	_, err = f.Write(bytes.Join([][]byte{cacheMagic, mc.key[:], sum[:], payload.Bytes()}, nil))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// codeID identifies the running code: the Go build ID, which changes
// with any change to the program's sources or toolchain, so an entry
// never outlives the code that fitted it. Executables that are not ELF
// are identified by their bytes.
func codeID() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if s := f.Section(".note.go.buildid"); s != nil {
			// An ELF note: name size, descriptor size, type, then the
			// name "Go\0\0" and the build ID.
			if d, err := s.Data(); err == nil && len(d) > 16 {
				if n := int(f.ByteOrder.Uint32(d[4:8])); n > 0 && 16+n <= len(d) {
					return string(d[16 : 16+n]), nil
				}
			}
		}
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
