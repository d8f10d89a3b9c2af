// Notes, note commitments and nullifiers of the shielded pool (shared/DESIGN.md section 4).
//
//   note       = (asset, amount: u64, owner pk, blinding r)
//   commitment = Poseidon(asset, amount, pk, r)
//   nullifier  = Poseidon(cm, leaf_index, Poseidon(sk, cm, leaf_index))
//
// The commitment hides the note (r is uniform in Fr) and binds it (Poseidon is collision
// resistant). The nullifier can only be computed by whoever knows sk, and each note (one leaf
// of the commitment tree) has exactly one, so spending it twice is visible to everyone while
// the note spent stays hidden. The same formulas are enforced by the join-split circuit
// (shield/joinsplit.h); a test keeps the two equal.
#pragma once

#include <cstdint>

#include "math/bn254.h"

namespace depinfer::shield {

using math::bn254::Fr;

struct Note {
  Fr asset;             // which asset; a field element (0 is the native asset)
  std::uint64_t amount = 0;
  Fr owner;             // the recipient's pk = Poseidon(sk)
  Fr blinding;          // r, uniform in Fr, secret

  bool operator==(const Note&) const = default;
};

// Poseidon(asset, amount, pk, r). Constant time in the note.
Fr NoteCommitment(const Note& note);

// pk = Poseidon(sk). Constant time in sk.
Fr OwnerKey(const Fr& sk);

// Poseidon(cm, leaf_index, Poseidon(sk, cm, leaf_index)). Constant time in sk.
Fr Nullifier(const Fr& sk, const Fr& cm, std::uint64_t leaf_index);

// A fresh uniform blinding factor from the OS random source.
Fr RandomBlinding();

}  // namespace depinfer::shield
