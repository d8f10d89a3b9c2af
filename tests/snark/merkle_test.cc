// Merkle membership with Poseidon(2): native root, the gadget at depth 32, tampering.
#include "snark/merkle.h"

#include <gtest/gtest.h>

#include "snark/gadgets.h"
#include "snark_test_util.h"

namespace depinfer::snark {
namespace {

using testing::ExpectUnsatisfiedAfter;
using testing::Rng;

constexpr std::size_t kDepth = 32;

struct Path {
  Fr leaf;
  std::uint64_t index;
  std::vector<Fr> siblings;
  Fr root;
};

Path RandomPath(std::size_t depth, std::uint64_t index) {
  Path p;
  p.leaf = Fr::Random(Rng());
  p.index = index;
  for (std::size_t i = 0; i < depth; ++i) p.siblings.push_back(Fr::Random(Rng()));
  p.root = MerkleRoot(p.leaf, p.index, p.siblings);
  return p;
}

// Declares the path as circuit inputs (root public) and asserts membership.
struct Circuit {
  Variable root, leaf;
  std::vector<LC> bits, siblings;
};

Circuit BuildMembership(ConstraintSystem& cs, const Path& p) {
  Circuit c;
  c.root = cs.PublicInput("root", p.root);
  c.leaf = cs.PrivateInput("leaf", p.leaf);
  for (std::size_t i = 0; i < p.siblings.size(); ++i) {
    c.bits.push_back(cs.PrivateInput("index_bit", Fr::FromU64((p.index >> i) & 1)));
    c.siblings.push_back(cs.PrivateInput("sibling", p.siblings[i]));
  }
  AssertMerkleMembership(cs, c.leaf, c.bits, c.siblings, c.root);
  return c;
}

TEST(MerkleNative, SmallTreeByHand) {
  Fr leaves[4] = {Fr::FromU64(10), Fr::FromU64(11), Fr::FromU64(12), Fr::FromU64(13)};
  Fr h01 = Poseidon({leaves[0], leaves[1]}), h23 = Poseidon({leaves[2], leaves[3]});
  Fr root = Poseidon({h01, h23});
  EXPECT_EQ(MerkleRoot(leaves[0], 0, std::vector<Fr>{leaves[1], h23}), root);
  EXPECT_EQ(MerkleRoot(leaves[1], 1, std::vector<Fr>{leaves[0], h23}), root);
  EXPECT_EQ(MerkleRoot(leaves[2], 2, std::vector<Fr>{leaves[3], h01}), root);
  EXPECT_EQ(MerkleRoot(leaves[3], 3, std::vector<Fr>{leaves[2], h01}), root);
  EXPECT_EQ(MerkleRoot(leaves[3], 0, std::vector<Fr>{}), leaves[3]);
}

TEST(MerkleGadget, Depth32MembershipHolds) {
  for (std::uint64_t index : {std::uint64_t{0}, std::uint64_t{0xFFFFFFFF}, std::uint64_t{0x9E3779B9}}) {
    Path p = RandomPath(kDepth, index);
    ConstraintSystem cs;
    Circuit c = BuildMembership(cs, p);
    EXPECT_EQ(cs.num_constraints(), 242 * kDepth + 1);
    EXPECT_EQ(cs.num_public(), 1u);
    EXPECT_SATISFIED(cs);
  }
}

TEST(MerkleGadget, RootEqualsNative) {
  Path p = RandomPath(kDepth, 123456789);
  ConstraintSystem cs;
  Variable leaf = cs.PrivateInput("leaf", p.leaf);
  Variable index = cs.PrivateInput("index", Fr::FromU64(p.index));
  std::vector<LC> siblings;
  for (const Fr& s : p.siblings) siblings.push_back(cs.PrivateInput("sibling", s));
  LC root = MerkleRootFromIndexGadget(cs, leaf, index, siblings);
  EXPECT_EQ(cs.Value(root), p.root);
  EXPECT_EQ(cs.num_constraints(), 242 * kDepth);
  EXPECT_SATISFIED(cs);
  // An index of depth + 1 bits does not fit.
  UnsatisfiedConstraint u = ExpectUnsatisfiedAfter(cs, index, Fr::FromU64(1) + testing::Pow2(kDepth), "merkle_index");
  EXPECT_EQ(u.index_in_scope, kDepth - 1);
}

TEST(MerkleGadget, WrongSiblingFailsAtTheRoot) {
  Path p = RandomPath(kDepth, 77);
  ConstraintSystem cs;
  Circuit c = BuildMembership(cs, p);
  Variable sibling;
  ASSERT_TRUE(c.siblings[5].AsVariable(&sibling));
  // Bit 5 of 77 is 0, so the swap (s * (b - a) = d with s = 0) holds whatever the sibling;
  // the first broken constraint is the S-box of the hash input holding the sibling (state
  // element 2: after the free S-box of the constant element 0 and the 3 of element 1).
  UnsatisfiedConstraint u = ExpectUnsatisfiedAfter(cs, sibling, Fr::FromU64(1), "merkle/level[5]");
  EXPECT_EQ(u.scope_path, "merkle/level[5]/poseidon/full_round[0]");
  EXPECT_EQ(u.index_in_scope, 3u);
}

TEST(MerkleGadget, WrongRootFails) {
  Path p = RandomPath(kDepth, 77);
  ConstraintSystem cs;
  Circuit c = BuildMembership(cs, p);
  UnsatisfiedConstraint u = ExpectUnsatisfiedAfter(cs, c.root, p.root + Fr::One(), "merkle_root");
  EXPECT_EQ(u.index, cs.num_constraints() - 1);
}

TEST(MerkleGadget, NonBooleanIndexBitFails) {
  Path p = RandomPath(kDepth, 0);
  ConstraintSystem cs;
  Circuit c = BuildMembership(cs, p);
  Variable bit;
  ASSERT_TRUE(c.bits[9].AsVariable(&bit));
  UnsatisfiedConstraint u = ExpectUnsatisfiedAfter(cs, bit, Fr::FromU64(2), "merkle/level[9]");
  EXPECT_EQ(u.index_in_scope, 0u);
}

TEST(MerkleGadget, OtherLeafFails) {
  Path p = RandomPath(8, 3);
  ConstraintSystem cs;
  Circuit c = BuildMembership(cs, p);
  ExpectUnsatisfiedAfter(cs, c.leaf, p.leaf + Fr::One(), "merkle/level[0]");
}

TEST(MerkleGadget, ReportShowsPerLevelCost) {
  Path p = RandomPath(kDepth, 5);
  ConstraintSystem cs;
  BuildMembership(cs, p);
  bool found = false;
  for (const ScopeCost& row : cs.ScopeReport()) {
    if (row.path == "merkle/level") {
      found = true;
      EXPECT_EQ(row.instances, kDepth);
      EXPECT_EQ(row.constraints, 242 * kDepth);
    }
    if (row.path == "merkle/level/poseidon") {
      EXPECT_EQ(row.constraints, 240 * kDepth);
    }
  }
  EXPECT_TRUE(found) << cs.ScopeReportText();
}

}  // namespace
}  // namespace depinfer::snark
