// The join-split circuit: 2 inputs, 2 outputs, a commitment tree of depth 32
// (shared/DESIGN.md section 4).
//
// Public inputs, in this order (the Groth16 statement and snarkjs's public.json):
//   root, public_amount, ext_hash, asset, nf[0], nf[1], cm_out[0], cm_out[1]
// The proof shows, for a private spending key sk with pk = Poseidon(sk):
//   * each input note (asset, amount_i, pk, r_i) has commitment cm_i; when amount_i != 0 the
//     prover knows a path from cm_i at position_i to `root` (a dummy input, amount 0, needs
//     none); nf[i] = Poseidon(cm_i, position_i, Poseidon(sk, cm_i, position_i));
//   * each output commitment is Poseidon(asset, amount_j, owner_j, r_j);
//   * every amount and position is in range (amounts below 2^64, positions below 2^32);
//   * in_0 + in_1 + public_amount = out_0 + out_1 in Fr, which is the same equation over the
//     integers: the checker admits |public_amount| < 2^64 only, so neither side reaches r;
//   * nf[0] != nf[1] (one note cannot be spent twice in one transaction).
// `ext_hash` is constrained by nothing here and needs nothing: in snarkjs's Groth16, which our
// prover follows, every public input has its own row in the QAP, so a proof is bound to the
// exact value it was made for. The transaction layer computes it over the public data.
//
// Both inputs are spent with the same sk: a wallet spends its own notes. That saves one
// Poseidon (pk from sk) over per-input keys.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "shield/note.h"
#include "snark/constraint_system.h"

namespace depinfer::shield {

inline constexpr std::size_t kJoinSplitInputs = 2;
inline constexpr std::size_t kJoinSplitOutputs = 2;
inline constexpr std::size_t kJoinSplitPublicInputs = 8;

// The statement.
struct JoinSplitPublic {
  Fr root;
  Fr public_amount;  // signed: v for v >= 0, r - |v| for v < 0 (SignedAmount::ToField)
  Fr ext_hash;
  Fr asset;
  std::array<Fr, 2> nullifiers;
  std::array<Fr, 2> commitments;

  std::vector<Fr> ToVector() const;
  static JoinSplitPublic FromVector(const std::vector<Fr>& v);  // v.size() == 8
  bool operator==(const JoinSplitPublic&) const = default;
};

// One spent note. A dummy input has amount 0; its path may be anything (zeros).
struct JoinSplitInput {
  Note note;  // note.owner must be OwnerKey(sk), note.asset the transaction's asset
  std::uint64_t position = 0;
  std::vector<Fr> path;  // kTreeDepth siblings, leaf level first
};

// The secret part.
struct JoinSplitWitness {
  Fr sk;
  std::array<JoinSplitInput, 2> inputs;
  std::array<Note, 2> outputs;
};

// A signed amount with |v| < 2^64 (the public value flowing into the pool, negative when it
// flows out), and its field encoding: v, or r - |v| when negative.
struct SignedAmount {
  bool negative = false;
  std::uint64_t magnitude = 0;
  Fr ToField() const;
  bool operator==(const SignedAmount&) const = default;
};

// The statement a witness proves, given the root its paths lead to and the ext_hash.
JoinSplitPublic ComputeJoinSplitPublic(const JoinSplitWitness& w, const Fr& root,
                                       const Fr& public_amount, const Fr& ext_hash);

// Adds the circuit to cs. With values (proving) both pub and wit are given; without values
// (setup, export) both are null.
void BuildJoinSplit(snark::ConstraintSystem& cs, const JoinSplitPublic* pub,
                    const JoinSplitWitness* wit);

}  // namespace depinfer::shield
