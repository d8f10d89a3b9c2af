#include "app/wallet_ops.h"

#include <sodium.h>

#include "ledger/codec.h"

namespace depinfer::app {

namespace {

constexpr std::uint64_t kWaitMs = 30'000;

Status Finalized(const api::TxStatus& s, const std::string& what) {
  if (s.status == "final" && s.applied) return Status::Ok();
  if (s.status == "final" || s.status == "rejected") {
    return Status::InvalidArgument(what + " rejected (" + s.rule + "): " + s.detail);
  }
  return Status::Unavailable(what + " not final after 30 s (status " + s.status + ")");
}

}  // namespace

Status SyncWallet(shield::Wallet& wallet, api::NodeClient& node,
                  const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  api::NodeState state;
  DEPINFER_RETURN_IF_ERROR(node.State(&state));
  std::vector<shield::OutputRecord> page;
  while (wallet.next_position() < state.tree_size) {
    DEPINFER_RETURN_IF_ERROR(node.Outputs(wallet.next_position(), 1000, &page));
    if (page.empty()) break;
    DEPINFER_RETURN_IF_ERROR(wallet.Sync(page));
    if (progress) progress(wallet.next_position(), state.tree_size);
  }
  std::vector<Fr> spent;
  for (const Fr& nf : wallet.UnspentNullifiers()) {
    bool s = false;
    DEPINFER_RETURN_IF_ERROR(node.NullifierSpent(nf, &s));
    if (s) spent.push_back(nf);
  }
  return spent.empty() ? Status::Ok() : wallet.MarkSpent(spent);
}

Status Pay(shield::Wallet& wallet, api::NodeClient& node, const shield::TransactionBuilder& builder,
           const shield::Address& to, std::uint64_t amount, std::uint64_t fee,
           std::span<const std::uint8_t> memo, std::string* txid) {
  for (int step = 0; step < 64; ++step) {
    DEPINFER_RETURN_IF_ERROR(SyncWallet(wallet, node));
    shield::BuiltTransaction built;
    DEPINFER_RETURN_IF_ERROR(wallet.Send(builder, to, Fr::Zero(), amount, fee, memo, &built));
    api::TxStatus s;
    Status st = node.Submit(ledger::Tx::Shielded(built.tx), kWaitMs, &s);
    if (st.ok()) st = Finalized(s, built.complete ? "payment" : "merge step");
    if (!st.ok()) {
      (void)wallet.Abandon(built);
      return st;
    }
    if (built.complete) {
      *txid = ledger::Hex(built.tx.Id());
      return SyncWallet(wallet, node);
    }
  }
  return Status::InvalidArgument("too many merge steps; consolidate notes first");
}

Status DepositFromAccount(api::NodeClient& node, const shield::TransactionBuilder& builder,
                          const shield::AccountSigner& account, const shield::Address& to,
                          std::uint64_t amount, std::uint64_t fee, std::string* txid) {
  std::uint64_t nonce = 0, balance = 0;
  DEPINFER_RETURN_IF_ERROR(node.Account(account.account(), &nonce, &balance));
  if (balance < amount) {
    return Status::InvalidArgument("the account holds " + std::to_string(balance) + ", less than " +
                                   std::to_string(amount));
  }
  api::NodeState state;
  DEPINFER_RETURN_IF_ERROR(node.State(&state));
  shield::BuiltTransaction built;
  DEPINFER_RETURN_IF_ERROR(builder.Deposit(account, nonce, to, Fr::Zero(), amount, fee,
                                           state.merkle_root, {}, &built));
  api::TxStatus s;
  DEPINFER_RETURN_IF_ERROR(node.Submit(ledger::Tx::Shielded(built.tx), kWaitMs, &s));
  DEPINFER_RETURN_IF_ERROR(Finalized(s, "deposit"));
  *txid = ledger::Hex(built.tx.Id());
  return Status::Ok();
}

Status LoadProvingKeys(const std::string& spec, std::unique_ptr<shield::JoinSplitKeys>* out) {
  if (spec.rfind("dev:", 0) == 0) {
    const std::string hex = spec.substr(4);
    std::uint8_t seed[32];
    std::size_t n = 0;
    if (hex.size() != 64 ||
        sodium_hex2bin(seed, 32, hex.data(), hex.size(), nullptr, &n, nullptr) != 0 || n != 32) {
      return Status::InvalidArgument("dev keys are dev:<64 hex digits>");
    }
    return shield::JoinSplitKeys::DevSetup(out, seed);
  }
  return shield::JoinSplitKeys::FromZkeyFile(spec, out);
}

}  // namespace depinfer::app
