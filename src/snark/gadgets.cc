#include "snark/gadgets.h"

#include "snark/check.h"

namespace depinfer::snark {
namespace {

constexpr std::size_t kMaxBits = 253;  // 2^253 < r: sums of 253 bits never wrap

const LC kOne = LC::Constant(1);

// 2^i as a field element.
Fr PowerOfTwo(std::size_t i) {
  math::BigInt<4> x;
  x.limb[i / 64] = math::u64{1} << (i % 64);
  return Fr::FromCanonical(x);
}

}  // namespace

// ---- booleans ----------------------------------------------------------------------------

void AssertBoolean(ConstraintSystem& cs, const LC& x) { cs.Enforce(x, kOne - x, LC()); }

LC Not(const LC& x) { return kOne - x; }

LC And(ConstraintSystem& cs, const LC& a, const LC& b) { return cs.Mul(a, b); }

LC Or(ConstraintSystem& cs, const LC& a, const LC& b) { return a + b - cs.Mul(a, b); }

LC Xor(ConstraintSystem& cs, const LC& a, const LC& b) {
  return a + b - Fr::FromU64(2) * cs.Mul(a, b);
}

// ---- equality and zero ---------------------------------------------------------------------

void AssertEqual(ConstraintSystem& cs, const LC& a, const LC& b) { cs.AssertEqual(a, b); }

void AssertEqualIf(ConstraintSystem& cs, const LC& cond, const LC& a, const LC& b) {
  cs.Enforce(cond, a - b, LC());
}

void AssertNonZero(ConstraintSystem& cs, const LC& x) {
  Variable inv = cs.Hint(x, [](const Fr& v) { return v.Inverse(); });
  cs.Enforce(x, inv, kOne);
}

void AssertNotEqual(ConstraintSystem& cs, const LC& a, const LC& b) { AssertNonZero(cs, a - b); }

LC IsZero(ConstraintSystem& cs, const LC& x) {
  if (x.IsConstant()) return LC::Constant(x.ConstantTerm().IsZero() ? 1 : 0);
  // inv = 1/x (0 when x = 0); out = 1 - x*inv; x * out = 0.
  // x != 0 forces out = 0; x = 0 makes x*inv = 0 and so out = 1, whatever inv is.
  Variable inv = cs.Hint(x, [](const Fr& v) { return v.Inverse(); });
  LC out = kOne - cs.Mul(x, inv);
  cs.Enforce(x, out, LC());
  return out;
}

LC IsEqual(ConstraintSystem& cs, const LC& a, const LC& b) { return IsZero(cs, a - b); }

// ---- selection ---------------------------------------------------------------------------

LC Select(ConstraintSystem& cs, const LC& cond, const LC& if_true, const LC& if_false) {
  return if_false + cs.Mul(cond, if_true - if_false);
}

LC Mux(ConstraintSystem& cs, std::span<const LC> bits, std::span<const LC> options) {
  DEPINFER_SNARK_CHECK(bits.size() <= 20 && options.size() == (std::size_t{1} << bits.size()),
                       "Mux needs 2^bits options, at most 20 bits");
  std::vector<LC> layer(options.begin(), options.end());
  for (const LC& bit : bits) {
    std::vector<LC> next(layer.size() / 2);
    for (std::size_t j = 0; j < next.size(); ++j) {
      next[j] = Select(cs, bit, layer[2 * j + 1], layer[2 * j]);
    }
    layer = std::move(next);
  }
  return layer[0];
}

std::pair<LC, LC> ConditionalSwap(ConstraintSystem& cs, const LC& swap, const LC& a, const LC& b) {
  LC d = cs.Mul(swap, b - a);  // b - a when swapping, else 0
  return {a + d, b - d};
}

// ---- bits and ranges -----------------------------------------------------------------------

namespace {

// Bits of x: bits 1..n-1 new wires from a hint, bit 0 = x - sum_{i>=1} 2^i bits[i]. No
// constraint: the caller checks every bit.
std::vector<LC> HintBits(ConstraintSystem& cs, const LC& x, std::size_t n) {
  std::vector<Variable> high =
      cs.Hint(std::span<const LC>(&x, 1), n - 1, [](std::span<const Fr> in, std::span<Fr> out) {
        math::BigInt<4> v = in[0].ToInt();
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = v.Bit(i + 1) ? Fr::One() : Fr::Zero();
      });
  std::vector<LC> bits(n);
  bits[0] = x;
  for (std::size_t i = 1; i < n; ++i) {
    bits[i] = high[i - 1];
    bits[0].AddScaled(-PowerOfTwo(i), bits[i]);
  }
  return bits;
}

// AND of booleans: a chain of products (size - 1 constraints, constants free) or, when that
// is longer, IsZero(k - sum) (2 constraints).
LC AndAll(ConstraintSystem& cs, std::span<const LC> xs) {
  std::vector<LC> vars;
  Fr constant = Fr::One();
  for (const LC& x : xs) {
    if (x.IsConstant()) {
      constant *= x.ConstantTerm();
    } else {
      vars.push_back(x);
    }
  }
  if (vars.empty()) return LC(constant);
  LC out;
  if (vars.size() - 1 <= 2) {
    out = vars[0];
    for (std::size_t i = 1; i < vars.size(); ++i) out = cs.Mul(out, vars[i]);
  } else {
    LC missing = LC::Constant(vars.size());
    for (const LC& v : vars) missing -= v;
    out = IsZero(cs, missing);
  }
  return out * constant;
}

}  // namespace

std::vector<LC> ToBitsStrict(ConstraintSystem& cs, const LC& x) {
  std::vector<LC> bits = HintBits(cs, x, Fr::kBits);
  AssertCanonicalBits(cs, bits);
  return bits;
}

void AssertCanonicalBits(ConstraintSystem& cs, std::span<const LC> bits) {
  constexpr std::size_t n = Fr::kBits;  // 254
  DEPINFER_SNARK_CHECK(bits.size() == n, "AssertCanonicalBits takes 254 bits");
  math::BigInt<4> max = Fr::kModulus;  // r - 1
  math::BigInt<4>::Sub(max, max, math::BigInt<4>(1));
  // From the top bit down: prefix_equal is 1 while the bits seen equal those of r - 1. At a
  // 1 of r - 1 the bit is only boolean (it cannot exceed 1); at a 0 of r - 1 it must be 0
  // while the prefix is equal and is boolean otherwise: (1 - prefix_equal - b) * b = 0.
  // prefix_equal changes only at the 1s (the 0s are forced), so it is the AND of the bits at
  // the 1s above, updated once per run of 1s.
  LC prefix_equal = LC::Constant(1);
  std::vector<LC> run;
  for (std::size_t i = n; i-- > 0;) {
    if (max.Bit(i)) {
      AssertBoolean(cs, bits[i]);
      run.push_back(bits[i]);
      continue;
    }
    if (!run.empty()) {
      run.push_back(prefix_equal);
      prefix_equal = AndAll(cs, run);
      run.clear();
    }
    cs.Enforce(Not(prefix_equal) - bits[i], bits[i], LC());
  }
}

std::vector<LC> ToBits(ConstraintSystem& cs, const LC& x, std::size_t n) {
  DEPINFER_SNARK_CHECK(n >= 1 && n <= kMaxBits, "ToBits takes 1 to 253 bits");
  std::vector<LC> bits = HintBits(cs, x, n);
  for (std::size_t i = 1; i < n; ++i) AssertBoolean(cs, bits[i]);
  AssertBoolean(cs, bits[0]);
  return bits;
}

LC FromBits(std::span<const LC> bits) {
  DEPINFER_SNARK_CHECK(bits.size() <= kMaxBits, "FromBits takes at most 253 bits");
  LC sum;
  for (std::size_t i = 0; i < bits.size(); ++i) sum.AddScaled(PowerOfTwo(i), bits[i]);
  return sum;
}

LC FromBits(std::span<const Variable> bits) {
  std::vector<LC> lcs(bits.begin(), bits.end());
  return FromBits(lcs);
}

void AssertInRange(ConstraintSystem& cs, const LC& x, std::size_t n) { ToBits(cs, x, n); }

LC LessThan(ConstraintSystem& cs, const LC& a, const LC& b, std::size_t n) {
  DEPINFER_SNARK_CHECK(n >= 1 && n <= kMaxBits - 1, "LessThan takes 1 to 252 bits");
  // a + 2^n - b is in [1, 2^(n+1)); its bit n is set exactly when a >= b.
  std::vector<LC> bits = ToBits(cs, a + PowerOfTwo(n) - b, n + 1);
  return Not(bits[n]);
}

LC LessOrEqual(ConstraintSystem& cs, const LC& a, const LC& b, std::size_t n) {
  return Not(LessThan(cs, b, a, n));
}

}  // namespace depinfer::snark
