// Out-of-line members of Field<P> (included at the end of field.h).
#pragma once

#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

#include "math/batch_inverse.h"

namespace depinfer::math {

namespace internal {
// Fills buf with bytes from the kernel's random source; aborts the process if the kernel
// cannot supply them, since continuing would mean weak keys.
inline void OsRandomBytes(void* buf, std::size_t len) {
  auto* p = static_cast<std::uint8_t*>(buf);
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed: the operating system random source is unavailable");
    }
    p += n;
    len -= static_cast<std::size_t>(n);
  }
}
}  // namespace internal

template <class P>
Field<P> Field<P>::RandomOs() {
  struct OsRng {
    u64 operator()() {
      u64 v;
      internal::OsRandomBytes(&v, sizeof v);
      return v;
    }
  } rng;
  return Random(rng);
}

template <class P>
Field<P> Field<P>::InverseVartime() const {
  if (IsZero()) return Zero();
  // Kaliski's almost Montgomery inverse ("The Montgomery inverse and its applications", IEEE
  // Trans. Computers 1995), phase 1 only: plain shifts and additions give
  // r = u^-1 * 2^k mod p for u = a*R (the Montgomery representation) and some
  // k in [bits(p), 2*bits(p)]. One Montgomery multiplication by the table entry (the element
  // R^2 * 2^-k) then yields a^-1 * R, the Montgomery form of a^-1.
  static const std::vector<Field> correction = [] {
    std::vector<Field> t(2 * kBits + 1);
    Field half = FromU64(2).Inverse();
    Field x = FromMontgomery(kR3);  // the element R^2 (its Montgomery form is R^3)
    for (auto& e : t) {
      e = x;
      x *= half;
    }
    return t;
  }();
  Int u = kModulus, v = v_, r, s(1);
  std::size_t k = 0;
  // Trailing zeros come off several at a time: t halvings of u (or v) pair with t doublings
  // of s (or r) and count t steps, exactly as t single steps would.
  auto shift_right = [](Int& x, unsigned t) {
    for (std::size_t i = 0; i + 1 < kLimbs; ++i) x.limb[i] = (x.limb[i] >> t) | (x.limb[i + 1] << (64 - t));
    x.limb[kLimbs - 1] >>= t;
  };
  auto shift_left = [](Int& x, unsigned t) {
    for (std::size_t i = kLimbs; i-- > 1;) x.limb[i] = (x.limb[i] << t) | (x.limb[i - 1] >> (64 - t));
    x.limb[0] <<= t;
  };
  // The invariant p = u*s + v*r keeps s and r at most p through every step, so the shifts
  // cannot overflow. Shifts are capped at 32 bits (t in [1, 32] for an even nonzero value).
  auto zeros = [](const Int& x) {
    return static_cast<unsigned>(__builtin_ctzll(x.limb[0] | (u64{1} << 32)));
  };
  while (!v.IsZero()) {
    if ((u.limb[0] & 1) == 0) {
      unsigned t = zeros(u);
      shift_right(u, t);
      shift_left(s, t);
      k += t;
    } else if ((v.limb[0] & 1) == 0) {
      unsigned t = zeros(v);
      shift_right(v, t);
      shift_left(r, t);
      k += t;
    } else if (v < u) {
      Int::Sub(u, u, v);
      u.ShiftRight1();
      Int::Add(r, r, s);
      Int::Add(s, s, s);
      ++k;
    } else {
      Int::Sub(v, v, u);
      v.ShiftRight1();
      Int::Add(s, s, r);
      Int::Add(r, r, r);
      ++k;
    }
  }
  // r < 2p here; the almost inverse is p - r (mod p).
  if (!(r < kModulus)) Int::Sub(r, r, kModulus);
  Int::Sub(r, kModulus, r);
  // r = u^-1 * 2^k = a^-1 R^-1 2^k; a Montgomery product with R^3 2^-k gives a^-1 R.
  return FromMontgomery(MontMul(r, correction[k].v_));
}

template <class P>
void Field<P>::BatchInverseVartime(std::span<Field> xs) {
  math::BatchInverseVartime<Field>(xs);
}

template <class P>
bool Field<P>::SqrtVartime(Field* out) const {
  if (IsZero()) {
    *out = Zero();
    return true;
  }
  if ((kModulus.limb[0] & 3) == 3) {
    // p = 3 mod 4: a^((p+1)/4) is a root whenever one exists.
    static constexpr Int kExp = [] {
      Int t = kModulus;
      t.AddSmall(1);
      t.ShiftRight1();
      t.ShiftRight1();
      return t;
    }();
    Field r = Pow(kExp);
    if (r.Square() != *this) return false;
    *out = r;
    return true;
  }
  // Tonelli-Shanks: p - 1 = q * 2^s with q odd.
  struct Consts {
    std::size_t s;
    Int q;
    Field z_q;  // z^q for a fixed non-residue z
  };
  static const Consts c = [] {
    Consts k;
    Int pm1;
    Int::Sub(pm1, kModulus, Int(1));
    k.s = 0;
    while ((pm1.limb[0] & 1) == 0) {
      pm1.ShiftRight1();
      ++k.s;
    }
    k.q = pm1;
    Field z = FromU64(2);
    while (z.Legendre() != -1) z += One();
    k.z_q = z.Pow(k.q);
    return k;
  }();
  if (Legendre() != 1) return false;
  Int q_plus1_half = c.q;
  q_plus1_half.AddSmall(1);
  q_plus1_half.ShiftRight1();
  std::size_t m = c.s;
  Field cc = c.z_q;
  Field t = Pow(c.q);
  Field r = Pow(q_plus1_half);
  while (!t.IsOne()) {
    std::size_t i = 0;
    Field t2 = t;
    while (!t2.IsOne()) {
      t2 = t2.Square();
      ++i;
    }
    Field b = cc;
    for (std::size_t j = 0; j + i + 1 < m; ++j) b = b.Square();
    m = i;
    cc = b.Square();
    t *= cc;
    r *= b;
  }
  *out = r;
  return true;
}

}  // namespace depinfer::math
