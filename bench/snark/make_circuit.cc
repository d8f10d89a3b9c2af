// Writes the synthetic circuit of synthetic_circuit.h as circom's .r1cs and its witness as
// .wtns, for whole-command benchmarks of `depinfer zk setup` and `depinfer zk prove` (peak
// memory above all) at sizes circom itself cannot compile in its WebAssembly build:
//   build/release/bench/snark/make_circuit 20 DIR   ->  DIR/synthetic_20.r1cs, .wtns
#include <cstdio>
#include <cstdlib>
#include <string>

#include "snark/formats/wtns.h"
#include "synthetic_circuit.h"

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: make_circuit LOG2_CONSTRAINTS DIR  (writes DIR/synthetic_<k>.r1cs and .wtns)\n");
    return argc == 2 ? 0 : 2;
  }
  const int k = std::atoi(argv[1]);
  if (k < 4 || k > 24) {
    std::fprintf(stderr, "make_circuit: LOG2_CONSTRAINTS must be 4..24\n");
    return 2;
  }
  using namespace depinfer::snark;
  groth16::SyntheticCircuit c(k);
  const std::string base = std::string(argv[2]) + "/synthetic_" + std::to_string(k);
  depinfer::Status st = formats::WriteR1csFile(base + ".r1cs", c.ToCircom());
  if (st.ok()) st = formats::WriteWtnsFile(base + ".wtns", c.witness);
  if (!st.ok()) {
    std::fprintf(stderr, "make_circuit: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("%s.r1cs: %zu constraints, %zu wires\n", base.c_str(), c.r1cs.num_constraints(), c.r1cs.num_wires);
  return 0;
}
