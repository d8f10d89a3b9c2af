#include "shield/builder.h"

#include <algorithm>
#include <numeric>

namespace depinfer::shield {

__extension__ typedef unsigned __int128 U128;

struct TransactionBuilder::Plan {
  Fr sk;
  Fr asset;
  Fr root;
  std::array<JoinSplitInput, 2> inputs;
  std::array<Note, 2> outputs;
  std::array<Address, 2> recipients;
  std::array<std::vector<std::uint8_t>, 2> memos;
  std::uint64_t fee = 0;
  TransparentLeg leg;
  const AccountSigner* signer = nullptr;
  U128 in = 0;  // the inputs' total
};

namespace {

JoinSplitInput DummyInput(const Fr& asset, const Fr& pk) {
  JoinSplitInput in;
  in.note = Note{asset, 0, pk, RandomBlinding()};
  in.position = 0;
  in.path.assign(kTreeDepth, Fr::Zero());
  return in;
}

JoinSplitInput RealInput(const SpendableNote& n) {
  return JoinSplitInput{n.note, n.witness.position(), n.witness.Path()};
}

Note NewNote(const Fr& asset, std::uint64_t amount, const Address& to) {
  return Note{asset, amount, to.pk, RandomBlinding()};
}

Status CheckMemo(std::span<const std::uint8_t> memo) {
  if (memo.size() > kMaxMemoBytes) {
    return Status::InvalidArgument("memo is " + std::to_string(memo.size()) +
                                   " bytes; at most 512 fit in a note");
  }
  return Status::Ok();
}

}  // namespace

Status ChooseNotes(std::span<const SpendableNote> notes, std::uint64_t target, std::uint64_t fee,
                   std::vector<std::size_t>* chosen, bool* merge) {
  std::vector<std::size_t> order(notes.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return notes[a].note.amount < notes[b].note.amount;
  });
  auto amount = [&](std::size_t k) -> U128 { return notes[order[k]].note.amount; };
  // One note: the smallest that covers the target.
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (amount(k) >= target) {
      *chosen = {order[k]};
      *merge = false;
      return Status::Ok();
    }
  }
  // Two notes: the pair with the smallest sum that covers it (two pointers over the sorted list).
  bool found = false;
  U128 best = 0;
  std::size_t bi = 0, bj = 0;
  for (std::size_t i = 0, j = order.size(); order.size() >= 2 && i + 1 < j;) {
    const U128 s = amount(i) + amount(j - 1);
    if (s >= target) {
      if (!found || s < best) {
        found = true;
        best = s;
        bi = i;
        bj = j - 1;
      }
      --j;
    } else {
      ++i;
    }
  }
  if (found) {
    *chosen = {order[bj], order[bi]};
    *merge = false;
    return Status::Ok();
  }
  // More: k notes need k - 2 merges, each paying a fee. The largest notes go first.
  U128 sum = 0;
  for (std::size_t k = 1; k <= order.size(); ++k) {
    sum += amount(order.size() - k);
    if (k >= 3 && sum >= static_cast<U128>(target) + static_cast<U128>(fee) * (k - 2)) {
      *chosen = {order[order.size() - 1], order[order.size() - 2]};
      *merge = true;
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("insufficient funds: the notes cannot cover the amount and fees");
}

Status TransactionBuilder::Build(const Plan& plan, BuiltTransaction* out) const {
  Transaction tx;
  tx.asset = plan.asset;
  tx.root = plan.root;
  tx.fee = plan.fee;
  tx.leg = plan.leg;
  JoinSplitWitness wit;
  wit.sk = plan.sk;
  for (int i = 0; i < 2; ++i) {
    wit.inputs[i] = plan.inputs[i];
    tx.nullifiers[i] =
        Nullifier(plan.sk, NoteCommitment(plan.inputs[i].note), plan.inputs[i].position);
    wit.outputs[i] = plan.outputs[i];
    tx.commitments[i] = NoteCommitment(plan.outputs[i]);
    EncryptedNote enc;
    DEPINFER_RETURN_IF_ERROR(EncryptNote(plan.outputs[i], plan.memos[i], plan.recipients[i], &enc));
    tx.outputs[i] = enc.Encode();
  }
  if (plan.leg.kind == LegKind::kDeposit) {
    tx.leg.signature = plan.signer->Sign(tx.SigningMessage(chain_id_));
  }
  JoinSplitPublic statement;
  DEPINFER_RETURN_IF_ERROR(tx.Statement(chain_id_, &statement));
  DEPINFER_RETURN_IF_ERROR(keys_.Prove(statement, wit, &tx.proof));
  out->tx = std::move(tx);
  return Status::Ok();
}

// The chosen notes as inputs (dummies fill the rest), and the root their witnesses lead to.
static Status FillInputs(const SpendingKey& from, std::span<const SpendableNote> notes,
                  const std::vector<std::size_t>& chosen, const Fr& asset,
                  std::array<JoinSplitInput, 2>* inputs, Fr* root, U128* total) {
  *total = 0;
  for (std::size_t k = 0; k < 2; ++k) {
    if (k >= chosen.size()) {
      (*inputs)[k] = DummyInput(asset, from.pk());
      continue;
    }
    const SpendableNote& n = notes[chosen[k]];
    if (!(n.note.asset == asset) || !(n.note.owner == from.pk())) {
      return Status::InvalidArgument("a note is of another asset or not the payer's");
    }
    if (n.witness.tree_size() != notes[chosen[0]].witness.tree_size()) {
      return Status::InvalidArgument("note witnesses are at different tree sizes: sync first");
    }
    (*inputs)[k] = RealInput(n);
    *total += n.note.amount;
  }
  *root = notes[chosen[0]].witness.Root();
  return Status::Ok();
}

Status TransactionBuilder::Begin(const SpendingKey& from, std::span<const SpendableNote> notes,
                                 const Fr& asset, std::uint64_t amount, std::uint64_t fee,
                                 Plan* plan, BuiltTransaction* built, bool* merge) const {
  if (amount > UINT64_MAX - fee) return Status::InvalidArgument("amount plus fee exceed 2^64 - 1");
  std::vector<std::size_t> chosen;
  DEPINFER_RETURN_IF_ERROR(ChooseNotes(notes, amount + fee, fee, &chosen, merge));
  plan->sk = from.sk();
  plan->asset = asset;
  plan->fee = fee;
  DEPINFER_RETURN_IF_ERROR(FillInputs(from, notes, chosen, asset, &plan->inputs, &plan->root, &plan->in));
  built->spent = chosen;
  return Status::Ok();
}

Status TransactionBuilder::Pay(const SpendingKey& from, std::span<const SpendableNote> notes,
                               const Address& to, const Fr& asset, std::uint64_t amount,
                               std::uint64_t fee, std::span<const std::uint8_t> memo,
                               BuiltTransaction* out) const {
  DEPINFER_RETURN_IF_ERROR(CheckMemo(memo));
  Plan plan;
  BuiltTransaction built;
  bool merge = false;
  DEPINFER_RETURN_IF_ERROR(Begin(from, notes, asset, amount, fee, &plan, &built, &merge));
  const U128 in = plan.in;
  const Address self = from.address();
  if (merge) {
    // The two largest notes become one for the payer; the payment follows once it is applied.
    built.complete = false;
    built.change = static_cast<std::uint64_t>(in - fee);
    plan.outputs = {NewNote(asset, built.change, self), NewNote(asset, 0, self)};
    plan.recipients = {self, self};
  } else {
    built.change = static_cast<std::uint64_t>(in - amount - fee);
    plan.outputs = {NewNote(asset, amount, to), NewNote(asset, built.change, self)};
    plan.recipients = {to, self};
    plan.memos[0].assign(memo.begin(), memo.end());
  }
  DEPINFER_RETURN_IF_ERROR(Build(plan, &built));
  *out = std::move(built);
  return Status::Ok();
}

Status TransactionBuilder::Deposit(const AccountSigner& account, std::uint64_t nonce,
                                   const Address& to, const Fr& asset, std::uint64_t amount,
                                   std::uint64_t fee, const Fr& root,
                                   std::span<const std::uint8_t> memo,
                                   BuiltTransaction* out) const {
  DEPINFER_RETURN_IF_ERROR(CheckMemo(memo));
  if (amount < fee) return Status::InvalidArgument("the deposit does not cover the fee");
  Plan plan;
  // Nothing is spent: the dummy inputs belong to a throwaway key.
  plan.sk = RandomBlinding();
  const Fr dummy_pk = OwnerKey(plan.sk);
  plan.asset = asset;
  plan.fee = fee;
  plan.root = root;
  plan.inputs = {DummyInput(asset, dummy_pk), DummyInput(asset, dummy_pk)};
  plan.outputs = {NewNote(asset, amount - fee, to), NewNote(asset, 0, to)};
  plan.recipients = {to, to};
  plan.memos[0].assign(memo.begin(), memo.end());
  plan.leg = TransparentLeg{LegKind::kDeposit, account.account(), amount, nonce, {}};
  plan.signer = &account;
  BuiltTransaction built;
  DEPINFER_RETURN_IF_ERROR(Build(plan, &built));
  *out = std::move(built);
  return Status::Ok();
}

Status TransactionBuilder::Withdraw(const SpendingKey& from, std::span<const SpendableNote> notes,
                                    const AccountKey& account, const Fr& asset,
                                    std::uint64_t amount, std::uint64_t fee,
                                    BuiltTransaction* out) const {
  Plan plan;
  BuiltTransaction built;
  bool merge = false;
  DEPINFER_RETURN_IF_ERROR(Begin(from, notes, asset, amount, fee, &plan, &built, &merge));
  if (merge) {
    // Merge first (the same step a payment takes); the withdrawal follows once it is applied.
    return Pay(from, notes, from.address(), asset, amount, fee, {}, out);
  }
  const U128 in = plan.in;
  const Address self = from.address();
  built.change = static_cast<std::uint64_t>(in - amount - fee);
  plan.outputs = {NewNote(asset, built.change, self), NewNote(asset, 0, self)};
  plan.recipients = {self, self};
  plan.leg = TransparentLeg{LegKind::kWithdrawal, account, amount, 0, {}};
  DEPINFER_RETURN_IF_ERROR(Build(plan, &built));
  *out = std::move(built);
  return Status::Ok();
}

}  // namespace depinfer::shield
