// The Groth16 simulator: with the trapdoor (alpha, beta, gamma, delta and the discrete logs of
// IC) one can produce a verifying proof for any public inputs without a witness; this is what
// makes Groth16 zero-knowledge. Here it serves tests and benchmarks of the verifier, which sees
// exactly the same kind of proof a prover makes. Never use it with a real key's trapdoor (a real
// setup destroys it).
#pragma once

#include <vector>

#include "snark/groth16/verifier.h"

namespace depinfer::snark::groth16 {

struct Trapdoor {
  Fr alpha, beta, gamma, delta;
  std::vector<Fr> ic;  // discrete logs of IC_0 .. IC_n

  template <class Rng>
  static Trapdoor Random(Rng& rng, std::size_t num_public) {
    Trapdoor td{Fr::Random(rng), Fr::Random(rng), Fr::Random(rng), Fr::Random(rng), {}};
    for (std::size_t i = 0; i <= num_public; ++i) td.ic.push_back(Fr::Random(rng));
    return td;
  }

  VerifyingKey Key() const {
    VerifyingKey vk;
    vk.alpha = G1Mul(alpha);
    vk.beta = G2Mul(beta);
    vk.gamma = G2Mul(gamma);
    vk.delta = G2Mul(delta);
    for (const Fr& x : ic) vk.ic.push_back(G1Mul(x));
    return vk;
  }

  // A proof with a*b = alpha*beta + l*gamma + c*delta, l = ic_0 + sum_i x_i ic_i.
  template <class Rng>
  Proof Simulate(Rng& rng, const std::vector<Fr>& inputs) const {
    Fr a = Fr::Random(rng), b = Fr::Random(rng);
    Fr l = ic[0];
    for (std::size_t i = 0; i < inputs.size(); ++i) l += inputs[i] * ic[i + 1];
    Fr c = (a * b - alpha * beta - l * gamma) * delta.Inverse();
    return {G1Mul(a), G2Mul(b), G1Mul(c)};
  }

  static G1Affine G1Mul(const Fr& k) {
    return math::bn254::G1::FromAffine(math::bn254::G1Generator()).ScalarMulVartime(k.ToInt()).ToAffine();
  }
  static G2Affine G2Mul(const Fr& k) {
    return math::bn254::G2::FromAffine(math::bn254::G2Generator()).ScalarMulVartime(k.ToInt()).ToAffine();
  }
};

}  // namespace depinfer::snark::groth16
