#include "snark/grain.h"

#include "snark/check.h"

namespace depinfer::snark {
namespace {

constexpr unsigned kStateBits = 80;
constexpr unsigned kWarmUpClocks = 160;

}  // namespace

GrainLfsr::GrainLfsr(const GrainSeed& seed) {
  // The paper's bit_sequence, oldest bit first: each field most significant bit first.
  unsigned pos = 0;
  auto append = [&](unsigned value, unsigned width) {
    DEPINFER_SNARK_CHECK(width == 32 || value < (1u << width), "Grain seed field too wide");
    for (unsigned i = width; i-- > 0;) {
      if ((value >> i) & 1) state_ |= static_cast<math::u128>(1) << pos;
      ++pos;
    }
  };
  append(seed.field, 2);
  append(seed.sbox, 4);
  append(seed.field_bits, 12);
  append(seed.width, 12);
  append(seed.full_rounds, 10);
  append(seed.partial_rounds, 10);
  while (pos < kStateBits) append(1, 1);
  for (unsigned i = 0; i < kWarmUpClocks; ++i) Clock();
}

bool GrainLfsr::Clock() {
  // b_{i+80} = b_{i+62} ^ b_{i+51} ^ b_{i+38} ^ b_{i+23} ^ b_{i+13} ^ b_i
  auto bit = [this](unsigned i) { return static_cast<unsigned>(state_ >> i) & 1u; };
  unsigned next = bit(62) ^ bit(51) ^ bit(38) ^ bit(23) ^ bit(13) ^ bit(0);
  state_ = (state_ >> 1) | (static_cast<math::u128>(next) << (kStateBits - 1));
  return next != 0;
}

bool GrainLfsr::NextBit() {
  // Self-shrinking: draw pairs until the first bit of a pair is 1; output the second.
  while (!Clock()) Clock();
  return Clock();
}

math::BigInt<4> GrainLfsr::NextInteger(unsigned bits) {
  DEPINFER_SNARK_CHECK(bits <= 256, "at most 256 bits");
  math::BigInt<4> x;
  for (unsigned i = bits; i-- > 0;) {
    if (NextBit()) x.limb[i / 64] |= math::u64{1} << (i % 64);
  }
  return x;
}

}  // namespace depinfer::snark
