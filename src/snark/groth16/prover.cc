#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include "snark/groth16/prover.h"

#include <omp.h>
#include <sodium.h>

#include <string>

#include "math/fixed_base.h"
#include "math/msm.h"
#include "math/ntt.h"

namespace depinfer::snark::groth16 {
namespace {

using math::BigInt;
using math::FixedBaseTable;
using math::bn254::G1;
using math::bn254::G1Cfg;
using math::bn254::G2;
using math::bn254::G2Cfg;
using math::bn254::NttDomain;

// Scalars from a ChaCha20 stream keyed by `seed`, or from the OS.
class ScalarSource {
 public:
  explicit ScalarSource(const std::uint8_t* seed) : seeded_(seed != nullptr) {
    if (seeded_) std::copy(seed, seed + sizeof key_, key_);
  }
  ~ScalarSource() { sodium_memzero(key_, sizeof key_); }
  Fr Next() {
    if (!seeded_) return Fr::RandomOs();
    struct Stream {
      ScalarSource* self;
      std::uint64_t operator()() {
        std::uint64_t v;
        std::uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {};
        std::uint64_t ctr = self->counter_++;
        std::copy(reinterpret_cast<std::uint8_t*>(&ctr), reinterpret_cast<std::uint8_t*>(&ctr) + 8, nonce);
        crypto_stream_chacha20(reinterpret_cast<std::uint8_t*>(&v), sizeof v, nonce, self->key_);
        return v;
      }
    } s{this};
    Fr x;
    do x = Fr::Random(s); while (x.IsZero());
    return x;
  }

 private:
  bool seeded_;
  std::uint8_t key_[crypto_stream_chacha20_KEYBYTES] = {};
  std::uint64_t counter_ = 0;
};

// With DEPINFER_PROVE_TRACE=1 in the environment, Prove prints how long each stage took.
class StageTimer {
 public:
  StageTimer() : on_(std::getenv("DEPINFER_PROVE_TRACE") != nullptr), last_(Clock::now()) {}
  void Mark(const char* what) {
    if (!on_) return;
    const auto now = Clock::now();
    std::fprintf(stderr, "prove: %-28s %8.2f ms\n", what,
                 std::chrono::duration<double, std::milli>(now - last_).count());
    last_ = now;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool on_;
  Clock::time_point last_;
};

void Wipe(std::vector<Fr>& v) {
  if (!v.empty()) sodium_memzero(v.data(), v.size() * sizeof(Fr));
}
void Wipe(Fr& x) { sodium_memzero(&x, sizeof x); }

// L_i(tau) for the domain of size n with generator w: w^i (tau^n - 1) / (n (tau - w^i)).
std::vector<Fr> LagrangeAt(const Fr& tau, std::size_t n, const Fr& w) {
  std::vector<Fr> den(n), wi(n);
  Fr x = Fr::One();
  for (std::size_t i = 0; i < n; ++i) {
    wi[i] = x;
    den[i] = tau - x;
    x *= w;
  }
  Fr::BatchInverseVartime(den);
  Fr scale = (tau.Pow(BigInt<1>(n)) - Fr::One()) * Fr::FromU64(n).Inverse();
  for (std::size_t i = 0; i < n; ++i) den[i] = wi[i] * scale * den[i];
  Wipe(wi);
  return den;
}

// The QAP rows: the R1CS rows, then one row per public wire (and wire 0) with A = that wire.
void QapRows(const snark::R1cs& r1cs, std::vector<LinearCombination>* a, std::vector<LinearCombination>* b,
             std::vector<LinearCombination>* c) {
  auto rows = [](const snark::SparseMatrix& m, std::vector<LinearCombination>* dst) {
    dst->assign(m.rows(), {});
    for (std::size_t i = 0; i < m.rows(); ++i) {
      (*dst)[i].reserve(m.row_start[i + 1] - m.row_start[i]);
      for (std::size_t k = m.row_start[i]; k < m.row_start[i + 1]; ++k) {
        (*dst)[i].push_back(Term{m.column[k], m.value[k]});
      }
    }
  };
  rows(r1cs.a, a);
  rows(r1cs.b, b);
  rows(r1cs.c, c);
  for (std::uint32_t i = 0; i <= r1cs.num_public(); ++i) {
    a->push_back({Term{i, Fr::One()}});
    b->emplace_back();
    c->emplace_back();
  }
}

// k*G for a setup scalar: in constant time when the scalars are secret (drawn from the OS), by
// table lookups when they are not (a seeded development setup, whose scalars follow from its
// public seed).
template <class Cfg>
math::JacobianPoint<Cfg> MulSecret(const FixedBaseTable<Cfg>& table, const Fr& x, bool secret) {
  BigInt<4> k = x.ToInt();
  const math::JacobianPoint<Cfg> r = secret ? table.MulConstTime(k) : table.MulVartime(k);
  sodium_memzero(&k, sizeof k);
  return r;
}

template <class Cfg>
std::vector<math::AffinePoint<Cfg>> MulAll(const FixedBaseTable<Cfg>& table, const std::vector<Fr>& ks,
                                           bool secret, const Progress& progress, const char* what) {
  std::vector<math::JacobianPoint<Cfg>> out(ks.size());
  std::size_t done = 0;
#pragma omp parallel for schedule(dynamic, 256)
  for (std::size_t i = 0; i < ks.size(); ++i) {
    out[i] = MulSecret(table, ks[i], secret);
    if (progress && omp_get_thread_num() == 0 && (i % 4096) == 0) progress(what, done, ks.size());
#pragma omp atomic
    ++done;
  }
  if (progress) progress(what, ks.size(), ks.size());
  return math::JacobianPoint<Cfg>::BatchToAffine(out);
}

}  // namespace

Status Setup(const snark::R1cs& r1cs, ProvingKey* pk_out, const std::uint8_t* seed, const Progress& progress) {
  DEPINFER_RETURN_IF_ERROR(snark::CheckShape(r1cs));
  const std::size_t num_public = r1cs.num_public();
  std::vector<LinearCombination> ra, rb, rc;
  QapRows(r1cs, &ra, &rb, &rc);
  int log_n = 0;
  while ((std::size_t{1} << log_n) < ra.size()) ++log_n;
  if (log_n + 1 > NttDomain::kMaxLogSize) {
    return Status::InvalidArgument("circuit too large: " + std::to_string(ra.size()) +
                                   " QAP rows exceed BN254's 2^27 limit");
  }
  const std::size_t n = std::size_t{1} << log_n;

  ScalarSource rnd(seed);
  Fr tau = rnd.Next(), alpha = rnd.Next(), beta = rnd.Next(), gamma = rnd.Next(), delta = rnd.Next();
  Fr gamma_inv = gamma.Inverse(), delta_inv = delta.Inverse();

  // u_j(tau), v_j(tau), w_j(tau) for every wire.
  std::vector<Fr> lag = LagrangeAt(tau, n, NttDomain::RootOfUnity(log_n));
  std::vector<Fr> u(r1cs.num_wires), v(r1cs.num_wires), w(r1cs.num_wires);
  for (std::size_t k = 0; k < ra.size(); ++k) {
    for (const Term& t : ra[k]) u[t.wire] += t.coeff * lag[k];
    for (const Term& t : rb[k]) v[t.wire] += t.coeff * lag[k];
    for (const Term& t : rc[k]) w[t.wire] += t.coeff * lag[k];
  }
  Wipe(lag);
  // IC for public wires (over gamma), C for private ones (over delta).
  std::vector<Fr> ic(num_public + 1), cq(r1cs.num_wires - num_public - 1);
  for (std::size_t j = 0; j < r1cs.num_wires; ++j) {
    Fr x = beta * u[j] + alpha * v[j] + w[j];
    if (j <= num_public) {
      ic[j] = x * gamma_inv;
    } else {
      cq[j - num_public - 1] = x * delta_inv;
    }
    Wipe(x);
  }
  // H_i = L^(2n)_(2i+1)(tau) / delta.
  std::vector<Fr> lag2 = LagrangeAt(tau, 2 * n, NttDomain::RootOfUnity(log_n + 1));
  std::vector<Fr> hq(n);
  for (std::size_t i = 0; i < n; ++i) hq[i] = lag2[2 * i + 1] * delta_inv;
  Wipe(lag2);

  const FixedBaseTable<G1Cfg> g1(math::bn254::G1Generator());
  const FixedBaseTable<G2Cfg> g2(math::bn254::G2Generator());
  ProvingKey pk;
  pk.num_wires = static_cast<std::uint32_t>(r1cs.num_wires);
  pk.num_public = static_cast<std::uint32_t>(num_public);
  pk.domain_log = log_n;
  const bool secret = seed == nullptr;
  pk.alpha1 = MulSecret(g1, alpha, secret).ToAffine();
  pk.beta1 = MulSecret(g1, beta, secret).ToAffine();
  pk.delta1 = MulSecret(g1, delta, secret).ToAffine();
  pk.beta2 = MulSecret(g2, beta, secret).ToAffine();
  pk.delta2 = MulSecret(g2, delta, secret).ToAffine();
  pk.a = MulAll(g1, u, secret, progress, "A query");
  pk.b1 = MulAll(g1, v, secret, progress, "B query (G1)");
  pk.b2 = MulAll(g2, v, secret, progress, "B query (G2)");
  pk.c = MulAll(g1, cq, secret, progress, "C query");
  pk.h = MulAll(g1, hq, secret, progress, "H query");
  pk.vk.alpha = pk.alpha1;
  pk.vk.beta = pk.beta2;
  pk.vk.gamma = MulSecret(g2, gamma, secret).ToAffine();
  pk.vk.delta = pk.delta2;
  pk.vk.ic = MulAll(g1, ic, secret, nullptr, "IC");
  pk.a_rows = std::move(ra);
  pk.b_rows = std::move(rb);

  // The toxic waste.
  for (Fr* x : {&tau, &alpha, &beta, &gamma, &delta, &gamma_inv, &delta_inv}) Wipe(*x);
  Wipe(u);
  Wipe(v);
  Wipe(w);
  Wipe(ic);
  Wipe(cq);
  Wipe(hq);
  *pk_out = std::move(pk);
  return Status::Ok();
}

Fr Evaluate(const LinearCombination& lc, const std::vector<Fr>& w) {
  Fr acc = Fr::Zero();
  for (const Term& t : lc) acc += t.coeff * w[t.wire];
  return acc;
}

Status CheckKeyMatchesCircuit(const ProvingKey& pk, const snark::R1cs& r1cs) {
  if (pk.num_wires != r1cs.num_wires || pk.num_public != r1cs.num_public()) {
    return Status::InvalidArgument("key is for another circuit (wire or public input counts differ)");
  }
  std::vector<LinearCombination> a, b, c;
  QapRows(r1cs, &a, &b, &c);
  if ((std::size_t{1} << pk.domain_log) < a.size()) {
    return Status::InvalidArgument("key is for another circuit (domain too small)");
  }
  auto sorted = [](LinearCombination lc) {
    std::sort(lc.begin(), lc.end(), [](const Term& x, const Term& y) { return x.wire < y.wire; });
    return lc;
  };
  auto same = [&](const std::vector<LinearCombination>& key, const std::vector<LinearCombination>& ours) {
    for (std::size_t k = 0; k < std::max(key.size(), ours.size()); ++k) {
      const LinearCombination empty;
      const LinearCombination x = sorted(k < key.size() ? key[k] : empty);
      const LinearCombination y = sorted(k < ours.size() ? ours[k] : empty);
      if (x.size() != y.size()) return false;
      for (std::size_t t = 0; t < x.size(); ++t) {
        if (x[t].wire != y[t].wire || !(x[t].coeff == y[t].coeff)) return false;
      }
    }
    return true;
  };
  if (!same(pk.a_rows, a) || !same(pk.b_rows, b)) {
    return Status::InvalidArgument("key is for another circuit (its constraints differ)");
  }
  return Status::Ok();
}

Status Prove(const ProvingKey& pk, const std::vector<Fr>& witness, Proof* proof, const std::uint8_t* seed,
             const Progress& progress) {
  if (witness.size() != pk.num_wires) {
    return Status::InvalidArgument("witness has " + std::to_string(witness.size()) +
                                   " values, the key expects " + std::to_string(pk.num_wires));
  }
  if (!witness[0].IsOne()) return Status::InvalidArgument("witness wire 0 must be 1");
  StageTimer timer;
  std::size_t stage = 0;
  auto mark = [&](const char* what) {
    timer.Mark(what);
    if (progress) progress("prove", ++stage, 7);
  };
  const NttDomain domain(pk.domain_log);
  const std::size_t n = domain.size();

  // <A_k,w>, <B_k,w> on the domain and C = A * B pointwise; then all three on the odd coset.
  std::vector<Fr> ea(n), eb(n), ec(n);
#pragma omp parallel for schedule(static)
  for (std::size_t k = 0; k < pk.a_rows.size(); ++k) {
    ea[k] = Evaluate(pk.a_rows[k], witness);
    eb[k] = Evaluate(pk.b_rows[k], witness);
    ec[k] = ea[k] * eb[k];
  }
  const Fr shift = NttDomain::RootOfUnity(pk.domain_log + 1);
  for (std::vector<Fr>* e : {&ea, &eb, &ec}) {
    domain.Inverse(*e);
    domain.CosetForward(*e, shift);
  }
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) ea[i] = ea[i] * eb[i] - ec[i];
  mark("qap (evaluate rows, 7 NTTs)");

  G1 a_sum, b1_sum, c_sum, h_sum;
  G2 b2_sum;
  std::span<const Fr> w(witness);
  DEPINFER_RETURN_IF_ERROR(math::bn254::MsmG1(pk.a, w, &a_sum));
  mark("msm A (G1)");
  DEPINFER_RETURN_IF_ERROR(math::bn254::MsmG1(pk.b1, w, &b1_sum));
  mark("msm B (G1)");
  DEPINFER_RETURN_IF_ERROR(math::bn254::MsmG2(pk.b2, w, &b2_sum));
  mark("msm B (G2)");
  DEPINFER_RETURN_IF_ERROR(math::bn254::MsmG1(pk.c, w.subspan(pk.num_public + 1), &c_sum));
  mark("msm C (G1)");
  DEPINFER_RETURN_IF_ERROR(math::bn254::MsmG1(pk.h, ea, &h_sum));
  mark("msm H (G1)");

  ScalarSource rnd(seed);
  Fr r = rnd.Next(), s = rnd.Next();
  // r and s hide the witness: every product with them runs in constant time.
  const G1 delta1 = G1::FromAffine(pk.delta1);
  G1 pa = a_sum.AddMixed(pk.alpha1) + delta1.ScalarMulConstTime(r.ToInt());
  G1 pb1 = b1_sum.AddMixed(pk.beta1) + delta1.ScalarMulConstTime(s.ToInt());
  G2 pb = b2_sum.AddMixed(pk.beta2) + G2::FromAffine(pk.delta2).ScalarMulConstTime(s.ToInt());
  G1 pc = c_sum + h_sum + pa.ScalarMulConstTime(s.ToInt()) + pb1.ScalarMulConstTime(r.ToInt()) -
          delta1.ScalarMulConstTime((r * s).ToInt());
  Wipe(r);
  Wipe(s);
  proof->a = pa.ToAffine();
  proof->b = pb.ToAffine();
  proof->c = pc.ToAffine();
  mark("randomise");
  return Status::Ok();
}

}  // namespace depinfer::snark::groth16
