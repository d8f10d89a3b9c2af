#include "snark/poseidon.h"

#include <array>
#include <mutex>
#include <string>

#include "snark/check.h"
#include "snark/grain.h"
#include "snark/poseidon_fast.h"

namespace depinfer::snark {
namespace {

constexpr std::size_t kFieldBits = 254;  // n in the Grain seed: the bit length of r
constexpr std::size_t kCircomFullRounds = 8;
// circomlib's N_ROUNDS_P, indexed by t - 2 (poseidon.circom, circomlibjs poseidon_reference.js).
constexpr std::array<std::size_t, 16> kCircomPartialRounds = {56, 57, 56, 60, 60, 63, 64, 63,
                                                              60, 66, 60, 65, 70, 60, 64, 68};

// A uniform draw below p: n-bit integers from the LFSR, retried until one is below p.
Fr DrawBelowModulus(GrainLfsr& lfsr) {
  for (;;) {
    math::BigInt<4> x = lfsr.NextInteger(kFieldBits);
    if (x < Fr::kModulus) return Fr::FromCanonical(x);
  }
}

// A draw reduced modulo p (the reference script's F(grain_random_bits(n))).
Fr DrawModulus(GrainLfsr& lfsr) {
  return Fr::FromIntReduceVartime(lfsr.NextInteger(kFieldBits));
}

bool AllDistinct(const std::vector<Fr>& v) {
  for (std::size_t i = 0; i < v.size(); ++i)
    for (std::size_t j = i + 1; j < v.size(); ++j)
      if (v[i] == v[j]) return false;
  return true;
}

// The reference script's create_mds_p: a Cauchy matrix 1 / (x_i + y_j) from 2t distinct
// draws, redrawn whole while any draw repeats or any x_i + y_j is zero. (The script then runs
// the security tests of Grassi, Rechberger, Schofnegger (ePrint 2020/500) and redraws on
// failure; circomlib's matrices are the first draw for every width, which the oracle test
// confirms, so those tests are not repeated here.)
std::vector<Fr> DrawCauchyMatrix(GrainLfsr& lfsr, std::size_t t) {
  for (;;) {
    std::vector<Fr> draws(2 * t);
    do {
      for (Fr& d : draws) d = DrawModulus(lfsr);
    } while (!AllDistinct(draws));
    std::vector<Fr> m(t * t);
    bool ok = true;
    for (std::size_t i = 0; i < t && ok; ++i) {
      for (std::size_t j = 0; j < t && ok; ++j) {
        Fr sum = draws[i] + draws[t + j];
        ok = !sum.IsZero();
        m[i * t + j] = sum.InverseVartime();
      }
    }
    if (ok) return m;
  }
}

Fr Pow5(const Fr& x) { return x.Square().Square() * x; }

}  // namespace

std::size_t PoseidonPartialRounds(std::size_t width) {
  DEPINFER_SNARK_CHECK(width >= kPoseidonMinWidth && width <= kPoseidonMaxWidth,
                       "Poseidon width must be 2..17");
  return kCircomPartialRounds[width - kPoseidonMinWidth];
}

Status GeneratePoseidonParams(std::size_t width, std::size_t full_rounds,
                              std::size_t partial_rounds, PoseidonParams* out) {
  if (width < 2 || width >= 4096) {
    return Status::InvalidArgument("Poseidon width must be in [2, 4095], got " +
                                   std::to_string(width));
  }
  if (full_rounds == 0 || full_rounds % 2 != 0 || full_rounds >= 1024 || partial_rounds >= 1024) {
    return Status::InvalidArgument("Poseidon needs an even number of full rounds, and both round "
                                   "counts below 1024");
  }
  GrainLfsr lfsr(GrainSeed{.field = 1,
                           .sbox = 0,
                           .field_bits = kFieldBits,
                           .width = static_cast<unsigned>(width),
                           .full_rounds = static_cast<unsigned>(full_rounds),
                           .partial_rounds = static_cast<unsigned>(partial_rounds)});
  PoseidonParams p;
  p.width = width;
  p.full_rounds = full_rounds;
  p.partial_rounds = partial_rounds;
  p.round_constants.resize((full_rounds + partial_rounds) * width);
  for (Fr& c : p.round_constants) c = DrawBelowModulus(lfsr);
  p.mds = DrawCauchyMatrix(lfsr, width);
  *out = std::move(p);
  return Status::Ok();
}

const PoseidonParams& CircomPoseidonParams(std::size_t width) {
  static std::array<std::once_flag, kPoseidonMaxWidth + 1> once;
  static std::array<PoseidonParams, kPoseidonMaxWidth + 1> params;
  std::size_t partial = PoseidonPartialRounds(width);  // checks the width
  std::call_once(once[width], [&] {
    Status st = GeneratePoseidonParams(width, kCircomFullRounds, partial, &params[width]);
    DEPINFER_SNARK_CHECK(st.ok(), "circomlib Poseidon parameters");
  });
  return params[width];
}

void PoseidonPermute(const PoseidonParams& params, std::span<Fr> state) {
  const std::size_t t = params.width;
  DEPINFER_SNARK_CHECK(state.size() == t, "state size must equal the Poseidon width");
  // The mixed state: on the stack for circomlib's widths, on the heap beyond.
  std::array<Fr, kPoseidonMaxWidth> stack_buf;
  std::vector<Fr> heap_buf(t > stack_buf.size() ? t : 0);
  Fr* mixed = t > stack_buf.size() ? heap_buf.data() : stack_buf.data();
  for (std::size_t r = 0; r < params.rounds(); ++r) {
    for (std::size_t i = 0; i < t; ++i) state[i] += params.RoundConstant(r, i);
    if (params.IsFullRound(r)) {
      for (std::size_t i = 0; i < t; ++i) state[i] = Pow5(state[i]);
    } else {
      state[0] = Pow5(state[0]);
    }
    for (std::size_t i = 0; i < t; ++i) {
      Fr acc = params.Mds(i, 0) * state[0];
      for (std::size_t j = 1; j < t; ++j) acc += params.Mds(i, j) * state[j];
      mixed[i] = acc;
    }
    for (std::size_t i = 0; i < t; ++i) state[i] = mixed[i];
  }
}

Fr Poseidon(std::span<const Fr> inputs) {
  DEPINFER_SNARK_CHECK(!inputs.empty() && inputs.size() <= kPoseidonMaxInputs,
                       "Poseidon takes 1 to 16 inputs");
  const PoseidonFastParams& params = CircomPoseidonFastParams(inputs.size() + 1);
  std::array<Fr, kPoseidonMaxWidth> buf{};
  std::span<Fr> state(buf.data(), params.width);
  for (std::size_t i = 0; i < inputs.size(); ++i) state[i + 1] = inputs[i];
  PoseidonPermuteFast(params, state);
  return state[0];
}

}  // namespace depinfer::snark
