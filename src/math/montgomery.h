// Montgomery multiplication: a*b*R^-1 mod p on raw limbs.
//
// The generic kernel is the coarsely integrated operand scanning (CIOS) method with the
// "no-carry" shortcut that applies when the modulus leaves its top bit clear (see Koc, Acar and
// Kaliski, "Analyzing and Comparing Montgomery Multiplication Algorithms", IEEE Micro 1996, and
// the gnark-crypto note on skipping the final carry). Inputs must be < p; the result is < p.
// Every kernel is constant time: a fixed sequence of instructions and a masked final
// subtraction.
#pragma once

#include "math/bigint.h"

namespace depinfer::math {

template <std::size_t N>
inline BigInt<N> MontgomeryMulGeneric(const BigInt<N>& a, const BigInt<N>& b, const BigInt<N>& p,
                                      u64 inv) {
  u64 t[N] = {};
  for (std::size_t i = 0; i < N; ++i) {
    u64 carry_ab;
    t[0] = MulAdd(a.limb[0], b.limb[i], t[0], 0, carry_ab);
    u64 m = t[0] * inv;
    u64 carry_mp;
    MulAdd(m, p.limb[0], t[0], 0, carry_mp);  // low word is zero by construction of m
    for (std::size_t j = 1; j < N; ++j) {
      t[j] = MulAdd(a.limb[j], b.limb[i], t[j], carry_ab, carry_ab);
      t[j - 1] = MulAdd(m, p.limb[j], t[j], carry_mp, carry_mp);
    }
    t[N - 1] = carry_mp + carry_ab;
  }
  // t < 2p: subtract p once unless that borrows.
  BigInt<N> r, s;
  for (std::size_t i = 0; i < N; ++i) r.limb[i] = t[i];
  u64 borrow = BigInt<N>::Sub(s, r, p);
  u64 mask = 0 - borrow;
  for (std::size_t i = 0; i < N; ++i) r.limb[i] = (r.limb[i] & mask) | (s.limb[i] & ~mask);
  return r;
}

#if defined(__x86_64__) && defined(__ADX__) && defined(__BMI2__) && !defined(DEPINFER_NO_ASM)
#define DEPINFER_HAVE_MONT4_ADX 1
// One round of 4-limb CIOS with MULX and the two independent carry chains of ADCX (CF) and
// ADOX (OF): t += a * b[I], then t += m * p with m = t0 * inv, which clears t0; the round's
// result is (T1, T2, T3, T4) and T0 is free for the next round (the registers rotate rather
// than being moved).
#define DEPINFER_MONT4_ROUND(I, T0, T1, T2, T3, T4)                                     \
  "movq " #I "*8(%[b]), %%rdx\n\t"                                                      \
  "xorq %[z], %[z]\n\t"                                                                 \
  "mulxq 0(%[a]), %[lo], %[hi]\n\t"                                                     \
  "adoxq %[lo], %[" #T0 "]\n\t"                                                         \
  "adcxq %[hi], %[" #T1 "]\n\t"                                                         \
  "mulxq 8(%[a]), %[lo], %[hi]\n\t"                                                     \
  "adoxq %[lo], %[" #T1 "]\n\t"                                                         \
  "adcxq %[hi], %[" #T2 "]\n\t"                                                         \
  "mulxq 16(%[a]), %[lo], %[hi]\n\t"                                                    \
  "adoxq %[lo], %[" #T2 "]\n\t"                                                         \
  "adcxq %[hi], %[" #T3 "]\n\t"                                                         \
  "mulxq 24(%[a]), %[lo], %[" #T4 "]\n\t"                                               \
  "adoxq %[lo], %[" #T3 "]\n\t"                                                         \
  "adcxq %[z], %[" #T4 "]\n\t"                                                          \
  "adoxq %[z], %[" #T4 "]\n\t"                                                          \
  "movq %[" #T0 "], %%rdx\n\t"                                                          \
  "imulq %[inv], %%rdx\n\t"                                                             \
  "xorq %[z], %[z]\n\t"                                                                 \
  "mulxq %[p0], %[lo], %[hi]\n\t"                                                       \
  "adoxq %[lo], %[" #T0 "]\n\t"                                                         \
  "adcxq %[hi], %[" #T1 "]\n\t"                                                         \
  "mulxq %[p1], %[lo], %[hi]\n\t"                                                       \
  "adoxq %[lo], %[" #T1 "]\n\t"                                                         \
  "adcxq %[hi], %[" #T2 "]\n\t"                                                         \
  "mulxq %[p2], %[lo], %[hi]\n\t"                                                       \
  "adoxq %[lo], %[" #T2 "]\n\t"                                                         \
  "adcxq %[hi], %[" #T3 "]\n\t"                                                         \
  "mulxq %[p3], %[lo], %[hi]\n\t"                                                       \
  "adoxq %[lo], %[" #T3 "]\n\t"                                                         \
  "adcxq %[hi], %[" #T4 "]\n\t"                                                         \
  "adoxq %[z], %[" #T4 "]\n\t"

// 4-limb Montgomery multiplication for moduli below 2^254 (the no-carry bound keeps every
// intermediate in five limbs). Must equal MontgomeryMulGeneric<4> bit for bit (tested).
DEPINFER_INLINE BigInt<4> MontgomeryMul4Adx(const BigInt<4>& a, const BigInt<4>& b, const BigInt<4>& p,
                                   u64 inv) {
  u64 t0, t1, t2, t3, t4, lo, hi, z;
  __asm__(
      "xorq %[t0], %[t0]\n\t"
      "xorq %[t1], %[t1]\n\t"
      "xorq %[t2], %[t2]\n\t"
      "xorq %[t3], %[t3]\n\t"
      DEPINFER_MONT4_ROUND(0, t0, t1, t2, t3, t4)
      DEPINFER_MONT4_ROUND(1, t1, t2, t3, t4, t0)
      DEPINFER_MONT4_ROUND(2, t2, t3, t4, t0, t1)
      DEPINFER_MONT4_ROUND(3, t3, t4, t0, t1, t2)
      // Result (t4, t0, t1, t2) < 2p: subtract p, keep the difference unless it borrowed.
      "movq %[t4], %[lo]\n\t"
      "subq %[p0], %[lo]\n\t"
      "movq %[t0], %[hi]\n\t"
      "sbbq %[p1], %[hi]\n\t"
      "movq %[t1], %[z]\n\t"
      "sbbq %[p2], %[z]\n\t"
      "movq %[t2], %[t3]\n\t"
      "sbbq %[p3], %[t3]\n\t"
      "cmovncq %[lo], %[t4]\n\t"
      "cmovncq %[hi], %[t0]\n\t"
      "cmovncq %[z], %[t1]\n\t"
      "cmovncq %[t3], %[t2]\n\t"
      : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4),
        [lo] "=&r"(lo), [hi] "=&r"(hi), [z] "=&r"(z)
      : [a] "r"(a.limb.data()), [b] "r"(b.limb.data()), [p0] "m"(p.limb[0]),
        [p1] "m"(p.limb[1]), [p2] "m"(p.limb[2]), [p3] "m"(p.limb[3]), [inv] "m"(inv),
        "m"(*reinterpret_cast<const u64(*)[4]>(a.limb.data())),
        "m"(*reinterpret_cast<const u64(*)[4]>(b.limb.data()))
      : "rdx", "cc");
  BigInt<4> r;
  r.limb = {t4, t0, t1, t2};
  return r;
}
#undef DEPINFER_MONT4_ROUND

// (a + b) mod p for a, b < p < 2^255: add, subtract p, keep the difference unless it borrowed.
// Compilers turn the portable carry code into long sequences of flag shuffles; this is the
// eight-instruction carry chain plus four conditional moves.
DEPINFER_INLINE BigInt<4> ModAdd4(const BigInt<4>& a, const BigInt<4>& b, const BigInt<4>& p) {
  u64 r0 = a.limb[0], r1 = a.limb[1], r2 = a.limb[2], r3 = a.limb[3];
  u64 s0, s1, s2, s3;
  __asm__(
      "addq %[b0], %[r0]\n\t"
      "adcq %[b1], %[r1]\n\t"
      "adcq %[b2], %[r2]\n\t"
      "adcq %[b3], %[r3]\n\t"
      "movq %[r0], %[s0]\n\t"
      "subq %[p0], %[s0]\n\t"
      "movq %[r1], %[s1]\n\t"
      "sbbq %[p1], %[s1]\n\t"
      "movq %[r2], %[s2]\n\t"
      "sbbq %[p2], %[s2]\n\t"
      "movq %[r3], %[s3]\n\t"
      "sbbq %[p3], %[s3]\n\t"
      "cmovncq %[s0], %[r0]\n\t"
      "cmovncq %[s1], %[r1]\n\t"
      "cmovncq %[s2], %[r2]\n\t"
      "cmovncq %[s3], %[r3]\n\t"
      : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [s0] "=&r"(s0),
        [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3)
      : [b0] "m"(b.limb[0]), [b1] "m"(b.limb[1]), [b2] "m"(b.limb[2]), [b3] "m"(b.limb[3]),
        [p0] "m"(p.limb[0]), [p1] "m"(p.limb[1]), [p2] "m"(p.limb[2]), [p3] "m"(p.limb[3])
      : "cc");
  BigInt<4> r;
  r.limb = {r0, r1, r2, r3};
  return r;
}

// (a - b) mod p for a, b < p: subtract, then add back p masked by the borrow.
DEPINFER_INLINE BigInt<4> ModSub4(const BigInt<4>& a, const BigInt<4>& b, const BigInt<4>& p) {
  u64 r0 = a.limb[0], r1 = a.limb[1], r2 = a.limb[2], r3 = a.limb[3];
  u64 m, t0, t1, t2, t3;
  __asm__(
      "subq %[b0], %[r0]\n\t"
      "sbbq %[b1], %[r1]\n\t"
      "sbbq %[b2], %[r2]\n\t"
      "sbbq %[b3], %[r3]\n\t"
      "sbbq %[m], %[m]\n\t"
      "movq %[p0], %[t0]\n\t"
      "movq %[p1], %[t1]\n\t"
      "movq %[p2], %[t2]\n\t"
      "movq %[p3], %[t3]\n\t"
      "andq %[m], %[t0]\n\t"
      "andq %[m], %[t1]\n\t"
      "andq %[m], %[t2]\n\t"
      "andq %[m], %[t3]\n\t"
      "addq %[t0], %[r0]\n\t"
      "adcq %[t1], %[r1]\n\t"
      "adcq %[t2], %[r2]\n\t"
      "adcq %[t3], %[r3]\n\t"
      : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [m] "=&r"(m),
        [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
      : [b0] "m"(b.limb[0]), [b1] "m"(b.limb[1]), [b2] "m"(b.limb[2]), [b3] "m"(b.limb[3]),
        [p0] "m"(p.limb[0]), [p1] "m"(p.limb[1]), [p2] "m"(p.limb[2]), [p3] "m"(p.limb[3])
      : "cc");
  BigInt<4> r;
  r.limb = {r0, r1, r2, r3};
  return r;
}
#endif

template <std::size_t N>
DEPINFER_INLINE BigInt<N> MontgomeryMul(const BigInt<N>& a, const BigInt<N>& b, const BigInt<N>& p,
                               u64 inv) {
#ifdef DEPINFER_HAVE_MONT4_ADX
  if constexpr (N == 4) {
    return MontgomeryMul4Adx(a, b, p, inv);
  } else {
    return MontgomeryMulGeneric<N>(a, b, p, inv);
  }
#else
  return MontgomeryMulGeneric<N>(a, b, p, inv);
#endif
}

// (a + b) mod p and (a - b) mod p for a, b < p, constant time.
template <std::size_t N>
DEPINFER_INLINE BigInt<N> ModAddGeneric(const BigInt<N>& a, const BigInt<N>& b, const BigInt<N>& p) {
  BigInt<N> r, s;
  BigInt<N>::Add(r, a, b);  // no carry out: a + b < 2p < 2^(64N)
  u64 mask = 0 - BigInt<N>::Sub(s, r, p);
  for (std::size_t i = 0; i < N; ++i) r.limb[i] = (r.limb[i] & mask) | (s.limb[i] & ~mask);
  return r;
}
template <std::size_t N>
DEPINFER_INLINE BigInt<N> ModSubGeneric(const BigInt<N>& a, const BigInt<N>& b, const BigInt<N>& p) {
  BigInt<N> r, t;
  u64 mask = 0 - BigInt<N>::Sub(r, a, b);
  for (std::size_t i = 0; i < N; ++i) t.limb[i] = p.limb[i] & mask;
  BigInt<N>::Add(r, r, t);
  return r;
}
template <std::size_t N>
DEPINFER_INLINE BigInt<N> ModAdd(const BigInt<N>& a, const BigInt<N>& b, const BigInt<N>& p) {
#ifdef DEPINFER_HAVE_MONT4_ADX
  if constexpr (N == 4) return ModAdd4(a, b, p);
#endif
  return ModAddGeneric<N>(a, b, p);
}
template <std::size_t N>
DEPINFER_INLINE BigInt<N> ModSub(const BigInt<N>& a, const BigInt<N>& b, const BigInt<N>& p) {
#ifdef DEPINFER_HAVE_MONT4_ADX
  if constexpr (N == 4) return ModSub4(a, b, p);
#endif
  return ModSubGeneric<N>(a, b, p);
}

template <std::size_t N>
DEPINFER_INLINE BigInt<N> MontgomerySquare(const BigInt<N>& a, const BigInt<N>& p, u64 inv) {
  return MontgomeryMul<N>(a, a, p, inv);
}

}  // namespace depinfer::math
