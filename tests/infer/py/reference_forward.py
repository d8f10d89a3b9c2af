#!/usr/bin/env python3
"""Independent float64 reference of the llama forward pass, for checking the engine.

Reads the GGUF with llama.cpp's own `gguf` Python package (its dequantisation is the format's
reference) and runs the plain textbook llama computation in float64 with numpy: the exact
answer for the file's weights, with float activations throughout (no int8 rounding). `forward`
returns the logits of every position (llama_agreement.py measures both engines against them);
run as a script it prints the last position's top 20 as JSON.
Usage: reference_forward.py MODEL.gguf TOKEN [TOKEN ...]
"""
import json
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def forward(path, tokens):
    """Logits [len(tokens), n_vocab] in float64, every position teacher-forced."""
    r = GGUFReader(path)
    kv = {f.name: f for f in r.fields.values()}

    def scalar(name):
        f = kv[name]
        return f.parts[f.data[0]][0].item()

    n_head = scalar("llama.attention.head_count")
    n_kv = scalar("llama.attention.head_count_kv")
    n_layer = scalar("llama.block_count")
    base = scalar("llama.rope.freq_base")
    eps = scalar("llama.attention.layer_norm_rms_epsilon")
    W = {}
    for t in r.tensors:
        a = dequantize(t.data, t.tensor_type).astype(np.float64)
        W[t.name] = a.reshape([int(d) for d in reversed(t.shape)]) if a.ndim > 1 or len(t.shape) > 1 else a
    emb = W["token_embd.weight"]  # [vocab, n_embd]
    n_embd = emb.shape[1]
    hd = n_embd // n_head
    T = len(tokens)
    x = emb[tokens]

    def rms(v, w):
        return v / np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + eps) * w

    pos = np.arange(T)[:, None]
    freq = base ** (-np.arange(0, hd, 2) / hd)
    if "rope_freqs.weight" in W:  # Llama 3.1's per-pair divisors
        freq = freq / W["rope_freqs.weight"]
    ang = pos * freq[None, :]
    cos, sin = np.cos(ang), np.sin(ang)

    def rope(v, nh):  # v [T, nh*hd], rotate adjacent pairs
        v = v.reshape(T, nh, hd // 2, 2)
        a, b = v[..., 0], v[..., 1]
        c, s = cos[:, None, :], sin[:, None, :]
        return np.stack([a * c - b * s, a * s + b * c], -1).reshape(T, nh * hd)

    mask = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(n_layer):
        p = f"blk.{l}."
        h = rms(x, W[p + "attn_norm.weight"])
        q = rope(h @ W[p + "attn_q.weight"].T, n_head)
        k = rope(h @ W[p + "attn_k.weight"].T, n_kv)
        v = h @ W[p + "attn_v.weight"].T
        out = np.zeros((T, n_embd))
        g = n_head // n_kv
        for hh in range(n_head):
            qh = q[:, hh * hd:(hh + 1) * hd]
            kh = k[:, (hh // g) * hd:(hh // g + 1) * hd]
            vh = v[:, (hh // g) * hd:(hh // g + 1) * hd]
            s = qh @ kh.T / np.sqrt(hd) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            out[:, hh * hd:(hh + 1) * hd] = s @ vh
        x = x + out @ W[p + "attn_output.weight"].T
        h = rms(x, W[p + "ffn_norm.weight"])
        gt = h @ W[p + "ffn_gate.weight"].T
        up = h @ W[p + "ffn_up.weight"].T
        x = x + (gt / (1 + np.exp(-gt)) * up) @ W[p + "ffn_down.weight"].T
    h = rms(x, W["output_norm.weight"])
    return h @ W.get("output.weight", emb).T


def main():
    logits = forward(sys.argv[1], [int(t) for t in sys.argv[2:]])[-1]
    top = np.argsort(-logits)[:20]
    print(json.dumps({"top": [[int(i), float(logits[i])] for i in top]}))


if __name__ == "__main__":
    main()
