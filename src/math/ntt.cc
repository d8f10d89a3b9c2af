#include "math/ntt.h"

#include "math/fp52x8.h"

#include <omp.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

namespace depinfer::math::bn254 {
namespace {

// Elements per block for the cache-resident first stages: 2^12 * 32 bytes = 128 KiB.
constexpr int kLogBlock = 12;

// The vector path can be turned off (DEPINFER_NTT_SCALAR=1), e.g. to compare the two.
[[maybe_unused]] bool UseIfmaNtt() {
  static const bool scalar_only = std::getenv("DEPINFER_NTT_SCALAR") != nullptr;
  return !scalar_only;
}

// Reverses the low `bits` bits of x (bits >= 1) by swapping ever larger bit groups.
std::size_t BitReverse(std::size_t x, int bits) {
  std::uint64_t v = x;
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
  v = __builtin_bswap64(v);
  return static_cast<std::size_t>(v >> (64 - bits));
}

void BitReversePermute(std::span<Fr> a, int log_n) {
  const std::size_t n = a.size();
#pragma omp parallel for schedule(static) if (n >= (1u << 14))
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t j = BitReverse(i, log_n);
    if (i < j) std::swap(a[i], a[j]);
  }
}

// Powers start, start*s, start*s^2, ... (n of them), computed in parallel chunks.
void FillPowers(std::vector<Fr>& out, const Fr& start, const Fr& step) {
  const std::size_t n = out.size();
  const std::size_t chunk = 1 << 12;
#pragma omp parallel for schedule(static) if (n > chunk)
  for (std::size_t c = 0; c < n; c += chunk) {
    Fr x = start * step.Pow(BigInt<1>(c));
    for (std::size_t i = c; i < std::min(n, c + chunk); ++i) {
      out[i] = x;
      x *= step;
    }
  }
}

// One butterfly stage with half-size m over [begin, end): pairs (j, j+m) in groups of 2m;
// twiddle w_{2m}^k = table[k * stride].
inline void Stage(Fr* a, std::size_t begin, std::size_t end, std::size_t m, const Fr* table,
                  std::size_t stride) {
  for (std::size_t g = begin; g < end; g += 2 * m) {
    {  // k = 0: the twiddle is 1
      Fr t = a[g + m];
      Fr u = a[g];
      a[g] = u + t;
      a[g + m] = u - t;
    }
    for (std::size_t k = 1; k < m; ++k) {
      Fr t = a[g + k + m] * table[k * stride];
      Fr u = a[g + k];
      a[g + k] = u + t;
      a[g + k + m] = u - t;
    }
  }
}

}  // namespace


#ifdef DEPINFER_HAVE_IFMA
// The same transform on AVX-512 IFMA: after the first three stages (pairs closer than eight
// elements apart), the data moves into blocks of eight elements with limb j of all eight in
// one vector (see fp52x8.h), where every later butterfly works on eight consecutive k at once.
// Each run of eight twiddles w^(k*stride) .. w^((k+7)*stride) comes from the previous run times
// w^(8*stride), so no per-stage twiddle tables are needed. Values stay below 2p between stages.
namespace {

using V52 = Ifma52<Fr>;

struct Block8 {
  Vec52 v;
};

// [w^0, w^step, ..., w^(7 step)] and w^(8 step) for a stride into the twiddle table.
void TwiddleVectors(const std::vector<Fr>& tw, std::size_t stride, std::size_t k0, Vec52* first,
                    Vec52* step8, std::size_t n) {
  alignas(64) u64 limbs[5][8];
  for (std::size_t i = 0; i < 8; ++i) {
    // w^((k0+i)*stride) from the half table: exponents past n/2 flip sign (w^(n/2) = -1).
    std::size_t e = ((k0 + i) * stride) % n;
    Fr w = e < n / 2 ? tw[e] : -tw[e - n / 2];
    u64 l[5];
    V52::ToLimbs(w, l);
    for (int j = 0; j < 5; ++j) limbs[j][i] = l[j];
  }
  for (int j = 0; j < 5; ++j) first->l[j] = _mm512_load_si512(limbs[j]);
  std::size_t e8 = (8 * stride) % n;
  Fr w8 = e8 < n / 2 ? tw[e8] : -tw[e8 - n / 2];
  u64 l8[5];
  V52::ToLimbs(w8, l8);
  *step8 = V52::Broadcast(l8);
}

// Butterflies of half-size m (a multiple of 8) over groups [g0, g1) of blocks, k in [k0, k1).
void VectorStage(Block8* b, std::size_t m, std::size_t g_begin, std::size_t g_end,
                 std::size_t k_begin, std::size_t k_end, const std::vector<Fr>& tw, std::size_t n) {
  const std::size_t stride = n / (2 * m);
  Vec52 w0, step8;
  TwiddleVectors(tw, stride, k_begin, &w0, &step8, n);
  const std::size_t mb = m / 8;
  for (std::size_t g = g_begin; g < g_end; ++g) {
    Block8* lo = b + g * 2 * mb;
    Block8* hi = lo + mb;
    Vec52 w = w0;
    for (std::size_t kb = k_begin / 8; kb < k_end / 8; ++kb) {
      Vec52 t = V52::Mul(hi[kb].v, w);
      Vec52 u = lo[kb].v;
      lo[kb].v = V52::ReduceBelow2p(V52::Add(u, t));
      hi[kb].v = V52::ReduceBelow2p(V52::Sub(u, t));
      w = V52::Mul(w, step8);
    }
  }
}

}  // namespace

void NttDomain::TransformIfma(std::span<Fr> a, const std::vector<Fr>& tw) const {
  const std::size_t n = n_;
  Fr* data = a.data();
  // Gather each block of eight from its bit-reversed positions (no in-place permutation pass),
  // run stages 0..2 on it in scalar form (their pairs lie inside the block), and store it in
  // the vector layout.
  std::vector<Block8> blocks(n / 8);
#pragma omp parallel for schedule(static) if (n >= (1u << 14))
  for (std::size_t bi = 0; bi < n / 8; ++bi) {
    Fr tmp[8];
    for (std::size_t i = 0; i < 8; ++i) tmp[i] = data[BitReverse(bi * 8 + i, log_n_)];
    for (int s = 0; s < 3; ++s) {
      std::size_t m = std::size_t{1} << s;
      Stage(tmp, 0, 8, m, tw.data(), n / (2 * m));
    }
    blocks[bi].v = V52::Load8(tmp);
  }
  Block8* b = blocks.data();
  // Stages whose groups fit in a cache block run block by block; then stage by stage.
  const int block_log = std::min(kLogBlock, log_n_);
  const std::size_t block = std::size_t{1} << block_log;
#pragma omp parallel for schedule(static)
  for (std::size_t start = 0; start < n; start += block) {
    for (int s = 3; s < block_log; ++s) {
      std::size_t m = std::size_t{1} << s;
      VectorStage(b + start / 8, m, 0, block / (2 * m), 0, m, tw, n);
    }
  }
  for (int s = std::max(3, block_log); s < log_n_; ++s) {
    const std::size_t m = std::size_t{1} << s;
    const std::size_t groups = n / (2 * m);
    // Split k into chunks so both threads have work even when there is a single group.
    const std::size_t chunks = std::max<std::size_t>(1, std::min<std::size_t>(64, m / 256));
    const std::size_t chunk = m / chunks;
#pragma omp parallel for schedule(static) collapse(2)
    for (std::size_t g = 0; g < groups; ++g) {
      for (std::size_t c = 0; c < chunks; ++c) {
        VectorStage(b, m, g, g + 1, c * chunk, (c + 1) * chunk, tw, n);
      }
    }
  }
  // Back to the scalar layout, canonical.
#pragma omp parallel for schedule(static) if (n >= (1u << 14))
  for (std::size_t bi = 0; bi < n / 8; ++bi) V52::Store8(blocks[bi].v, data + bi * 8);
}
#endif

Fr NttDomain::RootOfUnity(int log_size) {
  // g = 5: the smallest quadratic non-residue of Fr, as in ffjavascript.
  static const Fr root28 = [] {
    BigInt<4> e = FrParams::kModulus;
    BigInt<4>::Sub(e, e, BigInt<4>(1));
    for (int i = 0; i < kMaxLogSize; ++i) e.ShiftRight1();
    return Fr::FromU64(5).Pow(e);
  }();
  Fr w = root28;
  for (int i = log_size; i < kMaxLogSize; ++i) w = w.Square();
  return w;
}

Status NttDomain::Create(int log_size, NttDomain* out) {
  if (log_size < 0 || log_size > kMaxLogSize) {
    return Status::InvalidArgument("NTT size 2^" + std::to_string(log_size) +
                                   " is out of range: BN254 Fr supports 2^0 .. 2^28");
  }
  *out = NttDomain(log_size);
  return Status::Ok();
}

NttDomain::NttDomain(int log_size) : log_n_(log_size), n_(std::size_t{1} << log_size) {
  if (log_size < 0 || log_size > kMaxLogSize) throw std::invalid_argument("NTT size out of range");
  omega_ = RootOfUnity(log_size);
  std::size_t half = std::max<std::size_t>(n_ / 2, 1);
  twiddles_.resize(half);
  inv_twiddles_.resize(half);
  FillPowers(twiddles_, Fr::One(), omega_);
  FillPowers(inv_twiddles_, Fr::One(), omega_.Inverse());
  n_inv_ = Fr::FromU64(n_).Inverse();
}

void NttDomain::Transform(std::span<Fr> a, const std::vector<Fr>& tw) const {
  if (a.size() != n_) throw std::invalid_argument("NTT input size does not match the domain");
  if (n_ == 1) return;
#ifdef DEPINFER_HAVE_IFMA
  if (log_n_ >= 6 && UseIfmaNtt()) {
    TransformIfma(a, tw);
    return;
  }
#endif
  BitReversePermute(a, log_n_);
  Fr* data = a.data();
  // Stages whose groups fit in a block: all of them per block, blocks in parallel.
  const int block_log = std::min(kLogBlock, log_n_);
  const std::size_t block = std::size_t{1} << block_log;
#pragma omp parallel for schedule(static)
  for (std::size_t b = 0; b < n_; b += block) {
    for (int s = 0; s < block_log; ++s) {
      std::size_t m = std::size_t{1} << s;
      Stage(data, b, b + block, m, tw.data(), n_ / (2 * m));
    }
  }
  // Remaining stages span blocks: split each stage's butterflies across threads.
  for (int s = block_log; s < log_n_; ++s) {
    const std::size_t m = std::size_t{1} << s;
    const std::size_t stride = n_ / (2 * m);
    const std::size_t groups = n_ / (2 * m);
    const std::size_t chunk = std::max<std::size_t>(1, m / 64);
#pragma omp parallel for schedule(static) collapse(2)
    for (std::size_t g = 0; g < groups; ++g) {
      for (std::size_t k0 = 0; k0 < m; k0 += chunk) {
        Fr* base = data + g * 2 * m;
        if (k0 == 0) {  // twiddle 1
          Fr u = base[0];
          base[0] = u + base[m];
          base[m] = u - base[m];
        }
        for (std::size_t k = std::max<std::size_t>(k0, 1); k < std::min(m, k0 + chunk); ++k) {
          Fr t = base[k + m] * tw[k * stride];
          Fr u = base[k];
          base[k] = u + t;
          base[k + m] = u - t;
        }
      }
    }
  }
}

void NttDomain::Forward(std::span<Fr> a) const { Transform(a, twiddles_); }

void NttDomain::Inverse(std::span<Fr> a) const {
  Transform(a, inv_twiddles_);
#pragma omp parallel for schedule(static) if (n_ >= (1u << 14))
  for (std::size_t i = 0; i < n_; ++i) a[i] *= n_inv_;
}

void NttDomain::CosetForward(std::span<Fr> a, const Fr& shift) const {
  if (a.size() != n_) throw std::invalid_argument("NTT input size does not match the domain");
  std::vector<Fr> powers(n_);
  FillPowers(powers, Fr::One(), shift);
#pragma omp parallel for schedule(static) if (n_ >= (1u << 14))
  for (std::size_t i = 0; i < n_; ++i) a[i] *= powers[i];
  Forward(a);
}

void NttDomain::CosetInverse(std::span<Fr> a, const Fr& shift) const {
  Inverse(a);
  std::vector<Fr> powers(n_);
  FillPowers(powers, Fr::One(), shift.Inverse());
#pragma omp parallel for schedule(static) if (n_ >= (1u << 14))
  for (std::size_t i = 0; i < n_; ++i) a[i] *= powers[i];
}

}  // namespace depinfer::math::bn254
