#include "snark/linear_combination.h"

#include <utility>

#include "snark/check.h"

namespace depinfer::snark {

LinearCombination::LinearCombination(Variable v) { terms_.push_back({v, Fr::One()}); }

LinearCombination::LinearCombination(const Fr& constant) {
  if (!constant.IsZero()) terms_.push_back({Variable::One(), constant});
}

LinearCombination LinearCombination::FromSortedTerms(std::vector<Term> terms) {
  for (std::size_t i = 0; i < terms.size(); ++i) {
    DEPINFER_SNARK_CHECK(!terms[i].coeff.IsZero(), "zero coefficient");
    DEPINFER_SNARK_CHECK(i == 0 || terms[i - 1].var < terms[i].var, "terms not sorted and distinct");
  }
  LinearCombination lc;
  lc.terms_ = std::move(terms);
  return lc;
}

Fr LinearCombination::ConstantTerm() const {
  return (!terms_.empty() && terms_[0].var.IsOne()) ? terms_[0].coeff : Fr::Zero();
}

bool LinearCombination::AsVariable(Variable* v) const {
  if (terms_.size() != 1 || !terms_[0].coeff.IsOne()) return false;
  *v = terms_[0].var;
  return true;
}

LinearCombination& LinearCombination::AddScaled(const Fr& k, const LinearCombination& other) {
  if (k.IsZero() || other.terms_.empty()) return *this;
  const bool unit = k.IsOne();
  std::vector<Term> merged;
  merged.reserve(terms_.size() + other.terms_.size());
  auto a = terms_.begin(), a_end = terms_.end();
  auto b = other.terms_.begin(), b_end = other.terms_.end();
  while (a != a_end || b != b_end) {
    if (b == b_end || (a != a_end && a->var < b->var)) {
      merged.push_back(*a++);
    } else {
      Fr scaled = unit ? b->coeff : k * b->coeff;
      if (a != a_end && a->var == b->var) {
        Fr sum = a->coeff + scaled;
        if (!sum.IsZero()) merged.push_back({a->var, sum});
        ++a;
      } else {
        merged.push_back({b->var, scaled});
      }
      ++b;
    }
  }
  terms_ = std::move(merged);
  return *this;
}

LinearCombination& LinearCombination::operator*=(const Fr& k) {
  if (k.IsZero()) {
    terms_.clear();
  } else {
    for (Term& t : terms_) t.coeff *= k;
  }
  return *this;
}

bool operator==(const LinearCombination& a, const LinearCombination& b) {
  if (a.terms_.size() != b.terms_.size()) return false;
  for (std::size_t i = 0; i < a.terms_.size(); ++i) {
    if (!(a.terms_[i].var == b.terms_[i].var) || a.terms_[i].coeff != b.terms_[i].coeff) {
      return false;
    }
  }
  return true;
}

LinearCombination operator+(LinearCombination a, const LinearCombination& b) { return a += b; }
LinearCombination operator-(LinearCombination a, const LinearCombination& b) { return a -= b; }
LinearCombination operator-(LinearCombination a) { return a *= -Fr::One(); }
LinearCombination operator*(LinearCombination a, const Fr& k) { return a *= k; }
LinearCombination operator*(const Fr& k, LinearCombination a) { return a *= k; }

}  // namespace depinfer::snark
