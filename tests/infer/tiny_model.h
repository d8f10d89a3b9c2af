// A small random llama model written as GGUF by the tests, so the forward pass and its
// determinism can be tested without downloading the real model. Weight types rotate through
// every supported format so each kernel takes part.
#pragma once

#include <bit>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gguf_builder.h"
#include "infer/quant.h"

namespace depinfer::infer::testing {

struct TinySpec {
  int n_vocab = 96, n_embd = 64, n_layer = 2, n_head = 4, n_head_kv = 2, n_ff = 96;
  bool tied = true;
  std::vector<float> rope_freqs;  // written as rope_freqs.weight when not empty
  std::vector<uint32_t> types = {3 /*Q4_1*/, 8 /*Q8_0*/, 1 /*F16*/, 0 /*F32*/};
};

inline std::vector<uint8_t> RandomMatrix(std::mt19937& rng, uint32_t type, int cols, int rows,
                                         float scale) {
  std::normal_distribution<float> g(0.0f, scale);
  std::vector<float> v(static_cast<size_t>(cols) * rows);
  for (float& x : v) x = g(rng);
  std::vector<uint8_t> out;
  auto put = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  };
  if (type == 2 || type == 6 || type == 7) {
    // Q4_0, Q5_0, Q5_1: random quants under an f16 scale (and Q5_1's offset) per block.
    std::uniform_int_distribution<int> byte(0, 255);
    const size_t bytes = type == 2 ? sizeof(BlockQ4_0) : type == 6 ? sizeof(BlockQ5_0) : sizeof(BlockQ5_1);
    for (size_t b = 0; b < v.size() / kBlock; ++b) {
      std::vector<uint8_t> blk(bytes);
      for (uint8_t& c : blk) c = static_cast<uint8_t>(byte(rng));
      const uint16_t d = Fp32ToFp16(scale / (type == 2 ? 8.0f : 16.0f));
      std::memcpy(blk.data(), &d, 2);
      if (type == 7) {
        const uint16_t m = Fp32ToFp16(-scale);
        std::memcpy(blk.data() + 2, &m, 2);
      }
      put(blk.data(), blk.size());
    }
  } else if (type == 12 || type == 14) {
    // K-quants: random quants and scales (any bit pattern is a valid block) under f16 super-
    // block scales sized so the values have about the requested spread.
    std::uniform_int_distribution<int> byte(0, 255);
    for (size_t b = 0; b < v.size() / kSuperBlock; ++b) {
      if (type == 12) {
        BlockQ4_K blk{};
        blk.d = Fp32ToFp16(scale / 120.0f);
        blk.dmin = Fp32ToFp16(scale / 60.0f);
        for (uint8_t& s : blk.scales) s = static_cast<uint8_t>(byte(rng));
        for (uint8_t& q : blk.qs) q = static_cast<uint8_t>(byte(rng));
        put(&blk, sizeof(blk));
      } else {
        BlockQ6_K blk{};
        for (uint8_t& q : blk.ql) q = static_cast<uint8_t>(byte(rng));
        for (uint8_t& q : blk.qh) q = static_cast<uint8_t>(byte(rng));
        for (int8_t& s : blk.scales) s = static_cast<int8_t>(byte(rng) - 128);
        blk.d = Fp32ToFp16(scale / 1600.0f);
        put(&blk, sizeof(blk));
      }
    }
  } else if (type == 10 || type == 11 || type == 13 || type == 20 || type == 23) {
    // Q2_K, Q3_K, Q5_K, IQ4_NL, IQ4_XS: random quants and scales, as above.
    std::uniform_int_distribution<int> byte(0, 255);
    auto fill = [&](auto& blk) {
      auto* p = reinterpret_cast<uint8_t*>(&blk);
      for (size_t i = 0; i < sizeof(blk); ++i) p[i] = static_cast<uint8_t>(byte(rng));
    };
    const size_t blocks = v.size() / (type == 20 ? kBlock : kSuperBlock);
    for (size_t b = 0; b < blocks; ++b) {
      if (type == 10) {
        BlockQ2_K blk;
        fill(blk);
        blk.d = Fp32ToFp16(scale / 20.0f);
        blk.dmin = Fp32ToFp16(scale / 20.0f);
        put(&blk, sizeof(blk));
      } else if (type == 11) {
        BlockQ3_K blk;
        fill(blk);
        blk.d = Fp32ToFp16(scale / 40.0f);
        put(&blk, sizeof(blk));
      } else if (type == 13) {
        BlockQ5_K blk;
        fill(blk);
        blk.d = Fp32ToFp16(scale / 240.0f);
        blk.dmin = Fp32ToFp16(scale / 120.0f);
        put(&blk, sizeof(blk));
      } else if (type == 20) {
        BlockIQ4_NL blk;
        fill(blk);
        blk.d = Fp32ToFp16(scale / 60.0f);
        put(&blk, sizeof(blk));
      } else {
        BlockIQ4_XS blk;
        fill(blk);
        blk.d = Fp32ToFp16(scale / 800.0f);
        put(&blk, sizeof(blk));
      }
    }
  } else if (type == 30) {  // BF16: the top half of each float
    for (float x : v) {
      const auto h = static_cast<uint16_t>(std::bit_cast<uint32_t>(x) >> 16);
      put(&h, 2);
    }
  } else if (type == 0) {
    put(v.data(), v.size() * 4);
  } else if (type == 1) {
    for (float x : v) {
      uint16_t h = Fp32ToFp16(x);
      put(&h, 2);
    }
  } else {
    for (size_t b = 0; b < v.size() / kBlock; ++b) {
      const float* x = &v[b * kBlock];
      if (type == 8) {
        float amax = 0;
        for (int j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
        BlockQ8_0 blk{};
        const float d = amax / 127.0f;
        blk.d = Fp32ToFp16(d);
        for (int j = 0; j < kBlock; ++j) {
          blk.qs[j] = static_cast<int8_t>(d == 0 ? 0 : std::nearbyint(x[j] / d));
        }
        put(&blk, sizeof(blk));
      } else {  // Q4_1
        float lo = x[0], hi = x[0];
        for (int j = 0; j < kBlock; ++j) lo = std::min(lo, x[j]), hi = std::max(hi, x[j]);
        const float d = (hi - lo) / 15.0f;
        BlockQ4_1 blk{};
        blk.d = Fp32ToFp16(d);
        blk.m = Fp32ToFp16(lo);
        for (int j = 0; j < 16; ++j) {
          auto q = [&](float f) {
            return static_cast<uint8_t>(std::min(15.0f, std::max(0.0f, std::nearbyint((f - lo) / d))));
          };
          blk.qs[j] = static_cast<uint8_t>(q(x[j]) | (q(x[j + 16]) << 4));
        }
        put(&blk, sizeof(blk));
      }
    }
  }
  return out;
}

inline std::string TinyLlama(const TinySpec& s = TinySpec(), uint32_t seed = 7) {
  std::mt19937 rng(seed);
  GgufBuilder b;
  b.KvString("general.architecture", "llama");
  b.KvU32("llama.embedding_length", s.n_embd);
  b.KvU32("llama.block_count", s.n_layer);
  b.KvU32("llama.attention.head_count", s.n_head);
  b.KvU32("llama.attention.head_count_kv", s.n_head_kv);
  b.KvU32("llama.feed_forward_length", s.n_ff);
  b.KvU32("llama.context_length", 256);
  b.KvF32("llama.rope.freq_base", 10000.0f);
  b.KvF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  const int hd = s.n_embd / s.n_head, kv = hd * s.n_head_kv;
  size_t k = 0;
  auto next_type = [&]() { return s.types[k++ % s.types.size()]; };
  auto vec = [&](const std::string& name) {
    std::vector<float> w(s.n_embd);
    std::uniform_real_distribution<float> u(0.5f, 1.5f);
    for (float& x : w) x = u(rng);
    std::vector<uint8_t> bytes(reinterpret_cast<uint8_t*>(w.data()),
                               reinterpret_cast<uint8_t*>(w.data() + w.size()));
    b.Tensor(name, {static_cast<uint64_t>(s.n_embd)}, 0, bytes);
  };
  auto mat = [&](const std::string& name, int cols, int rows, float scale) {
    const uint32_t t = next_type();
    b.Tensor(name, {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)}, t,
             RandomMatrix(rng, t, cols, rows, scale));
  };
  mat("token_embd.weight", s.n_embd, s.n_vocab, 1.0f);
  vec("output_norm.weight");
  if (!s.tied) mat("output.weight", s.n_embd, s.n_vocab, 0.2f);
  for (int l = 0; l < s.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    vec(p + "attn_norm.weight");
    vec(p + "ffn_norm.weight");
    mat(p + "attn_q.weight", s.n_embd, s.n_embd, 0.3f);
    mat(p + "attn_k.weight", s.n_embd, kv, 0.3f);
    mat(p + "attn_v.weight", s.n_embd, kv, 0.3f);
    mat(p + "attn_output.weight", s.n_embd, s.n_embd, 0.1f);
    mat(p + "ffn_gate.weight", s.n_embd, s.n_ff, 0.2f);
    mat(p + "ffn_up.weight", s.n_embd, s.n_ff, 0.2f);
    mat(p + "ffn_down.weight", s.n_ff, s.n_embd, 0.1f);
  }
  if (!s.rope_freqs.empty()) {
    std::vector<uint8_t> bytes(s.rope_freqs.size() * 4);
    std::memcpy(bytes.data(), s.rope_freqs.data(), bytes.size());
    b.Tensor("rope_freqs.weight", {static_cast<uint64_t>(s.rope_freqs.size())}, 0, bytes);
  }
  return b.Build();
}

}  // namespace depinfer::infer::testing
