#!/usr/bin/python3
"""The engine's PyTorch reference: Qwen3-0.6B in plain eager
PyTorch, timed on the same cases as pkg/engine's Qwen3 benchmarks.

Written from the equations of Hugging Face's modelling_qwen3 (no
transformers import): pre-norm decoder, RMSNorm computed in fp32 and cast
back, per-head RMSNorm on q and k before rotary, neox (half-split) rotary,
grouped-query attention with the softmax in fp32, SwiGLU MLP, tied LM head.
Weights are random N(0, 0.02) (norm weights 1): timing does not depend on
their values.

The FLOP and byte structure follows the Go engine's benchmarks
(pkg/engine/bench_test.go): the prefill computes logits for the last prompt
position only, a decode step one token per sequence with logits for each,
then a greedy argmax as the engine's SampleAll does. Attention is eager
(full score matrix, as HF's eager path); grouped-query attention reads the
cached K and V of each KV head once for its query heads instead of copying
them per query head (the same arithmetic as HF's repeat_kv, without the
copy). The KV cache is preallocated per layer in the model's dtype, as
the Go engine's is by default (engine.kv_dtype).

    scripts/bench/pytorch_ref.py --check
    scripts/bench/pytorch_ref.py [--dtype bf16,fp32] [--threads N]
        [--cases prefill,decode_b1,decode_b8,decode_b32] [--repeats 3]

Output: one line per case, e.g.
    pytorch dtype=bf16 case=decode_b1 best_ms=98.1 median_ms=99.0 threads=2 repeats=3
scripts/bench/README.md says how to install torch and what to set for a
fair fp32 run (OPENBLAS_CORETYPE).
"""

import argparse
import ctypes
import json
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Config:
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    rope_theta: float
    eps: float


# Qwen3-0.6B's config.json (pkg/engine/arch.Qwen3_0_6B has the same numbers).
QWEN3_0_6B = Config(layers=28, hidden=1024, heads=16, kv_heads=8, head_dim=128,
                    intermediate=3072, vocab=151936, rope_theta=1e6, eps=1e-6)

# --check's model: small enough to run in a second, still with grouped
# queries (2 per KV head) and head_dim != hidden/heads as in Qwen3.
TINY = Config(layers=2, hidden=64, heads=4, kv_heads=2, head_dim=32,
              intermediate=128, vocab=1000, rope_theta=1e6, eps=1e-6)

DTYPES = {"bf16": torch.bfloat16, "fp32": torch.float32}


def rms_norm(x, w, eps):
    # HF Qwen3RMSNorm: the mean square in fp32, the weight applied after
    # casting back to the input dtype.
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return w * xf.to(x.dtype)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Qwen3:
    def __init__(self, cfg, dtype, seed=0):
        self.cfg, self.dtype = cfg, dtype
        g = torch.Generator().manual_seed(seed)

        def rand(*shape):
            # Drawn in fp32 one tensor at a time, so bf16 never holds an
            # fp32 copy of the whole model.
            return (torch.randn(*shape, generator=g) * 0.02).to(dtype)

        def ones(n):
            return torch.ones(n, dtype=dtype)

        c = cfg
        self.embed = rand(c.vocab, c.hidden)  # tied: also the LM head
        self.layers = []
        for _ in range(c.layers):
            self.layers.append(dict(
                attn_norm=ones(c.hidden),
                wq=rand(c.heads * c.head_dim, c.hidden),
                wk=rand(c.kv_heads * c.head_dim, c.hidden),
                wv=rand(c.kv_heads * c.head_dim, c.hidden),
                wo=rand(c.hidden, c.heads * c.head_dim),
                q_norm=ones(c.head_dim),
                k_norm=ones(c.head_dim),
                mlp_norm=ones(c.hidden),
                w_gate=rand(c.intermediate, c.hidden),
                w_up=rand(c.intermediate, c.hidden),
                w_down=rand(c.hidden, c.intermediate),
            ))
        self.norm = ones(c.hidden)
        self.inv_freq = 1.0 / (c.rope_theta ** (
            torch.arange(0, c.head_dim, 2, dtype=torch.float32) / c.head_dim))
        self.cache = None

    def alloc_cache(self, batch, max_len):
        """One K and one V tensor per layer, [batch, kv_heads, max_len, head_dim]."""
        c = self.cfg
        self.cache = None  # free the old one first
        shape = (batch, c.kv_heads, max_len, c.head_dim)
        self.cache = [(torch.zeros(shape, dtype=self.dtype), torch.zeros(shape, dtype=self.dtype))
                      for _ in range(c.layers)]

    def fill_cache_random(self, n):
        """Stand-in for n already-cached tokens: timing does not depend on the values."""
        g = torch.Generator().manual_seed(1)
        for k, v in self.cache:
            for t in (k, v):
                t[:, :, :n].copy_(torch.randn(t[:, :, :n].shape, generator=g))

    def rope(self, start, n):
        pos = torch.arange(start, start + n, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(self.dtype), emb.sin().to(self.dtype)

    def forward(self, tokens, start):
        """tokens [B, T] at positions start..start+T-1 of every sequence,
        their K and V written to the cache. Returns the logits of the last
        position of each sequence, [B, vocab]."""
        c = self.cfg
        B, T = tokens.shape
        L = start + T
        group = c.heads // c.kv_heads
        cos, sin = self.rope(start, T)  # [T, head_dim], broadcast over B and heads
        mask = None
        if T > 1:
            # Query i (position start+i) sees keys 0..start+i.
            q_pos = torch.arange(start, L).unsqueeze(1)
            k_pos = torch.arange(L).unsqueeze(0)
            mask = torch.zeros(T, L, dtype=torch.float32).masked_fill(k_pos > q_pos, float("-inf"))
        scale = 1.0 / math.sqrt(c.head_dim)

        x = F.embedding(tokens, self.embed)
        for w, (k_cache, v_cache) in zip(self.layers, self.cache):
            h = rms_norm(x, w["attn_norm"], c.eps)
            q = F.linear(h, w["wq"]).view(B, T, c.heads, c.head_dim)
            k = F.linear(h, w["wk"]).view(B, T, c.kv_heads, c.head_dim)
            v = F.linear(h, w["wv"]).view(B, T, c.kv_heads, c.head_dim)
            q = rms_norm(q, w["q_norm"], c.eps).transpose(1, 2)  # [B, H, T, D]
            k = rms_norm(k, w["k_norm"], c.eps).transpose(1, 2)
            v = v.transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k_cache[:, :, start:L] = k
            v_cache[:, :, start:L] = v
            keys, values = k_cache[:, :, :L], v_cache[:, :, :L]  # [B, KVH, L, D]

            # Query head h uses KV head h // group (HF's repeat_kv order):
            # [B, H, T, D] -> [B, KVH, group*T, D] is a plain reshape.
            qg = q.reshape(B, c.kv_heads, group * T, c.head_dim)
            scores = torch.matmul(qg, keys.transpose(2, 3)) * scale  # [B, KVH, group*T, L]
            scores = scores.float()
            if mask is not None:
                scores = (scores.view(B, c.kv_heads, group, T, L) + mask).view(B, c.kv_heads, group * T, L)
            probs = torch.softmax(scores, dim=-1).to(self.dtype)
            attn = torch.matmul(probs, values)  # [B, KVH, group*T, D]
            attn = attn.view(B, c.heads, T, c.head_dim).transpose(1, 2).reshape(B, T, c.heads * c.head_dim)
            x = x + F.linear(attn, w["wo"])

            h = rms_norm(x, w["mlp_norm"], c.eps)
            x = x + F.linear(F.silu(F.linear(h, w["w_gate"])) * F.linear(h, w["w_up"]), w["w_down"])

        last = rms_norm(x[:, -1], self.norm, c.eps)  # only the last position gets logits
        return F.linear(last, self.embed)


# ---- correctness -----------------------------------------------------------

def check():
    """Prefill then decode with the cache must give the last logits of one
    full prefill of the longer sequence; so must a batched decode step.
    Then the equations themselves, against pkg/engine's tiny fixture."""
    torch.manual_seed(0)
    tol = 1e-4  # fp32; the two paths differ only in summation order
    ok = True

    def report(name, a, b):
        nonlocal ok
        err = (a - b).abs().max().item()
        good = err <= tol
        ok &= good
        print(f"check {name}: max |diff| {err:.2e} (tolerance {tol:g}) {'ok' if good else 'FAIL'}")

    m = Qwen3(TINY, torch.float32)
    # norm weights of 1 would hide a misplaced q/k norm or final norm weight
    g = torch.Generator().manual_seed(2)
    for w in m.layers:
        for name in ("attn_norm", "q_norm", "k_norm", "mlp_norm"):
            w[name] = 1 + 0.1 * torch.randn(w[name].shape, generator=g)
    m.norm = 1 + 0.1 * torch.randn(m.norm.shape, generator=g)

    B, T0, T = 3, 9, 14
    tokens = torch.randint(0, TINY.vocab, (B, T), generator=g)
    with torch.inference_mode():
        m.alloc_cache(B, T)
        full = m.forward(tokens, 0)

        # sequence 0 alone: prefill T0, then one token at a time
        m.alloc_cache(1, T)
        out = m.forward(tokens[:1, :T0], 0)
        for t in range(T0, T):
            out = m.forward(tokens[:1, t:t + 1], t)
        report("prefill+decode == full prefill (batch 1)", out[0], full[0])

        # all three together: batched prefill, then batched decode steps
        m.alloc_cache(B, T)
        out = m.forward(tokens[:, :T0], 0)
        for t in range(T0, T):
            out = m.forward(tokens[:, t:t + 1], t)
        report("prefill+decode == full prefill (batch 3)", out, full)

        # the check must not pass vacuously: an earlier token matters
        other = tokens.clone()
        other[:, 2] = (other[:, 2] + 1) % TINY.vocab
        m.alloc_cache(B, T)
        moved = (m.forward(other, 0) - full).abs().max().item()
        good = moved > 100 * tol
        ok &= good
        print(f"check context matters: changing token 2 moves the last logits by {moved:.2e} "
              f"{'ok' if good else 'FAIL'}")
    ok &= check_fixture(tol=2e-4)
    print("check: ok" if ok else "check: FAIL")
    return ok


# pkg/engine's tiny Qwen3 fixture: HF-layout weights and the logits of
# another PyTorch implementation computed in float64
# (scripts/reference/engine/gen_fixture.py).
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "..", "pkg", "engine", "testdata", "tiny-qwen3")


def load_safetensors(path):
    """F32 tensors of a safetensors file (8-byte header length, JSON header, data)."""
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            raise SystemExit(f"pytorch_ref: error: {path}: {name}: dtype {t['dtype']}, want F32")
        lo, hi = t["data_offsets"]
        buf = bytearray(data[8 + n + lo:8 + n + hi])
        out[name] = torch.frombuffer(buf, dtype=torch.float32).reshape(t["shape"])
    return out


def check_fixture(tol):
    """This model's last logits against the fixture's, for each of its
    sequences: full prefill, and prefill of all but 3 tokens then decode.
    The tolerance is pkg/engine's fixtureTol: fp32 against float64."""
    if not os.path.isdir(FIXTURE):
        print(f"check fixture: {FIXTURE} not found, skipped")
        return True
    with open(os.path.join(FIXTURE, "config.json")) as f:
        hf = json.load(f)
    cfg = Config(layers=hf["num_hidden_layers"], hidden=hf["hidden_size"], heads=hf["num_attention_heads"],
                 kv_heads=hf["num_key_value_heads"], head_dim=hf["head_dim"],
                 intermediate=hf["intermediate_size"], vocab=hf["vocab_size"],
                 rope_theta=hf["rope_theta"], eps=hf["rms_norm_eps"])
    w = load_safetensors(os.path.join(FIXTURE, "model.safetensors"))
    m = Qwen3(cfg, torch.float32)
    m.embed, m.norm = w["model.embed_tokens.weight"], w["model.norm.weight"]
    hf_names = dict(attn_norm="input_layernorm", wq="self_attn.q_proj", wk="self_attn.k_proj",
                    wv="self_attn.v_proj", wo="self_attn.o_proj", q_norm="self_attn.q_norm",
                    k_norm="self_attn.k_norm", mlp_norm="post_attention_layernorm",
                    w_gate="mlp.gate_proj", w_up="mlp.up_proj", w_down="mlp.down_proj")
    for i, layer in enumerate(m.layers):
        for ours, theirs in hf_names.items():
            layer[ours] = w[f"model.layers.{i}.{theirs}.weight"]
    with open(os.path.join(FIXTURE, "logits.json")) as f:
        seqs = json.load(f)["sequences"]
    ok = True
    with torch.inference_mode():
        for j, s in enumerate(seqs):
            tokens = torch.tensor([s["tokens"]])
            want = torch.tensor(s["logits"][-1])
            T = tokens.shape[1]
            m.alloc_cache(1, T)
            full = m.forward(tokens, 0)[0]
            m.alloc_cache(1, T)
            out = m.forward(tokens[:, :T - 3], 0)
            for t in range(T - 3, T):
                out = m.forward(tokens[:, t:t + 1], t)
            for how, got in (("prefill", full), ("prefill+decode", out[0])):
                err = (got - want).abs().max().item()
                good = err <= tol
                ok &= good
                print(f"check fixture sequence {j} ({T} tokens, {how}): max |diff| {err:.2e} "
                      f"(tolerance {tol:g}) {'ok' if good else 'FAIL'}")
    return ok


# ---- environment -----------------------------------------------------------

def blas_info():
    """The BLAS library mapped into this process (torch's fp32 matrix
    products go through it; bf16 ones through oneDNN) and, if it is
    OpenBLAS, its handle, kernel set (corename) and build config."""
    torch.matmul(torch.ones(2, 2), torch.ones(2, 2))  # make sure the BLAS is loaded
    path = None
    with open("/proc/self/maps") as f:
        for line in f:
            name = line.split()[-1]
            if "blas" in os.path.basename(name).lower() and ".so" in name:
                path = name
                break
    if path is None:
        return None
    info = {"path": path, "lib": None}
    lib = ctypes.CDLL(path)
    try:
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        info["corename"] = lib.openblas_get_corename().decode()
        info["config"] = lib.openblas_get_config().decode()
        info["lib"] = lib
    except AttributeError:
        pass  # not OpenBLAS: Debian's reference libblas3, or another
    return info


def setup_blas(threads):
    """Prints what BLAS fp32 runs on, warns when that is not a fair
    reference, and gives OpenBLAS the same thread count as torch: Debian's
    torch is built with BLAS_INFO=generic, so torch.set_num_threads does not
    reach OpenBLAS's thread count."""
    b = blas_info()
    if b is None:
        print("blas: none mapped")
        return
    if b["lib"] is None:
        print(f"blas: {b['path']} (not OpenBLAS)")
        print("pytorch_ref: warning: fp32 runs on the reference BLAS (netlib libblas3, a few GFLOP/s): "
              "not a fair fp32 reference; apt-get install libopenblas0-pthread "
              "(scripts/bench/README.md)", file=sys.stderr)
        return
    b["lib"].openblas_set_num_threads(ctypes.c_int(threads))
    n = b["lib"].openblas_get_num_threads()
    print(f"blas: OpenBLAS {b['path']}: core {b['corename']}, threads {n}; config {b['config']}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    if "USE_OPENMP" not in b["config"].split():
        # torch runs its own ops on libgomp's pool; a pthread OpenBLAS adds
        # a second pool of spinning threads on the same cores (on the
        # 2-vCPU build machine: fp32 prefill 3.4x and decode 4x slower
        # than with the OpenMP build).
        print("pytorch_ref: warning: this OpenBLAS has its own pthread pool, which competes with torch's "
              "OpenMP threads: fp32 is not a fair reference; apt-get install libopenblas0-openmp and run with "
              "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp (scripts/bench/README.md)",
              file=sys.stderr)
    # On an AVX-512 CPU anything but the AVX-512 kernel sets leaves fp32
    # GEMM at half speed or less (Haswell, AVX2: about half the prefill
    # GFLOP/s measured on the AMD EPYC build machine; Prescott, SSE3: less).
    avx512 = {"skylakex", "cooperlake", "sapphirerapids"}
    if cpu_has("avx512f") and b["corename"].lower() not in avx512:
        print(f"pytorch_ref: warning: OpenBLAS runs its {b['corename']} kernels on an AVX-512 CPU: "
              "fp32 is not a fair reference; unset OPENBLAS_CORETYPE or set it to SkylakeX "
              "(scripts/bench/README.md)", file=sys.stderr)


def cpu_has(flag):
    try:
        with open("/proc/cpuinfo") as f:
            return any(l.startswith("flags") and flag in l.split() for l in f)
    except OSError:
        return False


def print_env(threads):
    print(f"torch {torch.__version__}, python {sys.version.split()[0]}, "
          f"threads {torch.get_num_threads()} (asked {threads}), os.cpu_count {os.cpu_count()}")
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"cpu: {cpu}; load average {' '.join(open('/proc/loadavg').read().split()[:3])}")
    print("torch.__config__.show():")
    shown = torch.__config__.show().splitlines()
    for line in shown[:6] + [l for l in shown[6:] if "CPU capability" in l]:
        print("  " + line.rstrip())
    settings = next((l for l in shown if "Build settings:" in l), "")
    picked = [kv.strip() for kv in settings.split("Build settings:")[-1].split(",")
              if kv.strip().split("=")[0] in ("BLAS_INFO", "LAPACK_INFO", "USE_MKLDNN", "USE_OPENMP")]
    print("  build settings: " + ", ".join(picked))
    print(f"mkldnn (oneDNN) available: {torch.backends.mkldnn.is_available()}; "
          f"ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY', '(unset)')}")
    setup_blas(threads)


# ---- timing ----------------------------------------------------------------

PREFILL_LEN = 512  # prompt length of the prefill case
CACHED = 512       # cached tokens per sequence in the decode cases


def time_case(run, warmup, repeats):
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
    return min(times), statistics.median(times)


def bench(dtype_name, cases, warmup, repeats, threads):
    dtype = DTYPES[dtype_name]
    t0 = time.perf_counter()
    m = Qwen3(QWEN3_0_6B, dtype)
    print(f"# {dtype_name}: random weights built in {time.perf_counter() - t0:.1f} s", flush=True)
    g = torch.Generator().manual_seed(3)
    for case in cases:
        if case == "prefill":
            m.alloc_cache(1, PREFILL_LEN)
            tokens = torch.randint(0, QWEN3_0_6B.vocab, (1, PREFILL_LEN), generator=g)

            def run():
                m.forward(tokens, 0).argmax(-1)
        else:
            batch = int(case.removeprefix("decode_b"))
            # Every step writes position CACHED again, so each repeat
            # attends over the same CACHED+1 keys.
            m.alloc_cache(batch, CACHED + 1)
            m.fill_cache_random(CACHED)
            tokens = torch.randint(0, QWEN3_0_6B.vocab, (batch, 1), generator=g)

            def run():
                m.forward(tokens, CACHED).argmax(-1)
        best, median = time_case(run, warmup, repeats)
        print(f"pytorch dtype={dtype_name} case={case} best_ms={best:.1f} median_ms={median:.1f} "
              f"threads={threads} repeats={repeats}", flush=True)
    m.cache = None


def parse_list(s, allowed, what):
    items = [x.strip() for x in s.split(",") if x.strip()]
    for x in items:
        if x not in allowed:
            raise SystemExit(f"pytorch_ref: error: unknown {what} {x!r} (want one of {', '.join(allowed)})")
    return items


def main():
    p = argparse.ArgumentParser(description="PyTorch eager reference timings for Qwen3-0.6B")
    p.add_argument("--check", action="store_true", help="run the tiny-model cache check and exit")
    p.add_argument("--dtype", default="bf16,fp32", help="comma list of bf16, fp32 (default both)")
    p.add_argument("--cases", default="prefill,decode_b1,decode_b8,decode_b32",
                   help="comma list of prefill, decode_b1, decode_b8, decode_b32")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads (default: all CPUs)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs per case (default 1)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per case (default 3)")
    a = p.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # keep stdout and warnings in order

    torch.set_num_threads(a.threads)
    if a.check:
        sys.exit(0 if check() else 1)
    if a.repeats < 1 or a.warmup < 0:
        raise SystemExit("pytorch_ref: error: --repeats must be >= 1 and --warmup >= 0")
    dtypes = parse_list(a.dtype, list(DTYPES), "dtype")
    cases = parse_list(a.cases, ["prefill", "decode_b1", "decode_b8", "decode_b32"], "case")
    print_env(a.threads)
    with torch.inference_mode():
        for d in dtypes:
            bench(d, cases, a.warmup, a.repeats, a.threads)


if __name__ == "__main__":
    main()
