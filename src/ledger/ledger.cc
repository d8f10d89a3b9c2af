#include "ledger/ledger.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "shield/bytes.h"
#include "shield/note_encryption.h"
#include "shield/sodium_once.h"

namespace depinfer::ledger {

using shield::ByteReader;
using shield::ByteWriter;

namespace {

// ---- Key layout (docs/ledger.md) -----------------------------------------------------------
constexpr char kMetaGenesis[] = "mgenesis";  // genesis hash (32)
constexpr char kMetaHead[] = "mhead";        // the head record
constexpr char kNullifier = 'n';             // n | nf (32)              -> height u64
constexpr char kBalance = 'b';               // b | account | asset (32) -> amount u64
constexpr char kNonce = 'c';                 // c | account              -> nonce u64
constexpr char kOutput = 'o';                // o | position u64         -> cm (32) | ciphertext
constexpr char kOutcome = 't';               // t | txid                 -> outcome record
constexpr char kBlock = 'h';                 // h | height u64           -> block record

using AccountAsset = std::pair<AccountKey, Hash32>;

std::string Key(char prefix, std::span<const std::uint8_t> a, std::span<const std::uint8_t> b = {}) {
  std::string k(1, prefix);
  k.append(reinterpret_cast<const char*>(a.data()), a.size());
  k.append(reinterpret_cast<const char*>(b.data()), b.size());
  return k;
}

std::array<std::uint8_t, 8> Be64(std::uint64_t v) {
  std::array<std::uint8_t, 8> b;
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return b;
}

std::string U64Value(std::uint64_t v) {
  const auto b = Be64(v);
  return std::string(b.begin(), b.end());
}

bool ParseU64(const std::string& s, std::uint64_t* v) {
  if (s.size() != 8) return false;
  std::uint64_t x = 0;
  for (unsigned char c : s) x = (x << 8) | c;
  *v = x;
  return true;
}

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  const std::string msg = what + ": " + s.ToString();
  return s.IsCorruption() ? Status::Corruption(msg) : Status::IOError(msg);
}

// ---- State root pieces ---------------------------------------------------------------------

Hash32 NullifierAcc(const Hash32& prev, const std::set<Hash32>& sorted) {
  Hasher h("depinfer/nullifiers/v1");
  h.Add(prev).U32(static_cast<std::uint32_t>(sorted.size()));
  for (const Hash32& nf : sorted) h.Add(nf);
  return h.Final();
}

Hash32 AccountAcc(const Hash32& prev, const std::map<AccountAsset, std::uint64_t>& balances,
                  const std::map<AccountKey, std::uint64_t>& nonces) {
  Hasher h("depinfer/accounts/v1");
  h.Add(prev).U32(static_cast<std::uint32_t>(balances.size() + nonces.size()));
  for (const auto& [k, v] : balances) h.U8(1).Add(k.first).Add(k.second).U64(v);
  for (const auto& [a, v] : nonces) h.U8(2).Add(a).U64(v);
  return h.Final();
}

Hash32 TxsHash(const std::vector<TxOutcome>& outcomes) {
  Hasher h("depinfer/block-txs/v1");
  h.U32(static_cast<std::uint32_t>(outcomes.size()));
  for (const TxOutcome& o : outcomes) h.Add(o.id).U8(static_cast<std::uint8_t>(o.rule));
  return h.Final();
}

// `tree_root` is tree.Root(), passed in because the caller needs it too and it costs up to 32
// Poseidon hashes.
Hash32 StateRoot(std::uint64_t height, const Hash32& prev, const shield::Frontier& tree, const Fr& tree_root,
                 const Hash32& nf_acc, const Hash32& acct_acc, const Hash32& txs) {
  return Hasher("depinfer/state-root/v1")
      .U64(height)
      .Add(prev)
      .Field(tree_root)
      .U64(tree.size())
      .Add(nf_acc)
      .Add(acct_acc)
      .Add(txs)
      .Final();
}

std::string EncodeBlock(const BlockInfo& b) {
  ByteWriter w;
  w.Raw(b.state_root);
  w.Field(b.tree_root);
  w.U64(b.tree_size);
  w.U64(b.tx_count);
  w.U64(b.applied_count);
  return w.str();
}

std::string EncodeOutcome(const TxOutcome& o) {
  ByteWriter w;
  w.U64(o.height);
  w.U64(o.index);
  w.U8(static_cast<std::uint8_t>(o.rule));
  const std::size_t n = std::min<std::size_t>(o.detail.size(), 0xffff);
  w.Blob(std::span(reinterpret_cast<const std::uint8_t*>(o.detail.data()), n));
  return w.str();
}

}  // namespace

// ---- The per-block overlay -----------------------------------------------------------------

// The state as the block's earlier transactions left it: its own writes first, then the
// committed database. Used only with apply_mu_ held, so the head does not move under it.
class Ledger::Overlay : public shield::MutableState {
 public:
  explicit Overlay(const Ledger& l) : l_(l), base_size_(l.frontier_.size()) {}

  bool IsRecentRoot(const Fr& root) const override { return l_.RecentRootLocked(root); }
  bool IsNullifierSpent(const Fr& nf) const override {
    const Hash32 k = FieldBytes(nf);
    return nullifiers.count(k) != 0 || l_.DbNullifierSpent(k, &error);
  }
  std::uint64_t Balance(const AccountKey& account, const Fr& asset) const override {
    const AccountAsset k{account, FieldBytes(asset)};
    auto it = balances.find(k);
    return it != balances.end() ? it->second : l_.DbBalance(k.first, k.second, &error);
  }
  std::uint64_t Nonce(const AccountKey& account) const override {
    auto it = nonces.find(account);
    return it != nonces.end() ? it->second : l_.DbNonce(account, &error);
  }
  void SpendNullifier(const Fr& nf) override { nullifiers.insert(FieldBytes(nf)); }
  void AppendOutputs(const shield::Transaction& tx) override {
    for (int j = 0; j < 2; ++j) {
      outputs.push_back({base_size_ + leaves.size(), tx.commitments[j], tx.outputs[j]});
      leaves.push_back(tx.commitments[j]);
    }
  }
  void SetBalance(const AccountKey& account, const Fr& asset, std::uint64_t balance) override {
    balances[{account, FieldBytes(asset)}] = balance;
  }
  void SetNonce(const AccountKey& account, std::uint64_t nonce) override { nonces[account] = nonce; }

  std::uint64_t tree_size() const { return base_size_ + leaves.size(); }

  std::set<Hash32> nullifiers;
  std::map<AccountAsset, std::uint64_t> balances;
  std::map<AccountKey, std::uint64_t> nonces;
  std::vector<Fr> leaves;
  std::vector<shield::OutputRecord> outputs;
  mutable Status error;  // the first storage error met while reading

 private:
  const Ledger& l_;
  std::uint64_t base_size_;
};

// The committed state for readers outside the apply path (the mempool).
class Ledger::CommittedView : public shield::StateView {
 public:
  explicit CommittedView(const Ledger& l) : l_(l) {}
  bool IsRecentRoot(const Fr& root) const override {
    std::shared_lock<std::shared_mutex> lock(l_.mu_);
    return l_.RecentRootLocked(root);
  }
  bool IsNullifierSpent(const Fr& nf) const override { return l_.IsNullifierSpent(nf); }
  std::uint64_t Balance(const AccountKey& a, const Fr& asset) const override {
    return l_.Balance(a, asset);
  }
  std::uint64_t Nonce(const AccountKey& a) const override { return l_.Nonce(a); }

 private:
  const Ledger& l_;
};

// ---- Opening -------------------------------------------------------------------------------

Ledger::~Ledger() { delete db_; }

Status Ledger::Open(const std::string& dir, const Genesis& genesis,
                    const snark::groth16::VerifyingKey& vk, const LedgerOptions& options,
                    std::unique_ptr<Ledger>* out) {
  shield::internal::EnsureSodium();
  if (VerifyingKeyHash(vk) != genesis.vk_hash) {
    return Status::InvalidArgument("the join-split verifying key is not the one genesis names (vk_hash)");
  }
  if (genesis.root_window < 1 || genesis.root_window > kMaxRootWindow) {
    return Status::InvalidArgument("genesis root_window must be in 1..65536");
  }
  std::unique_ptr<Ledger> l(new Ledger());
  l->genesis_ = genesis;
  l->genesis_hash_ = genesis.Hash();
  l->options_ = options;
  DEPINFER_RETURN_IF_ERROR(snark::groth16::PreparedVerifyingKey::Prepare(vk, &l->pvk_));
  shield::CheckContext ctx;
  ctx.chain_id = genesis.chain_id;
  ctx.vk = &l->pvk_;
  ctx.encrypted_output_bytes = shield::kEncryptedNoteBytes;
  l->verifier_ = std::make_unique<Verifier>(ctx, options.verify_cache_entries);
  l->view_ = std::make_unique<CommittedView>(*l);

  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::BlockBasedTableOptions t;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  DEPINFER_RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(o, dir, &l->db_), "opening the ledger"));

  std::string stored;
  rocksdb::Status s = l->db_->Get(rocksdb::ReadOptions(), kMetaGenesis, &stored);
  if (s.IsNotFound()) {
    DEPINFER_RETURN_IF_ERROR(l->InitGenesis());
  } else {
    DEPINFER_RETURN_IF_ERROR(FromRocks(s, "reading the genesis hash"));
    if (stored.size() != 32 || !std::equal(stored.begin(), stored.end(), l->genesis_hash_.begin(),
                                           [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; })) {
      return Status::InvalidArgument("the ledger in " + dir + " was made from another genesis");
    }
  }
  DEPINFER_RETURN_IF_ERROR(l->LoadHead());
  *out = std::move(l);
  return Status::Ok();
}

namespace {

std::string EncodeHead(std::uint64_t height, const Hash32& root, const Hash32& nf_acc,
                       const Hash32& acct_acc, const std::deque<Fr>& roots,
                       const shield::Frontier& frontier) {
  ByteWriter w;
  w.U64(height);
  w.Raw(root);
  w.Raw(nf_acc);
  w.Raw(acct_acc);
  w.U64(roots.size());
  for (const Fr& r : roots) w.Field(r);
  const std::string f = frontier.Encode();
  w.Raw(std::span(reinterpret_cast<const std::uint8_t*>(f.data()), f.size()));
  return w.str();
}

}  // namespace

Status Ledger::InitGenesis() {
  std::map<AccountAsset, std::uint64_t> balances;
  for (const Allocation& a : genesis_.allocations) {
    if (a.amount == 0) continue;
    if (!balances.emplace(AccountAsset{a.account, FieldBytes(a.asset)}, a.amount).second) {
      return Status::InvalidArgument("genesis: the same account and asset appear twice");
    }
  }
  const Hash32 zero{};
  shield::Frontier tree;
  const Hash32 nf_acc = NullifierAcc(zero, {});
  const Hash32 acct_acc = AccountAcc(zero, balances, {});
  const Fr tree_root = tree.Root();
  const Hash32 root = StateRoot(0, genesis_hash_, tree, tree_root, nf_acc, acct_acc, TxsHash({}));
  std::deque<Fr> roots{tree_root};

  rocksdb::WriteBatch batch;
  for (const auto& [k, v] : balances) batch.Put(Key(kBalance, k.first, k.second), U64Value(v));
  BlockInfo info{0, root, tree_root, 0, 0, 0};
  batch.Put(Key(kBlock, Be64(0)), EncodeBlock(info));
  batch.Put(kMetaHead, EncodeHead(0, root, nf_acc, acct_acc, roots, tree));
  batch.Put(kMetaGenesis, std::string(genesis_hash_.begin(), genesis_hash_.end()));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &batch), "writing the genesis state");
}

Status Ledger::LoadHead() {
  std::string head;
  DEPINFER_RETURN_IF_ERROR(FromRocks(db_->Get(rocksdb::ReadOptions(), kMetaHead, &head), "reading the head"));
  ByteReader r(head);
  std::uint64_t count;
  Status st = r.U64(&height_, "height");
  if (st.ok()) st = r.Array(&state_root_, "state root");
  if (st.ok()) st = r.Array(&nf_acc_, "nullifier accumulator");
  if (st.ok()) st = r.Array(&acct_acc_, "account accumulator");
  if (st.ok()) st = r.U64(&count, "root window size");
  if (st.ok() && count > kMaxRootWindow) st = Status::InvalidArgument("root window too large");
  roots_.clear();
  root_count_.clear();
  for (std::uint64_t i = 0; st.ok() && i < count; ++i) {
    Fr root;
    st = r.Field(&root, "recent root");
    roots_.push_back(root);
    ++root_count_[FieldBytes(root)];
  }
  if (st.ok()) {
    const auto rest = r.rest();
    st = shield::Frontier::Decode(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()),
                                  &frontier_);
  }
  if (!st.ok()) return Status::Corruption("the ledger's head record is damaged: " + st.message());
  return Status::Ok();
}

// ---- Reads ---------------------------------------------------------------------------------

bool Ledger::DbNullifierSpent(const Hash32& nf, Status* err) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Key(kNullifier, nf), &v);
  if (!s.ok() && !s.IsNotFound() && err && err->ok()) *err = FromRocks(s, "reading a nullifier");
  return s.ok();
}

std::uint64_t Ledger::DbBalance(const AccountKey& account, const Hash32& asset, Status* err) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Key(kBalance, account, asset), &v);
  std::uint64_t x = 0;
  if (s.ok() && !ParseU64(v, &x) && err && err->ok()) *err = Status::Corruption("a balance record is damaged");
  if (!s.ok() && !s.IsNotFound() && err && err->ok()) *err = FromRocks(s, "reading a balance");
  return x;
}

std::uint64_t Ledger::DbNonce(const AccountKey& account, Status* err) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Key(kNonce, account), &v);
  std::uint64_t x = 0;
  if (s.ok() && !ParseU64(v, &x) && err && err->ok()) *err = Status::Corruption("a nonce record is damaged");
  if (!s.ok() && !s.IsNotFound() && err && err->ok()) *err = FromRocks(s, "reading a nonce");
  return x;
}

const shield::StateView& Ledger::view() const { return *view_; }

bool Ledger::RecentRootLocked(const Fr& root) const { return root_count_.count(FieldBytes(root)) != 0; }

std::uint64_t Ledger::height() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return height_;
}
Hash32 Ledger::state_root() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return state_root_;
}
Fr Ledger::merkle_root() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return frontier_.Root();
}
std::uint64_t Ledger::tree_size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return frontier_.size();
}
std::vector<Fr> Ledger::RecentRoots() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return std::vector<Fr>(roots_.begin(), roots_.end());
}
bool Ledger::IsNullifierSpent(const Fr& nf) const { return DbNullifierSpent(FieldBytes(nf), nullptr); }
std::uint64_t Ledger::Balance(const AccountKey& account, const Fr& asset) const {
  return DbBalance(account, FieldBytes(asset), nullptr);
}
std::uint64_t Ledger::Nonce(const AccountKey& account) const { return DbNonce(account, nullptr); }

Status Ledger::GetAccount(const AccountKey& account, AccountInfo* out) const {
  AccountInfo info;
  Status err;
  info.nonce = DbNonce(account, &err);
  DEPINFER_RETURN_IF_ERROR(err);
  const std::string prefix = Key(kBalance, account);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::uint64_t amount;
    Fr asset;
    const rocksdb::Slice k = it->key();
    if (k.size() != 65 || !ParseU64(it->value().ToString(), &amount) ||
        !Fr::FromBytesBE(std::span(reinterpret_cast<const std::uint8_t*>(k.data()) + 33, 32), &asset).ok()) {
      return Status::Corruption("a balance record is damaged");
    }
    if (amount != 0) info.balances.emplace_back(asset, amount);
  }
  DEPINFER_RETURN_IF_ERROR(FromRocks(it->status(), "reading balances"));
  *out = std::move(info);
  return Status::Ok();
}

Status Ledger::GetTxOutcome(const TxId& id, TxOutcome* out) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Key(kOutcome, id), &v);
  if (s.IsNotFound()) return Status::NotFound("transaction " + shield::HexId(id) + " is in no block");
  DEPINFER_RETURN_IF_ERROR(FromRocks(s, "reading a transaction outcome"));
  ByteReader r(v);
  TxOutcome o;
  o.id = id;
  std::uint64_t index = 0;
  std::uint8_t rule = 0;
  std::vector<std::uint8_t> detail;
  Status st = r.U64(&o.height, "height");
  if (st.ok()) st = r.U64(&index, "index");
  if (st.ok()) st = r.U8(&rule, "rule");
  if (st.ok()) st = r.Blob(&detail, 0xffff, "detail");
  if (st.ok()) st = r.ExpectEnd("outcome");
  if (!st.ok() || rule > static_cast<std::uint8_t>(Rule::kBalanceOverflow)) {
    return Status::Corruption("a transaction outcome record is damaged");
  }
  o.index = static_cast<std::uint32_t>(index);
  o.rule = static_cast<Rule>(rule);
  o.detail.assign(detail.begin(), detail.end());
  *out = std::move(o);
  return Status::Ok();
}

Status Ledger::GetOutputs(std::uint64_t from, std::size_t limit,
                          std::vector<shield::OutputRecord>* out) const {
  std::vector<shield::OutputRecord> records;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string prefix(1, kOutput);
  std::uint64_t expect = from;
  for (it->Seek(Key(kOutput, Be64(from))); it->Valid() && records.size() < limit && it->key().starts_with(prefix);
       it->Next()) {
    const rocksdb::Slice k = it->key(), v = it->value();
    std::uint64_t pos;
    shield::OutputRecord rec;
    if (k.size() != 9 || !ParseU64(std::string(k.data() + 1, 8), &pos) || pos != expect || v.size() < 32 ||
        !Fr::FromBytesBE(std::span(reinterpret_cast<const std::uint8_t*>(v.data()), 32), &rec.commitment).ok()) {
      return Status::Corruption("an output record is damaged");
    }
    rec.position = pos;
    rec.ciphertext.assign(v.data() + 32, v.data() + v.size());
    records.push_back(std::move(rec));
    ++expect;
  }
  DEPINFER_RETURN_IF_ERROR(FromRocks(it->status(), "reading outputs"));
  *out = std::move(records);
  return Status::Ok();
}

Status Ledger::GetBlock(std::uint64_t height, BlockInfo* out) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Key(kBlock, Be64(height)), &v);
  if (s.IsNotFound()) return Status::NotFound("no block at height " + std::to_string(height));
  DEPINFER_RETURN_IF_ERROR(FromRocks(s, "reading a block"));
  ByteReader r(v);
  BlockInfo b;
  b.height = height;
  std::uint64_t txs, applied;
  Status st = r.Array(&b.state_root, "state root");
  if (st.ok()) st = r.Field(&b.tree_root, "tree root");
  if (st.ok()) st = r.U64(&b.tree_size, "tree size");
  if (st.ok()) st = r.U64(&txs, "tx count");
  if (st.ok()) st = r.U64(&applied, "applied count");
  if (!st.ok()) return Status::Corruption("a block record is damaged: " + st.message());
  b.tx_count = static_cast<std::uint32_t>(txs);
  b.applied_count = static_cast<std::uint32_t>(applied);
  *out = b;
  return Status::Ok();
}

// ---- Checking and applying -----------------------------------------------------------------

namespace {

// The commitment tree has room for 2^32 leaves; a shielded transaction that would not fit is
// rejected like any other that breaks a rule.
bool TreeHasRoom(const Tx& tx, std::uint64_t size, std::uint64_t capacity) {
  return tx.kind != TxKind::kShielded || size + 2 <= capacity;
}

}  // namespace

Verdict Ledger::CheckTx(const Tx& tx) {
  Verdict v = verifier_->CheckOne(tx);
  if (!v.ok()) return v;
  return CheckTxStateful(tx, *view_);
}

std::vector<Verdict> Ledger::CheckTxs(std::span<const Tx> txs) {
  std::vector<Verdict> v = verifier_->Check(txs);
  for (std::size_t i = 0; i < txs.size(); ++i) {
    if (v[i].ok()) v[i] = CheckTxStateful(txs[i], *view_);
  }
  return v;
}

std::vector<Verdict> Ledger::Stateless(std::span<const Tx> txs, const std::vector<Verdict>* forced) {
  if (forced == nullptr) return verifier_->Check(txs);
  std::vector<Tx> todo;
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    if ((*forced)[i].ok()) {
      todo.push_back(txs[i]);
      idx.push_back(i);
    }
  }
  std::vector<Verdict> v = verifier_->Check(todo);
  std::vector<Verdict> out = *forced;
  for (std::size_t k = 0; k < idx.size(); ++k) out[idx[k]] = std::move(v[k]);
  return out;
}

BlockCheck Ledger::CheckBlock(std::span<const Tx> txs) { return CheckImpl(txs, nullptr); }

BlockCheck Ledger::CheckImpl(std::span<const Tx> txs, const std::vector<Verdict>* forced) {
  std::lock_guard<std::mutex> apply(apply_mu_);
  const std::vector<Verdict> stateless = Stateless(txs, forced);
  Overlay ov(*this);
  for (std::size_t i = 0; i < txs.size(); ++i) {
    Verdict v = stateless[i];
    if (v.ok() && !TreeHasRoom(txs[i], ov.tree_size(), frontier_.capacity())) {
      v = Verdict::Reject(Rule::kMalformed, "the commitment tree is full");
    }
    if (v.ok()) v = ApplyTx(txs[i], genesis_.fee_account, &ov);
    if (!ov.error.ok()) return {i, Verdict::Reject(Rule::kMalformed, "storage error: " + ov.error.message())};
    if (!v.ok()) return {i, v};
  }
  return {txs.size(), Verdict{}};
}

TxId UndecodableTxId(std::span<const std::uint8_t> bytes) {
  return Hasher("depinfer/raw-tx/v1").Add(bytes).Final();
}

namespace {

// Decodes each byte string; one that does not decode becomes a placeholder with a forced
// malformed verdict and the id of its bytes.
void DecodeRaw(std::span<const std::vector<std::uint8_t>> raw, std::vector<Tx>* txs,
               std::vector<Verdict>* forced, std::vector<TxId>* ids) {
  txs->resize(raw.size());
  forced->resize(raw.size());
  ids->resize(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const Status st = DecodeTx(raw[i], &(*txs)[i]);
    if (st.ok()) {
      (*ids)[i] = (*txs)[i].Id();
    } else {
      (*forced)[i] = Verdict::Reject(Rule::kMalformed, st.message());
      (*ids)[i] = UndecodableTxId(raw[i]);
    }
  }
}

}  // namespace

BlockCheck Ledger::CheckRawBlock(std::span<const std::vector<std::uint8_t>> raw) {
  std::vector<Tx> txs;
  std::vector<Verdict> forced;
  std::vector<TxId> ids;
  DecodeRaw(raw, &txs, &forced, &ids);
  return CheckImpl(txs, &forced);
}

// A block's write and the head it moves to, between PrepareImpl and CommitLocked.
struct Ledger::Prepared {
  std::uint64_t height = 0;
  rocksdb::WriteBatch batch;
  Hash32 root{}, nf_acc{}, acct_acc{};
  shield::Frontier tree;
  std::deque<Fr> roots;
};

Status Ledger::ApplyRawBlock(std::uint64_t height, std::span<const std::vector<std::uint8_t>> raw,
                             BlockResult* out) {
  std::lock_guard<std::mutex> apply(apply_mu_);
  DEPINFER_RETURN_IF_ERROR(PrepareRawLocked(height, raw, out));
  return CommitLocked();
}

Status Ledger::ApplyBlock(std::uint64_t height, std::span<const Tx> txs, BlockResult* out) {
  std::lock_guard<std::mutex> apply(apply_mu_);
  DEPINFER_RETURN_IF_ERROR(PrepareImpl(height, txs, nullptr, nullptr, out));
  return CommitLocked();
}

Status Ledger::PrepareRawBlock(std::uint64_t height, std::span<const std::vector<std::uint8_t>> raw,
                               BlockResult* out) {
  std::lock_guard<std::mutex> apply(apply_mu_);
  return PrepareRawLocked(height, raw, out);
}

Status Ledger::PrepareRawLocked(std::uint64_t height, std::span<const std::vector<std::uint8_t>> raw,
                                BlockResult* out) {
  std::vector<Tx> txs;
  std::vector<Verdict> forced;
  std::vector<TxId> ids;
  DecodeRaw(raw, &txs, &forced, &ids);
  return PrepareImpl(height, txs, &forced, &ids, out);
}

Status Ledger::CommitPrepared() {
  std::lock_guard<std::mutex> apply(apply_mu_);
  return CommitLocked();
}

bool Ledger::has_prepared() const {
  std::lock_guard<std::mutex> apply(apply_mu_);
  return prepared_ != nullptr;
}

Status Ledger::CommitLocked() {
  if (!prepared_) return Status::InvalidArgument("no prepared block to commit");
  Prepared& p = *prepared_;
  if (TEST_before_write) TEST_before_write();
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  DEPINFER_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &p.batch), "writing block " + std::to_string(p.height)));
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    height_ = p.height;
    state_root_ = p.root;
    nf_acc_ = p.nf_acc;
    acct_acc_ = p.acct_acc;
    frontier_ = std::move(p.tree);
    roots_ = std::move(p.roots);
    root_count_.clear();
    for (const Fr& r : roots_) ++root_count_[FieldBytes(r)];
  }
  prepared_.reset();
  return Status::Ok();
}

Status Ledger::PrepareImpl(std::uint64_t height, std::span<const Tx> txs,
                           const std::vector<Verdict>* forced, const std::vector<TxId>* ids,
                           BlockResult* out) {
  prepared_.reset();  // a block finalized again (or another one) replaces the one held
  if (height != height_ + 1) {
    return Status::InvalidArgument("block height " + std::to_string(height) + " does not follow " +
                                   std::to_string(height_));
  }
  if (txs.size() > UINT32_MAX) return Status::InvalidArgument("too many transactions in a block");

  const std::vector<Verdict> stateless = Stateless(txs, forced);
  Overlay ov(*this);
  BlockResult res;
  res.outcomes.resize(txs.size());
  std::set<TxId> applied_here;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    Verdict v = stateless[i];
    if (v.ok() && !TreeHasRoom(txs[i], ov.tree_size(), frontier_.capacity())) {
      v = Verdict::Reject(Rule::kMalformed, "the commitment tree is full");
    }
    if (v.ok()) v = ApplyTx(txs[i], genesis_.fee_account, &ov);
    TxOutcome& o = res.outcomes[i];
    o.id = ids != nullptr ? (*ids)[i] : txs[i].Id();
    o.height = height;
    o.index = static_cast<std::uint32_t>(i);
    o.rule = v.rule;
    o.detail = std::move(v.detail);
    if (o.applied()) applied_here.insert(o.id);
  }
  DEPINFER_RETURN_IF_ERROR(ov.error);

  // The tree, the window of recent roots (a new root joins when the tree grew).
  shield::Frontier tree = frontier_;
  DEPINFER_RETURN_IF_ERROR(tree.AppendBatch(ov.leaves));
  const Fr tree_root = tree.Root();
  std::deque<Fr> roots = roots_;
  if (!ov.leaves.empty()) {
    roots.push_back(tree_root);
    while (roots.size() > genesis_.root_window) roots.pop_front();
  }

  const Hash32 nf_acc = NullifierAcc(nf_acc_, ov.nullifiers);
  const Hash32 acct_acc = AccountAcc(acct_acc_, ov.balances, ov.nonces);
  const Hash32 root = StateRoot(height, state_root_, tree, tree_root, nf_acc, acct_acc, TxsHash(res.outcomes));

  auto prepared = std::make_unique<Prepared>();
  rocksdb::WriteBatch& batch = prepared->batch;
  const std::string h = U64Value(height);
  for (const Hash32& nf : ov.nullifiers) batch.Put(Key(kNullifier, nf), h);
  for (const auto& [k, v] : ov.balances) {
    const std::string key = Key(kBalance, k.first, k.second);
    if (v == 0) {
      batch.Delete(key);
    } else {
      batch.Put(key, U64Value(v));
    }
  }
  for (const auto& [a, v] : ov.nonces) batch.Put(Key(kNonce, a), U64Value(v));
  for (const shield::OutputRecord& rec : ov.outputs) {
    std::string v(32, '\0');
    rec.commitment.ToBytesBE(reinterpret_cast<std::uint8_t*>(v.data()));
    v.append(reinterpret_cast<const char*>(rec.ciphertext.data()), rec.ciphertext.size());
    batch.Put(Key(kOutput, Be64(rec.position)), v);
  }
  // Outcomes: an applied transaction keeps its outcome; a rejection never overwrites it.
  std::uint32_t applied_count = 0;
  for (const TxOutcome& o : res.outcomes) {
    if (o.applied()) {
      ++applied_count;
    } else {
      if (applied_here.count(o.id) != 0) continue;
      TxOutcome old;
      const Status st = GetTxOutcome(o.id, &old);
      if (st.ok() && old.applied()) continue;
      if (!st.ok() && st.code() != Status::Code::kNotFound) return st;
    }
    batch.Put(Key(kOutcome, o.id), EncodeOutcome(o));
  }
  res.info = BlockInfo{height, root, tree_root, tree.size(),
                       static_cast<std::uint32_t>(txs.size()), applied_count};
  batch.Put(Key(kBlock, Be64(height)), EncodeBlock(res.info));
  batch.Put(kMetaHead, EncodeHead(height, root, nf_acc, acct_acc, roots, tree));
  prepared->height = height;
  prepared->root = root;
  prepared->nf_acc = nf_acc;
  prepared->acct_acc = acct_acc;
  prepared->tree = std::move(tree);
  prepared->roots = std::move(roots);
  prepared_ = std::move(prepared);
  if (out != nullptr) *out = std::move(res);
  return Status::Ok();
}

}  // namespace depinfer::ledger
