#include "math/ntt.h"

#include <omp.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace depinfer::math::bn254 {
namespace {

// Elements per block for the cache-resident first stages: 2^12 * 32 bytes = 128 KiB.
constexpr int kLogBlock = 12;

std::size_t BitReverse(std::size_t x, int bits) {
  std::size_t r = 0;
  for (int i = 0; i < bits; ++i) {
    r = (r << 1) | (x & 1);
    x >>= 1;
  }
  return r;
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
