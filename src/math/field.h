// Field<P>: a prime field in Montgomery form, generic over the modulus and its limb count.
//
// P supplies `kLimbs`, `kModulus` (a BigInt) and `kName`; every other constant (R, R^2, R^3,
// -p^-1 mod 2^64, exponents for inversion and square roots) is derived from the modulus at
// compile time. One template serves BN254's Fp and Fr now and BLS12-381 later.
//
// Representation: an element a is stored as a*R mod p with R = 2^(64*kLimbs), always fully
// reduced (< p). The modulus must leave the top bit of the top limb clear, which lets additions
// skip the carry and the multiplication use the "no-carry" CIOS variant (true for BN254 and
// BLS12-381).
//
// Timing contract (libsecp256k1 convention): functions whose name ends in Vartime may branch on
// or index memory by their inputs and must only see public data. Everything else (add, sub,
// mul, square, Inverse, Pow with a public exponent, conditional select) runs in time
// independent of the element values, so it may handle secret scalars.
#pragma once

#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "math/bigint.h"
#include "math/montgomery.h"

namespace depinfer::math {

template <class P>
class Field {
 public:
  static constexpr std::size_t kLimbs = P::kLimbs;
  using Int = BigInt<kLimbs>;
  static constexpr Int kModulus = P::kModulus;
  static constexpr std::size_t kBits = kModulus.BitLength();
  static constexpr std::size_t kBytes = (kBits + 7) / 8;
  static_assert((kModulus.limb[kLimbs - 1] >> 63) == 0, "modulus must leave the top bit clear");
  static_assert((kModulus.limb[0] & 1) == 1, "modulus must be odd");

  // -p^-1 mod 2^64 by Newton iteration (each step doubles the correct low bits).
  static constexpr u64 kInv = [] {
    u64 x = 1;
    for (int i = 0; i < 7; ++i) x *= 2 - kModulus.limb[0] * x;
    return ~x + 1;
  }();
  // 2^k mod p for k = 64*kLimbs (R), 2*64*kLimbs (R^2), 3*64*kLimbs (R^3), by doubling.
  static constexpr Int PowerOfTwoModP(std::size_t k) {
    Int x(1);
    for (std::size_t i = 0; i < k; ++i) {
      Int t;
      u64 carry = Int::Add(x, x, x);
      u64 borrow = Int::Sub(t, x, kModulus);
      if (carry || !borrow) x = t;
    }
    return x;
  }
  static constexpr Int kR = PowerOfTwoModP(64 * kLimbs);
  static constexpr Int kR2 = PowerOfTwoModP(2 * 64 * kLimbs);
  static constexpr Int kR3 = PowerOfTwoModP(3 * 64 * kLimbs);

  constexpr Field() = default;  // zero

  static constexpr Field Zero() { return Field(); }
  static constexpr Field One() { return FromMontgomery(kR); }
  static Field FromU64(u64 v) { return FromCanonical(Int(v)); }
  // Wraps a value already in Montgomery form (no checks).
  static constexpr Field FromMontgomery(const Int& m) {
    Field f;
    f.v_ = m;
    return f;
  }
  // Converts a canonical integer (< p) into the field. Precondition: x < p.
  static Field FromCanonical(const Int& x) { return FromMontgomery(MontMul(x, kR2)); }
  // Reduces any integer of kLimbs limbs modulo p (variable time in the number of subtractions).
  static Field FromIntReduceVartime(Int x) {
    while (!(x < kModulus)) Int::Sub(x, x, kModulus);
    return FromCanonical(x);
  }

  const Int& montgomery() const { return v_; }
  // The canonical integer in [0, p).
  Int ToInt() const { return MontMul(v_, Int(1)); }

  bool IsZero() const { return v_.IsZero(); }
  bool IsOne() const { return v_ == kR; }
  friend bool operator==(const Field& a, const Field& b) { return a.v_ == b.v_; }
  friend bool operator!=(const Field& a, const Field& b) { return !(a == b); }

  // --- arithmetic (constant time) -------------------------------------------------------
  DEPINFER_INLINE friend Field operator+(const Field& a, const Field& b) {
    return FromMontgomery(ModAdd<kLimbs>(a.v_, b.v_, kModulus));
  }
  DEPINFER_INLINE friend Field operator-(const Field& a, const Field& b) {
    return FromMontgomery(ModSub<kLimbs>(a.v_, b.v_, kModulus));
  }
  DEPINFER_INLINE Field operator-() const { return Zero() - *this; }
  DEPINFER_INLINE friend Field operator*(const Field& a, const Field& b) {
    return FromMontgomery(MontMul(a.v_, b.v_));
  }
  Field& operator+=(const Field& b) { return *this = *this + b; }
  Field& operator-=(const Field& b) { return *this = *this - b; }
  Field& operator*=(const Field& b) { return *this = *this * b; }
  DEPINFER_INLINE Field Square() const { return FromMontgomery(MontSquare(v_)); }
  DEPINFER_INLINE Field Double() const { return *this + *this; }
  // Halves the element: (a + p*(a odd)) / 2.
  Field Half() const {
    Int t;
    u64 odd = v_.limb[0] & 1;
    Int addend = Select(odd, kModulus, Int());
    Int::Add(t, v_, addend);  // fits: a + p < 2p < 2^(64N)
    t.ShiftRight1();
    return FromMontgomery(t);
  }

  // Returns `a` if flag is 1, `b` if flag is 0, without branching on flag.
  static Field ConditionalSelect(u64 flag, const Field& a, const Field& b) {
    return FromMontgomery(Select(flag, a.v_, b.v_));
  }

  // x^e for a public exponent e; constant time in x (the exponent decides the sequence).
  template <std::size_t M>
  Field Pow(const BigInt<M>& e) const {
    // Fixed 4-bit window, most significant window first.
    Field table[16];
    table[0] = One();
    for (int i = 1; i < 16; ++i) table[i] = table[i - 1] * *this;
    Field r = One();
    std::size_t nbits = e.BitLength();
    std::size_t windows = (nbits + 3) / 4;
    for (std::size_t w = windows; w-- > 0;) {
      r = r.Square().Square().Square().Square();
      u64 digit = e.Bits(4 * w, 4);
      if (digit) r *= table[digit];
    }
    return r;
  }
  Field PowU64(u64 e) const { return Pow(BigInt<1>(e)); }

  // a^-1 by Fermat's little theorem (a^(p-2)); constant time; Inverse(0) = 0.
  Field Inverse() const { return Pow(kPMinus2); }

  // a^-1 by the binary extended Euclidean algorithm; for public values only. Returns 0 for 0.
  Field InverseVartime() const;

  // Montgomery's trick: inverts every nonzero element of `xs` in place with one inversion and
  // three multiplications per element; zeros stay zero. Variable time (public data only).
  static void BatchInverseVartime(std::span<Field> xs);

  // Legendre symbol: 1 for a nonzero square, -1 for a non-square, 0 for zero.
  int Legendre() const {
    Field t = Pow(kPMinus1Half);
    if (t.IsZero()) return 0;
    return t.IsOne() ? 1 : -1;
  }
  // A square root when one exists (Tonelli-Shanks; p = 3 mod 4 takes the one-exponentiation
  // shortcut). Which of the two roots is returned is unspecified. Variable time.
  bool SqrtVartime(Field* out) const;

  // "Lexicographically largest": true when the canonical value is > (p-1)/2. Used to encode the
  // sign of y in compressed points.
  bool IsLexLargest() const { return CompareVartime(ToInt(), kPMinus1Half) > 0; }

  // --- encodings (inputs are hostile: canonical only) -----------------------------------
  // Exactly kBytes big-endian bytes of the canonical value.
  void ToBytesBE(std::uint8_t* out) const {
    auto full = ToInt().ToBytesBE();
    std::memcpy(out, full.data() + full.size() - kBytes, kBytes);
  }
  static Status FromBytesBE(std::span<const std::uint8_t> in, Field* out) {
    if (in.size() != kBytes) {
      return Status::InvalidArgument(std::string(P::kName) + " element must be " +
                                     std::to_string(kBytes) + " bytes, got " +
                                     std::to_string(in.size()));
    }
    Int x;
    x.FromBytesBE(in.data(), in.size());
    if (!(x < kModulus)) {
      return Status::InvalidArgument(std::string(P::kName) +
                                     " element is not canonical (not below the modulus)");
    }
    *out = FromCanonical(x);
    return Status::Ok();
  }
  std::string ToDecimal() const { return ToInt().ToDecimal(); }
  static Status FromDecimal(std::string_view s, Field* out) {
    Int x;
    if (!x.FromDecimal(s)) {
      return Status::InvalidArgument(std::string(P::kName) +
                                     " element must be a decimal string without sign, spaces "
                                     "or leading zeros");
    }
    if (!(x < kModulus)) {
      return Status::InvalidArgument(std::string(P::kName) +
                                     " element is not canonical (not below the modulus)");
    }
    *out = FromCanonical(x);
    return Status::Ok();
  }

  // Uniform random element by rejection sampling; rng() returns uniformly random u64 values.
  template <class Rng>
  static Field Random(Rng& rng) {
    constexpr u64 kTopMask = (kBits % 64 == 0) ? ~u64{0} : ((u64{1} << (kBits % 64)) - 1);
    for (;;) {
      Int x;
      for (auto& l : x.limb) l = rng();
      x.limb[kLimbs - 1] &= kTopMask;
      if (x < kModulus) return FromCanonical(x);
    }
  }
  // Uniform random element from the operating system's random source (getrandom).
  static Field RandomOs();

  // Exponent constants.
  static constexpr Int kPMinus2 = [] {
    Int t;
    Int::Sub(t, kModulus, Int(2));
    return t;
  }();
  static constexpr Int kPMinus1Half = [] {
    Int t;
    Int::Sub(t, kModulus, Int(1));
    t.ShiftRight1();
    return t;
  }();

 private:
  DEPINFER_INLINE static Int MontMul(const Int& a, const Int& b) { return MontgomeryMul<kLimbs>(a, b, kModulus, kInv); }
  DEPINFER_INLINE static Int MontSquare(const Int& a) { return MontgomerySquare<kLimbs>(a, kModulus, kInv); }
  // flag ? a : b for flag in {0,1}, by masking.
  DEPINFER_INLINE static Int Select(u64 flag, const Int& a, const Int& b) {
    u64 mask = 0 - flag;
    Int r;
    for (std::size_t i = 0; i < kLimbs; ++i) r.limb[i] = (a.limb[i] & mask) | (b.limb[i] & ~mask);
    return r;
  }

  Int v_;
};

}  // namespace depinfer::math

#include "math/field_impl.h"
