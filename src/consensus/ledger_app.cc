#include "consensus/ledger_app.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "shield/bytes.h"

namespace depinfer::consensus {

class LedgerApp::Timer {
 public:
  Timer(LedgerApp* app, std::uint64_t Stats::*field)
      : app_(app), field_(field), start_(std::chrono::steady_clock::now()) {}
  ~Timer() {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_);
    std::lock_guard<std::mutex> lock(app_->stats_mu_);
    app_->stats_.*field_ += static_cast<std::uint64_t>(us.count());
  }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

 private:
  LedgerApp* app_;
  std::uint64_t Stats::*field_;
  std::chrono::steady_clock::time_point start_;
};

namespace {

std::span<const std::uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string RawHash(const ledger::Hash32& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

std::string RuleLog(const ledger::Verdict& v) {
  std::string out = shield::RuleName(v.rule);
  if (!v.detail.empty()) out += ": " + v.detail;
  return out;
}

bool ParseHex32(std::string_view hex, ledger::Hash32* out) {
  if (hex.size() == 66 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  std::vector<std::uint8_t> b;
  if (hex.size() != 64 || !shield::HexDecode(hex, 32, "hash", &b).ok()) return false;
  std::copy(b.begin(), b.end(), out->begin());
  return true;
}

}  // namespace

LedgerApp::LedgerApp(ledger::Ledger& ledger, Options options)
    : ledger_(ledger), options_(std::move(options)),
      shadow_(std::make_unique<ledger::Mempool>(1'000'000)) {}

void LedgerApp::Log(const std::string& line) {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "ledger-app: %s\n", line.c_str());
  }
}

std::int64_t LedgerApp::ProtoTxSize(std::size_t len) {
  std::int64_t varint = 1;
  for (std::size_t v = len; v >= 0x80; v >>= 7) ++varint;
  return 1 + varint + static_cast<std::int64_t>(len);
}

LedgerApp::Stats LedgerApp::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

std::vector<std::pair<std::uint64_t, ledger::Hash32>> LedgerApp::committed() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return committed_;
}

// ---- Info, InitChain, Query -----------------------------------------------------------------

Status LedgerApp::Info(const abci::RequestInfo&, abci::ResponseInfo* res) {
  res->set_data("depinfer-ledger");
  res->set_version("1");
  res->set_app_version(1);
  const std::uint64_t h = ledger_.height();
  res->set_last_block_height(static_cast<std::int64_t>(h));
  // Height 0: CometBFT calls InitChain, whose (empty) app hash stands for the genesis.
  if (h > 0) res->set_last_block_app_hash(RawHash(ledger_.state_root()));
  return Status::Ok();
}

Status LedgerApp::InitChain(const abci::RequestInitChain& req, abci::ResponseInitChain*) {
  const ledger::Genesis& g = ledger_.genesis();
  if (req.chain_id() != g.chain_id) {
    return Status::InvalidArgument("InitChain: CometBFT's chain id '" + req.chain_id() +
                                   "' is not the ledger genesis's '" + g.chain_id + "'");
  }
  if (!req.app_state_bytes().empty()) {
    ledger::Genesis theirs;
    const Status st = ledger::ParseGenesis(req.app_state_bytes(), &theirs);
    if (!st.ok()) {
      return Status::InvalidArgument("InitChain: app_state is not a ledger genesis: " + st.message());
    }
    if (theirs.Hash() != g.Hash()) {
      return Status::InvalidArgument("InitChain: CometBFT's app_state is another genesis (hash " +
                                     ledger::Hex(theirs.Hash()) + ", the ledger's " +
                                     ledger::Hex(g.Hash()) + ")");
    }
  }
  if (ledger_.height() != 0) {
    return Status::InvalidArgument("InitChain on a ledger at height " +
                                   std::to_string(ledger_.height()));
  }
  if (req.initial_height() > 1) {
    return Status::InvalidArgument("InitChain: initial_height > 1 is not supported");
  }
  // Empty app hash: the genesis app hash (empty) stays; the first block's root follows.
  return Status::Ok();
}

Status LedgerApp::Query(const abci::RequestQuery& req, abci::ResponseQuery* res) {
  const std::string& path = req.path();
  res->set_height(static_cast<std::int64_t>(ledger_.height()));
  auto fail = [&](std::uint32_t code, const std::string& log) {
    res->set_code(code);
    res->set_log(log);
    return Status::Ok();
  };
  if (path == "/height") {
    res->set_value(std::to_string(ledger_.height()));
    return Status::Ok();
  }
  if (path == "/state_root") {
    res->set_value(ledger::Hex(ledger_.state_root()));
    return Status::Ok();
  }
  if (path.rfind("/root/", 0) == 0) {
    ledger::BlockInfo b;
    const std::string h = path.substr(6);
    if (h.empty() || h.size() > 19 || h.find_first_not_of("0123456789") != std::string::npos ||
        !ledger_.GetBlock(std::stoull(h), &b).ok()) {
      return fail(2, "no such height");
    }
    res->set_value(ledger::Hex(b.state_root));
    return Status::Ok();
  }
  ledger::Hash32 key{};
  if (path.rfind("/tx/", 0) == 0) {
    if (!ParseHex32(std::string_view(path).substr(4), &key)) return fail(1, "bad id");
    ledger::TxOutcome o;
    if (!ledger_.GetTxOutcome(key, &o).ok()) return fail(2, "not found");
    ledger::Json j = {{"height", o.height},
                      {"index", o.index},
                      {"code", static_cast<int>(o.rule)},
                      {"rule", shield::RuleName(o.rule)},
                      {"detail", o.detail}};
    res->set_value(j.dump(-1, ' ', false, ledger::Json::error_handler_t::replace));
    return Status::Ok();
  }
  if (path.rfind("/nullifier/", 0) == 0) {
    ledger::Fr nf;
    if (!ParseHex32(std::string_view(path).substr(11), &key) ||
        !ledger::Fr::FromBytesBE(key, &nf).ok()) {
      return fail(1, "bad nullifier");
    }
    res->set_value(ledger_.IsNullifierSpent(nf) ? "spent" : "unspent");
    return Status::Ok();
  }
  return fail(3, "unknown path (try /height, /state_root, /root/<height>, /tx/<hex>, /nullifier/<hex>)");
}

// ---- CheckTx --------------------------------------------------------------------------------

Status LedgerApp::VerifyTxBatch(std::span<const abci::RequestCheckTx> reqs,
                                std::span<abci::ResponseCheckTx> res) {
  Timer timer(this, &Stats::verify_us);
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.verify_batches;
    stats_.verify_batch_txs += reqs.size();
  }
  std::vector<ledger::Tx> txs;
  std::vector<std::size_t> where;
  txs.reserve(reqs.size());
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    ledger::Tx tx;
    const Status st = ledger::DecodeTx(Bytes(reqs[i].tx()), &tx);
    if (!st.ok()) {
      res[i].set_code(static_cast<std::uint32_t>(shield::Rule::kMalformed));
      res[i].set_log(std::string("malformed: ") + st.message());
      continue;
    }
    txs.push_back(std::move(tx));
    where.push_back(i);
  }
  // Proofs in one batch; verdicts cached by encoding for FinalizeBlock and rechecks.
  const std::vector<ledger::Verdict> verdicts = ledger_.verifier().Check(txs);
  for (std::size_t k = 0; k < txs.size(); ++k) {
    if (verdicts[k].ok()) continue;
    res[where[k]].set_code(static_cast<std::uint32_t>(verdicts[k].rule));
    res[where[k]].set_log(RuleLog(verdicts[k]));
  }
  return Status::Ok();
}

Status LedgerApp::CheckTxBatch(std::span<const abci::RequestCheckTx> reqs,
                               std::span<abci::ResponseCheckTx> res) {
  Timer timer(this, &Stats::check_us);
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    if (res[i].code() != 0) {
      std::lock_guard<std::mutex> lock(stats_mu_);
      ++stats_.check_tx;
      ++stats_.check_tx_rejected;
      if (reqs[i].type() == abci::RECHECK) ++stats_.recheck_dropped;
      continue;
    }
    DEPINFER_RETURN_IF_ERROR(CheckTx(reqs[i], &res[i]));
  }
  return Status::Ok();
}

Status LedgerApp::CheckTx(const abci::RequestCheckTx& req, abci::ResponseCheckTx* res) {
  const bool recheck = req.type() == abci::RECHECK;
  ledger::Tx tx;
  const Status st = ledger::DecodeTx(Bytes(req.tx()), &tx);
  if (!st.ok()) {
    res->set_code(static_cast<std::uint32_t>(shield::Rule::kMalformed));
    res->set_log(std::string("malformed: ") + st.message());
  } else {
    // The stateless verdict is cached (VerifyTxBatch just checked it); then the committed state
    // and the transactions already in the mempool.
    const ledger::Verdict v = ledger_.verifier().CheckOne(tx);
    if (!v.ok()) {
      res->set_code(static_cast<std::uint32_t>(v.rule));
      res->set_log(RuleLog(v));
    } else {
      const ledger::Admission a = shadow_->Add(tx, ledger_.view());
      switch (a.code) {
        case ledger::Admission::Code::kAdded: break;
        case ledger::Admission::Code::kDuplicate:
          if (!recheck) {
            res->set_code(kCodeDuplicate);
            res->set_log("duplicate: already in the mempool");
          }
          break;
        case ledger::Admission::Code::kFull:
          res->set_code(kCodeFull);
          res->set_log("mempool full");
          break;
        case ledger::Admission::Code::kRejected:
          res->set_code(static_cast<std::uint32_t>(a.verdict.rule));
          res->set_log(RuleLog(a.verdict));
          // A recheck failure takes the transaction out of CometBFT's mempool for good: it will
          // never be final, and whoever waits for it here should learn that now.
          if (recheck && on_dropped) {
            const ledger::Dropped d{tx.Id(), a.verdict};
            on_dropped(std::span(&d, 1));
          }
          break;
      }
    }
  }
  res->set_gas_wanted(1);
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++stats_.check_tx;
  if (recheck) ++stats_.rechecks;
  if (res->code() != 0) {
    ++stats_.check_tx_rejected;
    if (recheck) ++stats_.recheck_dropped;
  }
  return Status::Ok();
}

// ---- Proposals ------------------------------------------------------------------------------

Status LedgerApp::PrepareProposal(const abci::RequestPrepareProposal& req,
                                  abci::ResponsePrepareProposal* res) {
  Timer timer(this, &Stats::prepare_us);
  // Candidates in mempool order: decodable, stateless-valid (cached), no conflict with the
  // committed state or an earlier candidate (a scratch Mempool does exactly these checks),
  // within the byte budget.
  ledger::Mempool scratch(1'000'000);
  std::vector<std::string> kept;
  std::vector<std::vector<std::uint8_t>> raw;
  std::vector<ledger::Tx> txs;
  std::int64_t bytes = 0;
  std::uint64_t dropped = 0;
  for (const std::string& s : req.txs()) {
    const std::int64_t size = ProtoTxSize(s.size());
    if (bytes + size > req.max_tx_bytes()) break;
    ledger::Tx tx;
    if (!ledger::DecodeTx(Bytes(s), &tx).ok() || !ledger_.verifier().CheckOne(tx).ok() ||
        !scratch.Add(tx, ledger_.view()).added()) {
      ++dropped;
      continue;
    }
    bytes += size;
    kept.push_back(s);
    raw.emplace_back(s.begin(), s.end());
  }
  // What the scratch pool does not sum (several debits of one account): the exact block check,
  // dropping the first offender until the block is clean.
  for (;;) {
    const ledger::BlockCheck c = ledger_.CheckRawBlock(raw);
    if (c.ok()) break;
    kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(c.index));
    raw.erase(raw.begin() + static_cast<std::ptrdiff_t>(c.index));
    ++dropped;
  }
  if (options_.test_prepare_hook) options_.test_prepare_hook(&kept);
  for (std::string& s : kept) res->add_txs(std::move(s));
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++stats_.proposals_prepared;
  stats_.prepare_dropped += dropped;
  return Status::Ok();
}

Status LedgerApp::ProcessProposal(const abci::RequestProcessProposal& req,
                                  abci::ResponseProcessProposal* res) {
  Timer timer(this, &Stats::process_us);
  std::vector<std::vector<std::uint8_t>> raw;
  raw.reserve(static_cast<std::size_t>(req.txs_size()));
  for (const std::string& s : req.txs()) raw.emplace_back(s.begin(), s.end());
  bool accept = true;
  if (static_cast<std::uint64_t>(req.height()) != ledger_.height() + 1) {
    Log("ProcessProposal at height " + std::to_string(req.height()) + " but the ledger is at " +
        std::to_string(ledger_.height()) + ": REJECT");
    accept = false;
  } else {
    const ledger::BlockCheck c = ledger_.CheckRawBlock(raw);
    if (!c.ok()) {
      Log("ProcessProposal REJECT at height " + std::to_string(req.height()) + ": tx " +
          std::to_string(c.index) + " of " + std::to_string(raw.size()) + " " +
          c.verdict.ToString());
      accept = false;
    }
  }
  res->set_status(accept ? abci::ResponseProcessProposal::ACCEPT
                         : abci::ResponseProcessProposal::REJECT);
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++(accept ? stats_.proposals_accepted : stats_.proposals_rejected);
  return Status::Ok();
}

// ---- Blocks ---------------------------------------------------------------------------------

Status LedgerApp::FinalizeBlock(const abci::RequestFinalizeBlock& req,
                                abci::ResponseFinalizeBlock* res) {
  Timer timer(this, &Stats::finalize_us);
  const std::uint64_t height = static_cast<std::uint64_t>(req.height());
  if (height != ledger_.height() + 1) {
    return Status::InvalidArgument("FinalizeBlock at height " + std::to_string(req.height()) +
                                   " but the ledger is at " + std::to_string(ledger_.height()));
  }
  std::vector<std::vector<std::uint8_t>> raw;
  raw.reserve(static_cast<std::size_t>(req.txs_size()));
  for (const std::string& s : req.txs()) raw.emplace_back(s.begin(), s.end());
  ledger::BlockResult result;
  // Prepared, not written: CometBFT saves the block's results after this call and only then
  // sends Commit. Writing here would leave the ledger a block ahead of CometBFT's records if
  // the process died in between, and the node could not restart.
  DEPINFER_RETURN_IF_ERROR(ledger_.PrepareRawBlock(height, raw, &result));
  std::uint64_t applied = 0;
  for (const ledger::TxOutcome& o : result.outcomes) {
    abci::ExecTxResult* r = res->add_tx_results();
    r->set_code(static_cast<std::uint32_t>(o.rule));
    if (o.applied()) {
      ++applied;
    } else {
      r->set_log(RuleLog(ledger::Verdict{o.rule, o.detail}));
    }
    r->set_data(RawHash(o.id));
  }
  res->set_app_hash(RawHash(result.info.state_root));
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.blocks;
    stats_.txs_applied += applied;
    stats_.txs_rejected += result.outcomes.size() - applied;
    committed_.emplace_back(height, result.info.state_root);
  }
  pending_ = std::move(result);
  return Status::Ok();
}

Status LedgerApp::Commit(const abci::RequestCommit&, abci::ResponseCommit* res) {
  Timer timer(this, &Stats::commit_us);
  // The block finalized last becomes durable here (one synced write); a crash before it leaves
  // the ledger at the previous height and CometBFT replays the block on restart. What the
  // mempool held is rechecked by CometBFT against the new state and refills the shadow.
  if (ledger_.has_prepared()) DEPINFER_RETURN_IF_ERROR(ledger_.CommitPrepared());
  shadow_ = std::make_unique<ledger::Mempool>(1'000'000);
  const std::uint64_t h = ledger_.height();
  if (options_.retain_blocks > 0 && h > options_.retain_blocks) {
    res->set_retain_height(static_cast<std::int64_t>(h - options_.retain_blocks));
  }
  if (pending_) {
    if (on_commit) on_commit(*pending_);
    pending_.reset();
  }
  return Status::Ok();
}

}  // namespace depinfer::consensus
