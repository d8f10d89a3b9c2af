// The Poseidon permutation rewritten for speed: the same function as PoseidonPermute, with
// the partial rounds' dense t x t products replaced by sparse ones (about 2t multiplications
// instead of t^2 per partial round).
//
// Derivation (the transformation of the Poseidon paper's appendix B, also used by neptune and
// circomlibjs's poseidon_opt; derived and written here independently):
//   1. Constants move past the linear layer: "mix, then add c_{r+1}" equals "add M^-1 c_{r+1},
//      then mix", so every round becomes S-box, add k_r, mix, after one initial addition of
//      c_0. In a partial round the part of k_r outside element 0 commutes with the S-box
//      (which touches element 0 only), so it is carried back through M^-1 into the previous
//      round, from the last partial round to the first; the last full round before the
//      partial rounds absorbs what is left. Each partial round then adds one scalar.
//   2. Matrices factor: any A = M'' M' with M' = diag(1, A_hat), A_hat the lower-right
//      (t-1)x(t-1) block, and M'' = [[a00, w^T], [v, I]] sparse, w^T = A[0, 1..] A_hat^-1.
//      M' leaves element 0 alone and does not mix it into the others, so it commutes with the
//      partial S-box and with adding to element 0, and moves into the previous round's matrix.
//      Going from the last partial round back, each partial round keeps its sparse M'' and
//      the full round before them gets the dense P = M' M.
// A_hat is invertible because every square submatrix of an MDS matrix is; the derivation
// fails (returns an error) otherwise.
#pragma once

#include <span>
#include <vector>

#include "base/status.h"
#include "snark/poseidon.h"

namespace depinfer::snark {

struct PoseidonFastParams {
  std::size_t width = 0;
  std::size_t full_rounds = 0;
  std::size_t partial_rounds = 0;
  std::vector<Fr> initial_constants;  // t: added before the first round
  // Per full round r (all rounds indexed as in PoseidonParams), t constants added after the
  // S-box; empty for the last round.
  std::vector<std::vector<Fr>> full_constants;
  std::vector<Fr> mds;                   // t x t, row-major
  std::vector<Fr> pre_partial_matrix;    // t x t: the last full round before the partial ones
  std::vector<Fr> partial_constants;     // one per partial round, added to element 0
  // Per partial round: a00, then w (t-1), then v (t-1).
  std::vector<Fr> sparse;
};

// Derives the fast form of `params`. Fails if a matrix that must be invertible is not.
Status DerivePoseidonFastParams(const PoseidonParams& params, PoseidonFastParams* out);

// circomlib's parameters in the fast form, derived on first use (thread safe); t in [2, 17].
const PoseidonFastParams& CircomPoseidonFastParams(std::size_t width);

// Equals PoseidonPermute with the parameters `fast` was derived from.
void PoseidonPermuteFast(const PoseidonFastParams& fast, std::span<Fr> state);

}  // namespace depinfer::snark
