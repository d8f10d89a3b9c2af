#include "shield/wallet.h"

#include <sqlite3.h>

#include <filesystem>
#include <set>

#include "shield/bytes.h"
#include "shield/scan.h"
#include "shield/sodium_once.h"

namespace depinfer::shield {

namespace {

constexpr char kFormat[] = "depinfer-wallet-1";
constexpr char kCheckPlaintext[] = "depinfer wallet passphrase check";
constexpr std::uint8_t kKeysSeed = 1, kKeysViewing = 2;

Status Damaged(std::string_view what) {
  return Status::Corruption("wallet file is damaged: " + std::string(what));
}

Status SqlError(sqlite3* db, std::string_view what) {
  return Status::IOError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "sqlite"));
}

// A prepared statement, finalised on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

Status Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return SqlError(db, sql);
  return Status::Ok();
}

std::span<const std::uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void WriteNote(const WalletNote& n, const Witness* w, ByteWriter* out) {
  out->Field(n.note.asset);
  out->U64(n.note.amount);
  out->Field(n.note.owner);
  out->Field(n.note.blinding);
  out->U64(n.position);
  out->Field(n.nullifier);
  out->Blob(n.memo);
  out->U8(n.spent ? 1 : 0);
  out->U8(n.pending ? 1 : 0);
  const std::string wit = (w && !n.spent) ? w->Encode() : std::string();
  out->Blob(AsBytes(wit));
}

Status ReadNote(std::span<const std::uint8_t> in, WalletNote* n, Witness* w) {
  ByteReader r(in);
  DEPINFER_RETURN_IF_ERROR(r.Field(&n->note.asset, "note asset"));
  DEPINFER_RETURN_IF_ERROR(r.U64(&n->note.amount, "note amount"));
  DEPINFER_RETURN_IF_ERROR(r.Field(&n->note.owner, "note owner"));
  DEPINFER_RETURN_IF_ERROR(r.Field(&n->note.blinding, "note blinding"));
  DEPINFER_RETURN_IF_ERROR(r.U64(&n->position, "note position"));
  DEPINFER_RETURN_IF_ERROR(r.Field(&n->nullifier, "note nullifier"));
  DEPINFER_RETURN_IF_ERROR(r.Blob(&n->memo, kMaxMemoBytes, "note memo"));
  std::uint8_t spent, pending;
  DEPINFER_RETURN_IF_ERROR(r.U8(&spent, "note spent"));
  DEPINFER_RETURN_IF_ERROR(r.U8(&pending, "note pending"));
  n->spent = spent != 0;
  n->pending = pending != 0;
  std::vector<std::uint8_t> wit;
  DEPINFER_RETURN_IF_ERROR(r.Blob(&wit, 0xffff, "note witness"));
  if (!wit.empty()) {
    DEPINFER_RETURN_IF_ERROR(Witness::Decode(
        std::string_view(reinterpret_cast<const char*>(wit.data()), wit.size()), w));
  }
  return r.ExpectEnd("note");
}

void WriteHistory(const HistoryEntry& h, const std::vector<Fr>& own_outputs, ByteWriter* out) {
  out->U8(static_cast<std::uint8_t>(h.kind));
  out->Field(h.asset);
  out->U64(h.amount);
  out->U64(h.fee);
  out->Blob(AsBytes(h.counterparty));
  out->Blob(h.memo);
  out->Blob(AsBytes(h.txid));
  out->U64(h.position);
  out->U8(static_cast<std::uint8_t>(own_outputs.size()));
  for (const Fr& cm : own_outputs) out->Field(cm);
}

Status ReadHistory(std::span<const std::uint8_t> in, HistoryEntry* h, std::vector<Fr>* own) {
  ByteReader r(in);
  std::uint8_t kind, n_own;
  DEPINFER_RETURN_IF_ERROR(r.U8(&kind, "history kind"));
  if (kind != 1 && kind != 2) return Status::InvalidArgument("history kind");
  h->kind = static_cast<HistoryEntry::Kind>(kind);
  DEPINFER_RETURN_IF_ERROR(r.Field(&h->asset, "history asset"));
  DEPINFER_RETURN_IF_ERROR(r.U64(&h->amount, "history amount"));
  DEPINFER_RETURN_IF_ERROR(r.U64(&h->fee, "history fee"));
  std::vector<std::uint8_t> s;
  DEPINFER_RETURN_IF_ERROR(r.Blob(&s, 1024, "history counterparty"));
  h->counterparty.assign(s.begin(), s.end());
  DEPINFER_RETURN_IF_ERROR(r.Blob(&h->memo, kMaxMemoBytes, "history memo"));
  DEPINFER_RETURN_IF_ERROR(r.Blob(&s, 128, "history txid"));
  h->txid.assign(s.begin(), s.end());
  DEPINFER_RETURN_IF_ERROR(r.U64(&h->position, "history position"));
  DEPINFER_RETURN_IF_ERROR(r.U8(&n_own, "history outputs"));
  own->resize(n_own);
  for (Fr& cm : *own) DEPINFER_RETURN_IF_ERROR(r.Field(&cm, "history output"));
  return r.ExpectEnd("history entry");
}

}  // namespace

// ---- the at-rest key ---------------------------------------------------------------------

struct Wallet::Secretbox {
  unsigned char* key = nullptr;  // sodium_malloc: guarded, locked, wiped on free

  Secretbox() {
    key = static_cast<unsigned char*>(sodium_malloc(crypto_secretbox_KEYBYTES));
    if (key == nullptr) std::abort();
  }
  ~Secretbox() { sodium_free(key); }

  Status Derive(std::string_view passphrase, std::span<const std::uint8_t> salt,
                std::uint64_t ops, std::uint64_t mem) {
    if (salt.size() != crypto_pwhash_SALTBYTES || ops < crypto_pwhash_OPSLIMIT_MIN ||
        ops > crypto_pwhash_OPSLIMIT_MAX || mem < crypto_pwhash_MEMLIMIT_MIN ||
        mem > (std::uint64_t{4} << 30)) {
      return Damaged("key derivation parameters out of range");
    }
    if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, passphrase.data(), passphrase.size(),
                      salt.data(), ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
      return Status::Unavailable("not enough memory to derive the wallet key (Argon2id)");
    }
    return Status::Ok();
  }
  std::vector<std::uint8_t> Seal(std::span<const std::uint8_t> plain) const {
    std::vector<std::uint8_t> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size());
    randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES, plain.data(), plain.size(),
                          out.data(), key);
    return out;
  }
  bool Open(std::span<const std::uint8_t> sealed, std::vector<std::uint8_t>* plain) const {
    if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return false;
    plain->resize(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES);
    return crypto_secretbox_open_easy(plain->data(), sealed.data() + crypto_secretbox_NONCEBYTES,
                                      sealed.size() - crypto_secretbox_NONCEBYTES, sealed.data(),
                                      key) == 0;
  }
};

// ---- opening and creating ----------------------------------------------------------------

Wallet::~Wallet() {
  if (db_) sqlite3_close(db_);
}

Status Wallet::OpenDb(const std::string& path, bool create, sqlite3** db) {
  const int flags = create ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READWRITE;
  if (sqlite3_open_v2(path.c_str(), db, flags, nullptr) != SQLITE_OK) {
    Status st = SqlError(*db, "cannot open wallet " + path);
    sqlite3_close(*db);
    *db = nullptr;
    return st;
  }
  sqlite3_busy_timeout(*db, 2000);
  return Status::Ok();
}

Status Wallet::Put(const char* key, std::span<const std::uint8_t> value, bool sealed) {
  const std::vector<std::uint8_t> data =
      sealed ? box_->Seal(value) : std::vector<std::uint8_t>(value.begin(), value.end());
  Stmt s(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)");
  if (!s.ok()) return SqlError(db_, "wallet meta");
  sqlite3_bind_text(s.get(), 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_blob(s.get(), 2, data.data(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return SqlError(db_, "wallet meta");
  return Status::Ok();
}

namespace {

struct NewWallet {
  std::uint8_t kind;
  std::vector<std::uint8_t> keys;  // sealed on disk
};

void KdfLimits(KdfStrength kdf, std::uint64_t* ops, std::uint64_t* mem) {
  switch (kdf) {
    case KdfStrength::kInteractive:
      *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
      *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
      break;
    case KdfStrength::kModerate:
      *ops = crypto_pwhash_OPSLIMIT_MODERATE;
      *mem = crypto_pwhash_MEMLIMIT_MODERATE;
      break;
    case KdfStrength::kTestOnly:
      *ops = crypto_pwhash_OPSLIMIT_MIN;
      *mem = crypto_pwhash_MEMLIMIT_MIN;
      break;
  }
}

}  // namespace

Status Wallet::Create(const std::string& path, std::string_view passphrase,
                      std::span<const std::uint8_t, kSeedBytes> seed, Network network,
                      KdfStrength kdf, std::unique_ptr<Wallet>* out) {
  std::vector<std::uint8_t> keys{kKeysSeed};
  keys.insert(keys.end(), seed.begin(), seed.end());
  Status st = CreateFile(path, passphrase, network, kdf, keys, out);
  sodium_memzero(keys.data(), keys.size());
  return st;
}

Status Wallet::CreateWatchOnly(const std::string& path, std::string_view passphrase,
                               const ViewingKey& vk, Network network, KdfStrength kdf,
                               std::unique_ptr<Wallet>* out) {
  std::string text = vk.Encode(network);
  std::vector<std::uint8_t> keys{kKeysViewing};
  keys.insert(keys.end(), text.begin(), text.end());
  sodium_memzero(text.data(), text.size());
  Status st = CreateFile(path, passphrase, network, kdf, keys, out);
  sodium_memzero(keys.data(), keys.size());
  return st;
}

Status Wallet::CreateFile(const std::string& path, std::string_view passphrase, Network network,
                          KdfStrength kdf, std::span<const std::uint8_t> keys,
                          std::unique_ptr<Wallet>* out) {
  internal::EnsureSodium();
  if (std::filesystem::exists(path)) {
    return Status::InvalidArgument("wallet " + path + " already exists; open it, or choose another path");
  }
  {
    sqlite3* db = nullptr;
    // Built under a temporary name and renamed into place, so a crash never leaves half a wallet.
    const std::string tmp = path + ".creating";
    std::filesystem::remove(tmp);
    sqlite3_open_v2(tmp.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (db == nullptr) return Status::IOError("cannot create " + tmp);
    std::uint8_t salt[crypto_pwhash_SALTBYTES];
    randombytes_buf(salt, sizeof salt);
    std::uint64_t ops = crypto_pwhash_OPSLIMIT_INTERACTIVE, mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    KdfLimits(kdf, &ops, &mem);
    ByteWriter kdf_params;
    kdf_params.Raw(salt);
    kdf_params.U64(ops);
    kdf_params.U64(mem);
    Wallet::Secretbox box;
    Status st = box.Derive(passphrase, salt, ops, mem);
    const std::string frontier = Frontier().Encode();
    auto put = [&](const char* key, std::span<const std::uint8_t> value) {
      Stmt s(db, "INSERT INTO meta(key, value) VALUES (?, ?)");
      sqlite3_bind_text(s.get(), 1, key, -1, SQLITE_STATIC);
      sqlite3_bind_blob(s.get(), 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
      return sqlite3_step(s.get()) == SQLITE_DONE ? Status::Ok() : SqlError(db, "create wallet");
    };
    const std::uint8_t net = network == Network::kMain ? 0 : 1;
    if (st.ok()) {
      st = Exec(db,
                "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; BEGIN;"
                "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
                "CREATE TABLE notes(id INTEGER PRIMARY KEY, data BLOB NOT NULL);"
                "CREATE TABLE history(id INTEGER PRIMARY KEY, data BLOB NOT NULL);");
    }
    if (st.ok()) st = put("format", AsBytes(kFormat));
    if (st.ok()) st = put("kdf", kdf_params.bytes());
    if (st.ok()) st = put("check", box.Seal(AsBytes(kCheckPlaintext)));
    if (st.ok()) st = put("network", std::span(&net, 1));
    if (st.ok()) st = put("keys", box.Seal(keys));
    if (st.ok()) st = put("tree", AsBytes(frontier));
    if (st.ok()) st = Exec(db, "COMMIT;");
    sqlite3_close(db);
    if (!st.ok()) {
      std::filesystem::remove(tmp);
      return st;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) return Status::IOError("cannot move " + tmp + " to " + path + ": " + ec.message());
  }
  return Wallet::Open(path, passphrase, out);
}

Status Wallet::Open(const std::string& path, std::string_view passphrase,
                    std::unique_ptr<Wallet>* out) {
  internal::EnsureSodium();
  if (!std::filesystem::exists(path)) {
    return Status::NotFound("no wallet at " + path + "; create one first");
  }
  std::unique_ptr<Wallet> w(new Wallet());
  w->path_ = path;
  DEPINFER_RETURN_IF_ERROR(OpenDb(path, false, &w->db_));
  w->box_ = std::make_unique<Secretbox>();
  // Read everything and authenticate it before the wallet is handed out; nothing is written.
  auto get = [&](const char* key, std::vector<std::uint8_t>* value) -> Status {
    Stmt s(w->db_, "SELECT value FROM meta WHERE key = ?");
    if (!s.ok()) return Damaged("not a wallet file (" + std::string(sqlite3_errmsg(w->db_)) + ")");
    sqlite3_bind_text(s.get(), 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return Damaged(std::string("missing ") + key);
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s.get(), 0));
    value->assign(p, p + sqlite3_column_bytes(s.get(), 0));
    return Status::Ok();
  };
  std::vector<std::uint8_t> v, plain;
  DEPINFER_RETURN_IF_ERROR(get("format", &v));
  if (std::string(v.begin(), v.end()) != kFormat) return Damaged("unknown format");
  DEPINFER_RETURN_IF_ERROR(get("kdf", &v));
  ByteReader kr(v);
  std::span<const std::uint8_t> salt;
  std::uint64_t ops, mem;
  if (!kr.Raw(crypto_pwhash_SALTBYTES, &salt, "kdf").ok() || !kr.U64(&ops, "kdf").ok() ||
      !kr.U64(&mem, "kdf").ok() || !kr.ExpectEnd("kdf").ok()) {
    return Damaged("key derivation parameters");
  }
  DEPINFER_RETURN_IF_ERROR(w->box_->Derive(passphrase, salt, ops, mem));
  DEPINFER_RETURN_IF_ERROR(get("check", &v));
  if (!w->box_->Open(v, &plain) || std::string(plain.begin(), plain.end()) != kCheckPlaintext) {
    return Status::InvalidArgument("wrong passphrase for wallet " + path);
  }
  DEPINFER_RETURN_IF_ERROR(get("network", &v));
  if (v.size() != 1 || v[0] > 1) return Damaged("network");
  w->network_ = v[0] == 0 ? Network::kMain : Network::kTest;
  DEPINFER_RETURN_IF_ERROR(get("keys", &v));
  if (!w->box_->Open(v, &plain) || plain.empty()) return Damaged("keys do not authenticate");
  if (plain[0] == kKeysSeed && plain.size() == 1 + kSeedBytes) {
    w->spend_.emplace(SpendingKey::FromSeed(std::span<const std::uint8_t, kSeedBytes>(plain.data() + 1, kSeedBytes)));
    w->view_ = w->spend_->viewing_key().Clone();
  } else if (plain[0] == kKeysViewing) {
    const std::string text(plain.begin() + 1, plain.end());
    Status st = ViewingKey::Decode(text, w->network_, &w->view_);
    if (!st.ok()) return Damaged("viewing key");
  } else {
    return Damaged("keys");
  }
  sodium_memzero(plain.data(), plain.size());
  DEPINFER_RETURN_IF_ERROR(get("tree", &v));
  if (!Frontier::Decode(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()), &w->tree_).ok()) {
    return Damaged("scanned tree");
  }
  DEPINFER_RETURN_IF_ERROR(w->Load());
  *out = std::move(w);
  return Status::Ok();
}

Status Wallet::Load() {
  for (const char* table : {"notes", "history"}) {
    const std::string sql = std::string("SELECT data FROM ") + table + " ORDER BY id";
    Stmt s(db_, sql.c_str());
    if (!s.ok()) return Damaged(table);
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s.get(), 0));
      std::vector<std::uint8_t> plain;
      if (!box_->Open(std::span(p, static_cast<std::size_t>(sqlite3_column_bytes(s.get(), 0))), &plain)) {
        return Damaged(std::string(table) + " record does not authenticate");
      }
      Status st;
      if (table[0] == 'n') {
        WalletNote n;
        Witness wit;
        st = ReadNote(plain, &n, &wit);
        notes_.push_back(std::move(n));
        witnesses_.push_back(std::move(wit));
      } else {
        HistoryEntry h;
        std::vector<Fr> own;
        st = ReadHistory(plain, &h, &own);
        history_.push_back(std::move(h));
        own_outputs_.push_back(std::move(own));
      }
      sodium_memzero(plain.data(), plain.size());
      if (!st.ok()) return Damaged(st.message());
    }
    if (rc != SQLITE_DONE) return Damaged(sqlite3_errmsg(db_));
  }
  return Status::Ok();
}

// ---- updates -----------------------------------------------------------------------------

// Runs `fn` inside one SQLite transaction that also rewrites the notes, the history and the
// tree; on any error nothing is written and the in-memory state is restored.
template <class F>
Status Wallet::Update(F&& fn) {
  const auto saved_notes = notes_;
  const auto saved_witnesses = witnesses_;
  const auto saved_history = history_;
  const auto saved_own = own_outputs_;
  const Frontier saved_tree = tree_;
  Status st = Exec(db_, "BEGIN IMMEDIATE;");
  if (st.ok()) st = fn();
  if (st.ok()) st = SaveAll();
  if (st.ok()) st = Exec(db_, "COMMIT;");
  if (!st.ok()) {
    sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
    notes_ = saved_notes;
    witnesses_ = saved_witnesses;
    history_ = saved_history;
    own_outputs_ = saved_own;
    tree_ = saved_tree;
  }
  return st;
}

Status Wallet::SaveAll() {
  DEPINFER_RETURN_IF_ERROR(Exec(db_, "DELETE FROM notes; DELETE FROM history;"));
  auto insert = [&](const char* sql, std::size_t id, const ByteWriter& w) -> Status {
    const std::vector<std::uint8_t> sealed = box_->Seal(const_cast<ByteWriter&>(w).bytes());
    Stmt s(db_, sql);
    sqlite3_bind_int64(s.get(), 1, static_cast<sqlite3_int64>(id));
    sqlite3_bind_blob(s.get(), 2, sealed.data(), static_cast<int>(sealed.size()), SQLITE_TRANSIENT);
    return sqlite3_step(s.get()) == SQLITE_DONE ? Status::Ok() : SqlError(db_, "save wallet");
  };
  for (std::size_t i = 0; i < notes_.size(); ++i) {
    ByteWriter w;
    WriteNote(notes_[i], &witnesses_[i], &w);
    DEPINFER_RETURN_IF_ERROR(insert("INSERT INTO notes(id, data) VALUES (?, ?)", i, w));
    sodium_memzero(w.bytes().data(), w.bytes().size());
  }
  for (std::size_t i = 0; i < history_.size(); ++i) {
    ByteWriter w;
    WriteHistory(history_[i], own_outputs_[i], &w);
    DEPINFER_RETURN_IF_ERROR(insert("INSERT INTO history(id, data) VALUES (?, ?)", i, w));
  }
  const std::string frontier = tree_.Encode();
  return Put("tree", AsBytes(frontier), /*sealed=*/false);
}

Status Wallet::Sync(std::span<const OutputRecord> outputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].position != tree_.size() + i) {
      return Status::InvalidArgument("outputs must continue at position " +
                                     std::to_string(tree_.size() + i));
    }
  }
  // Trial decryption on all cores; outputs that do not decode are someone else's problem.
  std::vector<ScanItem> items(outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    items[i].cm = outputs[i].commitment;
    if (!EncryptedNote::Decode(outputs[i].ciphertext, &items[i].note).ok()) {
      items[i].note.ciphertext.clear();
    }
  }
  const ScanResult found = Scan(view_, items);
  std::set<std::vector<std::uint8_t>> own;  // outputs this wallet made for itself (change)
  for (const auto& list : own_outputs_) {
    for (const Fr& cm : list) {
      std::vector<std::uint8_t> k(32);
      cm.ToBytesBE(k.data());
      own.insert(k);
    }
  }
  return Update([&]() -> Status {
    std::vector<Fr> cms(outputs.size());
    for (std::size_t i = 0; i < outputs.size(); ++i) cms[i] = outputs[i].commitment;
    auto advance = [&](std::size_t from, std::size_t to) -> Status {
      const std::span<const Fr> leaves = std::span<const Fr>(cms).subspan(from, to - from);
      DEPINFER_RETURN_IF_ERROR(tree_.AppendBatch(leaves));
      for (std::size_t k = 0; k < notes_.size(); ++k) {
        if (!notes_[k].spent) DEPINFER_RETURN_IF_ERROR(witnesses_[k].AppendBatch(leaves));
      }
      return Status::Ok();
    };
    std::size_t done = 0;
    for (const FoundNote& f : found.found) {
      DEPINFER_RETURN_IF_ERROR(advance(done, f.position));
      DEPINFER_RETURN_IF_ERROR(advance(f.position, f.position + 1));
      done = f.position + 1;
      if (f.note.note.amount == 0) continue;  // a dummy output: nothing to spend or show
      WalletNote n;
      n.note = f.note.note;
      n.position = outputs[f.position].position;
      n.memo = f.note.memo;
      if (spend_) n.nullifier = Nullifier(spend_->sk(), cms[f.position], n.position);
      notes_.push_back(n);
      witnesses_.push_back(Witness::ForLastLeaf(tree_, cms[f.position]));
      std::vector<std::uint8_t> k(32);
      cms[f.position].ToBytesBE(k.data());
      if (own.count(k) == 0) {
        HistoryEntry h;
        h.kind = HistoryEntry::Kind::kReceived;
        h.asset = n.note.asset;
        h.amount = n.note.amount;
        h.memo = n.memo;
        h.position = n.position;
        history_.push_back(std::move(h));
        own_outputs_.emplace_back();
      }
    }
    return advance(done, outputs.size());
  });
}

std::vector<Fr> Wallet::UnspentNullifiers() const {
  std::vector<Fr> out;
  if (watch_only()) return out;
  for (const WalletNote& n : notes_) {
    if (!n.spent) out.push_back(n.nullifier);
  }
  return out;
}

Status Wallet::MarkSpent(std::span<const Fr> nullifiers) {
  return Update([&]() -> Status {
    for (WalletNote& n : notes_) {
      for (const Fr& nf : nullifiers) {
        if (!n.spent && !watch_only() && n.nullifier == nf) {
          n.spent = true;
          n.pending = false;
        }
      }
    }
    return Status::Ok();
  });
}

std::uint64_t Wallet::Balance(const Fr& asset) const {
  std::uint64_t total = 0;
  for (const WalletNote& n : notes_) {
    if (!n.spent && !n.pending && n.note.asset == asset) total += n.note.amount;
  }
  return total;
}

Status Wallet::SpendableNotes(const Fr& asset, std::vector<SpendableNote>* out,
                              std::vector<std::size_t>* index) const {
  if (watch_only()) {
    return Status::InvalidArgument("this is a watch-only wallet (a viewing key): it cannot spend");
  }
  for (std::size_t k = 0; k < notes_.size(); ++k) {
    const WalletNote& n = notes_[k];
    if (n.spent || n.pending || !(n.note.asset == asset)) continue;
    out->push_back(SpendableNote{n.note, witnesses_[k]});
    index->push_back(k);
  }
  return Status::Ok();
}

Status Wallet::RecordBuilt(const BuiltTransaction& built, const std::vector<std::size_t>& index,
                           HistoryEntry entry, std::size_t first_own) {
  return Update([&]() -> Status {
    for (std::size_t s : built.spent) notes_[index[s]].pending = true;
    entry.txid = HexId(built.tx.Id());
    entry.fee = built.tx.fee;
    std::vector<Fr> own;
    // The outputs that come back to this wallet (change, merged notes, dummies).
    for (std::size_t j = first_own; j < 2; ++j) own.push_back(built.tx.commitments[j]);
    history_.push_back(std::move(entry));
    own_outputs_.push_back(std::move(own));
    return Status::Ok();
  });
}

Status Wallet::Send(const TransactionBuilder& builder, const Address& to, const Fr& asset,
                    std::uint64_t amount, std::uint64_t fee, std::span<const std::uint8_t> memo,
                    BuiltTransaction* built) {
  std::vector<SpendableNote> notes;
  std::vector<std::size_t> index;
  DEPINFER_RETURN_IF_ERROR(SpendableNotes(asset, &notes, &index));
  BuiltTransaction b;
  DEPINFER_RETURN_IF_ERROR(builder.Pay(*spend_, notes, to, asset, amount, fee, memo, &b));
  HistoryEntry h;
  h.kind = HistoryEntry::Kind::kSent;
  h.asset = asset;
  h.amount = b.complete ? amount : 0;
  h.counterparty = b.complete ? to.Encode(network_) : address().Encode(network_);
  if (b.complete) h.memo.assign(memo.begin(), memo.end());
  const bool to_other = b.complete && !(to == address());
  DEPINFER_RETURN_IF_ERROR(RecordBuilt(b, index, std::move(h), to_other ? 1 : 0));
  *built = std::move(b);
  return Status::Ok();
}

Status Wallet::Withdraw(const TransactionBuilder& builder, const AccountKey& account,
                        const Fr& asset, std::uint64_t amount, std::uint64_t fee,
                        BuiltTransaction* built) {
  std::vector<SpendableNote> notes;
  std::vector<std::size_t> index;
  DEPINFER_RETURN_IF_ERROR(SpendableNotes(asset, &notes, &index));
  BuiltTransaction b;
  DEPINFER_RETURN_IF_ERROR(builder.Withdraw(*spend_, notes, account, asset, amount, fee, &b));
  HistoryEntry h;
  h.kind = HistoryEntry::Kind::kSent;
  h.asset = asset;
  h.amount = b.complete ? amount : 0;
  h.counterparty = b.complete ? "transparent:" + HexId(account) : address().Encode(network_);
  DEPINFER_RETURN_IF_ERROR(RecordBuilt(b, index, std::move(h), 0));
  *built = std::move(b);
  return Status::Ok();
}

Status Wallet::Abandon(const BuiltTransaction& built) {
  const std::string id = HexId(built.tx.Id());
  return Update([&]() -> Status {
    for (WalletNote& n : notes_) {
      for (const Fr& nf : built.tx.nullifiers) {
        if (n.pending && n.nullifier == nf) n.pending = false;
      }
    }
    for (std::size_t i = 0; i < history_.size(); ++i) {
      if (history_[i].txid == id) {
        history_.erase(history_.begin() + static_cast<std::ptrdiff_t>(i));
        own_outputs_.erase(own_outputs_.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    return Status::Ok();
  });
}

}  // namespace depinfer::shield
