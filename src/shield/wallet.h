// The wallet: keys, notes, their witnesses, spent status and history, kept in one SQLite file
// encrypted at rest.
//
// At rest: a key is derived from the passphrase with Argon2id (libsodium crypto_pwhash, a
// random salt stored in the file) and every secret record (the seed or viewing key, each note
// with its witness, each history entry) is sealed with XSalsa20-Poly1305 (crypto_secretbox)
// under a fresh nonce. Only public facts stay in clear: the format version, the KDF
// parameters, the scanned tree (the ledger's, public) and how far the wallet has scanned. A
// known value sealed at creation tells a wrong passphrase apart from a damaged file, and
// opening reads and authenticates everything before the wallet is used, writing nothing, so
// neither case changes the file.
//
// Every update (a sync step, a payment, marking notes spent) is one SQLite transaction: a
// wallet killed half-way through is found as it was before that update.
//
// A wallet made from a viewing key is watch-only: it finds and reads incoming notes, shows
// their balance and memos, and cannot spend (it has no sk, so it cannot compute nullifiers
// either; its balance is what was received).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "shield/builder.h"
#include "shield/keys.h"
#include "shield/state.h"

struct sqlite3;

namespace depinfer::shield {

// Argon2id cost. kInteractive is libsodium's interactive limits (64 MiB, a fraction of a
// second), the default; kTestOnly is the minimum, for tests.
enum class KdfStrength { kInteractive, kModerate, kTestOnly };

struct WalletNote {
  Note note;
  std::uint64_t position = 0;
  Fr nullifier;        // zero in a watch-only wallet
  std::vector<std::uint8_t> memo;
  bool spent = false;
  bool pending = false;  // spent by a transaction this wallet built, not yet seen on the ledger
};

struct HistoryEntry {
  enum class Kind : std::uint8_t { kReceived = 1, kSent = 2 };
  Kind kind = Kind::kReceived;
  Fr asset;
  std::uint64_t amount = 0;
  std::uint64_t fee = 0;
  std::string counterparty;  // sent: the recipient's address; received: empty
  std::vector<std::uint8_t> memo;
  std::string txid;          // sent: hex id; received: empty
  std::uint64_t position = 0;  // received: the note's leaf position
};

class Wallet {
 public:
  ~Wallet();
  Wallet(const Wallet&) = delete;
  Wallet& operator=(const Wallet&) = delete;

  // A new wallet file from a 32-byte seed (fails when the file exists).
  static Status Create(const std::string& path, std::string_view passphrase,
                       std::span<const std::uint8_t, kSeedBytes> seed, Network network,
                       KdfStrength kdf, std::unique_ptr<Wallet>* out);
  // A watch-only wallet from a viewing key.
  static Status CreateWatchOnly(const std::string& path, std::string_view passphrase,
                                const ViewingKey& vk, Network network, KdfStrength kdf,
                                std::unique_ptr<Wallet>* out);
  // Opens an existing file. Errors: "wrong passphrase", "wallet file is damaged: ...".
  static Status Open(const std::string& path, std::string_view passphrase,
                     std::unique_ptr<Wallet>* out);

  Network network() const { return network_; }
  bool watch_only() const { return !spend_.has_value(); }
  Address address() const { return view_.address(); }
  const ViewingKey& viewing_key() const { return view_; }

  // The ledger's outputs must be given in order, starting at next_position().
  std::uint64_t next_position() const { return tree_.size(); }
  // Scans outputs (trial decryption on all cores), adds the notes found, brings every
  // witness up to date. One transaction on disk.
  Status Sync(std::span<const OutputRecord> outputs);
  // The nullifiers of unspent notes (ask the ledger which are spent), and marking them.
  std::vector<Fr> UnspentNullifiers() const;
  Status MarkSpent(std::span<const Fr> nullifiers);

  // Sum of unspent (and not pending) notes of `asset`.
  std::uint64_t Balance(const Fr& asset) const;
  const std::vector<WalletNote>& notes() const { return notes_; }
  const std::vector<HistoryEntry>& history() const { return history_; }

  // Builds a payment (or its next merge step, built->complete == false) and records it:
  // the notes it spends become pending, a history entry is added.
  Status Send(const TransactionBuilder& builder, const Address& to, const Fr& asset,
              std::uint64_t amount, std::uint64_t fee, std::span<const std::uint8_t> memo,
              BuiltTransaction* built);
  // Withdraws to a transparent account, recorded like a payment.
  Status Withdraw(const TransactionBuilder& builder, const AccountKey& account, const Fr& asset,
                  std::uint64_t amount, std::uint64_t fee, BuiltTransaction* built);
  // A built transaction the ledger rejected: its notes are spendable again.
  Status Abandon(const BuiltTransaction& built);

 private:
  Wallet() = default;
  struct Secretbox;
  static Status OpenDb(const std::string& path, bool create, sqlite3** db);
  Status Load();
  Status SaveAll();  // notes and history (callers hold a transaction)
  Status Put(const char* key, std::span<const std::uint8_t> value, bool sealed);
  Status SpendableNotes(const Fr& asset, std::vector<SpendableNote>* out,
                        std::vector<std::size_t>* index) const;
  // Marks the spent notes pending and adds `entry`; outputs from first_own on come back to
  // this wallet (change, merged notes, dummies) and will not show as received.
  Status RecordBuilt(const BuiltTransaction& built, const std::vector<std::size_t>& index,
                     HistoryEntry entry, std::size_t first_own);
  template <class F>
  Status Update(F&& fn);
  static Status CreateFile(const std::string& path, std::string_view passphrase, Network network,
                           KdfStrength kdf, std::span<const std::uint8_t> keys,
                           std::unique_ptr<Wallet>* out);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Secretbox> box_;
  Network network_ = Network::kTest;
  std::optional<SpendingKey> spend_;
  ViewingKey view_;
  Frontier tree_;
  std::vector<WalletNote> notes_;
  std::vector<Witness> witnesses_;  // one per note, for unspent notes kept current
  std::vector<HistoryEntry> history_;
  std::vector<std::vector<Fr>> own_outputs_;  // per history entry
};

}  // namespace depinfer::shield
