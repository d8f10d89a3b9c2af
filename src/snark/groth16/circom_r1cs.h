// Our constraint system (snark/r1cs.h) as circom's .r1cs (snark/formats/r1cs.h) and back, for
// snarkjs ceremonies and tools. Both use circom's wire order: wire 0 is the constant 1, then
// the public outputs, the public inputs, the private inputs and the internal wires.
#pragma once

#include "base/status.h"
#include "snark/formats/r1cs.h"
#include "snark/r1cs.h"

namespace depinfer::snark::groth16 {

// Wires carry no labels from a source file: wire i gets label i.
formats::R1cs ToCircomR1cs(const snark::R1cs& circuit);

// A parsed .r1cs as our constraint system. Rows are put in canonical form (terms on one wire
// added together, zeros dropped, wires ascending), which changes no constraint's value; the
// result passes CheckShape or this fails, writing nothing.
Status FromCircom(const formats::R1cs& circom, snark::R1cs* out);

}  // namespace depinfer::snark::groth16
