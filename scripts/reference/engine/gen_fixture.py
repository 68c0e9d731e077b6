#!/usr/bin/python3
"""Independent reference for pkg/engine: a tiny random Qwen3 in PyTorch.

Draws weights from a seed with numpy, writes them as a safetensors file
(by hand: the format is an 8-byte header length, a JSON header, raw data),
runs the Qwen3 forward in float64 torch with no KV cache (full causal
recompute) and writes every position's logits (as fp32) to a JSON fixture.
Written from the Hugging Face Qwen3 modelling code's equations, not from
the Go engine. Run with Debian's python3-torch: /usr/bin/python3 gen_fixture.py
"""
import json
import os
import struct
import sys

import numpy as np
import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "pkg", "engine", "testdata", "tiny-qwen3")
SEED = 20261123

CONFIG = {
    "model_type": "qwen3", "num_hidden_layers": 2, "hidden_size": 64,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "intermediate_size": 128, "vocab_size": 512, "rope_theta": 1000000.0,
    "rms_norm_eps": 1e-6, "tie_word_embeddings": True, "attention_bias": False,
    "max_position_embeddings": 4096, "initializer_range": 0.02,
}

# Token sequences: lengths 7 and 13, plus a 22-token one the Go test feeds
# in chunks (8, 5, 7) followed by two decode steps.
rng = np.random.default_rng(SEED)
SEQS = [rng.integers(0, 512, n).tolist() for n in (7, 13, 22)]


def draw_weights():
    c = CONFIG
    h, d, i = c["hidden_size"], c["head_dim"], c["intermediate_size"]
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d
    # Larger than HF's 0.02 init so activations, and any bug, are not
    # drowned in a near-uniform softmax; norm weights around 1, not 1, so a
    # missing norm weight shows.
    w = {"model.embed_tokens.weight": rng.normal(0, 1.0, (c["vocab_size"], h))}
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = 1 + 0.1 * rng.normal(size=h)
        w[p + "self_attn.q_proj.weight"] = rng.normal(0, 0.2, (q, h))
        w[p + "self_attn.k_proj.weight"] = rng.normal(0, 0.2, (kv, h))
        w[p + "self_attn.v_proj.weight"] = rng.normal(0, 0.2, (kv, h))
        w[p + "self_attn.q_norm.weight"] = 1 + 0.1 * rng.normal(size=d)
        w[p + "self_attn.k_norm.weight"] = 1 + 0.1 * rng.normal(size=d)
        w[p + "self_attn.o_proj.weight"] = rng.normal(0, 0.2, (h, q))
        w[p + "post_attention_layernorm.weight"] = 1 + 0.1 * rng.normal(size=h)
        w[p + "mlp.gate_proj.weight"] = rng.normal(0, 0.2, (i, h))
        w[p + "mlp.up_proj.weight"] = rng.normal(0, 0.2, (i, h))
        w[p + "mlp.down_proj.weight"] = rng.normal(0, 0.2, (h, i))
    w["model.norm.weight"] = 1 + 0.1 * rng.normal(size=h)
    return {k: v.astype(np.float32) for k, v in w.items()}


def write_safetensors(path, tensors):
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, a in tensors.items():
        b = a.astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * (-len(hj) % 8)  # data section 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)) + hj + b"".join(blobs))


def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), -1)


def forward(w, ids):
    c = CONFIG
    t = lambda k: torch.tensor(w[k], dtype=torch.float64)
    nh, nkv, d = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    eps, n = c["rms_norm_eps"], len(ids)
    x = t("model.embed_tokens.weight")[torch.tensor(ids)]
    inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    ang = torch.outer(torch.arange(n, dtype=torch.float64), inv)
    emb = torch.cat((ang, ang), -1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.full((n, n), float("-inf"), dtype=torch.float64).triu(1)
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rmsnorm(x, t(p + "input_layernorm.weight"), eps)
        q = (h @ t(p + "self_attn.q_proj.weight").T).view(n, nh, d)
        k = (h @ t(p + "self_attn.k_proj.weight").T).view(n, nkv, d)
        v = (h @ t(p + "self_attn.v_proj.weight").T).view(n, nkv, d)
        q = rmsnorm(q, t(p + "self_attn.q_norm.weight"), eps)
        k = rmsnorm(k, t(p + "self_attn.k_norm.weight"), eps)
        q = q * cos[:, None] + rotate_half(q) * sin[:, None]
        k = k * cos[:, None] + rotate_half(k) * sin[:, None]
        k = k.repeat_interleave(nh // nkv, dim=1)  # GQA: head j uses kv head j // group
        v = v.repeat_interleave(nh // nkv, dim=1)
        s = torch.einsum("qhd,khd->hqk", q, k) / d ** 0.5 + mask
        a = torch.einsum("hqk,khd->qhd", s.softmax(-1), v).reshape(n, nh * d)
        x = x + a @ t(p + "self_attn.o_proj.weight").T
        h = rmsnorm(x, t(p + "post_attention_layernorm.weight"), eps)
        g = h @ t(p + "mlp.gate_proj.weight").T
        u = h @ t(p + "mlp.up_proj.weight").T
        x = x + (torch.nn.functional.silu(g) * u) @ t(p + "mlp.down_proj.weight").T
    x = rmsnorm(x, t("model.norm.weight"), eps)
    return x @ t("model.embed_tokens.weight").T  # tied head


def main():
    os.makedirs(OUT, exist_ok=True)
    w = draw_weights()
    write_safetensors(os.path.join(OUT, "model.safetensors"), w)
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=1)
    seqs = []
    for ids in SEQS:
        logits = forward(w, ids).to(torch.float32).numpy()
        seqs.append({"tokens": ids, "logits": [[float(f"{v:.7g}") for v in row] for row in logits]})
    fixture = {"generator": "scripts/reference/engine/gen_fixture.py", "seed": SEED,
               "torch": torch.__version__, "dtype": "float64 compute, fp32 output",
               "sequences": seqs}
    with open(os.path.join(OUT, "logits.json"), "w") as f:
        json.dump(fixture, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
