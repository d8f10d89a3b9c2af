#include "shield/joinsplit_keys.h"

#include <sodium.h>

#include "snark/formats/zkey.h"
#include "snark/groth16/circom_r1cs.h"
#include "snark/groth16/zkey_import.h"

namespace depinfer::shield {

using snark::ConstraintSystem;
namespace groth16 = snark::groth16;

namespace {

snark::R1cs CircuitR1cs(ConstraintSystem::Shape* shape) {
  ConstraintSystem cs(ConstraintSystem::Mode::kWithoutValues);
  BuildJoinSplit(cs, nullptr, nullptr);
  if (shape) *shape = cs.shape();
  return cs.TakeR1cs();
}

}  // namespace

snark::formats::R1cs JoinSplitR1cs() { return groth16::ToCircomR1cs(CircuitR1cs(nullptr)); }

Status JoinSplitKeys::Finish() {
  return groth16::PreparedVerifyingKey::Prepare(pk_.vk, &pvk_);
}

Status JoinSplitKeys::DevSetup(std::unique_ptr<JoinSplitKeys>* out, const std::uint8_t* seed,
                               const groth16::Progress& progress) {
  std::unique_ptr<JoinSplitKeys> keys(new JoinSplitKeys());
  const snark::R1cs r1cs = CircuitR1cs(&keys->shape_);
  DEPINFER_RETURN_IF_ERROR(groth16::Setup(r1cs, &keys->pk_, seed, progress));
  DEPINFER_RETURN_IF_ERROR(keys->Finish());
  *out = std::move(keys);
  return Status::Ok();
}

Status JoinSplitKeys::FromZkeyFile(const std::string& path, std::unique_ptr<JoinSplitKeys>* out) {
  snark::formats::Groth16Zkey zkey;
  DEPINFER_RETURN_IF_ERROR(snark::formats::ReadGroth16ZkeyFile(path, &zkey));
  std::unique_ptr<JoinSplitKeys> keys(new JoinSplitKeys());
  DEPINFER_RETURN_IF_ERROR(groth16::ProvingKeyFromZkey(zkey, &keys->pk_).WithContext(path));
  const snark::R1cs r1cs = CircuitR1cs(&keys->shape_);
  DEPINFER_RETURN_IF_ERROR(
      groth16::CheckKeyMatchesCircuit(keys->pk_, r1cs).WithContext(path + ": not a join-split key"));
  DEPINFER_RETURN_IF_ERROR(keys->Finish());
  *out = std::move(keys);
  return Status::Ok();
}

Status JoinSplitKeys::Prove(const JoinSplitPublic& pub, const JoinSplitWitness& wit,
                            Proof* proof) const {
  ConstraintSystem cs;
  cs.Reserve(shape_);
  BuildJoinSplit(cs, &pub, &wit);
  DEPINFER_RETURN_IF_ERROR(cs.status());
  std::vector<Fr> witness = cs.Witness();
  Proof p;
  const Status proved = groth16::Prove(pk_, witness, &p);
  sodium_memzero(witness.data(), witness.size() * sizeof(Fr));
  DEPINFER_RETURN_IF_ERROR(proved);
  // A witness that breaks a constraint gives a proof that does not verify; checking the proof
  // (about a millisecond) is cheaper than checking every constraint first.
  if (!Verify(pub, p).ok()) {
    Status unsat = cs.IsSatisfied();
    return unsat.ok() ? Status::InvalidArgument("join-split proof does not verify")
                      : unsat.WithContext("join-split witness does not satisfy the circuit");
  }
  *proof = p;
  return Status::Ok();
}

}  // namespace depinfer::shield
