// Ledger transactions: an envelope of one kind byte and a body.
//
//   kind 1, shielded:  the body is a shield::Transaction in its binary encoding
//                      (shield/transaction.h): a join-split with at most one transparent leg
//                      (a deposit from, or a withdrawal to, an Ed25519 account).
//   kind 2, transfer:  a transparent transfer between two Ed25519 accounts:
//                      from (32) | to (32) | asset (32, field element, 0 = native) |
//                      amount u64 | fee u64 | nonce u64 | signature (64)
// Integers are big-endian, field elements canonical (below r). Decoding accepts exactly these
// encodings: an unknown kind, trailing bytes or a non-canonical element is an error.
//
// A transfer's signature is Ed25519 by `from` over
//   "depinfer/transfer/v1" | u16 length of the chain id | chain id | the body without signature
// so it cannot be replayed on another chain or turned into another kind of transaction. Its
// nonce must be the account's next one (the same counter a deposit uses); the fee goes to the
// ledger's fee account in the transfer's asset.
//
// Ids: a shielded transaction keeps its shield id (BLAKE2b-256 "depinfer/txid/v1" over the
// encoding without proof and deposit signature, so wallets and the ledger name it alike); a
// transfer's id is BLAKE2b-256("depinfer/transfer-id/v1", body without signature). The domains
// differ, so ids of the two kinds never collide. Because the id leaves the proof and signature
// out (a Groth16 proof can be re-randomised by anyone), two encodings can share an id: the
// verification cache therefore keys on WireHash(), a hash over the complete encoding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/codec.h"
#include "shield/check.h"
#include "shield/transaction.h"

namespace depinfer::ledger {

using shield::AccountKey;
using shield::Rule;
using shield::Signature;
using shield::TxId;
using shield::Verdict;

enum class TxKind : std::uint8_t { kShielded = 1, kTransfer = 2 };

struct Transfer {
  AccountKey from{};
  AccountKey to{};
  Fr asset;  // 0: the native asset
  std::uint64_t amount = 0;
  std::uint64_t fee = 0;
  std::uint64_t nonce = 0;  // from's next nonce
  Signature signature{};

  bool operator==(const Transfer&) const = default;
  // What `from` signs (domain, chain id, body without signature).
  std::vector<std::uint8_t> SigningMessage(std::string_view chain_id) const;
  TxId Id() const;
};

struct Tx {
  TxKind kind = TxKind::kTransfer;
  shield::Transaction shielded;  // kind == kShielded
  Transfer transfer;             // kind == kTransfer

  static Tx Shielded(shield::Transaction t) {
    Tx tx;
    tx.kind = TxKind::kShielded;
    tx.shielded = std::move(t);
    return tx;
  }
  static Tx Of(Transfer t) {
    Tx tx;
    tx.kind = TxKind::kTransfer;
    tx.transfer = std::move(t);
    return tx;
  }

  bool operator==(const Tx& o) const;
  TxId Id() const;
  // BLAKE2b-256 over the complete encoding (proof and signatures included): what the
  // verification cache is keyed by.
  Hash32 WireHash() const;
  // The nullifiers this transaction spends (none for a transfer).
  std::span<const Fr> Nullifiers() const;
  // The account whose nonce it consumes, if any (a deposit's or a transfer's sender).
  const AccountKey* NonceAccount() const;
  std::uint64_t Nonce() const;
};

std::vector<std::uint8_t> EncodeTx(const Tx& tx);
Status DecodeTx(std::span<const std::uint8_t> bytes, Tx* out);

// {"kind":"shielded","tx":{...shield JSON...}} or
// {"kind":"transfer","from":"<hex>","to":"<hex>","asset":"0x..","amount":"1","fee":"0",
//  "nonce":"0","signature":"<hex>"}. Strict: unknown or missing keys and wrong types fail.
std::string TxToJson(const Tx& tx);
Status TxFromJson(std::string_view json, Tx* out);

// Sign a transfer with shield::AccountSigner:
//   t.signature = signer.Sign(t.SigningMessage(chain_id));

// ---- The rules of a transparent transfer (shielded transactions use shield/check.h) ------

// Stateless: amount + fee fits in u64 (amount-range), the signature (bad-signature).
Verdict CheckTransferStateless(const Transfer& t, std::string_view chain_id);
// Against the state: nonce (bad-nonce), funds for amount + fee (insufficient-funds).
Verdict CheckTransferStateful(const Transfer& t, const shield::StateView& state);
// Applies a transfer that passed the stateless checks: debits amount + fee from `from`,
// credits amount to `to` and fee to `fee_account`, advances the nonce. Nothing changes when it
// fails (the stateful rules, or balance-overflow when a credit would pass 2^64 - 1).
Verdict ApplyTransfer(const Transfer& t, const AccountKey& fee_account,
                      shield::MutableState* state);

// Either kind: the stateful checks / the application (shield::ApplyTransaction for shielded).
Verdict CheckTxStateful(const Tx& tx, const shield::StateView& state);
Verdict ApplyTx(const Tx& tx, const AccountKey& fee_account, shield::MutableState* state);

}  // namespace depinfer::ledger
