// A circuit of about 2^k constraints shaped like real ones, for prover benchmarks: each
// constraint multiplies two earlier wires and adds the first (y = a * b + a), so witness values
// are full-width. Wire 1 (public) is the last wire's value; wire 2 is a random private input.
#pragma once

#include <random>
#include <vector>

#include "snark/formats/r1cs.h"
#include "snark/groth16/r1cs.h"

namespace depinfer::snark::groth16 {

struct SyntheticCircuit {
  R1cs r1cs;
  std::vector<Fr> witness;

  explicit SyntheticCircuit(int log_constraints) {
    // 2^k - 8 products, one output row and the two public rows keep the QAP in 2^k.
    const std::size_t m = (std::size_t{1} << log_constraints) - 8;
    std::mt19937_64 rng(3);
    auto draw = [&rng] { return rng(); };
    r1cs.num_public = 1;
    r1cs.num_wires = static_cast<std::uint32_t>(3 + m);
    witness = {Fr::One(), Fr::Zero(), Fr::Random(draw)};
    for (std::size_t k = 0; k < m; ++k) {
      const auto w = static_cast<std::uint32_t>(3 + k);
      const auto a = static_cast<std::uint32_t>(2 + rng() % (w - 2));
      const auto b = static_cast<std::uint32_t>(2 + rng() % (w - 2));
      r1cs.a.push_back({{a, Fr::One()}});
      r1cs.b.push_back({{b, Fr::One()}});
      r1cs.c.push_back({{w, Fr::One()}, {a, -Fr::One()}});
      witness.push_back(witness[a] * witness[b] + witness[a]);
    }
    r1cs.a.push_back({{1, Fr::One()}});
    r1cs.b.push_back({{0, Fr::One()}});
    r1cs.c.push_back({{r1cs.num_wires - 1, Fr::One()}});
    witness[1] = witness.back();
  }

  // The same circuit as circom's .r1cs (one public output, one private input).
  formats::R1cs ToCircom() const {
    formats::R1cs out;
    out.n_wires = r1cs.num_wires;
    out.n_pub_out = 1;
    out.n_prv_in = 1;
    out.n_labels = r1cs.num_wires;
    out.wire_to_label.resize(r1cs.num_wires);
    for (std::uint32_t i = 0; i < r1cs.num_wires; ++i) out.wire_to_label[i] = i;
    auto row = [](const LinearCombination& lc) {
      formats::R1csRow r;
      for (const Term& t : lc) r.push_back({t.wire, t.coeff});
      return r;
    };
    out.constraints.reserve(r1cs.num_constraints());
    for (std::size_t k = 0; k < r1cs.num_constraints(); ++k) {
      out.constraints.push_back({row(r1cs.a[k]), row(r1cs.b[k]), row(r1cs.c[k])});
    }
    return out;
  }
};

}  // namespace depinfer::snark::groth16
