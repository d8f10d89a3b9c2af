// Poseidon over the BN254 scalar field, exactly as circomlib defines it.
//
// Permutation (Grassi et al., "Poseidon", ePrint 2019/458): a state of t field elements goes
// through R_F = 8 full rounds and R_P partial rounds in the order 4 full, R_P partial, 4 full.
// Every round adds t round constants, applies the S-box x^5 (to every element in a full
// round, to element 0 only in a partial round) and multiplies the state by the t x t MDS
// matrix M: state'[i] = sum_j M[i][j] * state[j].
//
// Parameters: R_P for width t is circomlib's N_ROUNDS_P[t - 2] (the paper's 128-bit security
// bounds rounded up); the round constants and M come from the paper's Grain LFSR seeded with
// (GF(p), x^alpha, n = 254, t, R_F, R_P): first (R_F + R_P) * t constants, each a 254-bit
// draw retried until it is below p, then a Cauchy matrix M[i][j] = 1 / (x_i + y_j) from 2t
// more draws taken modulo p. We generate them here and the tests compare them with
// circomlibjs's tables, constant by constant.
//
// Hash: Poseidon(in_1..in_k) = state[0] after permuting [0, in_1, ..., in_k] with t = k + 1,
// the same as circomlib's Poseidon(k) template and circomlibjs's poseidon().
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <vector>

#include "base/status.h"
#include "math/bn254.h"

namespace depinfer::snark {

using math::bn254::Fr;

struct PoseidonParams {
  std::size_t width = 0;           // t
  std::size_t full_rounds = 0;     // R_F, even; half before and half after the partial rounds
  std::size_t partial_rounds = 0;  // R_P
  // (R_F + R_P) * t constants; round r adds round_constants[r * t + i] to state[i].
  std::vector<Fr> round_constants;
  // t * t entries, row-major: mds[i * t + j] = M[i][j].
  std::vector<Fr> mds;

  std::size_t rounds() const { return full_rounds + partial_rounds; }
  // True when round r applies the S-box to the whole state.
  bool IsFullRound(std::size_t r) const {
    return r < full_rounds / 2 || r >= full_rounds / 2 + partial_rounds;
  }
  const Fr& RoundConstant(std::size_t round, std::size_t i) const {
    return round_constants[round * width + i];
  }
  const Fr& Mds(std::size_t i, std::size_t j) const { return mds[i * width + j]; }
};

// circomlib supports widths 2..17 (1 to 16 inputs).
inline constexpr std::size_t kPoseidonMinWidth = 2;
inline constexpr std::size_t kPoseidonMaxWidth = 17;
inline constexpr std::size_t kPoseidonMaxInputs = kPoseidonMaxWidth - 1;

// circomlib's partial round count for width t (N_ROUNDS_P[t - 2]); t in [2, 17].
std::size_t PoseidonPartialRounds(std::size_t width);

// Generates Poseidon parameters for BN254 Fr with the Grain LFSR (x^5 S-box, n = 254).
// Fails when width < 2 or full_rounds is odd or zero.
Status GeneratePoseidonParams(std::size_t width, std::size_t full_rounds,
                              std::size_t partial_rounds, PoseidonParams* out);

// circomlib's parameters for width t in [2, 17], generated on first use (thread safe) and
// kept for the life of the process. Aborts on another width.
const PoseidonParams& CircomPoseidonParams(std::size_t width);

// Applies the Poseidon permutation to state in place, round by round as the paper writes it:
// the reference that the fast form (snark/poseidon_fast.h) is tested against.
// state.size() must equal params.width.
void PoseidonPermute(const PoseidonParams& params, std::span<Fr> state);

// Poseidon(inputs) as circomlib: 1 to 16 inputs (aborts otherwise). Computed with the fast
// permutation (PoseidonPermuteFast). Constant time in the input values.
Fr Poseidon(std::span<const Fr> inputs);
inline Fr Poseidon(std::initializer_list<Fr> inputs) {
  return Poseidon(std::span<const Fr>(inputs.begin(), inputs.size()));
}

}  // namespace depinfer::snark
