// Proving and verifying keys from a snarkjs Groth16 .zkey (a production CRS from a ceremony).
// The .zkey already follows our prover's conventions (snarkjs's QAP rows with the public rows,
// H in odd-coset Lagrange form), so the import only reshapes the parsed sections.
#pragma once

#include "snark/formats/snarkjs_json.h"
#include "snark/formats/zkey.h"
#include "snark/groth16/prover.h"

namespace depinfer::snark::groth16 {

Status ProvingKeyFromZkey(const formats::Groth16Zkey& zkey, ProvingKey* out);

// Between our key and proof types and snarkjs's JSON shapes.
VerifyingKey FromSnarkjs(const formats::SnarkjsVerificationKey& vk);
formats::SnarkjsVerificationKey ToSnarkjs(const VerifyingKey& vk);
Proof FromSnarkjs(const formats::SnarkjsProof& proof);
formats::SnarkjsProof ToSnarkjs(const Proof& proof);

}  // namespace depinfer::snark::groth16
