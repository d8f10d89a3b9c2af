// A circuit of about 2^k constraints shaped like real ones, for prover benchmarks: each
// constraint multiplies two earlier wires and adds the first (y = a * b + a), so witness values
// are full-width. Wire 1 (public) is the last wire's value; wire 2 is a random private input.
#pragma once

#include <random>
#include <vector>

#include "snark/formats/r1cs.h"
#include "snark/groth16/circom_r1cs.h"
#include "snark/r1cs.h"

namespace depinfer::snark::groth16 {

struct SyntheticCircuit {
  snark::R1cs r1cs;
  std::vector<Fr> witness;

  explicit SyntheticCircuit(int log_constraints) {
    // 2^k - 8 products, one output row and the two public rows keep the QAP in 2^k.
    const std::size_t m = (std::size_t{1} << log_constraints) - 8;
    std::mt19937_64 rng(3);
    auto draw = [&rng] { return rng(); };
    r1cs.num_public_outputs = 1;
    r1cs.num_private_inputs = 1;
    r1cs.num_wires = 3 + m;
    witness = {Fr::One(), Fr::Zero(), Fr::Random(draw)};
    for (std::size_t k = 0; k < m; ++k) {
      const auto w = static_cast<std::uint32_t>(3 + k);
      const auto a = static_cast<std::uint32_t>(2 + rng() % (w - 2));
      const auto b = static_cast<std::uint32_t>(2 + rng() % (w - 2));
      r1cs.a.AppendRow({{a, Fr::One()}});
      r1cs.b.AppendRow({{b, Fr::One()}});
      r1cs.c.AppendRow({{w, Fr::One()}, {a, -Fr::One()}});
      witness.push_back(witness[a] * witness[b] + witness[a]);
    }
    r1cs.a.AppendRow({{1, Fr::One()}});
    r1cs.b.AppendRow({{0, Fr::One()}});
    r1cs.c.AppendRow({{static_cast<std::uint32_t>(r1cs.num_wires - 1), Fr::One()}});
    witness[1] = witness.back();
  }

  // The same circuit as circom's .r1cs (one public output, one private input).
  formats::R1cs ToCircom() const { return ToCircomR1cs(r1cs); }
};

}  // namespace depinfer::snark::groth16
