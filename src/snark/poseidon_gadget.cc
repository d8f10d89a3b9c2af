#include "snark/poseidon_gadget.h"

#include <vector>

#include "snark/check.h"

namespace depinfer::snark {
namespace {

// x^5: free for a constant x, 3 constraints otherwise.
LC Pow5Gadget(ConstraintSystem& cs, const LC& x) {
  if (x.IsConstant()) {
    Fr c = x.ConstantTerm();
    return LC(c.Square().Square() * c);
  }
  LC x2 = cs.Mul(x, x);
  LC x4 = cs.Mul(x2, x2);
  return cs.Mul(x4, x);
}

}  // namespace

void PoseidonPermuteGadget(ConstraintSystem& cs, const PoseidonParams& params,
                           std::span<LC> state) {
  const std::size_t t = params.width;
  DEPINFER_SNARK_CHECK(state.size() == t, "state size must equal the Poseidon width");
  std::vector<LC> mixed(t);
  for (std::size_t r = 0; r < params.rounds(); ++r) {
    ConstraintSystem::Scope round(cs, params.IsFullRound(r) ? "full_round" : "partial_round", r);
    for (std::size_t i = 0; i < t; ++i) state[i] += LC(params.RoundConstant(r, i));
    const std::size_t sboxes = params.IsFullRound(r) ? t : 1;
    for (std::size_t i = 0; i < sboxes; ++i) state[i] = Pow5Gadget(cs, state[i]);
    for (std::size_t i = 0; i < t; ++i) {
      LC acc;
      for (std::size_t j = 0; j < t; ++j) acc.AddScaled(params.Mds(i, j), state[j]);
      mixed[i] = std::move(acc);
    }
    for (std::size_t i = 0; i < t; ++i) state[i] = std::move(mixed[i]);
  }
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
