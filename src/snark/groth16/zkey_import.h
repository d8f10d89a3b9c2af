// Proving and verifying keys to and from snarkjs Groth16 .zkey files: a production CRS from a
// ceremony comes in this way, and a development CRS from our Setup goes out this way (so that
// snarkjs, rapidsnark and our own `depinfer zk prove` all prove with it). The .zkey already
// follows our prover's conventions (snarkjs's QAP rows with the public rows, H in odd-coset
// Lagrange form), so both directions only reshape the sections.
#pragma once

#include "snark/formats/snarkjs_json.h"
#include "snark/formats/zkey.h"
#include "snark/groth16/prover.h"

namespace depinfer::snark::groth16 {

Status ProvingKeyFromZkey(const formats::Groth16Zkey& zkey, ProvingKey* out);
// The same, moving the point vectors out of `zkey` (half the peak memory for a large key).
Status ProvingKeyFromZkey(formats::Groth16Zkey&& zkey, ProvingKey* out);

// The .zkey of a key made by Setup, with no contributions. Its circuit hash (snarkjs's csHash,
// which snarkjs computes over its own setup transcript) is here the BLAKE2b-512 of the header
// counts and the coefficient list, so two keys for the same circuit carry the same hash.
formats::Groth16Zkey ZkeyFromProvingKey(const ProvingKey& pk);

// Between our key and proof types and snarkjs's JSON shapes.
VerifyingKey FromSnarkjs(const formats::SnarkjsVerificationKey& vk);
formats::SnarkjsVerificationKey ToSnarkjs(const VerifyingKey& vk);
Proof FromSnarkjs(const formats::SnarkjsProof& proof);
formats::SnarkjsProof ToSnarkjs(const Proof& proof);

}  // namespace depinfer::snark::groth16
