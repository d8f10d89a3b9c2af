#include "snark/groth16/verifier.h"

#include <sodium.h>

#include <string>

#include "math/encoding.h"
#include "math/msm.h"
#include "math/pairing.h"

namespace depinfer::snark::groth16 {
namespace {

using math::bn254::Fp12;
using math::bn254::G1;
using math::bn254::G2Prepared;
using math::bn254::MillerLoop;
using math::bn254::PrepareG2;

Status CountError(std::size_t got, std::size_t want) {
  return Status::InvalidArgument("malformed public inputs: the key expects " + std::to_string(want) +
                                 ", got " + std::to_string(got));
}

Status Malformed(const char* what, const Status& st) {
  return Status::InvalidArgument(std::string("malformed ") + what + ": " + st.message());
}

// Weights r_j: 128-bit values from a ChaCha20 stream keyed by the seed (OS random when none).
std::vector<Fr> Weights(std::size_t n, const std::uint8_t* seed) {
  std::uint8_t key[crypto_stream_chacha20_KEYBYTES];
  if (seed != nullptr) {
    std::copy(seed, seed + sizeof key, key);
  } else {
    randombytes_buf(key, sizeof key);
  }
  std::vector<std::uint8_t> stream(16 * n);
  const std::uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {};
  crypto_stream_chacha20(stream.data(), stream.size(), nonce, key);
  sodium_memzero(key, sizeof key);
  std::vector<Fr> out(n);
  for (std::size_t j = 0; j < n; ++j) {
    math::BigInt<4> r;
    r.FromBytesBE(&stream[16 * j], 16);
    r.limb[0] |= 1;  // never zero
    out[j] = Fr::FromCanonical(r);
  }
  return out;
}

}  // namespace

Status ValidateVerifyingKey(const VerifyingKey& vk) {
  if (vk.ic.empty()) return Status::InvalidArgument("malformed verifying key: IC is empty");
  DEPINFER_RETURN_IF_ERROR(math::bn254::ValidateG1(vk.alpha).WithContext("verifying key alpha"));
  DEPINFER_RETURN_IF_ERROR(math::bn254::ValidateG2(vk.beta).WithContext("verifying key beta"));
  DEPINFER_RETURN_IF_ERROR(math::bn254::ValidateG2(vk.gamma).WithContext("verifying key gamma"));
  DEPINFER_RETURN_IF_ERROR(math::bn254::ValidateG2(vk.delta).WithContext("verifying key delta"));
  for (std::size_t i = 0; i < vk.ic.size(); ++i) {
    DEPINFER_RETURN_IF_ERROR(
        math::bn254::ValidateG1(vk.ic[i]).WithContext("verifying key IC[" + std::to_string(i) + "]"));
  }
  return Status::Ok();
}

Status ValidateProof(const Proof& proof) {
  Status st = math::bn254::ValidateG1(proof.a);
  if (!st.ok()) return Malformed("proof A", st);
  st = math::bn254::ValidateG2(proof.b);
  if (!st.ok()) return Malformed("proof B", st);
  st = math::bn254::ValidateG1(proof.c);
  if (!st.ok()) return Malformed("proof C", st);
  return Status::Ok();
}

void ValidateProofs(std::span<const Proof> proofs, std::vector<bool>* bad) {
  bad->assign(proofs.size(), false);
  std::vector<G2Affine> bs;
  std::vector<std::size_t> which;
  bs.reserve(proofs.size());
  for (std::size_t j = 0; j < proofs.size(); ++j) {
    const Proof& p = proofs[j];
    if (!math::bn254::ValidateG1(p.a).ok() || !math::bn254::ValidateG1(p.c).ok() ||
        !math::bn254::ValidateG2OnCurve(p.b).ok()) {
      (*bad)[j] = true;
    } else {
      bs.push_back(p.b);
      which.push_back(j);
    }
  }
  std::vector<std::uint8_t> in_g2(bs.size());
  math::bn254::IsInG2SubgroupBatchVartime(bs, in_g2.data());
  for (std::size_t k = 0; k < bs.size(); ++k) {
    if (in_g2[k] == 0) (*bad)[which[k]] = true;
  }
}

Status PreparedVerifyingKey::Prepare(const VerifyingKey& vk, PreparedVerifyingKey* out) {
  DEPINFER_RETURN_IF_ERROR(ValidateVerifyingKey(vk));
  PreparedVerifyingKey p;
  p.alpha_ = vk.alpha;
  p.alpha_beta_ = math::bn254::Pairing(vk.alpha, vk.beta);
  p.beta_ = PrepareG2(vk.beta);
  p.neg_gamma_ = PrepareG2(-vk.gamma);
  p.neg_delta_ = PrepareG2(-vk.delta);
  p.ic_ = vk.ic;
  if (vk.ic.size() <= kMaxTabledInputs + 1) {
    auto tables = std::make_shared<std::vector<G1Table>>();
    tables->reserve(vk.ic.size() + 1);
    for (const G1Affine& pt : vk.ic) tables->emplace_back(pt);
    tables->emplace_back(vk.alpha);
    p.tables_ = std::move(tables);
  }
  *out = std::move(p);
  return Status::Ok();
}

Status PreparedVerifyingKey::InputCommitment(std::span<const Fr> inputs, G1* out) const {
  if (inputs.size() != num_public()) return CountError(inputs.size(), num_public());
  // 1 * IC_0 + sum_i x_i IC_i: the batch's combination with the constant wire's scalar 1.
  std::vector<Fr> ks(inputs.size() + 1);
  ks[0] = Fr::One();
  std::copy(inputs.begin(), inputs.end(), ks.begin() + 1);
  *out = IcCombination(ks);
  return Status::Ok();
}

G1 PreparedVerifyingKey::IcCombination(std::span<const Fr> ks) const {
  G1 acc;
  if (tables_) {
    for (std::size_t i = 0; i < ks.size(); ++i) acc += (*tables_)[i].MulVartime(ks[i].ToInt());
  } else if (!math::bn254::MsmG1(ic_, ks, &acc).ok()) {
    acc = G1::Infinity();  // cannot happen: one scalar per IC point
  }
  return acc;
}

Status PreparedVerifyingKey::Verify(std::span<const Fr> public_inputs, const Proof& proof) const {
  DEPINFER_RETURN_IF_ERROR(ValidateProof(proof));
  if (public_inputs.size() != num_public()) return CountError(public_inputs.size(), num_public());
  if (!Holds(public_inputs, proof)) return Status::InvalidArgument("proof does not verify");
  return Status::Ok();
}

bool PreparedVerifyingKey::Holds(std::span<const Fr> inputs, const Proof& proof) const {
  // e(A, B) e(L, -gamma) e(C, -delta) = e(alpha, beta).
  G1 l;
  if (!InputCommitment(inputs, &l).ok()) return false;
  G2Prepared b = PrepareG2(proof.b);
  const G1Affine ps[3] = {proof.a, l.ToAffine(), proof.c};
  const G2Prepared* qs[3] = {&b, &neg_gamma_, &neg_delta_};
  return math::bn254::FinalExponentiation(MillerLoop(ps, qs)) == alpha_beta_;
}

bool PreparedVerifyingKey::BatchHolds(std::span<const std::vector<Fr>> inputs,
                                      std::span<const Proof> proofs,
                                      std::span<const std::size_t> idx,
                                      std::span<const Fr> weights) const {
  // sum_j r_j L_j = (sum_j r_j) IC_0 + sum_i (sum_j r_j x_ji) IC_i: scalar work and one MSM.
  const std::size_t k = idx.size();
  std::vector<Fr> ic_scalars(ic_.size(), Fr::Zero());
  std::vector<G1Affine> cs(k);
  std::vector<Fr> ws(k);
  for (std::size_t t = 0; t < k; ++t) {
    const Fr& r = weights[idx[t]];
    const std::vector<Fr>& x = inputs[idx[t]];
    ic_scalars[0] += r;
    for (std::size_t i = 0; i < x.size(); ++i) ic_scalars[i + 1] += r * x[i];
    cs[t] = proofs[idx[t]].c;
    ws[t] = r;
  }
  const G1 l = IcCombination(ic_scalars);
  G1 c;
  if (!math::bn254::MsmG1(cs, ws, &c).ok()) return false;
  // Pairs (r_j A_j, B_j) for every proof, then (L, -gamma), (C, -delta), (-(sum r_j) alpha, beta).
  std::vector<G1Affine> apts(k);
  std::vector<math::BigInt<4>> rs(k);
  std::vector<G2Affine> bpts(k);
  for (std::size_t t = 0; t < k; ++t) {
    apts[t] = proofs[idx[t]].a;
    rs[t] = ws[t].ToInt();
    bpts[t] = proofs[idx[t]].b;
  }
  // Eight proofs at a time: r_j A_j in vector lanes (ScalarMulBatchVartime), then the Miller
  // loop of their pairs, which applies each B_j's lines as it computes them (MillerLoopOnce);
  // the groups of eight across cores.
  constexpr std::size_t kGroup = 8;
  const std::int64_t groups = static_cast<std::int64_t>((k + kGroup - 1) / kGroup);
  std::vector<Fp12> partial(static_cast<std::size_t>(groups));
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t g = 0; g < groups; ++g) {
    const std::size_t lo = static_cast<std::size_t>(g) * kGroup, hi = std::min(k, lo + kGroup);
    const std::vector<G1> ra = math::bn254::ScalarMulBatchVartime(
        std::span<const G1Affine>(apts).subspan(lo, hi - lo),
        std::span<const math::BigInt<4>>(rs).subspan(lo, hi - lo));
    const std::vector<G1Affine> ra_affine = G1::BatchToAffine(ra);
    partial[static_cast<std::size_t>(g)] = math::bn254::MillerLoopOnce(
        ra_affine, std::span<const G2Affine>(bpts).subspan(lo, hi - lo));
  }
  const math::BigInt<4> sum_r = ic_scalars[0].ToInt();
  const G1Affine fixed_ps[3] = {
      l.ToAffine(), c.ToAffine(),
      -(tables_ ? tables_->back().MulVartime(sum_r) : G1::FromAffine(alpha_).ScalarMulVartime(sum_r)).ToAffine()};
  const G2Prepared* fixed_qs[3] = {&neg_gamma_, &neg_delta_, &beta_};
  Fp12 f = math::bn254::MillerLoop(fixed_ps, fixed_qs);
  for (const Fp12& part : partial) f *= part;
  return math::bn254::FinalExponentiation(f).IsOne();
}

Status PreparedVerifyingKey::VerifyBatch(std::span<const std::vector<Fr>> public_inputs,
                                         std::span<const Proof> proofs, std::vector<bool>* bad,
                                         const std::uint8_t* weights_seed) const {
  if (public_inputs.size() != proofs.size()) {
    return Status::InvalidArgument("batch needs one public-input vector per proof");
  }
  // Malformed proofs are marked at once and kept out of the weighted check.
  ValidateProofs(proofs, bad);
  std::vector<std::size_t> todo;
  for (std::size_t j = 0; j < proofs.size(); ++j) {
    if (public_inputs[j].size() != num_public()) (*bad)[j] = true;
    if (!(*bad)[j]) todo.push_back(j);
  }
  const std::vector<Fr> weights = Weights(proofs.size(), weights_seed);
  // Halve failing groups until each bad proof is isolated (a group that holds is all good).
  std::vector<std::vector<std::size_t>> stack;
  if (!todo.empty()) stack.push_back(std::move(todo));
  while (!stack.empty()) {
    std::vector<std::size_t> group = std::move(stack.back());
    stack.pop_back();
    if (group.size() == 1) {
      // Alone, the plain check: no weights to apply, nothing to gain from them.
      if (!Holds(public_inputs[group[0]], proofs[group[0]])) (*bad)[group[0]] = true;
      continue;
    }
    if (BatchHolds(public_inputs, proofs, group, weights)) continue;
    std::size_t half = group.size() / 2;
    stack.emplace_back(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(half));
    stack.emplace_back(group.begin() + static_cast<std::ptrdiff_t>(half), group.end());
  }
  std::size_t failures = 0;
  for (bool b : *bad) failures += b ? 1 : 0;
  if (failures == 0) return Status::Ok();
  return Status::InvalidArgument(std::to_string(failures) + " of " + std::to_string(proofs.size()) +
                                 " proofs do not verify");
}

}  // namespace depinfer::snark::groth16
