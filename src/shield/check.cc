#include "shield/check.h"

#include <sodium.h>

namespace depinfer::shield {

const char* RuleName(Rule rule) {
  switch (rule) {
    case Rule::kOk: return "ok";
    case Rule::kMalformed: return "malformed";
    case Rule::kAmountRange: return "amount-range";
    case Rule::kDuplicateNullifier: return "duplicate-nullifier";
    case Rule::kBadSignature: return "bad-signature";
    case Rule::kBadProof: return "bad-proof";
    case Rule::kUnknownRoot: return "unknown-root";
    case Rule::kNullifierSpent: return "nullifier-spent";
    case Rule::kInsufficientFunds: return "insufficient-funds";
    case Rule::kBadNonce: return "bad-nonce";
    case Rule::kBalanceOverflow: return "balance-overflow";
  }
  return "unknown";
}

std::string Verdict::ToString() const {
  if (ok()) return "accepted";
  return std::string("rejected (") + RuleName(rule) + "): " + detail;
}

Verdict CheckStructure(const Transaction& tx, const CheckContext& ctx) {
  if (tx.version != kTransactionVersion) return Verdict::Reject(Rule::kMalformed, "unknown version");
  if (tx.memo.size() > kMaxPublicMemoBytes) return Verdict::Reject(Rule::kMalformed, "memo above 512 bytes");
  for (const auto& out : tx.outputs) {
    if (out.size() > kMaxEncryptedOutputBytes ||
        (ctx.encrypted_output_bytes != 0 && out.size() != ctx.encrypted_output_bytes)) {
      return Verdict::Reject(Rule::kMalformed, "encrypted output of the wrong size");
    }
  }
  if (tx.leg.kind == LegKind::kNone && (tx.leg.amount != 0 || tx.leg.nonce != 0)) {
    return Verdict::Reject(Rule::kMalformed, "amount or nonce without a transparent leg");
  }
  SignedAmount v;
  if (Status st = tx.PublicAmount(&v); !st.ok()) return Verdict::Reject(Rule::kAmountRange, st.message());
  if (tx.nullifiers[0] == tx.nullifiers[1]) {
    return Verdict::Reject(Rule::kDuplicateNullifier, "both inputs carry the same nullifier");
  }
  if (tx.leg.kind == LegKind::kDeposit) {
    const std::vector<std::uint8_t> msg = tx.SigningMessage(ctx.chain_id);
    if (crypto_sign_verify_detached(tx.leg.signature.data(), msg.data(), msg.size(),
                                    tx.leg.account.data()) != 0) {
      return Verdict::Reject(Rule::kBadSignature, "the deposit is not signed by its account");
    }
  }
  return {};
}

std::vector<Verdict> CheckStateless(std::span<const Transaction> txs, const CheckContext& ctx) {
  std::vector<Verdict> verdicts(txs.size());
  std::vector<std::vector<Fr>> inputs;
  std::vector<Proof> proofs;
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    verdicts[i] = CheckStructure(txs[i], ctx);
    if (!verdicts[i].ok()) continue;
    JoinSplitPublic statement;
    if (Status st = txs[i].Statement(ctx.chain_id, &statement); !st.ok()) {
      verdicts[i] = Verdict::Reject(Rule::kAmountRange, st.message());
      continue;
    }
    inputs.push_back(statement.ToVector());
    proofs.push_back(txs[i].proof);
    which.push_back(i);
  }
  if (proofs.empty()) return verdicts;
  if (ctx.vk == nullptr) {
    for (std::size_t i : which) verdicts[i] = Verdict::Reject(Rule::kBadProof, "no verifying key");
    return verdicts;
  }
  std::vector<bool> bad;
  if (!ctx.vk->VerifyBatch(inputs, proofs, &bad).ok()) {
    for (std::size_t k = 0; k < which.size(); ++k) {
      if (bad[k]) {
        verdicts[which[k]] =
            Verdict::Reject(Rule::kBadProof, "the proof does not verify for this transaction");
      }
    }
  }
  return verdicts;
}

Verdict CheckStateful(const Transaction& tx, const StateView& state) {
  if (!state.IsRecentRoot(tx.root)) {
    return Verdict::Reject(Rule::kUnknownRoot, "the root is not one of the recent roots");
  }
  for (int i = 0; i < 2; ++i) {
    if (state.IsNullifierSpent(tx.nullifiers[i])) {
      return Verdict::Reject(Rule::kNullifierSpent,
                             "input " + std::to_string(i) + "'s note is already spent");
    }
  }
  if (tx.leg.kind == LegKind::kDeposit) {
    if (tx.leg.nonce != state.Nonce(tx.leg.account)) {
      return Verdict::Reject(Rule::kBadNonce, "the deposit's nonce is not the account's next one");
    }
    if (state.Balance(tx.leg.account, tx.asset) < tx.leg.amount) {
      return Verdict::Reject(Rule::kInsufficientFunds, "the deposit's account lacks the amount");
    }
  }
  return {};
}

Verdict ApplyTransaction(const Transaction& tx, const AccountKey& fee_account, MutableState* state) {
  Verdict v = CheckStateful(tx, *state);
  if (!v.ok()) return v;
  BalanceChanges balances(*state, tx.asset);
  if (tx.leg.kind == LegKind::kDeposit) balances.Debit(tx.leg.account, tx.leg.amount);
  if (tx.leg.kind == LegKind::kWithdrawal && !balances.Credit(tx.leg.account, tx.leg.amount)) {
    return Verdict::Reject(Rule::kBalanceOverflow, "the withdrawal would overflow the account");
  }
  if (tx.fee != 0 && !balances.Credit(fee_account, tx.fee)) {
    return Verdict::Reject(Rule::kBalanceOverflow, "the fee would overflow the fee account");
  }
  for (const Fr& nf : tx.nullifiers) state->SpendNullifier(nf);
  state->AppendOutputs(tx);
  balances.WriteTo(state);
  if (tx.leg.kind == LegKind::kDeposit) state->SetNonce(tx.leg.account, tx.leg.nonce + 1);
  return {};
}

}  // namespace depinfer::shield
