// Random compositions of every gadget: the circuit built with values is satisfied, agrees with
// its own R1CS matrices, and has exactly the constraints of the same circuit built without
// values (the choices depend on the seed only, never on values).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "snark/gadgets.h"
#include "snark/merkle.h"
#include "snark/poseidon_gadget.h"

namespace depinfer::snark {
namespace {

struct Rng {
  std::mt19937_64 g;
  math::u64 operator()() { return g(); }
  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(g() % n); }
};

// Builds a random circuit from `seed`; with values when cs.has_values().
void RandomCircuit(ConstraintSystem& cs, std::uint64_t seed) {
  Rng rng{std::mt19937_64(seed)};
  auto value = [&cs](const Fr& v) { return cs.has_values() ? std::optional<Fr>(v) : std::nullopt; };
  std::vector<LC> field, bits, small;  // any value; booleans; values below 2^16
  for (int i = 0; i < 3; ++i) {
    Fr v = Fr::Random(rng);
    field.push_back(i % 2 ? cs.PublicInput("f", value(v)) : cs.PrivateInput("f", value(v)));
    Fr b = Fr::FromU64(rng() & 1);
    bits.push_back(cs.PrivateInput("b", value(b)));
    AssertBoolean(cs, bits.back());
    Fr s = Fr::FromU64(rng() & 0xFFFF);
    small.push_back(cs.PrivateInput("s", value(s)));
    AssertInRange(cs, small.back(), 16);
  }
  field.push_back(LC(Fr::FromU64(rng())));  // a constant now and then
  auto pick = [&rng](const std::vector<LC>& v) -> const LC& { return v[rng.Below(v.size())]; };
  for (int op = 0; op < 40; ++op) {
    ConstraintSystem::Scope scope(cs, "op", static_cast<std::size_t>(op));
    switch (rng.Below(12)) {
      case 0: field.push_back(cs.Mul(pick(field), pick(field))); break;
      case 1: field.push_back(Select(cs, pick(bits), pick(field), pick(field))); break;
      case 2: bits.push_back(IsZero(cs, pick(field) - pick(field))); break;
      case 3: bits.push_back(IsEqual(cs, pick(small), pick(small))); break;
      case 4: {
        auto [x, y] = ConditionalSwap(cs, pick(bits), pick(field), pick(field));
        field.push_back(x);
        field.push_back(y);
        break;
      }
      case 5: {
        std::vector<LC> b = ToBits(cs, pick(small), 16);
        bits.push_back(b[rng.Below(16)]);
        break;
      }
      case 6: bits.push_back(LessThan(cs, pick(small), pick(small), 16)); break;
      case 7: {
        std::vector<LC> in;
        for (std::size_t n = 1 + rng.Below(3); n > 0; --n) in.push_back(pick(field));
        field.push_back(PoseidonGadget(cs, in));
        break;
      }
      case 8: bits.push_back(Xor(cs, pick(bits), Or(cs, pick(bits), And(cs, pick(bits), pick(bits))))); break;
      case 9: {
        std::vector<LC> sel = {pick(bits), pick(bits)}, opts;
        for (int k = 0; k < 4; ++k) opts.push_back(pick(field));
        field.push_back(Mux(cs, sel, opts));
        break;
      }
      case 10: {
        std::vector<LC> path = {pick(bits), pick(bits)}, siblings = {pick(field), pick(field)};
        field.push_back(MerkleRootGadget(cs, pick(field), path, siblings));
        break;
      }
      case 11: {
        const LC& x = pick(field);
        AssertEqual(cs, x + Fr::One(), Fr::One() + x);
        break;
      }
    }
  }
  cs.PublicOutput("out", pick(field));
}

TEST(RandomCircuits, SatisfiedAndTheSameWithoutValues) {
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    ConstraintSystem prove;
    RandomCircuit(prove, seed);
    Status st = prove.IsSatisfied();
    ASSERT_TRUE(st.ok()) << "seed " << seed << ": " << st.ToString();
    R1cs r = prove.ToR1cs();
    ASSERT_TRUE(CheckWitness(r, prove.Witness()).ok()) << "seed " << seed;

    ConstraintSystem setup(ConstraintSystem::Mode::kWithoutValues);
    RandomCircuit(setup, seed);
    ASSERT_EQ(setup.num_wires(), prove.num_wires()) << "seed " << seed;
    R1cs s = setup.ToR1cs();
    for (auto [x, y] : {std::pair{&r.a, &s.a}, {&r.b, &s.b}, {&r.c, &s.c}}) {
      ASSERT_EQ(x->row_start, y->row_start) << "seed " << seed;
      ASSERT_EQ(x->column, y->column) << "seed " << seed;
      ASSERT_EQ(x->value, y->value) << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace depinfer::snark
