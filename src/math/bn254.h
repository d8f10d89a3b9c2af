// BN254 (alt_bn128): the curve of the Ethereum precompiles (EIP-196/197) and of circom/snarkjs.
//
//   E:  y^2 = x^3 + 3 over Fp,        r = #E(Fp) (prime, cofactor 1)
//   E': y^2 = x^3 + 3/xi over Fp2,    xi = 9 + u, the sextic D-type twist carrying G2
//   Fp2 = Fp[u]/(u^2 + 1), Fp6 = Fp2[v]/(v^3 - xi), Fp12 = Fp6[w]/(w^2 - v)
//   BN parameter x (often "u" in papers) = 4965661367192848881
//
// Constants are from EIP-196/197 and the circom/snarkjs sources (the same curve everywhere).
#pragma once

#include <span>
#include <vector>

#include "math/curve.h"
#include "math/field.h"
#include "math/tower.h"

namespace depinfer::math::bn254 {

struct FpParams {
  static constexpr std::size_t kLimbs = 4;
  static constexpr BigInt<4> kModulus =
      BigIntFromHex<4>("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47");
  static constexpr const char* kName = "BN254 Fp";
};
struct FrParams {
  static constexpr std::size_t kLimbs = 4;
  static constexpr BigInt<4> kModulus =
      BigIntFromHex<4>("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001");
  static constexpr const char* kName = "BN254 Fr";
};

using Fp = Field<FpParams>;
using Fr = Field<FrParams>;

// The BN parameter x; the optimal ate loop runs over 6x + 2.
inline constexpr u64 kX = 4965661367192848881ULL;

using Fp2 = Fp2T<Fp>;

struct TowerCfg {
  using Fp = bn254::Fp;
  using Fp2 = bn254::Fp2;
  // (9 + u)(a + bu) = (9a - b) + (a + 9b)u
  static Fp2 MulByXi(const Fp2& x) {
    Fp a8 = x.c0.Double().Double().Double();
    Fp b8 = x.c1.Double().Double().Double();
    return {a8 + x.c0 - x.c1, b8 + x.c1 + x.c0};
  }
};
using Fp6 = Fp6T<TowerCfg>;
using Fp12 = Fp12T<TowerCfg>;

struct G1Cfg {
  using F = Fp;
  static Fp B() {
    static const Fp b = Fp::FromU64(3);
    return b;
  }
  static constexpr const char* kName = "BN254 G1";
};
struct G2Cfg {
  using F = Fp2;
  static Fp2 B();  // 3 / (9 + u)
  static constexpr const char* kName = "BN254 G2";
};

using G1Affine = AffinePoint<G1Cfg>;
using G1 = JacobianPoint<G1Cfg>;
using G2Affine = AffinePoint<G2Cfg>;
using G2 = JacobianPoint<G2Cfg>;

// The standard generators (EIP-196/197, circom): G1 = (1, 2) and the G2 generator of EIP-197.
const G1Affine& G1Generator();
const G2Affine& G2Generator();

// f^(p^power) for power in 1..3, by the precomputed Frobenius coefficients.
Fp12 Frobenius(const Fp12& f, int power);

// The untwist-Frobenius-twist endomorphism psi on E'(Fp2): (conj(x) xi^((p-1)/3),
// conj(y) xi^((p-1)/2)). On G2 it acts as multiplication by p.
G2 Psi(const G2& q);
G2Affine Psi(const G2Affine& q);

// G2 membership of a point already known to be on the twist, by the endomorphism test of
// El Housni, Guillevic and Piellard, "Co-factor clearing and subgroup membership testing on
// pairing-friendly curves" (ePrint 2022/348, section 5.1 for BN):
//   Q in G2  <=>  [x+1]Q + psi([x]Q) + psi^2([x]Q) = psi^3([2x]Q).
// Variable time (public points only). IsInG2SubgroupSlowVartime checks [r]Q = O directly; the
// tests compare the two.
bool IsInG2SubgroupVartime(const G2& q);
bool IsInG2SubgroupSlowVartime(const G2& q);
// The same test for many points on the twist (infinity counts as in G2): in_subgroup[i] = 1 or
// 0. On AVX-512 IFMA eight points share each step of [x]Q, about five times faster per point
// (g2_subgroup.cc). Single-threaded; callers split large inputs across cores.
void IsInG2SubgroupBatchVartime(std::span<const G2Affine> points, std::uint8_t* in_subgroup);

// k_i P_i for public points of G1 and public scalars, eight at a time in AVX-512 IFMA lanes
// where available (g1_lanes.cc), about four times faster a point than ScalarMulVartime, with
// which the results agree. Single-threaded.
std::vector<G1> ScalarMulBatchVartime(std::span<const G1Affine> points, std::span<const BigInt<4>> ks);

}  // namespace depinfer::math::bn254
