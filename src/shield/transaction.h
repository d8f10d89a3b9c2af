// Shielded transactions: what a payer sends, its canonical binary and JSON encodings, its id,
// and the hash (ext_hash) that binds its public part to the proof.
//
// A transaction spends two notes (real or dummy) and creates two, proven by one join-split
// (shield/joinsplit.h). Its public part, bound by ext_hash so nobody can change it after
// proving:
//   * the fee (public, paid in the transaction's asset to the ledger's fee account);
//   * at most one transparent leg: a deposit from an Ed25519 account (signed by it, with the
//     account's nonce so it cannot be replayed) or a withdrawal to an account;
//   * the two encrypted outputs (one per created note, shield/note_encryption.h);
//   * a public memo of up to 512 bytes.
// The value flowing into the pool, public_amount = deposit - withdrawal - fee, is derived from
// those fields, never stored, so it cannot disagree with them.
//
// ext_hash = BLAKE2b-256("depinfer/ext_hash/v1", chain id, the public part) with the top three
// bits cleared, so it is below r as a field element. It is derived too: a transaction carries
// no ext_hash to tamper with, and a change to anything it covers breaks the proof.
//
// The id is BLAKE2b-256 over the encoding with the proof (and the deposit signature, which signs
// the id) left out: anyone can re-randomise a Groth16 proof, and that must not give the same
// spend a second id.
//
// Binary encoding (all integers big-endian, field elements 32 bytes canonical, points in the
// Ethereum form of math/encoding.h):
//   version u8 = 1 | asset | root | nf[0] | nf[1] | cm[0] | cm[1] | fee u64 |
//   leg u8 (0 none, 1 deposit, 2 withdrawal)
//     deposit:    account (32, Ed25519 public key) | amount u64 | nonce u64 | signature (64)
//     withdrawal: account (32) | amount u64
//   output[0], output[1]: u16 length | bytes (each exactly kEncryptedNoteBytes)
//   memo: u16 length (<= 512) | bytes
//   proof: A (64) | B (128) | C (64)
// Decoding accepts exactly this and nothing else (no trailing bytes, canonical elements, points
// on the curve and in their subgroups).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "shield/joinsplit.h"
#include "snark/groth16/verifier.h"

namespace depinfer::shield {

using snark::groth16::Proof;

inline constexpr std::size_t kMaxPublicMemoBytes = 512;
inline constexpr std::uint8_t kTransactionVersion = 1;
// An encrypted output's size on the wire is fixed by its format; the transaction layer treats
// it as opaque bytes of at most this size (note_encryption.h gives the exact size).
inline constexpr std::size_t kMaxEncryptedOutputBytes = 1024;

using AccountKey = std::array<std::uint8_t, 32>;  // an Ed25519 public key
using Signature = std::array<std::uint8_t, 64>;
using TxId = std::array<std::uint8_t, 32>;

enum class LegKind : std::uint8_t { kNone = 0, kDeposit = 1, kWithdrawal = 2 };

// The transparent source or sink of public value.
struct TransparentLeg {
  LegKind kind = LegKind::kNone;
  AccountKey account{};
  std::uint64_t amount = 0;
  std::uint64_t nonce = 0;  // deposit only: the account's next nonce
  Signature signature{};    // deposit only: Ed25519 over SigningMessage()
  bool operator==(const TransparentLeg&) const = default;
};

struct Transaction {
  std::uint8_t version = kTransactionVersion;
  Fr asset;
  Fr root;
  std::array<Fr, 2> nullifiers;
  std::array<Fr, 2> commitments;
  std::uint64_t fee = 0;
  TransparentLeg leg;
  std::array<std::vector<std::uint8_t>, 2> outputs;  // encrypted notes
  std::vector<std::uint8_t> memo;
  // Decoded proofs have their points on their curves; whether B lies in G2 is left to the
  // verifier (groth16::ValidateProofs, run by every Verify and VerifyBatch), which tests eight
  // B points at once, so nothing may use a decoded proof before it is verified.
  Proof proof;

  bool operator==(const Transaction& o) const;

  // deposit - withdrawal - fee; fails when it does not fit |v| < 2^64.
  Status PublicAmount(SignedAmount* out) const;
  Fr ExtHash(std::string_view chain_id) const;
  // The join-split statement this transaction's proof must prove.
  Status Statement(std::string_view chain_id, JoinSplitPublic* out) const;
  TxId Id() const;
  // What a deposit's account signs: a domain string, the chain id and the id.
  std::vector<std::uint8_t> SigningMessage(std::string_view chain_id) const;
};

std::vector<std::uint8_t> EncodeTransaction(const Transaction& tx);
Status DecodeTransaction(std::span<const std::uint8_t> bytes, Transaction* out);

// JSON: {"version":1,"asset":"0x..","root":"0x..","nullifiers":["0x..","0x.."],
//  "commitments":[..],"fee":"10","leg":{"kind":"deposit","account":"<hex>","amount":"5",
//  "nonce":"0","signature":"<hex>"},"outputs":["<hex>","<hex>"],"memo":"<hex>",
//  "proof":"<hex of the 256-byte proof>"}. Amounts are decimal strings (JSON numbers lose
// precision above 2^53). Unknown or missing keys and wrong types are errors.
std::string TransactionToJson(const Transaction& tx);
Status TransactionFromJson(std::string_view json, Transaction* out);

std::string HexId(const TxId& id);

}  // namespace depinfer::shield
