#include "infer/quant.h"

#include <gtest/gtest.h>
#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

namespace depinfer::infer {
namespace {

uint32_t Bits(float f) { return std::bit_cast<uint32_t>(f); }

TEST(Fp16, EveryHalfRoundTripsExactly) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = Fp16ToFp32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(Fp32ToFp16(f), h) << "half 0x" << std::hex << h;
#if defined(__F16C__)
    ASSERT_EQ(Bits(f), Bits(_cvtsh_ss(static_cast<uint16_t>(h)))) << std::hex << h;
#endif
  }
}

TEST(Fp16, RoundsToNearestEven) {
  EXPECT_EQ(Fp32ToFp16(1.0f + 0x1p-11f), Fp32ToFp16(1.0f));          // tie, even stays
  EXPECT_EQ(Fp32ToFp16(1.0f + 3 * 0x1p-11f), Fp32ToFp16(1.0f) + 2);  // tie, odd rounds up
  EXPECT_EQ(Fp32ToFp16(70000.0f), 0x7c00);
  EXPECT_EQ(Fp32ToFp16(-0.0f), 0x8000);
}

TEST(ActQ8, QuantisesPerBlock) {
  std::vector<float> x(64);
  for (int i = 0; i < 64; ++i) x[i] = (i < 32) ? (i - 16) * 0.5f : 0.0f;
  ActQ8 a;
  QuantizeActQ8(x.data(), 64, &a);
  EXPECT_EQ(a.d[0], 8.0f / 127.0f);
  EXPECT_EQ(a.q[0], -127);  // -8 is the block's largest magnitude
  EXPECT_EQ(a.d[1], 0.0f);
  EXPECT_EQ(a.s[1], 0.0f);
  for (int i = 32; i < 64; ++i) EXPECT_EQ(a.q[i], 0);
}

// The AVX2 quantiser writes the plain one's bytes: random blocks of many scales, exact ties
// (k + 0.5 times the scale), zeros, infinities, NaN, subnormals, and lengths with a partial group.
TEST(ActQ8, Avx2TwinGivesTheSameBytes) {
  if (!IsaAvailable(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 kernels";
  std::mt19937 rng(99);
  std::normal_distribution<float> g;
  for (int nb : {1, 7, 8, 9, 18, 48}) {
    for (int trial = 0; trial < 20; ++trial) {
      const int n = nb * kBlock;
      std::vector<float> x(n);
      for (int i = 0; i < n; ++i) {
        const float scale = std::ldexp(1.0f, static_cast<int>(rng() % 60) - 30);
        x[i] = g(rng) * scale;
      }
      const int b = static_cast<int>(rng() % nb) * kBlock;
      switch (trial % 6) {
        case 0: for (int j = 0; j < kBlock; ++j) x[b + j] = (j - 16) * 0.5f; break;  // ties
        case 1: for (int j = 0; j < kBlock; ++j) x[b + j] = 0.0f; break;
        case 2: x[b + 3] = std::numeric_limits<float>::infinity(); break;
        case 3: x[b + 5] = std::numeric_limits<float>::quiet_NaN(); break;
        case 4: for (int j = 0; j < kBlock; ++j) x[b + j] = std::numeric_limits<float>::denorm_min() * j; break;
        default: x[b] = -x[b + 1] * 1e30f; break;
      }
      ActQ8 a, v;
      QuantizeActQ8(x.data(), n, &a, Isa::kScalar);
      QuantizeActQ8(x.data(), n, &v, Isa::kAvx2);
      ASSERT_EQ(a.q, v.q) << "nb=" << nb << " trial=" << trial;
      ASSERT_EQ(a.qt, v.qt) << "nb=" << nb << " trial=" << trial;
      ASSERT_EQ(a.d.size(), v.d.size());
      for (size_t i = 0; i < a.d.size(); ++i) {
        ASSERT_EQ(Bits(a.d[i]), Bits(v.d[i])) << "nb=" << nb << " trial=" << trial << " i=" << i;
        ASSERT_EQ(Bits(a.s[i]), Bits(v.s[i])) << "nb=" << nb << " trial=" << trial << " i=" << i;
      }
    }
  }
}

// Random weights in each format, including extreme codes (-128 in Q8_0, 0 and 15 in Q4_1).
struct Fixture {
  std::mt19937 rng{12345};
  std::vector<uint8_t> Q4_1(int nb) {
    std::vector<uint8_t> out(nb * sizeof(BlockQ4_1));
    auto* blk = reinterpret_cast<BlockQ4_1*>(out.data());
    std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
    for (int b = 0; b < nb; ++b) {
      blk[b].d = Fp32ToFp16(std::fabs(scale(rng)));
      blk[b].m = Fp32ToFp16(scale(rng) * 8);
      for (auto& q : blk[b].qs) q = static_cast<uint8_t>(rng());
    }
    return out;
  }
  std::vector<uint8_t> Q8_0(int nb) {
    std::vector<uint8_t> out(nb * sizeof(BlockQ8_0));
    auto* blk = reinterpret_cast<BlockQ8_0*>(out.data());
    std::uniform_real_distribution<float> scale(0.0f, 0.02f);
    for (int b = 0; b < nb; ++b) {
      blk[b].d = Fp32ToFp16(scale(rng));
      for (auto& q : blk[b].qs) q = static_cast<int8_t>(rng());
    }
    return out;
  }
  // A row of `nb` blocks of any format with AVX2 twins: random quants, or small floats.
  std::vector<uint8_t> Row(TensorType type, int nb) {
    if (type == TensorType::kQ4_1) return Q4_1(nb);
    if (type == TensorType::kQ8_0) return Q8_0(nb);
    std::vector<float> f = Act(nb * kBlock);
    for (float& v : f) v *= 0.01f;
    std::vector<uint8_t> row;
    for (float v : f) {
      if (type == TensorType::kF32) {
        const auto* b = reinterpret_cast<const uint8_t*>(&v);
        row.insert(row.end(), b, b + 4);
        continue;
      }
      const uint16_t h = type == TensorType::kF16
                             ? Fp32ToFp16(v)
                             : static_cast<uint16_t>(std::bit_cast<uint32_t>(v) >> 16);  // BF16
      row.push_back(static_cast<uint8_t>(h & 0xff));
      row.push_back(static_cast<uint8_t>(h >> 8));
    }
    return row;
  }
  std::vector<float> Act(int n) {
    std::vector<float> x(n);
    std::normal_distribution<float> g(0.0f, 1.0f);
    for (int i = 0; i < n; ++i) x[i] = g(rng) * ((i / 32) % 3 == 0 ? 100.0f : 1.0f);
    if (n >= 64) std::fill(x.begin() + 32, x.begin() + 64, 0.0f);  // an all-zero block
    return x;
  }
};

float ExactDot(const std::vector<float>& w, const std::vector<float>& x) {
  double s = 0;
  for (size_t i = 0; i < w.size(); ++i) s += static_cast<double>(w[i]) * x[i];
  return static_cast<float>(s);
}

class KernelTwins : public ::testing::TestWithParam<TensorType> {};

// The AVX2 kernel equals the reference to the bit for every length, including tails of 1..7
// blocks, and both are close to the float dot product of the dequantised row.
TEST_P(KernelTwins, Avx2EqualsReferenceBitForBit) {
  if (!IsaAvailable(Isa::kAvx2)) GTEST_SKIP() << "this CPU or build has no AVX2 kernels";
  const TensorType type = GetParam();
  Fixture fx;
  for (int nb = 1; nb <= 70; ++nb) {
    const int n = nb * kBlock;
    const std::vector<uint8_t> wbytes = fx.Row(type, nb);
    WeightMatrix w{type, wbytes.data(), 1, n, RowBytes(type, n)};
    std::vector<float> x = fx.Act(n);
    ActQ8 q;
    QuantizeActQ8(x.data(), n, &q);
    ActRow a{x.data(), &q};
    const float r = DotRow(w, 0, a, Isa::kScalar);
    const float s = DotRow(w, 0, a, Isa::kAvx2);
    ASSERT_EQ(Bits(r), Bits(s)) << "nb=" << nb << " ref=" << r << " avx2=" << s;

    // The multi-activation kernels give each activation the single kernel's bits.
    std::vector<std::vector<float>> xs;
    std::vector<ActQ8> qs(kMaxMulti);
    std::vector<ActRow> rows(kMaxMulti);
    for (int t = 0; t < kMaxMulti; ++t) xs.push_back(fx.Act(n));
    for (int t = 0; t < kMaxMulti; ++t) {
      QuantizeActQ8(xs[t].data(), n, &qs[t]);
      rows[t] = ActRow{xs[t].data(), &qs[t]};
    }
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
      for (int m = 1; m <= kMaxMulti; ++m) {
        float out[kMaxMulti];
        SelectDotMulti(type, isa)(wbytes.data(), rows.data(), m, n, out);
        for (int t = 0; t < m; ++t) {
          ASSERT_EQ(Bits(out[t]), Bits(DotRow(w, 0, rows[t], Isa::kScalar)))
              << IsaName(isa) << " nb=" << nb << " m=" << m << " t=" << t;
        }
      }
    }

    // The packed layout (full 8-block groups rearranged) gives the same bits again.
    if (PackedRowBytes(type, n) > 0) {
      std::vector<uint8_t> packed(PackedRowBytes(type, n));
      PackRow(type, wbytes.data(), n, packed.data());
      WeightMatrix wp = w;
      wp.packed = packed.data();
      wp.packed_row_bytes = packed.size();
      for (int m = 1; m <= kMaxMulti; ++m) {
        float out[kMaxMulti];
        SelectRowDot(wp, Isa::kAvx2)(wp, 0, rows.data(), m, out);
        for (int t = 0; t < m; ++t) {
          ASSERT_EQ(Bits(out[t]), Bits(DotRow(w, 0, rows[t], Isa::kScalar)))
              << "packed nb=" << nb << " m=" << m << " t=" << t;
        }
      }
    }

    std::vector<float> deq(n);
    DequantizeRow(w, 0, deq.data());
    const float exact = ExactDot(deq, x);
    double mag = 0;
    for (int i = 0; i < n; ++i) mag += std::fabs(deq[i] * x[i]);
    EXPECT_NEAR(r, exact, 0.02 * mag + 1e-4) << "nb=" << nb;
  }
}

// The register-tiled matrix kernels: every shape of tile (1..kTileRows rows x 1..kMaxMulti
// activations), at any starting row, on packed matrices whose rows end in a full or a partial
// group, give each element the reference's bits; so does the generic tile of unpacked matrices.
TEST_P(KernelTwins, TilesEqualReferenceBitForBit) {
  const TensorType type = GetParam();
  Fixture fx;
  constexpr int kRows = 13;
  for (int nb : {1, 2, 7, 8, 9, 10, 18, 48, 50}) {
    const int n = nb * kBlock;
    std::vector<uint8_t> wbytes;
    for (int r = 0; r < kRows; ++r) {
      const std::vector<uint8_t> row = fx.Row(type, nb);
      wbytes.insert(wbytes.end(), row.begin(), row.end());
    }
    WeightMatrix w{type, wbytes.data(), kRows, n, RowBytes(type, n)};
    std::vector<uint8_t> packed(PackedRowBytes(type, n) * kRows);
    if (!packed.empty()) {
      for (int r = 0; r < kRows; ++r) {
        PackRow(type, w.row(r), n, packed.data() + r * PackedRowBytes(type, n));
      }
      w.packed = packed.data();
      w.packed_row_bytes = PackedRowBytes(type, n);
    }
    std::vector<std::vector<float>> xs;
    std::vector<ActQ8> qs(kMaxMulti);
    std::vector<ActRow> acts(kMaxMulti);
    for (int t = 0; t < kMaxMulti; ++t) xs.push_back(fx.Act(n));
    for (int t = 0; t < kMaxMulti; ++t) {
      QuantizeActQ8(xs[t].data(), n, &qs[t]);
      acts[t] = ActRow{xs[t].data(), &qs[t]};
    }
    // Four positions' tails side by side, when the rows end in a group of one or two blocks.
    ActTailQuad quad;
    const ActQ8* four[4] = {&qs[0], &qs[1], &qs[2], &qs[3]};
    const bool has_quad = BuildTailQuad(four, nb, &quad);
    EXPECT_EQ(has_quad, nb % 8 == 1 || nb % 8 == 2);
    for (int with_quad = 0; with_quad < (has_quad ? 2 : 1); ++with_quad)
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
      if (!IsaAvailable(isa)) continue;
      acts[0].quad = with_quad ? &quad : nullptr;
      for (int r0 : {0, 3, 7}) {
        for (int nr = 1; nr <= kTileRows && r0 + nr <= kRows; ++nr) {
          for (int np = 1; np <= kMaxMulti; ++np) {
            constexpr int64_t kLd = 11;
            std::vector<float> out(kLd * kMaxMulti, -1.0f);
            SelectTileDot(w, isa)(w, r0, nr, acts.data(), np, out.data(), kLd);
            for (int p = 0; p < np; ++p) {
              for (int r = 0; r < nr; ++r) {
                ASSERT_EQ(Bits(out[p * kLd + r]), Bits(DotRow(w, r0 + r, acts[p], Isa::kScalar)))
                    << IsaName(isa) << " nb=" << nb << " r0=" << r0 << " nr=" << nr
                    << " np=" << np << " p=" << p << " r=" << r << " quad=" << with_quad;
              }
              for (int r = nr; r < kLd; ++r) ASSERT_EQ(out[p * kLd + r], -1.0f) << "wrote past nr";
            }
          }
        }
      }
    }
  }
}

// The AMX tiles: 16 rows x 16 positions per tile, so row counts and position counts that are not
// multiples of 16 (the tiles' padding), rows ending in a full or a partial group, and the last
// tile of a matrix; every element with the reference's bits, nothing written outside the tile.
TEST_P(KernelTwins, AmxTilesEqualReferenceBitForBit) {
#if defined(DEPINFER_HAVE_AMX_KERNELS)
  const TensorType type = GetParam();
  if (type != TensorType::kQ4_1 && type != TensorType::kQ8_0) GTEST_SKIP() << "not a tiled format";
  if (!IsaAvailable(Isa::kAmx)) GTEST_SKIP() << "no AMX on this CPU or kernel";
  Fixture fx;
  constexpr int kRows = 37;
  for (int nb : {1, 2, 7, 8, 9, 18, 48, 50}) {
    const int n = nb * kBlock;
    std::vector<uint8_t> wbytes;
    for (int r = 0; r < kRows; ++r) {
      const std::vector<uint8_t> row = type == TensorType::kQ4_1 ? fx.Q4_1(nb) : fx.Q8_0(nb);
      wbytes.insert(wbytes.end(), row.begin(), row.end());
    }
    WeightMatrix w{type, wbytes.data(), kRows, n, RowBytes(type, n)};
    const size_t prb = PackedRowBytes(type, n);
    std::vector<uint8_t> packed(prb * kRows);
    for (int r = 0; r < kRows; ++r) PackRow(type, w.row(r), n, packed.data() + r * prb);
    w.packed = packed.data();
    w.packed_row_bytes = prb;
    for (int T : {16, 21, 40}) {
      std::vector<std::vector<float>> xs;
      std::vector<ActQ8> qs(T);
      std::vector<const ActQ8*> ptrs(T);
      for (int t = 0; t < T; ++t) {
        xs.push_back(fx.Act(n));
        QuantizeActQ8(xs[t].data(), n, &qs[t]);
        ptrs[t] = &qs[t];
      }
      amx::ActTiles tiles;
      tiles.Set(ptrs.data(), T);
      ASSERT_EQ(tiles.positions % kAmxTile, 0);
      for (int r0 = 0; r0 < kRows; r0 += kAmxTile) {
        const int nr = std::min(kAmxTile, kRows - r0);
        for (int p0 : {0, T > 16 ? 16 : 0}) {
          std::vector<float> out(static_cast<size_t>(T) * kRows, -1.0f);
          amx::RowTile(w, r0, nr, tiles, p0, T, out.data(), kRows);
          for (int p = 0; p < T; ++p) {
            for (int r = 0; r < kRows; ++r) {
              const float got = out[static_cast<size_t>(p) * kRows + r];
              if (p < p0 || r < r0 || r >= r0 + nr) {
                ASSERT_EQ(got, -1.0f) << "wrote outside the tile: p=" << p << " r=" << r;
                continue;
              }
              const ActRow a{xs[p].data(), &qs[p]};
              ASSERT_EQ(Bits(got), Bits(DotRow(w, r, a, Isa::kScalar)))
                  << "nb=" << nb << " T=" << T << " r0=" << r0 << " p=" << p << " r=" << r;
            }
          }
        }
      }
    }
  }
#else
  GTEST_SKIP() << "built without the AMX kernels";
#endif
}

INSTANTIATE_TEST_SUITE_P(Formats, KernelTwins,
                         ::testing::Values(TensorType::kQ4_1, TensorType::kQ8_0, TensorType::kF16,
                                           TensorType::kBF16, TensorType::kF32),
                         [](const auto& param_info) {
                           return std::string(GetTensorTypeTraits(
                               static_cast<uint32_t>(param_info.param))->name);
                         });

// Odd float lengths exercise the element tail of the F32/F16 kernels.
TEST(KernelTwinsFloat, OddLengths) {
  if (!IsaAvailable(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 kernels";
  Fixture fx;
  for (int n = 1; n < 100; ++n) {
    std::vector<float> w = fx.Act(n), x = fx.Act(n);
    ASSERT_EQ(Bits(ref::DotF32(w.data(), x.data(), n)), Bits(avx2::DotF32(w.data(), x.data(), n)));
  }
}

// A random row of `n` elements of any quantised format (random quants and packed scales, finite
// f16 scales and offsets of a sensible size), or of BF16 (normal floats' top halves).
std::vector<uint8_t> RandomFormatRow(TensorType type, int n, std::mt19937& rng) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::normal_distribution<float> g(0.0f, 1.0f);
  const size_t bytes = RowBytes(type, n);
  std::vector<uint8_t> row(bytes);
  for (uint8_t& c : row) c = static_cast<uint8_t>(byte(rng));
  // Finite f16 scales (and offsets) in each block.
  auto set_scales = [&](auto* blocks, size_t count, auto set) {
    for (size_t b = 0; b < count; ++b) set(blocks[b], 0.01f * static_cast<float>(b % 7 + 1));
  };
  switch (type) {
    case TensorType::kQ4_K:
      set_scales(reinterpret_cast<BlockQ4_K*>(row.data()), bytes / sizeof(BlockQ4_K), [](auto& k, float s) {
        k.d = Fp32ToFp16(s);
        k.dmin = Fp32ToFp16(2 * s);
      });
      break;
    case TensorType::kQ6_K:
      set_scales(reinterpret_cast<BlockQ6_K*>(row.data()), bytes / sizeof(BlockQ6_K),
                 [](auto& k, float s) { k.d = Fp32ToFp16(-0.3f * s); });
      break;
    case TensorType::kQ4_0:
      set_scales(reinterpret_cast<BlockQ4_0*>(row.data()), bytes / sizeof(BlockQ4_0),
                 [](auto& k, float s) { k.d = Fp32ToFp16(s); });
      break;
    case TensorType::kQ2_K:
      set_scales(reinterpret_cast<BlockQ2_K*>(row.data()), bytes / sizeof(BlockQ2_K), [](auto& k, float s) {
        k.d = Fp32ToFp16(s);
        k.dmin = Fp32ToFp16(3 * s);
      });
      break;
    case TensorType::kQ3_K:
      set_scales(reinterpret_cast<BlockQ3_K*>(row.data()), bytes / sizeof(BlockQ3_K),
                 [](auto& k, float s) { k.d = Fp32ToFp16(-0.2f * s); });
      break;
    case TensorType::kQ5_K:
      set_scales(reinterpret_cast<BlockQ5_K*>(row.data()), bytes / sizeof(BlockQ5_K), [](auto& k, float s) {
        k.d = Fp32ToFp16(0.5f * s);
        k.dmin = Fp32ToFp16(s);
      });
      break;
    case TensorType::kIQ4_NL:
      set_scales(reinterpret_cast<BlockIQ4_NL*>(row.data()), bytes / sizeof(BlockIQ4_NL),
                 [](auto& k, float s) { k.d = Fp32ToFp16(0.1f * s); });
      break;
    case TensorType::kIQ4_XS:
      set_scales(reinterpret_cast<BlockIQ4_XS*>(row.data()), bytes / sizeof(BlockIQ4_XS),
                 [](auto& k, float s) { k.d = Fp32ToFp16(-0.05f * s); });
      break;
    case TensorType::kBF16: {  // finite values: the top halves of normal floats
      auto* h = reinterpret_cast<uint16_t*>(row.data());
      for (int e = 0; e < n; ++e) h[e] = static_cast<uint16_t>(std::bit_cast<uint32_t>(g(rng)) >> 16);
      break;
    }
    case TensorType::kQ5_0:
      set_scales(reinterpret_cast<BlockQ5_0*>(row.data()), bytes / sizeof(BlockQ5_0),
                 [](auto& k, float s) { k.d = Fp32ToFp16(-s); });
      break;
    default:
      set_scales(reinterpret_cast<BlockQ5_1*>(row.data()), bytes / sizeof(BlockQ5_1), [](auto& k, float s) {
        k.d = Fp32ToFp16(s);
        k.m = Fp32ToFp16(-8 * s);
      });
      break;
  }
  return row;
}

// The dot products of the formats beyond Q4_1/Q8_0/F16/F32 (K-quants, Q4_0, Q5_0, Q5_1, IQ4_NL,
// IQ4_XS, BF16; their dequantisation is checked against gguf-py by
// tests/infer/py/quant_formats_check.py) against the exact sum of the dequantised weights times
// the dequantised activations (the integer formula is exact; only the float roundings differ).
TEST(ReferenceOnlyFormats, DotEqualsTheDequantisedSum) {
  std::mt19937 rng(99);
  std::normal_distribution<float> g(0.0f, 1.0f);
  const int n = 3 * kSuperBlock;
  std::vector<float> x(n);
  for (float& v : x) v = g(rng);
  ActQ8 a;
  QuantizeActQ8(x.data(), n, &a);
  for (TensorType type : {TensorType::kQ4_K, TensorType::kQ6_K, TensorType::kQ4_0,
                          TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ2_K,
                          TensorType::kQ3_K, TensorType::kQ5_K, TensorType::kIQ4_NL,
                          TensorType::kIQ4_XS, TensorType::kBF16}) {
    const std::vector<uint8_t> row = RandomFormatRow(type, n, rng);
    const size_t bytes = row.size();
    const WeightMatrix w{type, row.data(), 1, n, bytes};
    std::vector<float> wf(n);
    DequantizeRow(w, 0, wf.data());
    double exact = 0, magnitude = 0;
    for (int e = 0; e < n; ++e) {
      // BF16 reads the float activations, the quantised formats their int8 form.
      const double xe = type == TensorType::kBF16 ? static_cast<double>(x[e])
                                                  : static_cast<double>(a.d[e / kBlock]) * a.q[e];
      exact += static_cast<double>(wf[e]) * xe;
      magnitude += std::fabs(static_cast<double>(wf[e]) * xe);
    }
    const ActRow ar{x.data(), &a};
    const float got = DotRow(w, 0, ar, Isa::kScalar);
    EXPECT_NEAR(got, exact, 1e-5 * magnitude) << static_cast<int>(type);
    if (IsaAvailable(Isa::kAvx2)) {
      EXPECT_EQ(got, DotRow(w, 0, ar, Isa::kAvx2));
    }
  }
}

// The AVX2 twins of the K-quants, IQ4_XS and Q5_1 equal the reference to the bit, one activation
// or several, over rows of 1 to 9 super-blocks (Q5_1: 1 to 40 blocks, so every tail length);
// activations include all-zero blocks and blocks 100 times larger.
TEST(ReferenceOnlyFormats, Avx2TwinsEqualTheReference) {
  if (!IsaAvailable(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 kernels";
  std::mt19937 rng(2026);
  Fixture fx;
  for (TensorType type : {TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K,
                          TensorType::kQ5_K, TensorType::kQ6_K, TensorType::kIQ4_XS,
                          TensorType::kQ5_1}) {
    const bool blocks32 = type == TensorType::kQ5_1;
    for (int len = 1; len <= (blocks32 ? 40 : 9); ++len) {
      const int n = len * (blocks32 ? kBlock : kSuperBlock);
      const std::vector<uint8_t> row = RandomFormatRow(type, n, rng);
      const WeightMatrix w{type, row.data(), 1, n, row.size()};
      std::vector<std::vector<float>> xs;
      std::vector<ActQ8> qs(kMaxMulti);
      std::vector<ActRow> acts(kMaxMulti);
      for (int t = 0; t < kMaxMulti; ++t) {
        xs.push_back(fx.Act(n));
        QuantizeActQ8(xs[t].data(), n, &qs[t]);
        acts[t] = ActRow{xs[t].data(), &qs[t]};
      }
      for (int t = 0; t < kMaxMulti; ++t) {
        ASSERT_EQ(Bits(DotRow(w, 0, acts[t], Isa::kScalar)), Bits(DotRow(w, 0, acts[t], Isa::kAvx2)))
            << static_cast<int>(type) << " len=" << len << " t=" << t;
      }
      for (int m = 1; m <= kMaxMulti; ++m) {
        float out[kMaxMulti];
        SelectDotMulti(type, Isa::kAvx2)(row.data(), acts.data(), m, n, out);
        for (int t = 0; t < m; ++t) {
          ASSERT_EQ(Bits(out[t]), Bits(DotRow(w, 0, acts[t], Isa::kScalar)))
              << static_cast<int>(type) << " len=" << len << " m=" << m << " t=" << t;
        }
      }
    }
  }
}

// Q4_0, Q5_0 and IQ4_NL rows widened to Q8_0 give the reference's bits through the Q8_0 kernels, scalar
// and SIMD, one position or several (the model widens them at load for the SIMD kernels).
TEST(ReferenceOnlyFormats, WidenedToQ8_0KeepsTheBits) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::normal_distribution<float> g(0.0f, 1.0f);
  const int n = 40 * kBlock;  // five full groups of 8 blocks
  std::vector<float> x(n);
  std::vector<ActQ8> acts(3);
  std::vector<ActRow> rows(3);
  for (int t = 0; t < 3; ++t) {
    for (float& v : x) v = g(rng);
    QuantizeActQ8(x.data(), n, &acts[t]);
    rows[t] = ActRow{nullptr, &acts[t]};
  }
  for (TensorType type : {TensorType::kQ4_0, TensorType::kQ5_0, TensorType::kIQ4_NL}) {
    ASSERT_TRUE(WidensToQ8_0(type));
    const size_t bytes = RowBytes(type, n), block = bytes / (n / kBlock);
    std::vector<uint8_t> row(bytes);
    for (uint8_t& c : row) c = static_cast<uint8_t>(byte(rng));
    for (size_t b = 0; b < bytes / block; ++b) {
      const uint16_t d = Fp32ToFp16(0.01f * static_cast<float>(b % 5 + 1) * (b % 2 ? -1.0f : 1.0f));
      std::memcpy(&row[b * block], &d, 2);
    }
    std::vector<uint8_t> wide(RowBytes(TensorType::kQ8_0, n));
    ASSERT_TRUE(WidenRowToQ8_0(type, row.data(), n, wide.data()));
    const WeightMatrix w{type, row.data(), 1, n, bytes};
    const WeightMatrix wq8{TensorType::kQ8_0, wide.data(), 1, n, wide.size()};
    for (int t = 0; t < 3; ++t) {
      const float ref = DotRow(w, 0, rows[t], Isa::kScalar);
      EXPECT_EQ(ref, DotRow(wq8, 0, rows[t], Isa::kScalar));
      if (IsaAvailable(Isa::kAvx2)) {
        EXPECT_EQ(ref, DotRow(wq8, 0, rows[t], Isa::kAvx2));
      }
    }
    if (IsaAvailable(Isa::kAvx2)) {
      float multi[3];
      SelectDotMulti(TensorType::kQ8_0, Isa::kAvx2)(wide.data(), rows.data(), 3, n, multi);
      for (int t = 0; t < 3; ++t) EXPECT_EQ(multi[t], DotRow(w, 0, rows[t], Isa::kScalar));
    }
  }
}

}  // namespace
}  // namespace depinfer::infer
