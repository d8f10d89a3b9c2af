#include "shield/joinsplit.h"

#include "shield/commitment_tree.h"
#include "snark/gadgets.h"
#include "snark/merkle.h"
#include "snark/poseidon_gadget.h"

namespace depinfer::shield {

using snark::ConstraintSystem;
using snark::LC;

std::vector<Fr> JoinSplitPublic::ToVector() const {
  return {root,           public_amount,  ext_hash,       asset,
          nullifiers[0],  nullifiers[1],  commitments[0], commitments[1]};
}

JoinSplitPublic JoinSplitPublic::FromVector(const std::vector<Fr>& v) {
  JoinSplitPublic p;
  p.root = v.at(0);
  p.public_amount = v.at(1);
  p.ext_hash = v.at(2);
  p.asset = v.at(3);
  p.nullifiers = {v.at(4), v.at(5)};
  p.commitments = {v.at(6), v.at(7)};
  return p;
}

Fr SignedAmount::ToField() const {
  const Fr m = Fr::FromU64(magnitude);
  return negative ? -m : m;
}

JoinSplitPublic ComputeJoinSplitPublic(const JoinSplitWitness& w, const Fr& root,
                                       const Fr& public_amount, const Fr& ext_hash) {
  JoinSplitPublic p;
  p.root = root;
  p.public_amount = public_amount;
  p.ext_hash = ext_hash;
  p.asset = w.inputs[0].note.asset;
  for (std::size_t i = 0; i < 2; ++i) {
    const Fr cm = NoteCommitment(w.inputs[i].note);
    p.nullifiers[i] = Nullifier(w.sk, cm, w.inputs[i].position);
    p.commitments[i] = NoteCommitment(w.outputs[i]);
  }
  return p;
}

namespace {

// A private input: its value when proving, nothing at setup.
template <class F>
snark::Variable Private(ConstraintSystem& cs, std::string_view name, const JoinSplitWitness* wit,
                        F&& value) {
  return cs.PrivateInput(name, wit ? std::optional<Fr>(value(*wit)) : std::nullopt);
}

LC Hash(ConstraintSystem& cs, std::initializer_list<LC> in) {
  return snark::PoseidonGadget(cs, std::span<const LC>(in.begin(), in.size()));
}

// One spent note: its commitment, its nullifier (checked against the public one) and, when its
// amount is not zero, its path to the root. Returns the amount.
LC SpendInput(ConstraintSystem& cs, std::size_t i, const LC& sk, const LC& pk, const LC& asset,
              const LC& root, const LC& public_nf, const JoinSplitWitness* wit) {
  ConstraintSystem::Scope scope(cs, "input", i);
  auto in = [i](const JoinSplitWitness& w) -> const JoinSplitInput& { return w.inputs[i]; };
  const LC amount = Private(cs, "in_amount", wit, [&](auto& w) { return Fr::FromU64(in(w).note.amount); });
  const LC blinding = Private(cs, "in_blinding", wit, [&](auto& w) { return in(w).note.blinding; });
  const LC position = Private(cs, "in_position", wit, [&](auto& w) { return Fr::FromU64(in(w).position); });
  std::vector<LC> path;
  for (int h = 0; h < kTreeDepth; ++h) {
    path.push_back(Private(cs, "in_path", wit, [&](auto& w) {
      return in(w).path.size() == kTreeDepth ? in(w).path[h] : Fr::Zero();
    }));
  }
  {
    ConstraintSystem::Scope s(cs, "amount_range");
    snark::AssertInRange(cs, amount, 64);
  }
  LC cm;
  {
    ConstraintSystem::Scope s(cs, "commitment");
    cm = Hash(cs, {asset, amount, pk, blinding});
  }
  {
    ConstraintSystem::Scope s(cs, "nullifier");
    const LC tag = Hash(cs, {sk, cm, position});
    cs.AssertEqual(Hash(cs, {cm, position, tag}), public_nf);
  }
  // The position's decomposition inside the Merkle gadget also proves it below 2^32.
  const LC computed_root = snark::MerkleRootFromIndexGadget(cs, cm, position, path);
  {
    ConstraintSystem::Scope s(cs, "root_if_nonzero");
    const LC real = snark::Not(snark::IsZero(cs, amount));
    snark::AssertEqualIf(cs, real, computed_root, root);
  }
  return amount;
}

// One created note: its commitment must be the public one. Returns the amount.
LC CreateOutput(ConstraintSystem& cs, std::size_t j, const LC& asset, const LC& public_cm,
                const JoinSplitWitness* wit) {
  ConstraintSystem::Scope scope(cs, "output", j);
  auto out = [j](const JoinSplitWitness& w) -> const Note& { return w.outputs[j]; };
  const LC amount = Private(cs, "out_amount", wit, [&](auto& w) { return Fr::FromU64(out(w).amount); });
  const LC owner = Private(cs, "out_owner", wit, [&](auto& w) { return out(w).owner; });
  const LC blinding = Private(cs, "out_blinding", wit, [&](auto& w) { return out(w).blinding; });
  {
    ConstraintSystem::Scope s(cs, "amount_range");
    snark::AssertInRange(cs, amount, 64);
  }
  ConstraintSystem::Scope s(cs, "commitment");
  cs.AssertEqual(Hash(cs, {asset, amount, owner, blinding}), public_cm);
  return amount;
}

}  // namespace

void BuildJoinSplit(ConstraintSystem& cs, const JoinSplitPublic* pub, const JoinSplitWitness* wit) {
  auto public_input = [&](std::string_view name, const Fr JoinSplitPublic::*field) {
    return cs.PublicInput(name, pub ? std::optional<Fr>(pub->*field) : std::nullopt);
  };
  auto public_pair = [&](std::string_view name, const std::array<Fr, 2> JoinSplitPublic::*field,
                         std::size_t k) {
    return cs.PublicInput(name, pub ? std::optional<Fr>((pub->*field)[k]) : std::nullopt);
  };
  const LC root = public_input("root", &JoinSplitPublic::root);
  const LC public_amount = public_input("public_amount", &JoinSplitPublic::public_amount);
  public_input("ext_hash", &JoinSplitPublic::ext_hash);  // bound by its QAP row (see header)
  const LC asset = public_input("asset", &JoinSplitPublic::asset);
  const LC nf[2] = {public_pair("nf", &JoinSplitPublic::nullifiers, 0),
                    public_pair("nf", &JoinSplitPublic::nullifiers, 1)};
  const LC cm_out[2] = {public_pair("cm_out", &JoinSplitPublic::commitments, 0),
                        public_pair("cm_out", &JoinSplitPublic::commitments, 1)};

  const LC sk = Private(cs, "sk", wit, [](auto& w) { return w.sk; });
  LC pk;
  {
    ConstraintSystem::Scope s(cs, "owner_key");
    pk = Hash(cs, {sk});
  }
  LC in_total, out_total;
  for (std::size_t i = 0; i < 2; ++i) in_total += SpendInput(cs, i, sk, pk, asset, root, nf[i], wit);
  for (std::size_t j = 0; j < 2; ++j) out_total += CreateOutput(cs, j, asset, cm_out[j], wit);
  {
    ConstraintSystem::Scope s(cs, "balance");
    cs.AssertEqual(in_total + public_amount, out_total);
    snark::AssertNotEqual(cs, nf[0], nf[1]);
  }
}

}  // namespace depinfer::shield
