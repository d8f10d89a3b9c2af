// Out-of-line members of Field<P> (included at the end of field.h).
#pragma once

#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

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
  // Binary extended Euclid on the Montgomery representation u = a*R: it yields
  // u^-1 = a^-1 * R^-1 mod p, and one Montgomery multiplication by R^3 turns that into
  // a^-1 * R, the Montgomery form of a^-1.
  Int u = v_, v = kModulus, x1(1), x2;
  auto halve_mod = [](Int& x) {
    if (x.limb[0] & 1) {
      u64 carry = Int::Add(x, x, kModulus);
      x.ShiftRight1();
      x.limb[kLimbs - 1] |= carry << 63;
    } else {
      x.ShiftRight1();
    }
  };
  auto sub_mod = [](Int& x, const Int& y) {
    if (Int::Sub(x, x, y)) Int::Add(x, x, kModulus);
  };
  const Int one(1);
  while (!(u == one) && !(v == one)) {
    while ((u.limb[0] & 1) == 0) {
      u.ShiftRight1();
      halve_mod(x1);
    }
    while ((v.limb[0] & 1) == 0) {
      v.ShiftRight1();
      halve_mod(x2);
    }
    if (!(u < v)) {
      Int::Sub(u, u, v);
      sub_mod(x1, x2);
    } else {
      Int::Sub(v, v, u);
      sub_mod(x2, x1);
    }
  }
  const Int& inv = (u == one) ? x1 : x2;
  return FromMontgomery(MontMul(inv, kR3));
}

template <class P>
void Field<P>::BatchInverseVartime(std::span<Field> xs) {
  if (xs.empty()) return;
  std::vector<Field> prefix(xs.size());
  Field acc = One();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    prefix[i] = acc;
    if (!xs[i].IsZero()) acc *= xs[i];
  }
  Field inv = acc.InverseVartime();
  for (std::size_t i = xs.size(); i-- > 0;) {
    if (xs[i].IsZero()) continue;
    Field next = inv * xs[i];
    xs[i] = inv * prefix[i];
    inv = next;
  }
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
