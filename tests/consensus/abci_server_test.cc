// The ABCI socket protocol without CometBFT: framing, one connection fed bytes, the socket server
// with raw clients, and hostile input (truncated, oversized, garbage frames).
#include "consensus/abci_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "kv_app.h"

namespace depinfer::consensus {
namespace {

using testing::KvApp;

std::string Frame(const google::protobuf::MessageLite& msg) {
  std::string out;
  EXPECT_TRUE(AppendFrame(msg, &out).ok());
  return out;
}

abci::Request Echo(const std::string& s) {
  abci::Request r;
  r.mutable_echo()->set_message(s);
  return r;
}
abci::Request Flush() {
  abci::Request r;
  r.mutable_flush();
  return r;
}
abci::Request CheckTx(const std::string& tx) {
  abci::Request r;
  r.mutable_check_tx()->set_tx(tx);
  return r;
}

// Splits framed responses; fails the test on a malformed stream.
std::vector<abci::Response> Responses(std::string_view bytes) {
  std::vector<abci::Response> out;
  while (!bytes.empty()) {
    std::string_view payload;
    size_t consumed = 0;
    Status err;
    const FrameResult r = ParseFrame(bytes, 1 << 30, &payload, &consumed, &err);
    EXPECT_EQ(r, FrameResult::kFrame) << err.ToString();
    if (r != FrameResult::kFrame) break;
    abci::Response res;
    EXPECT_TRUE(res.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
    out.push_back(std::move(res));
    bytes.remove_prefix(consumed);
  }
  return out;
}

AbciServerOptions QuietOptions(std::vector<std::string>* log = nullptr) {
  AbciServerOptions o;
  static std::mutex mu;
  o.log = [log](std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    if (log) log->emplace_back(line);
  };
  return o;
}

// ---- Framing ----

TEST(AbciFraming, RoundTripsShortAndLongMessages) {
  for (size_t n : {0u, 1u, 126u, 127u, 128u, 300u, 16384u, 1u << 21}) {
    const abci::Request req = Echo(std::string(n, 'x'));
    const std::string f = Frame(req);
    std::string_view payload;
    size_t consumed = 0;
    Status err;
    ASSERT_EQ(ParseFrame(f, 64 << 20, &payload, &consumed, &err), FrameResult::kFrame);
    EXPECT_EQ(consumed, f.size());
    abci::Request back;
    ASSERT_TRUE(back.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
    EXPECT_EQ(back.echo().message().size(), n);
  }
}

TEST(AbciFraming, MatchesCometbftBytes) {
  // protoio.WriteMsg of Request{Flush{}}: field 2, length 0, framed: 02 12 00.
  EXPECT_EQ(Frame(Flush()), std::string("\x02\x12\x00", 3));
  // Request{Echo{"hi"}}: 0a 04 0a 02 'h' 'i', framed with length 6.
  EXPECT_EQ(Frame(Echo("hi")), std::string("\x06\x0a\x04\x0a\x02hi", 7));
}

TEST(AbciFraming, TruncatedFramesNeedMore) {
  const std::string f = Frame(Echo(std::string(300, 'y')));  // two-byte length prefix
  for (size_t cut = 0; cut < f.size(); ++cut) {
    std::string_view payload;
    size_t consumed = 0;
    Status err;
    EXPECT_EQ(ParseFrame(std::string_view(f).substr(0, cut), 1 << 20, &payload, &consumed, &err),
              FrameResult::kNeedMore)
        << cut;
  }
}

TEST(AbciFraming, OversizedLengthRefusedFromThePrefixAlone) {
  std::string_view payload;
  size_t consumed = 0;
  Status err;
  // 1 MiB + 1 as a uvarint: 81 80 40, and no body at all.
  EXPECT_EQ(ParseFrame(std::string("\x81\x80\x40", 3), 1 << 20, &payload, &consumed, &err),
            FrameResult::kError);
  EXPECT_NE(err.message().find("exceeds"), std::string::npos) << err.ToString();
  // Exactly at the limit is fine (needs the body).
  EXPECT_EQ(ParseFrame(std::string("\x80\x80\x40", 3), 1 << 20, &payload, &consumed, &err),
            FrameResult::kNeedMore);
}

TEST(AbciFraming, MalformedVarints) {
  std::string_view payload;
  size_t consumed = 0;
  Status err;
  EXPECT_EQ(ParseFrame(std::string(11, '\xff'), 1 << 20, &payload, &consumed, &err),
            FrameResult::kError);
  // Ten bytes whose last one carries more than the top bit of a uint64.
  EXPECT_EQ(ParseFrame(std::string(9, '\xff') + "\x02", 1 << 20, &payload, &consumed, &err),
            FrameResult::kError);
  // 2^64 - 1: a valid varint, refused as too long.
  EXPECT_EQ(ParseFrame(std::string(9, '\xff') + "\x01", 1 << 20, &payload, &consumed, &err),
            FrameResult::kError);
  EXPECT_NE(err.message().find("exceeds"), std::string::npos);
  // A non-minimal encoding of 0 is accepted, as Go's binary.ReadUvarint does.
  EXPECT_EQ(ParseFrame(std::string("\x80\x00", 2), 1 << 20, &payload, &consumed, &err),
            FrameResult::kFrame);
  EXPECT_EQ(consumed, 2u);
}

// ---- One connection, fed bytes ----

struct Fixture {
  explicit Fixture(AbciApplication* app, AbciServerOptions o = QuietOptions(nullptr))
      : options(std::move(o)), conn(app, &mu, options) {}
  AbciServerOptions options;
  std::mutex mu;
  AbciConnection conn;
};

TEST(AbciConnection, AnswersInOrderAndFlushes) {
  KvApp app;
  Fixture f(&app);
  abci::Request info;
  info.mutable_info()->set_version("0.38.26");
  f.conn.Feed(Frame(Echo("one")) + Frame(info) + Frame(Echo("two")) + Frame(Flush()));
  ASSERT_TRUE(f.conn.Process().ok());
  const auto rs = Responses(f.conn.output());
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(rs[0].echo().message(), "one");
  EXPECT_TRUE(rs[1].has_info());
  EXPECT_EQ(rs[1].info().data(), "depinfer-kv");
  EXPECT_EQ(rs[2].echo().message(), "two");
  EXPECT_TRUE(rs[3].has_flush());
  EXPECT_EQ(f.conn.requests(), 4u);
}

TEST(AbciConnection, ByteByByteGivesTheSameAnswers) {
  KvApp app;
  Fixture f(&app);
  const std::string in = Frame(Echo(std::string(200, 'z'))) + Frame(CheckTx("a=1")) + Frame(Flush());
  for (char c : in) {
    f.conn.Feed(std::string_view(&c, 1));
    ASSERT_TRUE(f.conn.Process().ok());
  }
  const auto rs = Responses(f.conn.output());
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].echo().message().size(), 200u);
  EXPECT_EQ(rs[1].check_tx().code(), 0u);
  EXPECT_TRUE(rs[2].has_flush());
  EXPECT_EQ(f.conn.buffered(), 0u);
}

TEST(AbciConnection, BatchesCheckTxAndKeepsOrder) {
  KvApp app;
  Fixture f(&app);
  std::string in;
  for (int i = 0; i < 10; ++i) {
    std::string tx = "bad tx";
    if (i % 3 != 0) tx = std::string("k").append(std::to_string(i)).append("=v");
    in += Frame(CheckTx(tx));
  }
  in += Frame(Flush());
  f.conn.Feed(in);
  ASSERT_TRUE(f.conn.Process().ok());
  const auto rs = Responses(f.conn.output());
  ASSERT_EQ(rs.size(), 11u);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(rs[i].has_check_tx());
    EXPECT_EQ(rs[i].check_tx().code(), i % 3 == 0 ? 1u : 0u) << i;
  }
  EXPECT_TRUE(rs[10].has_flush());
  EXPECT_EQ(app.check_batches(), std::vector<size_t>{10});
}

TEST(AbciConnection, BatchSizeIsCapped) {
  KvApp app;
  AbciServerOptions o = QuietOptions();
  o.max_check_tx_batch = 4;
  Fixture f(&app, o);
  std::string in;
  for (int i = 0; i < 10; ++i) in += Frame(CheckTx("k=" + std::to_string(i)));
  f.conn.Feed(in);  // no Flush: the batch ends with the input
  ASSERT_TRUE(f.conn.Process().ok());
  EXPECT_EQ(app.check_batches(), (std::vector<size_t>{4, 4, 2}));
  EXPECT_EQ(Responses(f.conn.output()).size(), 10u);
}

// The stateless stage sees the batch without the application mutex and can refuse.
class VerifyingApp : public AbciApplication {
 public:
  explicit VerifyingApp(std::mutex* mu) : mu_(mu) {}
  Status VerifyTxBatch(std::span<const abci::RequestCheckTx> reqs,
                       std::span<abci::ResponseCheckTx> res) override {
    unlocked = mu_->try_lock();
    if (unlocked) mu_->unlock();
    for (size_t i = 0; i < reqs.size(); ++i) {
      if (reqs[i].tx().rfind("bad", 0) == 0) res[i].set_code(7);
    }
    return Status::Ok();
  }
  Status CheckTx(const abci::RequestCheckTx& req, abci::ResponseCheckTx* res) override {
    checked.push_back(req.tx());
    return Status::Ok();
  }
  std::mutex* mu_;
  bool unlocked = false;
  std::vector<std::string> checked;
};

TEST(AbciConnection, VerifyTxBatchRunsUnlockedAndFiltersCheckTx) {
  AbciServerOptions o = QuietOptions();
  std::mutex mu;
  VerifyingApp app(&mu);
  AbciConnection conn(&app, &mu, o);
  conn.Feed(Frame(CheckTx("good1")) + Frame(CheckTx("bad")) + Frame(CheckTx("good2")));
  ASSERT_TRUE(conn.Process().ok());
  EXPECT_TRUE(app.unlocked);
  EXPECT_EQ(app.checked, (std::vector<std::string>{"good1", "good2"}));
  const auto rs = Responses(conn.output());
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[1].check_tx().code(), 7u);
}

TEST(AbciConnection, ConsensusFlowAdvancesTheAppHash) {
  KvApp app;
  Fixture f(&app);
  abci::Request fin;
  fin.mutable_finalize_block()->set_height(1);
  fin.mutable_finalize_block()->add_txs("a=1");
  fin.mutable_finalize_block()->add_txs("garbage");
  abci::Request commit;
  commit.mutable_commit();
  abci::Request info;
  info.mutable_info();
  abci::Request query;
  query.mutable_query()->set_data("a");
  f.conn.Feed(Frame(fin) + Frame(commit) + Frame(info) + Frame(query) + Frame(Flush()));
  ASSERT_TRUE(f.conn.Process().ok());
  const auto rs = Responses(f.conn.output());
  ASSERT_EQ(rs.size(), 5u);
  ASSERT_EQ(rs[0].finalize_block().tx_results_size(), 2);
  EXPECT_EQ(rs[0].finalize_block().tx_results(0).code(), 0u);
  EXPECT_EQ(rs[0].finalize_block().tx_results(1).code(), 1u);
  EXPECT_EQ(rs[0].finalize_block().app_hash().size(), 32u);
  EXPECT_TRUE(rs[1].has_commit());
  EXPECT_EQ(rs[2].info().last_block_height(), 1);
  EXPECT_EQ(rs[2].info().last_block_app_hash(), rs[0].finalize_block().app_hash());
  EXPECT_EQ(rs[3].query().value(), "1");
}

TEST(AbciConnection, ProposalsRejectMalformedTxs) {
  KvApp app;
  Fixture f(&app);
  abci::Request prep;
  prep.mutable_prepare_proposal()->set_max_tx_bytes(1000);
  prep.mutable_prepare_proposal()->add_txs("a=1");
  prep.mutable_prepare_proposal()->add_txs("=nokey");
  prep.mutable_prepare_proposal()->add_txs("b=2");
  abci::Request good;
  good.mutable_process_proposal()->add_txs("a=1");
  abci::Request bad;
  bad.mutable_process_proposal()->add_txs("a=1");
  bad.mutable_process_proposal()->add_txs(std::string("k=\x01", 3));
  f.conn.Feed(Frame(prep) + Frame(good) + Frame(bad));
  ASSERT_TRUE(f.conn.Process().ok());
  const auto rs = Responses(f.conn.output());
  ASSERT_EQ(rs.size(), 3u);
  ASSERT_EQ(rs[0].prepare_proposal().txs_size(), 2);
  EXPECT_EQ(rs[0].prepare_proposal().txs(1), "b=2");
  EXPECT_EQ(rs[1].process_proposal().status(), abci::ResponseProcessProposal::ACCEPT);
  EXPECT_EQ(rs[2].process_proposal().status(), abci::ResponseProcessProposal::REJECT);
}

TEST(AbciConnection, DefaultsAnswerEverything) {
  AbciApplication app;  // all defaults
  Fixture f(&app);
  abci::Request r[8];
  r[0].mutable_init_chain();
  r[1].mutable_list_snapshots();
  r[2].mutable_offer_snapshot();
  r[3].mutable_load_snapshot_chunk();
  r[4].mutable_apply_snapshot_chunk();
  r[5].mutable_extend_vote();
  r[6].mutable_verify_vote_extension();
  // "1234" costs 6 bytes in the block's Data (tag, length, bytes), as CometBFT counts it.
  r[7].mutable_prepare_proposal()->set_max_tx_bytes(6);
  r[7].mutable_prepare_proposal()->add_txs("1234");
  r[7].mutable_prepare_proposal()->add_txs("56");
  std::string in;
  for (const auto& one : r) in += Frame(one);
  f.conn.Feed(in);
  ASSERT_TRUE(f.conn.Process().ok());
  const auto rs = Responses(f.conn.output());
  ASSERT_EQ(rs.size(), 8u);
  EXPECT_TRUE(rs[0].has_init_chain());
  EXPECT_EQ(rs[2].offer_snapshot().result(), abci::ResponseOfferSnapshot::ABORT);
  EXPECT_EQ(rs[4].apply_snapshot_chunk().result(), abci::ResponseApplySnapshotChunk::ABORT);
  EXPECT_EQ(rs[6].verify_vote_extension().status(), abci::ResponseVerifyVoteExtension::ACCEPT);
  EXPECT_EQ(rs[7].prepare_proposal().txs_size(), 1);  // "56" would pass max_tx_bytes
}

// ---- Hostile input on one connection ----

TEST(AbciConnection, GarbageProtobufClosesTheConnection) {
  KvApp app;
  std::vector<std::string> log;
  Fixture f(&app, QuietOptions(&log));
  f.conn.Feed(Frame(Echo("before")) + std::string("\x03\xff\xff\xff", 4) + Frame(Echo("after")));
  const Status st = f.conn.Process();
  EXPECT_FALSE(st.ok());
  const auto rs = Responses(f.conn.output());
  ASSERT_EQ(rs.size(), 1u);  // answered up to the bad frame, nothing after it
  EXPECT_EQ(rs[0].echo().message(), "before");
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.back().find("malformed"), std::string::npos) << log.back();
  f.conn.Feed(Frame(Echo("later")));
  EXPECT_FALSE(f.conn.Process().ok());  // stays closed
}

// Found by tests/fuzz/abci_fuzz: pending CheckTx requests before a bad frame were dropped when
// the bytes came in one read but answered when they came in several.
TEST(AbciConnection, AnswersDoNotDependOnHowReadsSplitTheInput) {
  KvApp app;
  const std::string in = Frame(CheckTx("a=1")) + Frame(CheckTx("b=2")) + std::string("\x02\xff\xff", 3);
  std::string whole, split;
  {
    Fixture f(&app);
    f.conn.Feed(in);
    EXPECT_FALSE(f.conn.Process().ok());
    whole = f.conn.output();
  }
  {
    Fixture f(&app);
    for (char c : in) {
      f.conn.Feed(std::string_view(&c, 1));
      if (!f.conn.Process().ok()) break;
    }
    split = f.conn.output();
  }
  EXPECT_EQ(Responses(whole).size(), 2u);
  EXPECT_EQ(whole, split);
}

TEST(AbciConnection, OversizedFrameClosesBeforeItsBody) {
  KvApp app;
  AbciServerOptions o = QuietOptions();
  o.max_message_bytes = 1024;
  Fixture f(&app, o);
  f.conn.Feed(Frame(Echo(std::string(2000, 'x'))).substr(0, 2));  // just the length prefix
  EXPECT_FALSE(f.conn.Process().ok());
}

TEST(AbciConnection, UnknownRequestGetsAnException) {
  KvApp app;
  Fixture f(&app);
  // Field 9 was DeliverTx before v0.38: parses (unknown field) but names no request.
  f.conn.Feed(std::string("\x02\x4a\x00", 3));
  EXPECT_FALSE(f.conn.Process().ok());
  const auto rs = Responses(f.conn.output());
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_TRUE(rs[0].has_exception());
  // An empty frame is an empty Request: the same.
  Fixture g(&app);
  g.conn.Feed(std::string("\x00", 1));
  EXPECT_FALSE(g.conn.Process().ok());
  EXPECT_TRUE(Responses(g.conn.output()).at(0).has_exception());
}

// CometBFT's Go code (gogoproto) neither checks nor cleans UTF-8 in `string` fields, and some come
// from RPC users (abci_query's path). A strict parser would drop the connection and halt the node.
TEST(AbciConnection, NonUtf8StringsAreAccepted) {
  KvApp app;
  Fixture f(&app);
  abci::Request q;
  q.mutable_query()->set_path("\xff\xfe/not utf-8");
  q.mutable_query()->set_data("a");
  abci::Request e = Echo("\xc3\x28");
  std::string bytes;
  ASSERT_TRUE(q.SerializeToString(&bytes));  // serialising only logs; parsing is what matters
  f.conn.Feed(Frame(q) + Frame(e) + Frame(Flush()));
  ASSERT_TRUE(f.conn.Process().ok());
  const auto rs = Responses(f.conn.output());
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_TRUE(rs[0].has_query());
  EXPECT_EQ(rs[1].echo().message(), "\xc3\x28");
}

class ThrowingApp : public AbciApplication {
 public:
  Status Info(const abci::RequestInfo&, abci::ResponseInfo*) override {
    throw std::runtime_error("disk on fire");
  }
  Status Commit(const abci::RequestCommit&, abci::ResponseCommit*) override {
    return Status::IOError("cannot write the state");
  }
};

TEST(AbciConnection, ApplicationErrorsBecomeExceptions) {
  ThrowingApp app;
  for (int which = 0; which < 2; ++which) {
    Fixture f(&app);
    abci::Request r;
    if (which == 0) r.mutable_info(); else r.mutable_commit();
    f.conn.Feed(Frame(Echo("x")) + Frame(r) + Frame(Echo("never")));
    EXPECT_FALSE(f.conn.Process().ok());
    const auto rs = Responses(f.conn.output());
    ASSERT_EQ(rs.size(), 2u);
    ASSERT_TRUE(rs[1].has_exception());
    EXPECT_NE(rs[1].exception().error().find(which == 0 ? "disk on fire" : "cannot write"),
              std::string::npos);
  }
}

TEST(AbciConnection, RandomBytesNeverCrash) {
  KvApp app;
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 2000; ++round) {
    AbciServerOptions o = QuietOptions();
    o.max_message_bytes = 1 << 16;
    Fixture f(&app, o);
    std::string junk(rng() % 200, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    // Half the rounds: a valid frame header around random bytes, to reach the protobuf parser.
    if (round % 2 == 0 && junk.size() < 128) junk = std::string(1, static_cast<char>(junk.size())) + junk;
    f.conn.Feed(junk);
    (void)f.conn.Process();
    (void)f.conn.Process();
  }
}

// ---- The socket server ----

class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  }
  explicit Client(const std::string& unix_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", unix_path.c_str());
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  }
  ~Client() { ::close(fd_); }
  bool ok() const { return ok_; }
  bool Send(std::string_view data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until `n` responses arrived, or EOF, or 5 s passed.
  std::vector<abci::Response> Read(size_t n, bool* eof = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      std::vector<abci::Response> out;
      std::string_view rest = buf_;
      while (out.size() < n) {
        std::string_view payload;
        size_t consumed = 0;
        Status err;
        if (ParseFrame(rest, 1 << 30, &payload, &consumed, &err) != FrameResult::kFrame) break;
        abci::Response r;
        r.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
        out.push_back(std::move(r));
        rest.remove_prefix(consumed);
      }
      if (out.size() == n) {
        buf_.erase(0, buf_.size() - rest.size());
        return out;
      }
      pollfd p{fd_, POLLIN, 0};
      const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            deadline - std::chrono::steady_clock::now())
                                            .count());
      if (left <= 0 || ::poll(&p, 1, left) <= 0) return out;
      char tmp[65536];
      const ssize_t got = ::read(fd_, tmp, sizeof(tmp));
      if (got <= 0) {
        if (eof) *eof = true;
        return out;
      }
      buf_.append(tmp, static_cast<size_t>(got));
    }
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

TEST(AbciServer, ServesFourConnectionsAndSurvivesABadOne) {
  KvApp app;
  std::unique_ptr<AbciServer> server;
  AbciServerOptions o = QuietOptions();
  o.address = "tcp://127.0.0.1:0";
  ASSERT_TRUE(AbciServer::Start(&app, o, &server).ok());
  ASSERT_GT(server->port(), 0);
  EXPECT_EQ(server->address(), "tcp://127.0.0.1:" + std::to_string(server->port()));

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>(server->port()));
    ASSERT_TRUE(clients.back()->ok());
  }
  Client bad(server->port());
  ASSERT_TRUE(bad.ok());
  ASSERT_TRUE(bad.Send(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11)));
  bool eof = false;
  EXPECT_TRUE(bad.Read(1, &eof).empty());
  EXPECT_TRUE(eof);  // the server hung up on it

  // Concurrent traffic on the good ones; each sees its own answers in order.
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      std::string in;
      for (int j = 0; j < 50; ++j) in += Frame(Echo(std::to_string(i) + ":" + std::to_string(j)));
      in += Frame(Flush());
      if (!clients[i]->Send(in)) return;
      const auto rs = clients[i]->Read(51);
      if (rs.size() != 51) return;
      for (int j = 0; j < 50; ++j) {
        if (rs[j].echo().message() != std::to_string(i) + ":" + std::to_string(j)) return;
      }
      if (rs[50].has_flush()) ++good;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 4);
  EXPECT_EQ(server->open_connections(), 4);
  server->Stop();  // with connections open
  bool closed = false;
  clients[0]->Read(1, &closed);
  EXPECT_TRUE(closed);
}

TEST(AbciServer, BlockSizedMessagesCrossTheSocket) {
  KvApp app;
  std::unique_ptr<AbciServer> server;
  AbciServerOptions o = QuietOptions();
  o.address = "tcp://127.0.0.1:0";
  ASSERT_TRUE(AbciServer::Start(&app, o, &server).ok());
  Client c(server->port());
  ASSERT_TRUE(c.ok());
  abci::Request fin;
  fin.mutable_finalize_block()->set_height(1);
  for (int i = 0; i < 20; ++i) {
    std::string tx = std::to_string(i);  // (GCC 12's -Wrestrict misfires on "k" + std::string)
    tx.insert(0, 1, 'k');
    tx.append("=").append(200, 'v');
    fin.mutable_finalize_block()->add_txs(tx);
    fin.mutable_finalize_block()->add_txs(std::string(1 << 20, static_cast<char>('a' + i)));  // malformed
  }
  const std::string big = Frame(fin);
  ASSERT_GT(big.size(), 20u << 20);
  std::thread sender([&] { c.Send(big + Frame(Echo(std::string(3 << 20, 'e'))) + Frame(Flush())); });
  const auto rs = c.Read(3);
  sender.join();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].finalize_block().tx_results_size(), 40);
  EXPECT_EQ(rs[0].finalize_block().tx_results(1).code(), 1u);
  EXPECT_EQ(rs[1].echo().message().size(), 3u << 20);
  EXPECT_TRUE(rs[2].has_flush());
}

TEST(AbciServer, UnixSocket) {
  KvApp app;
  std::unique_ptr<AbciServer> server;
  AbciServerOptions o = QuietOptions();
  const std::string path = ::testing::TempDir() + "/abci-test-" + std::to_string(::getpid()) + ".sock";
  o.address = "unix://" + path;
  ASSERT_TRUE(AbciServer::Start(&app, o, &server).ok());
  EXPECT_EQ(server->address(), o.address);
  {
    Client c(path);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send(Frame(CheckTx("a=b")) + Frame(CheckTx("nope")) + Frame(Flush())));
    const auto rs = c.Read(3);
    ASSERT_EQ(rs.size(), 3u);
    EXPECT_EQ(rs[0].check_tx().code(), 0u);
    EXPECT_EQ(rs[1].check_tx().code(), 1u);
  }
  // A second server on a live socket is refused; after Stop the path is free again.
  std::unique_ptr<AbciServer> second;
  EXPECT_FALSE(AbciServer::Start(&app, o, &second).ok());
  server->Stop();
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
  ASSERT_TRUE(AbciServer::Start(&app, o, &second).ok());
}

TEST(AbciServer, RefusesConnectionsBeyondTheCap) {
  KvApp app;
  std::unique_ptr<AbciServer> server;
  AbciServerOptions o = QuietOptions();
  o.address = "tcp://127.0.0.1:0";
  o.max_connections = 2;
  ASSERT_TRUE(AbciServer::Start(&app, o, &server).ok());
  Client a(server->port()), b(server->port());
  ASSERT_TRUE(a.Send(Frame(Echo("a")) + Frame(Flush())));
  ASSERT_EQ(a.Read(2).size(), 2u);
  ASSERT_TRUE(b.Send(Frame(Echo("b")) + Frame(Flush())));
  ASSERT_EQ(b.Read(2).size(), 2u);
  Client c(server->port());
  bool eof = false;
  c.Send(Frame(Echo("c")) + Frame(Flush()));
  EXPECT_TRUE(c.Read(2, &eof).empty());
  EXPECT_TRUE(eof);
}

TEST(AbciServer, BadAddresses) {
  KvApp app;
  std::unique_ptr<AbciServer> server;
  AbciServerOptions o = QuietOptions();
  for (const char* addr : {"nonsense", "tcp://127.0.0.1:notaport", "tcp://127.0.0.1:99999",
                           "unix://"}) {
    o.address = addr;
    EXPECT_FALSE(AbciServer::Start(&app, o, &server).ok()) << addr;
  }
}

}  // namespace
}  // namespace depinfer::consensus
