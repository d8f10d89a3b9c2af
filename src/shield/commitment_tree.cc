#include "shield/commitment_tree.h"

#include <bit>
#include <cstring>

#include "shield/bytes.h"
#include "snark/merkle.h"
#include "snark/poseidon.h"

namespace depinfer::shield {
namespace {

constexpr int kMaxDepth = 62;  // sizes up to 2^depth stay well inside a u64

bool Bit(std::uint64_t x, int h) { return h < 64 && ((x >> h) & 1) != 0; }

}  // namespace

const Fr& EmptyRoot(int height) {
  static const std::vector<Fr> table = [] {
    std::vector<Fr> t(65);
    t[0] = Fr::Zero();
    for (int h = 1; h <= 64; ++h) t[h] = HashNodes(t[h - 1], t[h - 1]);
    return t;
  }();
  return table.at(static_cast<std::size_t>(height));
}

Fr HashNodes(const Fr& left, const Fr& right) { return snark::Poseidon({left, right}); }

// ---- Frontier ----------------------------------------------------------------------------

Frontier::Frontier(int depth) : depth_(depth), left_(static_cast<std::size_t>(depth) + 1) {}

Status Frontier::Append(const Fr& leaf) {
  if (size_ >= capacity()) return Status::InvalidArgument("commitment tree is full");
  Fr node = leaf;
  int h = 0;
  while (Bit(size_, h)) {  // each set bit is a completed left sibling: carry upwards
    node = HashNodes(left_[h], node);
    ++h;
  }
  left_[h] = node;
  ++size_;
  return Status::Ok();
}

Status Frontier::AppendBatch(std::span<const Fr> leaves) {
  if (leaves.size() > capacity() - size_) {
    return Status::InvalidArgument("commitment tree is full");
  }
  if (leaves.empty()) return Status::Ok();
  // Level by level: the new nodes of level h, with the frontier's pending left sibling in
  // front when the first of them is a right child; an unpaired last node becomes the pending
  // left sibling of its level.
  std::vector<Fr> cur(leaves.begin(), leaves.end());
  std::vector<Fr> next;
  std::uint64_t pos = size_;
  int h = 0;
  for (; h < depth_ && !cur.empty(); ++h, pos >>= 1) {
    if (pos & 1) {
      cur.insert(cur.begin(), left_[h]);
      --pos;
    }
    if (cur.size() & 1) left_[h] = cur.back();
    const std::int64_t pairs = static_cast<std::int64_t>(cur.size() / 2);
    next.resize(static_cast<std::size_t>(pairs));
#pragma omp parallel for schedule(static) if (pairs >= 256)
    for (std::int64_t i = 0; i < pairs; ++i) {
      next[static_cast<std::size_t>(i)] =
          HashNodes(cur[static_cast<std::size_t>(2 * i)], cur[static_cast<std::size_t>(2 * i + 1)]);
    }
    cur.swap(next);
  }
  if (h == depth_ && !cur.empty()) left_[depth_] = cur.front();  // the tree is now full
  size_ += leaves.size();
  return Status::Ok();
}

Fr Frontier::Root() const {
  if (size_ == capacity()) return left_[depth_];
  if (size_ == 0) return EmptyRoot(depth_);
  // Below the lowest set bit the open node is empty; start there.
  int h = std::countr_zero(size_);
  Fr acc = EmptyRoot(h);
  for (; h < depth_; ++h) {
    acc = Bit(size_, h) ? HashNodes(left_[h], acc) : HashNodes(acc, EmptyRoot(h));
  }
  return acc;
}

std::string Frontier::Encode() const {
  ByteWriter out;
  out.U8(static_cast<std::uint8_t>(depth_));
  out.U64(size_);
  for (int h = 0; h <= depth_; ++h) {
    if (Bit(size_, h)) out.Field(left_[h]);
  }
  return out.str();
}

Status Frontier::Decode(std::string_view bytes, Frontier* out) {
  ByteReader r(bytes);
  std::uint8_t depth;
  std::uint64_t size;
  DEPINFER_RETURN_IF_ERROR(r.U8(&depth, "frontier depth"));
  DEPINFER_RETURN_IF_ERROR(r.U64(&size, "frontier size"));
  if (depth > kMaxDepth) return Status::InvalidArgument("frontier: depth above 62");
  Frontier f(depth);
  if (size > f.capacity()) return Status::InvalidArgument("frontier: size above capacity");
  f.size_ = size;
  for (int h = 0; h <= depth; ++h) {
    if (!Bit(size, h)) continue;
    DEPINFER_RETURN_IF_ERROR(r.Field(&f.left_[h], "frontier node"));
  }
  DEPINFER_RETURN_IF_ERROR(r.ExpectEnd("frontier"));
  *out = std::move(f);
  return Status::Ok();
}

bool Frontier::operator==(const Frontier& o) const {
  if (depth_ != o.depth_ || size_ != o.size_) return false;
  for (int h = 0; h <= depth_; ++h) {
    if (Bit(size_, h) && !(left_[h] == o.left_[h])) return false;
  }
  return true;
}

// ---- Witness -----------------------------------------------------------------------------

Witness Witness::ForLastLeaf(const Frontier& tree, const Fr& leaf) {
  Witness w;
  w.depth_ = tree.depth();
  w.position_ = tree.size() - 1;
  w.leaf_ = leaf;
  w.left_.assign(static_cast<std::size_t>(w.depth_), Fr::Zero());
  // Appending the leaf read, but did not overwrite, the frontier's nodes at the set bits of
  // its position: they are its left siblings.
  for (int h = 0; h < w.depth_; ++h) {
    if (Bit(w.position_, h)) w.left_[h] = tree.left_nodes()[h];
  }
  w.StartCursor(0);
  return w;
}

int Witness::NextRightLevel(int from) const {
  for (int h = from; h < depth_; ++h) {
    if (!Bit(position_, h)) return h;
  }
  return depth_;
}

void Witness::StartCursor(int from) {
  const int level = NextRightLevel(from);
  if (level == depth_) {
    cursor_level_ = -1;
    cursor_ = Frontier(0);
  } else {
    cursor_level_ = level;
    cursor_ = Frontier(level);
  }
}

std::uint64_t Witness::tree_size() const {
  if (cursor_level_ < 0) return std::uint64_t{1} << depth_;
  std::uint64_t n = position_ + 1;
  for (int h = 0; h < cursor_level_; ++h) {
    if (!Bit(position_, h)) n += std::uint64_t{1} << h;
  }
  return n + cursor_.size();
}

Status Witness::Append(const Fr& leaf) { return AppendBatch(std::span(&leaf, 1)); }

Status Witness::AppendBatch(std::span<const Fr> leaves) {
  const std::uint64_t room = (std::uint64_t{1} << depth_) - tree_size();
  if (leaves.size() > room) return Status::InvalidArgument("commitment tree is full");
  while (!leaves.empty()) {
    const std::uint64_t take =
        std::min<std::uint64_t>(leaves.size(), cursor_.capacity() - cursor_.size());
    DEPINFER_RETURN_IF_ERROR(cursor_.AppendBatch(leaves.first(take)));
    leaves = leaves.subspan(take);
    if (cursor_.size() == cursor_.capacity()) {
      filled_.push_back(cursor_.Root());
      StartCursor(cursor_level_ + 1);
    }
  }
  return Status::Ok();
}

std::vector<Fr> Witness::Path() const {
  std::vector<Fr> path(static_cast<std::size_t>(depth_));
  std::size_t next_filled = 0;
  for (int h = 0; h < depth_; ++h) {
    if (Bit(position_, h)) {
      path[h] = left_[h];
    } else if (cursor_level_ < 0 || h < cursor_level_) {
      path[h] = filled_[next_filled++];
    } else if (h == cursor_level_) {
      path[h] = cursor_.Root();
    } else {
      path[h] = EmptyRoot(h);
    }
  }
  return path;
}

Fr Witness::Root() const {
  const std::vector<Fr> path = Path();
  return snark::MerkleRoot(leaf_, position_, path);
}

std::string Witness::Encode() const {
  ByteWriter out;
  out.U8(static_cast<std::uint8_t>(depth_));
  out.U64(position_);
  out.Field(leaf_);
  for (int h = 0; h < depth_; ++h) {
    if (Bit(position_, h)) out.Field(left_[h]);
  }
  out.U8(static_cast<std::uint8_t>(cursor_level_ < 0 ? 0xff : cursor_level_));
  for (const Fr& f : filled_) out.Field(f);
  std::string s = out.str();
  if (cursor_level_ >= 0) s += cursor_.Encode();
  return s;
}

Status Witness::Decode(std::string_view bytes, Witness* out) {
  ByteReader r(bytes);
  Witness w;
  std::uint8_t depth, level;
  DEPINFER_RETURN_IF_ERROR(r.U8(&depth, "witness depth"));
  DEPINFER_RETURN_IF_ERROR(r.U64(&w.position_, "witness position"));
  if (depth == 0 || depth > kMaxDepth) return Status::InvalidArgument("witness: bad depth");
  w.depth_ = depth;
  if (w.position_ >= (std::uint64_t{1} << depth)) {
    return Status::InvalidArgument("witness: position outside the tree");
  }
  DEPINFER_RETURN_IF_ERROR(r.Field(&w.leaf_, "witness leaf"));
  w.left_.assign(depth, Fr::Zero());
  for (int h = 0; h < depth; ++h) {
    if (Bit(w.position_, h)) DEPINFER_RETURN_IF_ERROR(r.Field(&w.left_[h], "witness node"));
  }
  DEPINFER_RETURN_IF_ERROR(r.U8(&level, "witness cursor level"));
  // The cursor must sit at a right-sibling level of the position (or be absent, 0xff).
  int cursor_level = level == 0xff ? -1 : level;
  if (cursor_level >= depth || (cursor_level >= 0 && Bit(w.position_, cursor_level))) {
    return Status::InvalidArgument("witness: bad cursor level");
  }
  std::size_t n_filled = 0;
  for (int h = 0; h < (cursor_level < 0 ? depth : cursor_level); ++h) {
    if (!Bit(w.position_, h)) ++n_filled;
  }
  w.filled_.resize(n_filled);
  for (Fr& f : w.filled_) DEPINFER_RETURN_IF_ERROR(r.Field(&f, "witness node"));
  w.cursor_level_ = cursor_level;
  if (cursor_level >= 0) {
    Frontier c;
    const auto rest = r.rest();
    DEPINFER_RETURN_IF_ERROR(
        Frontier::Decode(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()), &c)
            .WithContext("witness cursor"));
    if (c.depth() != cursor_level || c.size() >= c.capacity()) {
      return Status::InvalidArgument("witness: cursor does not match its level");
    }
    w.cursor_ = std::move(c);
  } else {
    DEPINFER_RETURN_IF_ERROR(r.ExpectEnd("witness"));
  }
  *out = std::move(w);
  return Status::Ok();
}

}  // namespace depinfer::shield
