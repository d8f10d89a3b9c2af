// Merkle membership with Poseidon(2), natively and in a circuit.
//
// A binary tree of `depth` levels: a parent is Poseidon(left, right). A leaf's path is its
// index (bit i, least significant first, says whether the node at level i is a right child,
// i.e. its sibling is on the left) and the `depth` siblings from the leaf level up.
#pragma once

#include <cstdint>
#include <span>

#include "snark/constraint_system.h"
#include "snark/poseidon.h"

namespace depinfer::snark {

// The root reached from `leaf` at position `index` (< 2^depth, depth = siblings.size() <= 64).
// Constant time in the leaf, the index and the siblings.
Fr MerkleRoot(const Fr& leaf, std::uint64_t index, std::span<const Fr> siblings);

// The same in a circuit: index_bits and siblings have one entry per level. Each index bit is
// constrained boolean here. Per level: 1 (boolean) + 1 (swap) + 240 (Poseidon(2)) = 242
// constraints. Opens a scope "merkle" with one "level[i]" per level. Returns the root; the
// caller compares it with the expected root (a public input, for membership).
LC MerkleRootGadget(ConstraintSystem& cs, const LC& leaf, std::span<const LC> index_bits,
                    std::span<const LC> siblings);

// The same with the position given as one number, decomposed into depth bits by ToBits
// (which also proves index < 2^depth), so no separate boolean checks are needed: the same
// 242 * depth constraints. depth <= 253.
LC MerkleRootFromIndexGadget(ConstraintSystem& cs, const LC& leaf, const LC& index,
                             std::span<const LC> siblings);

// Membership: the leaf is in the tree with `root`. 242 * depth + 1 constraints.
void AssertMerkleMembership(ConstraintSystem& cs, const LC& leaf, std::span<const LC> index_bits,
                            std::span<const LC> siblings, const LC& root);

}  // namespace depinfer::snark
