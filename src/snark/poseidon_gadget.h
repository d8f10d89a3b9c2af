// Poseidon inside a circuit: the same permutation as snark/poseidon.h, as constraints.
//
// Cost: additions of round constants and the MDS products are linear and free; each S-box
// x^5 of a non-constant value costs 3 constraints (x2 = x*x, x4 = x2*x2, x5 = x4*x), and one
// of a constant value costs nothing. A hash of k inputs (t = k + 1) has (8t + R_P) S-boxes, of
// which the one on the initial state element 0 sees a constant, so it costs
// 3 * (8t + R_P - 1) constraints: 3 * (8t + R_P - 1) = 240 for t = 3. That equals circomlib's
// Poseidon(k) compiled by circom with --O2 (its linear constraints substituted away) and is
// below its default --O1 output (see tests/snark/circom_counts_test and docs/snark.md). Three
// constraints per S-box is the least R1CS allows: each constraint at most doubles the degree,
// and x^5 has degree 5.
//
// The state stays as linear combinations between S-boxes, so the terms of the elements the
// partial rounds do not touch accumulate (up to R_P + t terms); that density costs the
// prover a little work per term, not constraints.
#pragma once

#include <span>

#include "snark/constraint_system.h"
#include "snark/poseidon.h"

namespace depinfer::snark {

// Applies the permutation to `state` (params.width combinations) in place.
void PoseidonPermuteGadget(ConstraintSystem& cs, const PoseidonParams& params,
                           std::span<LC> state);

// circomlib's Poseidon(inputs) for 1 to 16 inputs (aborts otherwise), under a scope named
// "poseidon".
LC PoseidonGadget(ConstraintSystem& cs, std::span<const LC> inputs);

// Its constraint count for n inputs when the inputs are not constant: 3 * (8t + R_P - 1).
std::size_t PoseidonGadgetConstraints(std::size_t n_inputs);

}  // namespace depinfer::snark
