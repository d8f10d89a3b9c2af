// The optimal ate pairing on BN254, e: G1 x G2 -> GT (the order-r subgroup of Fp12*).
//
// Miller loop over 6x+2 in signed binary with the G2 point in homogeneous projective
// coordinates and lines in the sparse D-twist form, after Aranha, Karabina, Longa, Gebotys and
// Lopez, "Faster Explicit Formulas for Computing Pairings over Ordinary Curves" (EUROCRYPT
// 2011), and Costello, Lange and Naehrig, "Faster Pairing Computations on Curves with High-Degree
// Twists" (PKC 2010). A G2 point can be *prepared* once (its line coefficients depend on Q only),
// which is what a verifier does with the fixed points of its key.
//
// The final exponentiation raises to exactly (p^12 - 1)/r: the easy part (p^6 - 1)(p^2 + 1) by
// conjugation, inversion and Frobenius, the hard part (p^4 - p^2 + 1)/r by the vectorial
// addition chain of Scott, Benger, Charlemagne, Dominguez Perez and Kachisa, "On the Final
// Exponentiation for Calculating Pairings on Ordinary Elliptic Curves" (Pairing 2009), on
// Granger-Scott cyclotomic squarings. So Pairing() returns the standard reduced pairing that
// py_ecc returns; ffjavascript's own pairing() returns a fixed power of it (see the tests).
//
// Everything here is variable time: pairings in this project only ever see public points.
#pragma once

#include <span>
#include <vector>

#include "math/bn254.h"

namespace depinfer::math::bn254 {

// Line coefficients for one Miller-loop step; at P = (xP, yP) the line is
// c0*yP + (c1*xP) w + c2 v w.
struct LineCoeffs {
  Fp2 c0, c1, c2;
};

struct G2Prepared {
  bool infinity = true;
  std::vector<LineCoeffs> lines;
};

G2Prepared PrepareG2(const G2Affine& q);
// PrepareG2 of every point; groups of eight run their doubling and addition steps in AVX-512
// IFMA lanes where available (pairing_lanes.cc). The same lines as PrepareG2 (tested).
std::vector<G2Prepared> PrepareG2Batch(std::span<const G2Affine> qs);

// Signed binary digits of 6x + 2, most significant first (the leading digit is 1 and is
// consumed by starting the loop at T = Q): the schedule of the Miller loop and of its lines.
const std::vector<int>& AteLoopDigits();

// prod_i f_{6x+2, Q_i}(P_i) with the two Frobenius lines; pairs with a point at infinity
// contribute 1. One squaring per loop step is shared by all pairs.
Fp12 MillerLoop(std::span<const G1Affine> ps, std::span<const G2Prepared* const> qs);

// MillerLoop(ps, PrepareG2Batch(qs)) for G2 points used once (a batch of proofs' B points):
// where AVX-512 IFMA is available, eight pairs at once in vector lanes, each line applied as it
// is computed and never stored. The same field element as MillerLoop (tested). The G2 points
// must be validated (on the twist, in G2) as for PrepareG2.
Fp12 MillerLoopOnce(std::span<const G1Affine> ps, std::span<const G2Affine> qs);

Fp12 FinalExponentiation(const Fp12& f);
// The easy and hard parts separately (tests check each against plain exponentiation).
Fp12 FinalExponentiationEasy(const Fp12& f);
Fp12 FinalExponentiationHard(const Fp12& f);

Fp12 Pairing(const G1Affine& p, const G2Affine& q);
// prod_i e(P_i, Q_i) with one shared final exponentiation.
Fp12 MultiPairing(std::span<const G1Affine> ps, std::span<const G2Affine> qs);
// ffjavascript's pairing() (and so snarkjs's vk_alphabeta_12) is e^m with m = 2x(6x^2 + 3x + 1):
// its final exponentiation (after Fuentes-Castaneda, Knapp and Rodriguez-Henriquez) computes
// that multiple of the hard part. This maps our reduced pairing value to theirs.
Fp12 ToFfjavascriptPairing(const Fp12& e);

// True when prod_i e(P_i, Q_i) = 1 (the form every Groth16 check takes).
bool PairingProductIsOne(std::span<const G1Affine> ps, std::span<const G2Affine> qs);

}  // namespace depinfer::math::bn254
