// Variables and linear combinations of a rank-1 constraint system over BN254 Fr.
//
// A Variable names one wire of the circuit: the constant 1, a public output, a public input, a
// private input or an internal (private) wire. Variables are symbolic: their final position in
// the witness vector is decided once the circuit is complete (ConstraintSystem::WireIndex),
// following circom's wire order: [1, public outputs, public inputs, private inputs, internal].
//
// A LinearCombination is a sparse sum  c_0 * 1 + sum_k c_k * v_k  with its terms sorted by
// wire order, each variable at most once and no zero coefficient. Adding and scaling them
// costs no constraint; only multiplying two non-constant combinations does
// (ConstraintSystem::Mul).
#pragma once

#include <cstdint>
#include <vector>

#include "math/bn254.h"

namespace depinfer::snark {

using math::bn254::Fr;

class Variable {
 public:
  // Ordered as the wires are: a smaller kind comes first in the witness vector.
  enum class Kind : std::uint8_t {
    kOne = 0,
    kPublicOutput = 1,
    kPublicInput = 2,
    kPrivateInput = 3,
    kInternal = 4,
  };
  static constexpr int kNumKinds = 5;

  // The constant wire 1.
  constexpr Variable() = default;
  constexpr Variable(Kind kind, std::uint32_t index) : kind_(kind), index_(index) {}
  static constexpr Variable One() { return Variable(); }

  constexpr Kind kind() const { return kind_; }
  // The position among the variables of the same kind, in declaration order.
  constexpr std::uint32_t index() const { return index_; }
  constexpr bool IsOne() const { return kind_ == Kind::kOne; }
  constexpr bool IsPublic() const {
    return kind_ == Kind::kPublicOutput || kind_ == Kind::kPublicInput;
  }
  // A key whose order is the wire order.
  constexpr std::uint64_t key() const {
    return (static_cast<std::uint64_t>(kind_) << 32) | index_;
  }
  friend constexpr bool operator==(Variable a, Variable b) { return a.key() == b.key(); }
  friend constexpr bool operator<(Variable a, Variable b) { return a.key() < b.key(); }

 private:
  Kind kind_ = Kind::kOne;
  std::uint32_t index_ = 0;
};

struct Term {
  Variable var;
  Fr coeff;
};

class LinearCombination {
 public:
  LinearCombination() = default;  // zero
  // Implicit on purpose: a variable or a constant is a linear combination, so gadgets take
  // `const LinearCombination&` and callers pass whichever they have.
  LinearCombination(Variable v);  // NOLINT(google-explicit-constructor)
  LinearCombination(const Fr& constant);  // NOLINT(google-explicit-constructor)
  static LinearCombination Constant(std::uint64_t c) { return LinearCombination(Fr::FromU64(c)); }
  // Takes terms already in canonical form: sorted by wire order, distinct variables, no zero
  // coefficient (for gadgets that assemble combinations in bulk). Aborts otherwise.
  static LinearCombination FromSortedTerms(std::vector<Term> terms);

  // Sorted by wire order, distinct variables, nonzero coefficients.
  const std::vector<Term>& terms() const { return terms_; }
  std::size_t size() const { return terms_.size(); }

  bool IsZero() const { return terms_.empty(); }
  // True when no variable other than the constant 1 appears.
  bool IsConstant() const { return terms_.empty() || (terms_.size() == 1 && terms_[0].var.IsOne()); }
  // The coefficient of the constant wire 1.
  Fr ConstantTerm() const;
  // The single variable v when this is exactly 1 * v; otherwise false.
  bool AsVariable(Variable* v) const;

  // this += k * other, in one merge of the sorted term lists.
  LinearCombination& AddScaled(const Fr& k, const LinearCombination& other);
  LinearCombination& operator+=(const LinearCombination& other) { return AddScaled(Fr::One(), other); }
  LinearCombination& operator-=(const LinearCombination& other) { return AddScaled(-Fr::One(), other); }
  LinearCombination& operator*=(const Fr& k);

  friend bool operator==(const LinearCombination& a, const LinearCombination& b);

 private:
  std::vector<Term> terms_;
};

// Free functions (not hidden friends) so that Variable + Variable and Fr - Variable find them.
LinearCombination operator+(LinearCombination a, const LinearCombination& b);
LinearCombination operator-(LinearCombination a, const LinearCombination& b);
LinearCombination operator-(LinearCombination a);
LinearCombination operator*(LinearCombination a, const Fr& k);
LinearCombination operator*(const Fr& k, LinearCombination a);

using LC = LinearCombination;

}  // namespace depinfer::snark
