// Groth16 verification over BN254 (Groth, "On the Size of Pairing-based Non-interactive
// Arguments", EUROCRYPT 2016), in the form snarkjs and the Ethereum verifiers use:
//
//   e(A, B) = e(alpha, beta) * e(L, gamma) * e(C, delta),   L = IC_0 + sum_i x_i IC_i
//
// checked as one multi-pairing, e(A, B) e(L, -gamma) e(C, -delta) e(-alpha, beta) = 1, with the
// verifying key prepared once (the lines of -gamma, -delta and beta are precomputed).
//
// Batch verification folds many proofs into one check with random 128-bit weights r_j
// (Bellare, Garay and Rabin, "Fast batch verification for modular exponentiation and digital
// signatures", EUROCRYPT 1998, the small-exponents test): one Miller loop per proof plus three
// shared ones and a single final exponentiation. A batch that fails is searched by halving, so
// the caller learns exactly which proofs are bad.
//
// Every proof and key is validated first (points on the curve and in their subgroups; the
// number of public inputs); a malformed one is reported as such, never as "does not verify".
#pragma once

#include <cstdint>
#include <span>
#include <memory>
#include <vector>

#include "base/status.h"
#include "math/bn254.h"
#include "math/fixed_base.h"
#include "math/pairing.h"

namespace depinfer::snark::groth16 {

using math::bn254::Fr;
using math::bn254::G1Affine;
using math::bn254::G2Affine;

struct VerifyingKey {
  G1Affine alpha;
  G2Affine beta, gamma, delta;
  std::vector<G1Affine> ic;  // IC_0 .. IC_n for n public inputs
  std::size_t num_public() const { return ic.empty() ? 0 : ic.size() - 1; }
};

struct Proof {
  G1Affine a;
  G2Affine b;
  G1Affine c;
};

// On-curve and subgroup checks of every point.
Status ValidateVerifyingKey(const VerifyingKey& vk);
Status ValidateProof(const Proof& proof);
// ValidateProof for many proofs: (*bad)[j] is true when proof j fails it. The G2 subgroup
// tests run eight at a time (math::bn254::IsInG2SubgroupBatchVartime), which is why decoders
// of untrusted proofs may leave that test to the verifier (shield/transaction.h).
void ValidateProofs(std::span<const Proof> proofs, std::vector<bool>* bad);

class PreparedVerifyingKey {
 public:
  // Validates the key and precomputes e(alpha, beta) and the G2 lines.
  static Status Prepare(const VerifyingKey& vk, PreparedVerifyingKey* out);

  std::size_t num_public() const { return ic_.size() - 1; }

  // OK when the proof verifies for these public inputs. Errors: kInvalidArgument with
  // "malformed ..." for a bad proof encoding or a wrong number of inputs, kInvalidArgument
  // "proof does not verify" when the pairing check fails.
  Status Verify(std::span<const Fr> public_inputs, const Proof& proof) const;

  // Checks every (inputs, proof) pair. On return bad->at(j) is true for each proof that does
  // not verify (or is malformed); the Status is OK when all verify. `weights_seed`, when not
  // null, fixes the random weights (tests only); otherwise they come from the OS.
  Status VerifyBatch(std::span<const std::vector<Fr>> public_inputs, std::span<const Proof> proofs,
                     std::vector<bool>* bad, const std::uint8_t* weights_seed = nullptr) const;

 private:
  // sum_i x_i IC_i + IC_0, after checking the count.
  Status InputCommitment(std::span<const Fr> inputs, math::bn254::G1* out) const;
  // The pairing equation for one proof whose points are already validated: three Miller loops
  // against the precomputed e(alpha, beta).
  bool Holds(std::span<const Fr> inputs, const Proof& proof) const;
  // True when the weighted batch over `idx` verifies. Its alpha term is the pair
  // (-(sum r_j) alpha, beta) through beta's prepared lines: cheaper than raising e(alpha, beta)
  // to the 130-bit sum of the weights in GT.
  bool BatchHolds(std::span<const std::vector<Fr>> inputs, std::span<const Proof> proofs,
                  std::span<const std::size_t> idx, std::span<const Fr> weights) const;

  // Keys with at most this many public inputs get fixed-base tables (588 KB a point) for IC and
  // alpha: their multiples take one mixed addition per scalar byte instead of an MSM's
  // doublings. Larger keys use the MSM.
  static constexpr std::size_t kMaxTabledInputs = 16;
  using G1Table = math::FixedBaseTable<math::bn254::G1Cfg>;
  // sum_i k_i IC_i over all of IC (k_0 included).
  math::bn254::G1 IcCombination(std::span<const Fr> ks) const;

  G1Affine alpha_;
  math::bn254::Fp12 alpha_beta_;  // e(alpha, beta)
  // IC_0..IC_n then alpha, when tabled (shared: copies of the key share one set of tables).
  std::shared_ptr<const std::vector<G1Table>> tables_;
  math::bn254::G2Prepared beta_, neg_gamma_, neg_delta_;
  std::vector<G1Affine> ic_;
};

}  // namespace depinfer::snark::groth16
