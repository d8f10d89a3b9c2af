// BigInt<N>: an unsigned integer of N 64-bit limbs, least significant limb first.
//
// This is the plain integer layer under the prime fields: carries, comparisons, shifts and the
// conversions to and from big-endian bytes and decimal text. Everything is constexpr so field
// constants (R^2 mod p, (p-1)/2, ...) are derived from the modulus at compile time instead of
// being pasted in as magic numbers. Functions named *_vartime branch on their inputs; the others
// run in time independent of the values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// Hot arithmetic must inline into its callers: a call per field operation costs as much as
// the operation.
#define DEPINFER_INLINE inline __attribute__((always_inline))

namespace depinfer::math {

using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;  // GCC and Clang extension

// (carry, sum) of a + b + carry_in.
constexpr inline u64 AddCarry(u64 a, u64 b, u64& carry) {
  u128 t = static_cast<u128>(a) + b + carry;
  carry = static_cast<u64>(t >> 64);
  return static_cast<u64>(t);
}

// a - b - borrow_in; borrow is 0 or 1 on return.
constexpr inline u64 SubBorrow(u64 a, u64 b, u64& borrow) {
  u128 t = static_cast<u128>(a) - b - borrow;
  borrow = static_cast<u64>(t >> 64) & 1;
  return static_cast<u64>(t);
}

// (hi, lo) of a*b + c + d; never overflows 128 bits.
constexpr inline u64 MulAdd(u64 a, u64 b, u64 c, u64 d, u64& hi) {
  u128 t = static_cast<u128>(a) * b + c + d;
  hi = static_cast<u64>(t >> 64);
  return static_cast<u64>(t);
}

template <std::size_t N>
struct BigInt {
  static constexpr std::size_t kLimbs = N;
  static constexpr std::size_t kBits = 64 * N;
  std::array<u64, N> limb{};

  constexpr BigInt() = default;
  constexpr explicit BigInt(u64 v) { limb[0] = v; }

  constexpr bool IsZero() const {
    u64 acc = 0;
    for (u64 l : limb) acc |= l;
    return acc == 0;
  }
  constexpr bool Bit(std::size_t i) const {
    return i < kBits && ((limb[i / 64] >> (i % 64)) & 1);
  }
  // Bits [pos, pos+width) as an integer, width <= 64.
  constexpr u64 Bits(std::size_t pos, std::size_t width) const {
    if (pos >= kBits) return 0;
    std::size_t w = pos / 64, s = pos % 64;
    u64 v = limb[w] >> s;
    if (s != 0 && w + 1 < N) v |= limb[w + 1] << (64 - s);
    return width >= 64 ? v : v & ((u64{1} << width) - 1);
  }
  // Number of significant bits (0 for zero).
  constexpr std::size_t BitLength() const {
    for (std::size_t i = N; i-- > 0;) {
      if (limb[i] != 0) return 64 * i + (64 - static_cast<std::size_t>(__builtin_clzll(limb[i])));
    }
    return 0;
  }

  friend constexpr bool operator==(const BigInt& a, const BigInt& b) {
    u64 diff = 0;
    for (std::size_t i = 0; i < N; ++i) diff |= a.limb[i] ^ b.limb[i];
    return diff == 0;
  }

  // Three-way comparison in variable time: -1, 0 or 1.
  friend constexpr int CompareVartime(const BigInt& a, const BigInt& b) {
    for (std::size_t i = N; i-- > 0;) {
      if (a.limb[i] != b.limb[i]) return a.limb[i] < b.limb[i] ? -1 : 1;
    }
    return 0;
  }
  friend constexpr bool operator<(const BigInt& a, const BigInt& b) {
    return CompareVartime(a, b) < 0;
  }

  // out = a + b; returns the carry out of the top limb.
  DEPINFER_INLINE static constexpr u64 Add(BigInt& out, const BigInt& a, const BigInt& b) {
    u64 c = 0;
    for (std::size_t i = 0; i < N; ++i) out.limb[i] = AddCarry(a.limb[i], b.limb[i], c);
    return c;
  }
  // out = a - b; returns the borrow (1 when a < b).
  DEPINFER_INLINE static constexpr u64 Sub(BigInt& out, const BigInt& a, const BigInt& b) {
    u64 c = 0;
    for (std::size_t i = 0; i < N; ++i) out.limb[i] = SubBorrow(a.limb[i], b.limb[i], c);
    return c;
  }
  constexpr void ShiftRight1() {
    for (std::size_t i = 0; i + 1 < N; ++i) limb[i] = (limb[i] >> 1) | (limb[i + 1] << 63);
    limb[N - 1] >>= 1;
  }
  // Multiplies by a small value; returns the limb that overflows.
  constexpr u64 MulSmall(u64 m) {
    u64 carry = 0;
    for (std::size_t i = 0; i < N; ++i) limb[i] = MulAdd(limb[i], m, carry, 0, carry);
    return carry;
  }
  // Divides by a small nonzero value; returns the remainder.
  constexpr u64 DivSmall(u64 d) {
    u128 rem = 0;
    for (std::size_t i = N; i-- > 0;) {
      u128 cur = (rem << 64) | limb[i];
      limb[i] = static_cast<u64>(cur / d);
      rem = cur % d;
    }
    return static_cast<u64>(rem);
  }
  constexpr u64 AddSmall(u64 v) {
    u64 c = v;
    for (std::size_t i = 0; i < N; ++i) limb[i] = AddCarry(limb[i], 0, c);
    return c;
  }

  // Big-endian bytes, exactly 8*N of them.
  constexpr std::array<std::uint8_t, 8 * N> ToBytesBE() const {
    std::array<std::uint8_t, 8 * N> out{};
    for (std::size_t i = 0; i < N; ++i) {
      for (std::size_t j = 0; j < 8; ++j) {
        out[8 * N - 1 - (8 * i + j)] = static_cast<std::uint8_t>(limb[i] >> (8 * j));
      }
    }
    return out;
  }
  // Reads up to 8*N big-endian bytes; returns false if the value does not fit.
  constexpr bool FromBytesBE(const std::uint8_t* data, std::size_t len) {
    limb = {};
    for (std::size_t k = 0; k < len; ++k) {
      std::size_t pos = len - 1 - k;  // byte k from the least significant end
      if (k >= 8 * N) {
        if (data[pos] != 0) return false;
        continue;
      }
      limb[k / 8] |= static_cast<u64>(data[pos]) << (8 * (k % 8));
    }
    return true;
  }

  // Decimal text without sign, spaces or leading zeros ("0" for zero). Returns false on any
  // other character, an empty string, leading zeros, or a value that overflows N limbs.
  constexpr bool FromDecimal(std::string_view s) {
    limb = {};
    if (s.empty() || s.size() > 20 * N) return false;
    if (s.size() > 1 && s[0] == '0') return false;
    for (char ch : s) {
      if (ch < '0' || ch > '9') return false;
      if (MulSmall(10) != 0) return false;
      if (AddSmall(static_cast<u64>(ch - '0')) != 0) return false;
    }
    return true;
  }
  std::string ToDecimal() const {
    if (IsZero()) return "0";
    BigInt t = *this;
    std::string out;
    while (!t.IsZero()) out.push_back(static_cast<char>('0' + t.DivSmall(10)));
    return std::string(out.rbegin(), out.rend());
  }
  std::string ToHex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::uint8_t b : ToBytesBE()) {
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 15]);
    }
    return out;
  }
};

// Parses a hexadecimal constant at compile time ("0x" prefix optional).
template <std::size_t N>
constexpr BigInt<N> BigIntFromHex(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  BigInt<N> out;
  std::size_t nibble = 0;
  for (std::size_t i = s.size(); i-- > 0; ++nibble) {
    char c = s[i];
    u64 v = (c >= '0' && c <= '9') ? u64(c - '0') : (c >= 'a' && c <= 'f') ? u64(c - 'a' + 10) : u64(c - 'A' + 10);
    out.limb[nibble / 16] |= v << (4 * (nibble % 16));
  }
  return out;
}

}  // namespace depinfer::math
