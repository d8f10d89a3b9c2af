// Number-theoretic transform over BN254's scalar field Fr, sizes 2^0 .. 2^28 (the 2-adicity of
// r - 1).
//
// The domain's generator is the one snarkjs and ffjavascript use: w_{2^28} = g^((r-1)/2^28) with
// g = 5, the smallest quadratic non-residue, and w_{2^k} = w_{2^28}^(2^(28-k)); keeping the same
// domain lets the Groth16 prover work with snarkjs keys.
//
// Iterative radix-2 decimation in time after a bit-reversal permutation. The first stages run
// block by block on cache-sized blocks, the later ones stage by stage; both on all cores.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "base/status.h"
#include "math/bn254.h"

namespace depinfer::math::bn254 {

class NttDomain {
 public:
  static constexpr int kMaxLogSize = 28;

  // A domain of size 2^log_size; log_size must be in [0, 28] (checked by Create).
  static Status Create(int log_size, NttDomain* out);
  explicit NttDomain(int log_size);

  std::size_t size() const { return n_; }
  int log_size() const { return log_n_; }
  const Fr& generator() const { return omega_; }

  // In place: a_j <- sum_i a_i w^(ij) (evaluations at the powers of w, natural order).
  void Forward(std::span<Fr> a) const;
  // In place: the inverse of Forward.
  void Inverse(std::span<Fr> a) const;
  // Evaluations on the coset shift*<w>: Forward of (a_i * shift^i).
  void CosetForward(std::span<Fr> a, const Fr& shift) const;
  // Coefficients from evaluations on the coset shift*<w>.
  void CosetInverse(std::span<Fr> a, const Fr& shift) const;

  // The root of unity of order 2^log_size used by the domain.
  static Fr RootOfUnity(int log_size);

 private:
  void Transform(std::span<Fr> a, const std::vector<Fr>& twiddles) const;
  void TransformIfma(std::span<Fr> a, const std::vector<Fr>& twiddles) const;

  int log_n_;
  std::size_t n_;
  Fr omega_;
  std::vector<Fr> twiddles_;      // w^i for i < n/2
  std::vector<Fr> inv_twiddles_;  // w^-i for i < n/2
  Fr n_inv_;
};

}  // namespace depinfer::math::bn254
