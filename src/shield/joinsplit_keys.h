// The join-split circuit's Groth16 keys, and proving and verifying with them.
//
// A development CRS is made locally (DevSetup); a production one comes from a snarkjs
// ceremony over the circuit exported by ExportR1cs, and is loaded from its .zkey
// (FromZkey), which checks that the key was made for exactly this circuit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "shield/joinsplit.h"
#include "snark/formats/r1cs.h"
#include "snark/groth16/prover.h"
#include "snark/groth16/verifier.h"

namespace depinfer::shield {

using snark::groth16::Proof;

// The circuit in circom's .r1cs form (for a snarkjs ceremony, or to inspect it with snarkjs).
snark::formats::R1cs JoinSplitR1cs();

class JoinSplitKeys {
 public:
  // A development CRS from the OS random source (or from `seed`, 32 bytes; tests only).
  static Status DevSetup(std::unique_ptr<JoinSplitKeys>* out, const std::uint8_t* seed = nullptr,
                         const snark::groth16::Progress& progress = nullptr);
  // Keys from a snarkjs .zkey made for JoinSplitR1cs().
  static Status FromZkeyFile(const std::string& path, std::unique_ptr<JoinSplitKeys>* out);

  const snark::groth16::ProvingKey& proving_key() const { return pk_; }
  const snark::groth16::VerifyingKey& verifying_key() const { return pk_.vk; }
  const snark::groth16::PreparedVerifyingKey& prepared() const { return pvk_; }

  // Builds the witness and proves. The witness must satisfy the circuit for `pub`; the proof
  // is verified before it is returned, and when it does not verify the error names the first
  // constraint the witness breaks (no values in messages: they are secrets).
  Status Prove(const JoinSplitPublic& pub, const JoinSplitWitness& wit, Proof* proof) const;

  Status Verify(const JoinSplitPublic& pub, const Proof& proof) const {
    return pvk_.Verify(pub.ToVector(), proof);
  }

 private:
  JoinSplitKeys() = default;
  Status Finish();

  snark::groth16::ProvingKey pk_;
  snark::groth16::PreparedVerifyingKey pvk_;
  snark::ConstraintSystem::Shape shape_;
};

}  // namespace depinfer::shield
