#include "shield/note.h"

#include "snark/poseidon.h"

namespace depinfer::shield {

using snark::Poseidon;

Fr NoteCommitment(const Note& note) {
  return Poseidon({note.asset, Fr::FromU64(note.amount), note.owner, note.blinding});
}

Fr OwnerKey(const Fr& sk) { return Poseidon({sk}); }

Fr Nullifier(const Fr& sk, const Fr& cm, std::uint64_t leaf_index) {
  const Fr index = Fr::FromU64(leaf_index);
  const Fr tag = Poseidon({sk, cm, index});
  return Poseidon({cm, index, tag});
}

Fr RandomBlinding() { return Fr::RandomOs(); }

}  // namespace depinfer::shield
