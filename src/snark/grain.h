// The Grain LFSR of the Poseidon paper, the source of Poseidon's round constants and MDS
// matrices.
//
// Grassi, Khovratovich, Rechberger, Roy, Schofnegger, "Poseidon: A New Hash Function for
// Zero-Knowledge Proof Systems" (USENIX Security 2021, ePrint 2019/458), Appendix F: an 80-bit
// Grain-style LFSR, seeded with the instance parameters, clocked 160 times, then used with
// the self-shrinking rule (of each pair of bits, the second is output only when the first is
// 1). Numbers are read most significant bit first. This reproduces the paper's reference
// script (generate_parameters_grain.sage in the hadeshash repository), which generated the
// constants of circomlib's Poseidon.
#pragma once

#include <cstdint>

#include "math/bigint.h"

namespace depinfer::snark {

// The seed fields of the paper's initial state. field: 0 for GF(2^n), 1 for GF(p);
// sbox: 0 for x^alpha, 1 for x^-1; field_bits: n; width: t; full_rounds: R_F;
// partial_rounds: R_P.
struct GrainSeed {
  unsigned field = 1;
  unsigned sbox = 0;
  unsigned field_bits = 254;
  unsigned width = 3;
  unsigned full_rounds = 8;
  unsigned partial_rounds = 57;
};

class GrainLfsr {
 public:
  // Loads the 80-bit initial state from the seed (2 + 4 + 12 + 12 + 10 + 10 bits, then 30
  // ones) and discards the first 160 clocked bits. Each field must fit its bit width.
  explicit GrainLfsr(const GrainSeed& seed);

  // The next output bit of the self-shrinking generator.
  bool NextBit();

  // The next `bits` output bits as an integer, the first bit most significant. bits <= 256.
  math::BigInt<4> NextInteger(unsigned bits);

 private:
  // Clocks the register once and returns the new bit.
  bool Clock();

  // Bit i of the paper's bit_sequence is bit i of state_ (bit 0 is the oldest).
  math::u128 state_ = 0;
};

}  // namespace depinfer::snark
