#include "snark/poseidon_gadget.h"

#include <algorithm>
#include <vector>

#include "snark/check.h"

namespace depinfer::snark {
namespace {

// The permutation state as t linear combinations over one shared, sorted list of variables,
// stored column by column: coef[c * t + i] is the coefficient of vars[c] in element i. The
// MDS product is then t x t multiplications per column in one tight loop, with no merging or
// allocation, and S-box outputs (new internal wires, the largest in wire order) are appended
// as new columns, keeping the list sorted. The numeric values of the elements are tracked
// beside them (with values), so no combination is ever evaluated term by term.
//
// Partial rounds use the structure of the problem: once element 0 has gone through the
// S-box it is exactly the new wire y, so every older column has a zero in row 0 and evolves
// by the same linear map  col <- M (0, col[1..t)). The coefficients of y in the state d
// rounds after its own are therefore the same for every partial round: u_0 = M e_0,
// u_{d+1} = M (0, u_d[1..t)). With them the S-box input of each partial round is assembled
// without any multiplication for the earlier S-box outputs, and the columns of the state
// before the partial rounds are the only ones mixed round by round.
class State {
 public:
  State(ConstraintSystem& cs, std::span<const LC> in) : cs_(cs), t_(in.size()) {
    vars_.push_back(Variable::One());
    for (const LC& lc : in) {
      for (const Term& term : lc.terms()) vars_.push_back(term.var);
    }
    std::sort(vars_.begin(), vars_.end());
    vars_.erase(std::unique(vars_.begin(), vars_.end()), vars_.end());
    coef_.assign(vars_.size() * t_, Fr::Zero());
    for (std::size_t i = 0; i < t_; ++i) {
      for (const Term& term : in[i].terms()) {
        std::size_t c = std::lower_bound(vars_.begin(), vars_.end(), term.var) - vars_.begin();
        coef_[c * t_ + i] = term.coeff;
      }
    }
    if (cs_.has_values()) {
      for (const LC& lc : in) value_.push_back(cs_.Value(lc));
    }
  }

  // One full round: constants, x^5 on every element, the MDS product.
  void FullRound(const PoseidonParams& p, std::size_t r) {
    AddRoundConstants(p, r);
    for (std::size_t i = 0; i < t_; ++i) {
      LC x = Row(i);
      Fr constant;
      std::optional<Variable> y = Pow5(x, i, &constant);
      for (std::size_t c = 0; c < vars_.size(); ++c) coef_[c * t_ + i] = Fr::Zero();
      if (y) {
        vars_.push_back(*y);
        coef_.resize(vars_.size() * t_, Fr::Zero());
        coef_[(vars_.size() - 1) * t_ + i] = Fr::One();
      } else {
        coef_[i] = constant;  // column 0 is the constant wire
      }
    }
    for (std::size_t c = 0; c < vars_.size(); ++c) MixColumn(p, c);
    MixValues(p);
    DropZeroColumns();
  }

  // `count` partial rounds starting at round `first` (see the class comment).
  void PartialRounds(const PoseidonParams& p, std::size_t first, std::size_t count) {
    std::vector<Fr> u(count * t_);
    for (std::size_t i = 0; i < t_; ++i) u[i] = p.Mds(i, 0);
    for (std::size_t d = 1; d < count; ++d) {
      std::vector<Fr> prev(u.begin() + (d - 1) * t_, u.begin() + d * t_);
      prev[0] = Fr::Zero();
      MatVec(p, prev.data(), &u[d * t_]);
    }
    struct Output {
      Variable var;
      std::size_t round;  // within the partial rounds
    };
    std::vector<Output> outputs;
    const std::size_t base_columns = vars_.size();
    for (std::size_t q = 0; q < count; ++q) {
      AddRoundConstants(p, first + q);
      std::vector<Term> terms;
      for (std::size_t c = 0; c < base_columns; ++c) {
        const Fr& k = coef_[c * t_];
        if (!k.IsZero()) terms.push_back({vars_[c], k});
      }
      for (const Output& o : outputs) {
        const Fr& k = u[(q - 1 - o.round) * t_];
        if (!k.IsZero()) terms.push_back({o.var, k});
      }
      Fr constant;
      std::optional<Variable> y = Pow5(LC::FromSortedTerms(std::move(terms)), 0, &constant);
      if (y) outputs.push_back({*y, q});
      for (std::size_t c = 0; c < base_columns; ++c) coef_[c * t_] = Fr::Zero();
      if (!y) coef_[0] = constant;
      for (std::size_t c = 0; c < base_columns; ++c) MixColumn(p, c);
      MixValues(p);
    }
    for (const Output& o : outputs) {
      vars_.push_back(o.var);
      const Fr* col = &u[(count - 1 - o.round) * t_];
      coef_.insert(coef_.end(), col, col + t_);
    }
    DropZeroColumns();
  }

  // Element i as a linear combination.
  LC Row(std::size_t i) const {
    std::vector<Term> terms;
    for (std::size_t c = 0; c < vars_.size(); ++c) {
      const Fr& k = coef_[c * t_ + i];
      if (!k.IsZero()) terms.push_back({vars_[c], k});
    }
    return LC::FromSortedTerms(std::move(terms));
  }

 private:
  void AddRoundConstants(const PoseidonParams& p, std::size_t r) {
    for (std::size_t i = 0; i < t_; ++i) {
      coef_[i] += p.RoundConstant(r, i);
      if (!value_.empty()) value_[i] += p.RoundConstant(r, i);
    }
  }

  // x^5 where x is element i (whose value value_[i] is, with values; it becomes x^5).
  // A constant x costs nothing: returns nullopt and *constant = x^5. Otherwise 3 constraints
  // and the wire holding x^5.
  std::optional<Variable> Pow5(const LC& x, std::size_t i, Fr* constant) {
    if (x.IsConstant()) {
      Fr c = x.ConstantTerm();
      *constant = c.Square().Square() * c;
      if (!value_.empty()) value_[i] = *constant;
      return std::nullopt;
    }
    std::optional<Fr> v2, v4, v5;
    if (!value_.empty()) {
      v2 = value_[i].Square();
      v4 = v2->Square();
      v5 = *v4 * value_[i];
      value_[i] = *v5;
    }
    Variable x2 = cs_.MulWithValue(x, x, v2);
    Variable x4 = cs_.MulWithValue(x2, x2, v4);
    return cs_.MulWithValue(x4, x, v5);
  }

  void MatVec(const PoseidonParams& p, const Fr* in, Fr* out) const {
    for (std::size_t i = 0; i < t_; ++i) {
      Fr acc = p.Mds(i, 0) * in[0];
      for (std::size_t j = 1; j < t_; ++j) acc += p.Mds(i, j) * in[j];
      out[i] = acc;
    }
  }

  void MixColumn(const PoseidonParams& p, std::size_t c) {
    Fr* column = &coef_[c * t_];
    bool zero = true;
    for (std::size_t j = 0; j < t_ && zero; ++j) zero = column[j].IsZero();
    if (zero) return;
    Fr mixed[kPoseidonMaxWidth];
    MatVec(p, column, mixed);
    std::copy_n(mixed, t_, column);
  }

  void MixValues(const PoseidonParams& p) {
    if (value_.empty()) return;
    Fr mixed[kPoseidonMaxWidth];
    MatVec(p, value_.data(), mixed);
    std::copy_n(mixed, t_, value_.begin());
  }

  // Forgets the columns of variables that have left the state (column 0, the constant
  // wire, always stays).
  void DropZeroColumns() {
    std::size_t kept = 1;
    for (std::size_t c = 1; c < vars_.size(); ++c) {
      bool zero = true;
      for (std::size_t i = 0; i < t_ && zero; ++i) zero = coef_[c * t_ + i].IsZero();
      if (zero) continue;
      if (kept != c) {
        vars_[kept] = vars_[c];
        std::copy_n(&coef_[c * t_], t_, &coef_[kept * t_]);
      }
      ++kept;
    }
    vars_.resize(kept);
    coef_.resize(kept * t_);
  }

  ConstraintSystem& cs_;
  std::size_t t_;
  std::vector<Variable> vars_;
  std::vector<Fr> coef_;
  std::vector<Fr> value_;  // empty without values
};

}  // namespace

void PoseidonPermuteGadget(ConstraintSystem& cs, const PoseidonParams& params,
                           std::span<LC> state) {
  const std::size_t t = params.width;
  DEPINFER_SNARK_CHECK(state.size() == t, "state size must equal the Poseidon width");
  DEPINFER_SNARK_CHECK(t <= kPoseidonMaxWidth, "Poseidon gadget supports widths up to 17");
  State s(cs, state);
  const std::size_t half = params.full_rounds / 2;
  for (std::size_t r = 0; r < half; ++r) {
    ConstraintSystem::Scope round(cs, "full_round", r);
    s.FullRound(params, r);
  }
  if (params.partial_rounds > 0) {
    ConstraintSystem::Scope rounds(cs, "partial_rounds");
    s.PartialRounds(params, half, params.partial_rounds);
  }
  for (std::size_t r = half + params.partial_rounds; r < params.rounds(); ++r) {
    ConstraintSystem::Scope round(cs, "full_round", r);
    s.FullRound(params, r);
  }
  for (std::size_t i = 0; i < t; ++i) state[i] = s.Row(i);
}

LC PoseidonGadget(ConstraintSystem& cs, std::span<const LC> inputs) {
  DEPINFER_SNARK_CHECK(!inputs.empty() && inputs.size() <= kPoseidonMaxInputs,
                       "Poseidon takes 1 to 16 inputs");
  ConstraintSystem::Scope scope(cs, "poseidon");
  const PoseidonParams& params = CircomPoseidonParams(inputs.size() + 1);
  std::vector<LC> state(params.width);
  for (std::size_t i = 0; i < inputs.size(); ++i) state[i + 1] = inputs[i];
  PoseidonPermuteGadget(cs, params, state);
  return state[0];
}

std::size_t PoseidonGadgetConstraints(std::size_t n_inputs) {
  const std::size_t t = n_inputs + 1;
  return 3 * (8 * t + PoseidonPartialRounds(t) - 1);
}

}  // namespace depinfer::snark
