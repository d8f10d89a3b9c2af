// Canonical binary encodings of the shield layer: a writer and a bounds-checked reader for
// big-endian integers, field elements and length-prefixed byte strings.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sodium.h>

#include "base/status.h"
#include "math/bn254.h"

namespace depinfer::shield {

class ByteWriter {
 public:
  void U8(std::uint8_t v) { out_.push_back(v); }
  void U16(std::uint16_t v) { Int(v, 2); }
  void U64(std::uint64_t v) { Int(v, 8); }
  void Field(const math::bn254::Fr& x) {
    std::uint8_t b[32];
    x.ToBytesBE(b);
    Raw(b);
  }
  void Raw(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // u16 length, then the bytes (callers bound the length first).
  void Blob(std::span<const std::uint8_t> b) {
    U16(static_cast<std::uint16_t>(b.size()));
    Raw(b);
  }
  std::vector<std::uint8_t>& bytes() { return out_; }
  std::string str() const { return std::string(out_.begin(), out_.end()); }

 private:
  void Int(std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t> out_;
};

// Hex digits (either case) of at most max_len bytes into *out; errors name `what`.
inline Status HexDecode(std::string_view hex, std::size_t max_len, const char* what,
                        std::vector<std::uint8_t>* out) {
  if (hex.size() % 2 != 0 || hex.size() / 2 > max_len) {
    return Status::InvalidArgument(std::string(what) + ": bad hex length");
  }
  std::vector<std::uint8_t> b(hex.size() / 2);
  if (!hex.empty()) {  // sodium_hex2bin is not to be given an empty, null buffer
    std::size_t n = 0;
    const char* end = nullptr;
    if (sodium_hex2bin(b.data(), b.size(), hex.data(), hex.size(), nullptr, &n, &end) != 0 ||
        n != b.size() || end != hex.data() + hex.size()) {
      return Status::InvalidArgument(std::string(what) + ": not hex digits");
    }
  }
  *out = std::move(b);
  return Status::Ok();
}

// Every read fails with a message naming `what` when the input is short or non-canonical.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> in) : in_(in) {}
  explicit ByteReader(std::string_view in)
      : in_(reinterpret_cast<const std::uint8_t*>(in.data()), in.size()) {}

  Status U8(std::uint8_t* v, const char* what) {
    std::uint64_t x;
    DEPINFER_RETURN_IF_ERROR(Int(1, &x, what));
    *v = static_cast<std::uint8_t>(x);
    return Status::Ok();
  }
  Status U16(std::uint16_t* v, const char* what) {
    std::uint64_t x;
    DEPINFER_RETURN_IF_ERROR(Int(2, &x, what));
    *v = static_cast<std::uint16_t>(x);
    return Status::Ok();
  }
  Status U64(std::uint64_t* v, const char* what) { return Int(8, v, what); }
  Status Field(math::bn254::Fr* out, const char* what) {
    std::span<const std::uint8_t> b;
    DEPINFER_RETURN_IF_ERROR(Raw(32, &b, what));
    return math::bn254::Fr::FromBytesBE(b, out).WithContext(what);
  }
  Status Raw(std::size_t n, std::span<const std::uint8_t>* out, const char* what) {
    if (in_.size() < n) return Status::InvalidArgument(std::string(what) + ": truncated");
    *out = in_.first(n);
    in_ = in_.subspan(n);
    return Status::Ok();
  }
  template <std::size_t N>
  Status Array(std::array<std::uint8_t, N>* out, const char* what) {
    std::span<const std::uint8_t> b;
    DEPINFER_RETURN_IF_ERROR(Raw(N, &b, what));
    std::copy(b.begin(), b.end(), out->begin());
    return Status::Ok();
  }
  // A u16-length-prefixed byte string of at most max_len bytes.
  Status Blob(std::vector<std::uint8_t>* out, std::size_t max_len, const char* what) {
    std::uint16_t n;
    DEPINFER_RETURN_IF_ERROR(U16(&n, what));
    if (n > max_len) {
      return Status::InvalidArgument(std::string(what) + ": " + std::to_string(n) +
                                     " bytes, at most " + std::to_string(max_len) + " allowed");
    }
    std::span<const std::uint8_t> b;
    DEPINFER_RETURN_IF_ERROR(Raw(n, &b, what));
    out->assign(b.begin(), b.end());
    return Status::Ok();
  }
  Status ExpectEnd(const char* what) const {
    if (!in_.empty()) {
      return Status::InvalidArgument(std::string(what) + ": " + std::to_string(in_.size()) +
                                     " unexpected trailing bytes");
    }
    return Status::Ok();
  }
  std::span<const std::uint8_t> rest() const { return in_; }
  bool empty() const { return in_.empty(); }

 private:
  Status Int(int n, std::uint64_t* v, const char* what) {
    std::span<const std::uint8_t> b;
    DEPINFER_RETURN_IF_ERROR(Raw(static_cast<std::size_t>(n), &b, what));
    std::uint64_t x = 0;
    for (std::uint8_t c : b) x = (x << 8) | c;
    *v = x;
    return Status::Ok();
  }
  std::span<const std::uint8_t> in_;
};

}  // namespace depinfer::shield
