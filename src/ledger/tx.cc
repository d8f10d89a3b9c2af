#include "ledger/tx.h"

#include <sodium.h>

#include "shield/bytes.h"

namespace depinfer::ledger {

using shield::ByteReader;
using shield::ByteWriter;

namespace {

constexpr std::size_t kTransferBodyBytes = 32 + 32 + 32 + 8 + 8 + 8;

void WriteTransfer(const Transfer& t, bool with_signature, ByteWriter* w) {
  w->Raw(t.from);
  w->Raw(t.to);
  w->Field(t.asset);
  w->U64(t.amount);
  w->U64(t.fee);
  w->U64(t.nonce);
  if (with_signature) w->Raw(t.signature);
}

}  // namespace

std::vector<std::uint8_t> Transfer::SigningMessage(std::string_view chain_id) const {
  static constexpr char kDomain[] = "depinfer/transfer/v1";
  ByteWriter w;
  w.Raw(std::span(reinterpret_cast<const std::uint8_t*>(kDomain), sizeof kDomain - 1));
  w.Blob(std::span(reinterpret_cast<const std::uint8_t*>(chain_id.data()),
                   std::min<std::size_t>(chain_id.size(), 0xffff)));
  WriteTransfer(*this, /*with_signature=*/false, &w);
  return std::move(w.bytes());
}

TxId Transfer::Id() const {
  ByteWriter w;
  WriteTransfer(*this, false, &w);
  return Hasher("depinfer/transfer-id/v1").Add(w.bytes()).Final();
}

bool Tx::operator==(const Tx& o) const {
  if (kind != o.kind) return false;
  return kind == TxKind::kShielded ? shielded == o.shielded : transfer == o.transfer;
}

TxId Tx::Id() const { return kind == TxKind::kShielded ? shielded.Id() : transfer.Id(); }

Hash32 Tx::WireHash() const { return Hasher("depinfer/tx-wire/v1").Add(EncodeTx(*this)).Final(); }

std::span<const Fr> Tx::Nullifiers() const {
  if (kind == TxKind::kShielded) return shielded.nullifiers;
  return {};
}

const AccountKey* Tx::NonceAccount() const {
  if (kind == TxKind::kTransfer) return &transfer.from;
  if (shielded.leg.kind == shield::LegKind::kDeposit) return &shielded.leg.account;
  return nullptr;
}

std::uint64_t Tx::Nonce() const {
  return kind == TxKind::kTransfer ? transfer.nonce : shielded.leg.nonce;
}

std::vector<std::uint8_t> EncodeTx(const Tx& tx) {
  if (tx.kind == TxKind::kShielded) {
    std::vector<std::uint8_t> body = shield::EncodeTransaction(tx.shielded);
    body.insert(body.begin(), static_cast<std::uint8_t>(TxKind::kShielded));
    return body;
  }
  ByteWriter w;
  w.U8(static_cast<std::uint8_t>(TxKind::kTransfer));
  WriteTransfer(tx.transfer, true, &w);
  return std::move(w.bytes());
}

Status DecodeTx(std::span<const std::uint8_t> bytes, Tx* out) {
  if (bytes.empty()) return Status::InvalidArgument("transaction: empty");
  Tx tx;
  if (bytes[0] == static_cast<std::uint8_t>(TxKind::kShielded)) {
    tx.kind = TxKind::kShielded;
    DEPINFER_RETURN_IF_ERROR(shield::DecodeTransaction(bytes.subspan(1), &tx.shielded));
  } else if (bytes[0] == static_cast<std::uint8_t>(TxKind::kTransfer)) {
    tx.kind = TxKind::kTransfer;
    ByteReader r(bytes.subspan(1));
    Transfer& t = tx.transfer;
    DEPINFER_RETURN_IF_ERROR(r.Array(&t.from, "transfer from"));
    DEPINFER_RETURN_IF_ERROR(r.Array(&t.to, "transfer to"));
    DEPINFER_RETURN_IF_ERROR(r.Field(&t.asset, "transfer asset"));
    DEPINFER_RETURN_IF_ERROR(r.U64(&t.amount, "transfer amount"));
    DEPINFER_RETURN_IF_ERROR(r.U64(&t.fee, "transfer fee"));
    DEPINFER_RETURN_IF_ERROR(r.U64(&t.nonce, "transfer nonce"));
    DEPINFER_RETURN_IF_ERROR(r.Array(&t.signature, "transfer signature"));
    DEPINFER_RETURN_IF_ERROR(r.ExpectEnd("transfer"));
    static_assert(kTransferBodyBytes + 64 == 184);
  } else {
    return Status::InvalidArgument("transaction: unknown kind " + std::to_string(bytes[0]));
  }
  *out = std::move(tx);
  return Status::Ok();
}

std::string TxToJson(const Tx& tx) {
  Json j;
  if (tx.kind == TxKind::kShielded) {
    j["kind"] = "shielded";
    j["tx"] = Json::parse(shield::TransactionToJson(tx.shielded));
    return j.dump();
  }
  const Transfer& t = tx.transfer;
  j["kind"] = "transfer";
  j["from"] = Hex(t.from);
  j["to"] = Hex(t.to);
  j["asset"] = FieldHex(t.asset);
  j["amount"] = std::to_string(t.amount);
  j["fee"] = std::to_string(t.fee);
  j["nonce"] = std::to_string(t.nonce);
  j["signature"] = Hex(t.signature);
  return j.dump();
}

Status TxFromJson(std::string_view text, Tx* out) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("transaction: not valid JSON");
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string()) {
    return Status::InvalidArgument("transaction must be an object with a \"kind\"");
  }
  const std::string kind = j["kind"];
  Tx tx;
  if (kind == "shielded") {
    DEPINFER_RETURN_IF_ERROR(ExpectKeys(j, "transaction", {"kind", "tx"}));
    if (!j["tx"].is_object()) return Status::InvalidArgument("transaction.tx must be an object");
    tx.kind = TxKind::kShielded;
    DEPINFER_RETURN_IF_ERROR(shield::TransactionFromJson(j["tx"].dump(), &tx.shielded));
  } else if (kind == "transfer") {
    DEPINFER_RETURN_IF_ERROR(ExpectKeys(
        j, "transfer", {"kind", "from", "to", "asset", "amount", "fee", "nonce", "signature"}));
    tx.kind = TxKind::kTransfer;
    Transfer& t = tx.transfer;
    DEPINFER_RETURN_IF_ERROR(HexArrayFromJson(j["from"], "transfer from", &t.from));
    DEPINFER_RETURN_IF_ERROR(HexArrayFromJson(j["to"], "transfer to", &t.to));
    DEPINFER_RETURN_IF_ERROR(FieldFromJson(j["asset"], "transfer asset", &t.asset));
    DEPINFER_RETURN_IF_ERROR(U64FromJson(j["amount"], "transfer amount", &t.amount));
    DEPINFER_RETURN_IF_ERROR(U64FromJson(j["fee"], "transfer fee", &t.fee));
    DEPINFER_RETURN_IF_ERROR(U64FromJson(j["nonce"], "transfer nonce", &t.nonce));
    DEPINFER_RETURN_IF_ERROR(HexArrayFromJson(j["signature"], "transfer signature", &t.signature));
  } else {
    return Status::InvalidArgument("transaction kind must be shielded or transfer");
  }
  *out = std::move(tx);
  return Status::Ok();
}

// ---- Rules ---------------------------------------------------------------------------------

Verdict CheckTransferStateless(const Transfer& t, std::string_view chain_id) {
  if (t.amount > UINT64_MAX - t.fee) {
    return Verdict::Reject(Rule::kAmountRange, "amount plus fee exceed 2^64 - 1");
  }
  const std::vector<std::uint8_t> msg = t.SigningMessage(chain_id);
  if (crypto_sign_verify_detached(t.signature.data(), msg.data(), msg.size(), t.from.data()) != 0) {
    return Verdict::Reject(Rule::kBadSignature, "the transfer is not signed by its sender");
  }
  return {};
}

Verdict CheckTransferStateful(const Transfer& t, const shield::StateView& state) {
  if (t.nonce != state.Nonce(t.from)) {
    return Verdict::Reject(Rule::kBadNonce, "the transfer's nonce is not the account's next one");
  }
  if (t.amount > UINT64_MAX - t.fee) {
    return Verdict::Reject(Rule::kAmountRange, "amount plus fee exceed 2^64 - 1");
  }
  if (state.Balance(t.from, t.asset) < t.amount + t.fee) {
    return Verdict::Reject(Rule::kInsufficientFunds, "the sender lacks amount plus fee");
  }
  return {};
}

Verdict ApplyTransfer(const Transfer& t, const AccountKey& fee_account,
                      shield::MutableState* state) {
  Verdict v = CheckTransferStateful(t, *state);
  if (!v.ok()) return v;
  shield::BalanceChanges balances(*state, t.asset);
  balances.Debit(t.from, t.amount + t.fee);
  if (!balances.Credit(t.to, t.amount)) {
    return Verdict::Reject(Rule::kBalanceOverflow, "the transfer would overflow the recipient");
  }
  if (t.fee != 0 && !balances.Credit(fee_account, t.fee)) {
    return Verdict::Reject(Rule::kBalanceOverflow, "the fee would overflow the fee account");
  }
  balances.WriteTo(state);
  state->SetNonce(t.from, t.nonce + 1);
  return {};
}

Verdict CheckTxStateful(const Tx& tx, const shield::StateView& state) {
  if (tx.kind == TxKind::kShielded) return shield::CheckStateful(tx.shielded, state);
  return CheckTransferStateful(tx.transfer, state);
}

Verdict ApplyTx(const Tx& tx, const AccountKey& fee_account, shield::MutableState* state) {
  if (tx.kind == TxKind::kShielded) return shield::ApplyTransaction(tx.shielded, fee_account, state);
  return ApplyTransfer(tx.transfer, fee_account, state);
}

}  // namespace depinfer::ledger
