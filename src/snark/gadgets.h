// Basic gadgets: booleans, equality, zero tests, selection, bits and comparisons.
//
// Each gadget adds its constraints to `cs` and computes the values of the wires it creates
// (see ConstraintSystem). The cost in constraints is stated on each; circomlib's template for
// the same job is named where one exists, and tests/snark/circom_counts_test compares the
// counts with circomlib's circuits compiled by circom.
//
// Witness values are secrets (amounts, keys, paths): every value computation here, hints
// included, is constant time in the values (Fr::Inverse, not InverseVartime); only the
// circuit's shape (which is public) decides branches.
//
// Bits are little-endian: bits[0] is the least significant. A "boolean" argument must be 0 or
// 1 under every satisfying witness; gadgets that take booleans do not constrain them again
// unless they say so, so the caller constrains them once (AssertBoolean, ToBits).
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "snark/constraint_system.h"

namespace depinfer::snark {

// ---- booleans ----------------------------------------------------------------------------

// x in {0, 1}: x * (1 - x) = 0. 1 constraint.
void AssertBoolean(ConstraintSystem& cs, const LC& x);
// 1 - x: free. For a boolean x.
LC Not(const LC& x);
// a * b, a + b - ab, a + b - 2ab for booleans a, b: 1 constraint each (0 if one is constant).
LC And(ConstraintSystem& cs, const LC& a, const LC& b);
LC Or(ConstraintSystem& cs, const LC& a, const LC& b);
LC Xor(ConstraintSystem& cs, const LC& a, const LC& b);

// ---- equality and zero ---------------------------------------------------------------------

// a = b: 1 constraint (also ConstraintSystem::AssertEqual).
void AssertEqual(ConstraintSystem& cs, const LC& a, const LC& b);
// a = b when cond = 1, nothing when cond = 0, for a boolean cond: cond * (a - b) = 0.
// 1 constraint (the join-split's "checked only for inputs with a nonzero amount").
void AssertEqualIf(ConstraintSystem& cs, const LC& cond, const LC& a, const LC& b);
// x != 0: an inverse hint and x * inv = 1. 1 constraint.
void AssertNonZero(ConstraintSystem& cs, const LC& x);
// a != b: 1 constraint.
void AssertNotEqual(ConstraintSystem& cs, const LC& a, const LC& b);
// 1 if x = 0 else 0 (a boolean). 2 constraints (circomlib IsZero: 2); free for a constant x.
LC IsZero(ConstraintSystem& cs, const LC& x);
// 1 if a = b else 0. 2 constraints (circomlib IsEqual: 2).
LC IsEqual(ConstraintSystem& cs, const LC& a, const LC& b);

// ---- selection ---------------------------------------------------------------------------

// cond ? if_true : if_false for a boolean cond: if_false + cond * (if_true - if_false).
// 1 constraint; free when cond is constant or if_true - if_false is constant.
LC Select(ConstraintSystem& cs, const LC& cond, const LC& if_true, const LC& if_false);
// options[index] where index = sum bits[i] 2^i; options.size() must be 2^bits.size()
// (1 to 2^20 options). A tree of Selects: at most options.size() - 1 constraints; the first
// level is free when the options are constants (so 2 bits over constants cost 1).
LC Mux(ConstraintSystem& cs, std::span<const LC> bits, std::span<const LC> options);
// (a, b) when swap = 0, (b, a) when swap = 1, for a boolean swap. 1 constraint (circomlib
// Switcher: 1).
std::pair<LC, LC> ConditionalSwap(ConstraintSystem& cs, const LC& swap, const LC& a, const LC& b);

// ---- bits and ranges -----------------------------------------------------------------------

// The n low bits of x, constrained boolean and adding up to x, so x is proven to lie in
// [0, 2^n). 1 <= n <= 253 (below the field size, so the representation is unique).
// n constraints: bits 1..n-1 are new wires from a hint, bit 0 is the combination
// x - sum_{i>=1} bits[i] 2^i, so the sum needs no constraint of its own and only the n
// booleanity checks remain (circomlib Num2Bits(n): n + 1, or n after circom --O2 substitutes
// the linear sum). When x does not fit, bit 0 comes out non-boolean and its check fails.
std::vector<LC> ToBits(ConstraintSystem& cs, const LC& x, std::size_t n);
// All 254 bits of x, the canonical (below r) representation: the integer the bits spell is
// checked against r - 1 from the top bit down, so the other representation x + r (when it
// fits in 254 bits) is rejected. 254 constraints + 2 per run of ones in r - 1 at most
// (331 in all; circomlib Num2Bits_strict compiled by circom: see circom_counts_test).
std::vector<LC> ToBitsStrict(ConstraintSystem& cs, const LC& x);
// The comparison inside ToBitsStrict: bits (254 of them, little-endian) are boolean and
// spell an integer below r. 254 + 77 = 331 constraints.
void AssertCanonicalBits(ConstraintSystem& cs, std::span<const LC> bits);
// sum bits[i] 2^i: free. At most 253 bits.
LC FromBits(std::span<const LC> bits);
LC FromBits(std::span<const Variable> bits);
// x in [0, 2^n), 1 <= n <= 253. n constraints.
void AssertInRange(ConstraintSystem& cs, const LC& x, std::size_t n);
// 1 if a < b else 0, for a and b already known to lie in [0, 2^n); 1 <= n <= 252. The
// top bit of a + 2^n - b in n + 1 bits. n + 1 constraints (circomlib LessThan(n): n + 2,
// n + 1 after circom --O2).
// The caller range-checks a and b (AssertInRange) unless they are known to be small.
LC LessThan(ConstraintSystem& cs, const LC& a, const LC& b, std::size_t n);
// a <= b under the same conditions: n + 1 constraints.
LC LessOrEqual(ConstraintSystem& cs, const LC& a, const LC& b, std::size_t n);

}  // namespace depinfer::snark
