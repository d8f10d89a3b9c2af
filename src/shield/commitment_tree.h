// The note-commitment tree: an append-only Poseidon Merkle tree of depth 32 (shared/DESIGN.md
// section 4), kept as a frontier, and the witnesses (authentication paths) a wallet keeps up to
// date as new commitments arrive.
//
// Nodes: a parent is Poseidon(left, right) (snark/merkle.h, the same hash the join-split circuit
// uses); an empty leaf is 0, and an empty subtree of height h is EmptyRoot(h), so a tree that is
// not full has the root it would have with zeros in every free position.
//
// Frontier: a tree of `size` leaves is determined, for appending and for its root, by one
// completed subtree per set bit of `size` (the left siblings still waiting for a right one).
// That is at most `depth` field elements, however many leaves there are: a node stores it, not
// the leaves. Appending costs one hash per carry; AppendBatch hashes each new interior node once,
// level by level, so a block of n commitments costs about n hashes, not n * depth.
//
// Witness: the path of one leaf. Its left siblings are known when the leaf is appended (they are
// the frontier's), its right siblings are the subtrees filled in by the leaves that follow, in
// order of height. The witness keeps the completed ones and a small frontier ("cursor") for the
// one being filled, so following n new leaves costs about n hashes and never re-reads the tree.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "math/bn254.h"

namespace depinfer::shield {

using math::bn254::Fr;

inline constexpr int kTreeDepth = 32;

// The root of an empty subtree of the given height (0 = a leaf, which is 0), 0 <= height <= 64.
const Fr& EmptyRoot(int height);

// Poseidon(left, right): the tree's node hash.
Fr HashNodes(const Fr& left, const Fr& right);

class Frontier {
 public:
  explicit Frontier(int depth = kTreeDepth);

  int depth() const { return depth_; }
  std::uint64_t size() const { return size_; }
  std::uint64_t capacity() const { return std::uint64_t{1} << depth_; }

  // Appends one leaf. Fails when the tree is full.
  Status Append(const Fr& leaf);
  // Appends the leaves in order; the same result as appending them one by one. Fails (and
  // appends nothing) when they do not fit.
  Status AppendBatch(std::span<const Fr> leaves);

  Fr Root() const;
  // The left siblings of the next leaf's path: entry h is meaningful when bit h of size() is
  // set. A witness for the next leaf starts from these.
  std::span<const Fr> left_nodes() const { return left_; }

  // Canonical encoding: depth (1 byte), size (8 bytes big-endian), then the 32-byte node of
  // each set bit of size, lowest level first. Decode rejects anything else.
  std::string Encode() const;
  static Status Decode(std::string_view bytes, Frontier* out);

  bool operator==(const Frontier&) const;

 private:
  int depth_;
  std::uint64_t size_ = 0;
  std::vector<Fr> left_;  // depth_ + 1 entries; left_[depth_] holds the root of a full tree
};

// The authentication path of one leaf, kept current as later leaves are appended.
class Witness {
 public:
  Witness() = default;
  // The witness of the leaf just appended to `tree` (tree.size() > 0): call right after
  // appending it, before anything else is appended.
  static Witness ForLastLeaf(const Frontier& tree, const Fr& leaf);

  std::uint64_t position() const { return position_; }
  const Fr& leaf() const { return leaf_; }
  // How many leaves the tree it follows has (position + 1 + leaves appended since).
  std::uint64_t tree_size() const;

  // Follows a leaf appended to the tree after this one. Fails when the tree is full.
  Status Append(const Fr& leaf);
  Status AppendBatch(std::span<const Fr> leaves);

  // The siblings from the leaf level up (kTreeDepth entries) and the root they lead to.
  std::vector<Fr> Path() const;
  Fr Root() const;

  std::string Encode() const;
  static Status Decode(std::string_view bytes, Witness* out);

 private:
  int depth_ = kTreeDepth;
  std::uint64_t position_ = 0;
  Fr leaf_;
  std::vector<Fr> left_;       // left siblings, per level (meaningful where bit of position is 1)
  std::vector<Fr> filled_;     // completed right siblings, lowest level first
  Frontier cursor_{0};         // the right sibling being filled
  int cursor_level_ = -1;      // its level, or -1 when every right sibling is complete

  // The lowest level >= from at which position_ has a 0 bit (a right sibling), or depth_.
  int NextRightLevel(int from) const;
  void StartCursor(int from);
};

}  // namespace depinfer::shield
