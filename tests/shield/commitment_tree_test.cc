// The frontier and witnesses against a plain full-tree computation, on small depths where
// every size and every position can be tried, and on the real depth 32.
#include "shield/commitment_tree.h"

#include <gtest/gtest.h>

#include <random>

#include "snark/merkle.h"

namespace depinfer::shield {
namespace {

// Every level of a tree of 2^depth leaves, zeros where nothing was appended.
std::vector<std::vector<Fr>> FullTree(const std::vector<Fr>& leaves, int depth) {
  std::vector<std::vector<Fr>> levels(depth + 1);
  levels[0] = leaves;
  levels[0].resize(std::size_t{1} << depth, Fr::Zero());
  for (int h = 1; h <= depth; ++h) {
    for (std::size_t i = 0; i < levels[h - 1].size(); i += 2) {
      levels[h].push_back(HashNodes(levels[h - 1][i], levels[h - 1][i + 1]));
    }
  }
  return levels;
}

std::vector<Fr> FullPath(const std::vector<std::vector<Fr>>& levels, std::uint64_t pos) {
  std::vector<Fr> path;
  for (std::size_t h = 0; h + 1 < levels.size(); ++h) path.push_back(levels[h][(pos >> h) ^ 1]);
  return path;
}

std::vector<Fr> Leaves(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Fr> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(Fr::Random(rng));
  return v;
}

TEST(EmptyRoot, IsTheRootOfZeros) {
  auto levels = FullTree({}, 4);
  EXPECT_EQ(EmptyRoot(4), levels[4][0]);
  EXPECT_EQ(EmptyRoot(0), Fr::Zero());
  Frontier f;
  EXPECT_EQ(f.Root(), EmptyRoot(kTreeDepth));
}

TEST(Frontier, RootAndWitnessesMatchTheFullTreeAtEverySize) {
  constexpr int kDepth = 5;
  const auto leaves = Leaves(32, 1);
  Frontier f(kDepth);
  std::vector<Witness> witnesses;
  for (std::size_t n = 0; n < leaves.size(); ++n) {
    ASSERT_TRUE(f.Append(leaves[n]).ok());
    for (Witness& w : witnesses) ASSERT_TRUE(w.Append(leaves[n]).ok());
    witnesses.push_back(Witness::ForLastLeaf(f, leaves[n]));
    const std::vector<Fr> prefix(leaves.begin(), leaves.begin() + n + 1);
    const auto levels = FullTree(prefix, kDepth);
    ASSERT_EQ(f.Root(), levels[kDepth][0]) << "size " << n + 1;
    for (const Witness& w : witnesses) {
      ASSERT_EQ(w.tree_size(), n + 1);
      ASSERT_EQ(w.Path(), FullPath(levels, w.position())) << "size " << n + 1 << " pos " << w.position();
      ASSERT_EQ(w.Root(), f.Root());
    }
  }
  EXPECT_FALSE(f.Append(Fr::One()).ok());  // full
  EXPECT_FALSE(witnesses[3].Append(Fr::One()).ok());
  EXPECT_EQ(f.size(), 32u);
}

TEST(Frontier, BatchAppendEqualsOneByOne) {
  constexpr int kDepth = 9;
  const auto leaves = Leaves(512, 2);
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    Frontier single(kDepth), batched(kDepth);
    std::size_t at = 0;
    while (at < leaves.size()) {
      std::size_t take = std::min<std::size_t>(leaves.size() - at, rng() % 70);
      ASSERT_TRUE(batched.AppendBatch(std::span(leaves).subspan(at, take)).ok());
      for (std::size_t i = 0; i < take; ++i) ASSERT_TRUE(single.Append(leaves[at + i]).ok());
      at += take;
      ASSERT_EQ(batched, single);
      ASSERT_EQ(batched.Root(), single.Root());
      if (at == 300) break;
    }
  }
  Frontier full(kDepth);
  ASSERT_TRUE(full.AppendBatch(leaves).ok());
  EXPECT_EQ(full.Root(), FullTree(leaves, kDepth)[kDepth][0]);
  EXPECT_FALSE(full.AppendBatch(std::span(leaves).first(1)).ok());
}

TEST(Witness, BatchFollowingEqualsOneByOne) {
  constexpr int kDepth = 8;
  const auto leaves = Leaves(256, 4);
  Frontier f(kDepth);
  ASSERT_TRUE(f.AppendBatch(std::span(leaves).first(37)).ok());
  ASSERT_TRUE(f.Append(leaves[37]).ok());
  Witness a = Witness::ForLastLeaf(f, leaves[37]);
  Witness b = a;
  ASSERT_TRUE(a.AppendBatch(std::span(leaves).subspan(38, 150)).ok());
  for (std::size_t i = 38; i < 188; ++i) ASSERT_TRUE(b.Append(leaves[i]).ok());
  ASSERT_TRUE(f.AppendBatch(std::span(leaves).subspan(38, 150)).ok());
  EXPECT_EQ(a.Path(), b.Path());
  EXPECT_EQ(a.Root(), f.Root());
  EXPECT_EQ(a.tree_size(), 188u);
}

TEST(Witness, Depth32PathsVerifyWithTheCircuitsHash) {
  const auto leaves = Leaves(70, 5);
  Frontier f;
  std::vector<Witness> ws;
  for (const Fr& leaf : leaves) {
    ASSERT_TRUE(f.Append(leaf).ok());
    for (Witness& w : ws) ASSERT_TRUE(w.Append(leaf).ok());
    if (ws.size() < 5) ws.push_back(Witness::ForLastLeaf(f, leaf));
  }
  for (const Witness& w : ws) {
    EXPECT_EQ(snark::MerkleRoot(w.leaf(), w.position(), w.Path()), f.Root());
  }
}

TEST(Encoding, RoundTripsAndRejectsDamage) {
  const auto leaves = Leaves(45, 6);
  Frontier f;
  ASSERT_TRUE(f.AppendBatch(std::span(leaves).first(20)).ok());
  ASSERT_TRUE(f.Append(leaves[20]).ok());
  Witness w = Witness::ForLastLeaf(f, leaves[20]);
  ASSERT_TRUE(w.AppendBatch(std::span(leaves).subspan(21)).ok());
  ASSERT_TRUE(f.AppendBatch(std::span(leaves).subspan(21)).ok());

  Frontier f2;
  ASSERT_TRUE(Frontier::Decode(f.Encode(), &f2).ok());
  EXPECT_EQ(f2, f);
  EXPECT_EQ(f2.Root(), f.Root());
  Witness w2;
  ASSERT_TRUE(Witness::Decode(w.Encode(), &w2).ok());
  EXPECT_EQ(w2.Path(), w.Path());
  EXPECT_EQ(w2.Encode(), w.Encode());

  for (const std::string& enc : {f.Encode(), w.Encode()}) {
    const bool is_frontier = enc == f.Encode();
    auto decode = [&](const std::string& s) {
      if (is_frontier) {
        Frontier x;
        return Frontier::Decode(s, &x);
      }
      Witness x;
      return Witness::Decode(s, &x);
    };
    for (std::size_t cut = 0; cut < enc.size(); ++cut) {
      EXPECT_FALSE(decode(enc.substr(0, cut)).ok()) << "truncated at " << cut;
    }
    EXPECT_FALSE(decode(enc + '\0').ok());
    std::string bad = enc;
    std::memset(bad.data() + 9 + (is_frontier ? 0 : 32), 0xff, 32);  // a node >= r
    EXPECT_FALSE(decode(bad).ok());
  }
  std::string big = f.Encode();
  big[0] = 63;
  Frontier x;
  EXPECT_FALSE(Frontier::Decode(big, &x).ok());
}

}  // namespace
}  // namespace depinfer::shield
