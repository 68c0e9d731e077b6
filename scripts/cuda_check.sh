#!/usr/bin/env bash
# Compile and vet the engine's cuda-tagged code without a GPU, against
# Debian 12's CUDA 11.8 headers and link stubs (docs/gpu.md):
#   1. fetch nvidia-cuda-dev (non-free) with `apt-get download` and unpack it
#      with `dpkg -x` into a cache folder, reused on later runs;
#   2. go vet -tags cuda and go build -tags cuda every pkg/engine package;
#   3. run the cuda package's tests against NVIDIA's stub libcuda, which
#      must skip (no driver) rather than fail or crash;
#   4. run backendtest's conformance suite on the cudaemu build: the same
#      backend code with kernels.cu compiled as C++ and run on host threads
#      (needs g++, no CUDA at all).
# Needs root (or sudo) only the first time, to enable Debian's non-free
# component. The cache lives in $XDG_CACHE_HOME/simcheck/cuda-11.8 when
# XDG_CACHE_HOME is set, else in tmp/cuda-11.8 of the repository;
# CUDA_DEV_DIR overrides both.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { printf '== %s\n' "$*" >&2; }
die() {
	printf 'cuda_check: error: %s\n' "$1" >&2
	[ $# -lt 2 ] || printf 'cuda_check: hint: %s\n' "$2" >&2
	exit 1
}

if [ -n "${CUDA_DEV_DIR:-}" ]; then
	X=$CUDA_DEV_DIR
elif [ -n "${XDG_CACHE_HOME:-}" ]; then
	X=$XDG_CACHE_HOME/simcheck/cuda-11.8
else
	X=$root/tmp/cuda-11.8
fi
lib=$X/usr/lib/x86_64-linux-gnu

have_headers() {
	[ -f "$X/usr/include/cuda.h" ] && [ -f "$X/usr/include/cublas_v2.h" ] &&
		[ -f "$lib/stubs/libcuda.so" ]
}

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "enabling Debian's non-free component needs root: $*" \
			"run this script once as root, or unpack nvidia-cuda-dev yourself and set CUDA_DEV_DIR"
	fi
}

# enable_nonfree adds a sources file beside Debian's own with the same URIs
# and suites and the contrib and non-free components (nvidia-cuda-dev lives
# in non-free), then refreshes the package lists.
has_candidate() {
	# Not piped into grep -q: with pipefail, apt-cache's SIGPIPE would
	# read as failure.
	local p
	p=$(apt-cache policy nvidia-cuda-dev 2>/dev/null) || return 1
	[[ $p == *"Candidate: "[0-9]* ]]
}
enable_nonfree() {
	if has_candidate; then
		return
	fi
	local src=/etc/apt/sources.list.d/debian.sources
	local dst=/etc/apt/sources.list.d/simcheck-nonfree.sources
	[ -f "$src" ] || die "$src not found: cannot derive a non-free sources file" \
		"add 'contrib non-free' to your Debian sources by hand, apt-get update, and rerun"
	say "enabling Debian non-free in $dst"
	sed -E 's/^Components:.*/Components: contrib non-free/' "$src" | as_root tee "$dst" >/dev/null
	as_root apt-get update -qq || die "apt-get update failed"
	has_candidate ||
		die "nvidia-cuda-dev is still unknown to apt after enabling non-free" "check $dst"
}

if have_headers; then
	say "reusing CUDA headers in $X"
else
	command -v apt-get >/dev/null || die "apt-get not found: this script expects Debian 12" \
		"unpack the CUDA 11.8 (or 12.x) headers and stubs yourself and set CUDA_DEV_DIR"
	enable_nonfree
	dl=$(mktemp -d "${TMPDIR:-/tmp}/cuda-dev.XXXXXX")
	trap 'rm -rf "$dl"' EXIT
	say "downloading nvidia-cuda-dev (about 774 MB)"
	(cd "$dl" && apt-get download -q nvidia-cuda-dev >/dev/null) || die "apt-get download nvidia-cuda-dev failed"
	say "unpacking into $X"
	rm -rf "$X.partial"
	mkdir -p "$X.partial"
	dpkg -x "$dl"/nvidia-cuda-dev_*.deb "$X.partial" || die "dpkg -x failed"
	rm -rf "$X"
	mv "$X.partial" "$X"
	have_headers || die "$X lacks cuda.h, cublas_v2.h or stubs/libcuda.so after unpacking"
fi

# The stub's soname is libcuda.so.1; a folder holding only that name lets
# the test binary start and meet the stub's "no driver" answer.
mkdir -p "$X/stub-runtime"
ln -sf "$lib/stubs/libcuda.so" "$X/stub-runtime/libcuda.so.1"

export CGO_ENABLED=1
export CGO_CFLAGS="-I$X/usr/include"
export CGO_LDFLAGS="-L$lib -L$lib/stubs"

cd pkg/engine
say "go vet -tags cuda ./..."
go vet -tags cuda ./... || die "go vet -tags cuda failed in pkg/engine"
say "go build -tags cuda ./..."
go build -tags cuda ./... || die "go build -tags cuda failed in pkg/engine"
say "cuda tests against the stub libcuda (must skip: no driver)"
out=$(LD_LIBRARY_PATH=$X/stub-runtime go test -tags cuda -count=1 -v ./backend/cuda/ 2>&1) || {
	printf '%s\n' "$out" >&2
	die "go test -tags cuda ./backend/cuda/ failed against the stub libcuda"
}
printf '%s\n' "$out" | grep -E '^\s*--- |_test\.go' >&2 || true

say "conformance suite on the emulated kernels (-tags cudaemu)"
go vet -tags cudaemu ./backend/cuda/ || die "go vet -tags cudaemu failed"
go test -tags cudaemu -count=1 ./backend/cuda/ ||
	die "the cuda backend's kernels fail backendtest under emulation (go test -tags cudaemu -v ./backend/cuda/ for details)"
say "cuda check passed"
