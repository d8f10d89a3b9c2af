#include "snark/poseidon_fast.h"

#include <array>
#include <mutex>

#include "snark/check.h"

namespace depinfer::snark {
namespace {

// Dense n x n matrices, row-major.
using Matrix = std::vector<Fr>;

Matrix MatMul(const Matrix& a, const Matrix& b, std::size_t n) {
  Matrix c(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < n; ++k)
      for (std::size_t j = 0; j < n; ++j) c[i * n + j] += a[i * n + k] * b[k * n + j];
  return c;
}

std::vector<Fr> MatVec(const Matrix& a, std::span<const Fr> x) {
  const std::size_t n = x.size();
  std::vector<Fr> y(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) y[i] += a[i * n + j] * x[j];
  return y;
}

// Gauss-Jordan elimination. False when `a` is singular.
bool Invert(Matrix a, std::size_t n, Matrix* out) {
  Matrix inv(n * n);
  for (std::size_t i = 0; i < n; ++i) inv[i * n + i] = Fr::One();
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    while (pivot < n && a[pivot * n + col].IsZero()) ++pivot;
    if (pivot == n) return false;
    for (std::size_t j = 0; j < n; ++j) {
      std::swap(a[pivot * n + j], a[col * n + j]);
      std::swap(inv[pivot * n + j], inv[col * n + j]);
    }
    Fr scale = a[col * n + col].InverseVartime();
    for (std::size_t j = 0; j < n; ++j) {
      a[col * n + j] *= scale;
      inv[col * n + j] *= scale;
    }
    for (std::size_t row = 0; row < n; ++row) {
      if (row == col || a[row * n + col].IsZero()) continue;
      Fr f = a[row * n + col];
      for (std::size_t j = 0; j < n; ++j) {
        a[row * n + j] -= f * a[col * n + j];
        inv[row * n + j] -= f * inv[col * n + j];
      }
    }
  }
  *out = std::move(inv);
  return true;
}

Fr Pow5(const Fr& x) { return x.Square().Square() * x; }

void DenseMix(const Fr* m, std::span<Fr> s, std::size_t t) {
  std::array<Fr, kPoseidonMaxWidth> out;
  for (std::size_t i = 0; i < t; ++i) {
    Fr acc = m[i * t] * s[0];
    for (std::size_t j = 1; j < t; ++j) acc += m[i * t + j] * s[j];
    out[i] = acc;
  }
  for (std::size_t i = 0; i < t; ++i) s[i] = out[i];
}

}  // namespace

Status DerivePoseidonFastParams(const PoseidonParams& p, PoseidonFastParams* out) {
  const std::size_t t = p.width, h = p.full_rounds / 2, rp = p.partial_rounds;
  if (t < 2 || t > kPoseidonMaxWidth) return Status::InvalidArgument("fast Poseidon: width 2..17");
  Matrix m_inv;
  if (!Invert(p.mds, t, &m_inv)) return Status::InvalidArgument("Poseidon MDS matrix is singular");

  PoseidonFastParams f;
  f.width = t;
  f.full_rounds = p.full_rounds;
  f.partial_rounds = rp;
  f.mds = p.mds;
  f.initial_constants.assign(p.round_constants.begin(), p.round_constants.begin() + t);

  // Step 1: k_r = M^-1 c_{r+1}, added after the S-box of round r.
  std::vector<std::vector<Fr>> k(p.rounds());
  for (std::size_t r = 0; r + 1 < p.rounds(); ++r) {
    std::span<const Fr> next(&p.round_constants[(r + 1) * t], t);
    k[r] = MatVec(m_inv, next);
  }
  // Carry each partial round's constant outside element 0 back to the previous round.
  std::vector<Fr> carry(t);
  f.partial_constants.resize(rp);
  for (std::size_t q = rp; q-- > 0;) {
    std::vector<Fr> acc = k[h + q];
    for (std::size_t i = 0; i < t; ++i) acc[i] += carry[i];
    f.partial_constants[q] = acc[0];
    acc[0] = Fr::Zero();
    carry = MatVec(m_inv, acc);
  }
  if (h == 0) return Status::InvalidArgument("fast Poseidon needs full rounds");
  for (std::size_t i = 0; i < t; ++i) k[h - 1][i] += carry[i];
  f.full_constants.resize(p.rounds());
  for (std::size_t r = 0; r < p.rounds(); ++r) {
    if (p.IsFullRound(r)) f.full_constants[r] = k[r];
  }

  // Step 2: factor each partial round's matrix, last to first.
  const std::size_t n = t - 1;
  f.sparse.resize(rp * (2 * n + 1));
  Matrix a = p.mds;
  for (std::size_t q = rp; q-- > 0;) {
    Matrix a_hat(n * n), a_hat_inv;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) a_hat[i * n + j] = a[(i + 1) * t + (j + 1)];
    if (!Invert(a_hat, n, &a_hat_inv)) {
      return Status::InvalidArgument("Poseidon matrix block is singular");
    }
    Fr* sp = &f.sparse[q * (2 * n + 1)];
    sp[0] = a[0];
    for (std::size_t j = 0; j < n; ++j) {  // w^T = A[0, 1..] A_hat^-1
      Fr acc;
      for (std::size_t l = 0; l < n; ++l) acc += a[1 + l] * a_hat_inv[l * n + j];
      sp[1 + j] = acc;
    }
    for (std::size_t i = 0; i < n; ++i) sp[1 + n + i] = a[(i + 1) * t];  // v = A[1.., 0]
    Matrix m_prime(t * t);  // diag(1, A_hat)
    m_prime[0] = Fr::One();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) m_prime[(i + 1) * t + (j + 1)] = a_hat[i * n + j];
    a = MatMul(m_prime, p.mds, t);
  }
  f.pre_partial_matrix = rp > 0 ? a : p.mds;
  *out = std::move(f);
  return Status::Ok();
}

const PoseidonFastParams& CircomPoseidonFastParams(std::size_t width) {
  static std::array<std::once_flag, kPoseidonMaxWidth + 1> once;
  static std::array<PoseidonFastParams, kPoseidonMaxWidth + 1> params;
  const PoseidonParams& plain = CircomPoseidonParams(width);  // checks the width
  std::call_once(once[width], [&] {
    Status st = DerivePoseidonFastParams(plain, &params[width]);
    DEPINFER_SNARK_CHECK(st.ok(), "fast Poseidon parameters");
  });
  return params[width];
}

void PoseidonPermuteFast(const PoseidonFastParams& f, std::span<Fr> s) {
  const std::size_t t = f.width, h = f.full_rounds / 2, n = t - 1;
  DEPINFER_SNARK_CHECK(s.size() == t, "state size must equal the Poseidon width");
  const std::size_t rounds = f.full_rounds + f.partial_rounds;
  for (std::size_t i = 0; i < t; ++i) s[i] += f.initial_constants[i];
  auto full_round = [&](std::size_t r, const Fr* matrix) {
    for (std::size_t i = 0; i < t; ++i) s[i] = Pow5(s[i]);
    if (r + 1 < rounds) {
      for (std::size_t i = 0; i < t; ++i) s[i] += f.full_constants[r][i];
    }
    DenseMix(matrix, s, t);
  };
  for (std::size_t r = 0; r < h; ++r) {
    full_round(r, (r + 1 == h ? f.pre_partial_matrix : f.mds).data());
  }
  for (std::size_t q = 0; q < f.partial_rounds; ++q) {
    const Fr* sp = &f.sparse[q * (2 * n + 1)];
    Fr s0 = Pow5(s[0]) + f.partial_constants[q];
    Fr acc = sp[0] * s0;
    for (std::size_t j = 0; j < n; ++j) acc += sp[1 + j] * s[1 + j];
    for (std::size_t i = 0; i < n; ++i) s[1 + i] += sp[1 + n + i] * s0;
    s[0] = acc;
  }
  for (std::size_t r = h + f.partial_rounds; r < rounds; ++r) full_round(r, f.mds.data());
}

}  // namespace depinfer::snark
