#include "snark/merkle.h"

#include <vector>

#include "snark/check.h"
#include "snark/gadgets.h"
#include "snark/poseidon_gadget.h"

namespace depinfer::snark {

Fr MerkleRoot(const Fr& leaf, std::uint64_t index, std::span<const Fr> siblings) {
  DEPINFER_SNARK_CHECK(siblings.size() <= 64, "depth at most 64");
  DEPINFER_SNARK_CHECK(siblings.size() == 64 || (index >> siblings.size()) == 0,
                       "index must be below 2^depth");
  Fr node = leaf;
  for (std::size_t level = 0; level < siblings.size(); ++level) {
    // Without branching on the (possibly secret) position.
    const std::uint64_t is_right = (index >> level) & 1;
    const Fr left = Fr::ConditionalSelect(is_right, siblings[level], node);
    const Fr right = Fr::ConditionalSelect(is_right, node, siblings[level]);
    node = Poseidon({left, right});
  }
  return node;
}

namespace {

// The path from leaf to root; booleanity of the index bits is checked per level when
// check_bits is set (the caller has proven them boolean otherwise).
LC MerkleRootFromBits(ConstraintSystem& cs, const LC& leaf, std::span<const LC> index_bits,
                      std::span<const LC> siblings, bool check_bits) {
  DEPINFER_SNARK_CHECK(index_bits.size() == siblings.size(), "one index bit per sibling");
  ConstraintSystem::Scope scope(cs, "merkle");
  LC node = leaf;
  for (std::size_t level = 0; level < siblings.size(); ++level) {
    ConstraintSystem::Scope level_scope(cs, "level", level);
    if (check_bits) AssertBoolean(cs, index_bits[level]);
    auto [left, right] = ConditionalSwap(cs, index_bits[level], node, siblings[level]);
    const LC pair[2] = {left, right};
    node = PoseidonGadget(cs, pair);
  }
  return node;
}

}  // namespace

LC MerkleRootGadget(ConstraintSystem& cs, const LC& leaf, std::span<const LC> index_bits,
                    std::span<const LC> siblings) {
  return MerkleRootFromBits(cs, leaf, index_bits, siblings, /*check_bits=*/true);
}

LC MerkleRootFromIndexGadget(ConstraintSystem& cs, const LC& leaf, const LC& index,
                             std::span<const LC> siblings) {
  std::vector<LC> bits;
  {
    ConstraintSystem::Scope scope(cs, "merkle_index");
    bits = ToBits(cs, index, siblings.size());
  }
  return MerkleRootFromBits(cs, leaf, bits, siblings, /*check_bits=*/false);
}

void AssertMerkleMembership(ConstraintSystem& cs, const LC& leaf, std::span<const LC> index_bits,
                            std::span<const LC> siblings, const LC& root) {
  LC computed = MerkleRootGadget(cs, leaf, index_bits, siblings);
  ConstraintSystem::Scope scope(cs, "merkle_root");
  cs.AssertEqual(computed, root);
}

}  // namespace depinfer::snark
