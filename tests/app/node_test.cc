// The node through its HTTP API: a private payment between two wallets, every rejection path of
// the shielded-payments issue answered with a 4xx naming the rule (and the state untouched),
// hostile requests, and `kill -9` of a depinferd process under load: it resumes from its last
// applied height and no transaction reported final is lost.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/http_server.h"
#include "api/node_client.h"
#include "app/node.h"
#include "app/wallet_ops.h"
#include "ledger/codec.h"
#include "snark/formats/snarkjs_json.h"
#include "snark/groth16/zkey_import.h"

namespace depinfer::app {
namespace {

constexpr char kKeys[] = "dev:0707070707070707070707070707070707070707070707070707070707070707";

const shield::JoinSplitKeys& Keys() {
  static const std::unique_ptr<shield::JoinSplitKeys> k = [] {
    std::unique_ptr<shield::JoinSplitKeys> keys;
    if (!LoadProvingKeys(kKeys, &keys).ok()) std::abort();
    return keys;
  }();
  return *k;
}

// A node folder: genesis funding `funder`, the verifying key, a config.
struct NodeDir {
  std::filesystem::path dir;
  shield::AccountSigner funder{std::span<const std::uint8_t, 32>(std::array<std::uint8_t, 32>{1}.data(), 32)};
  NodeConfig config;

  explicit NodeDir(const std::string& name)
      : dir(std::filesystem::temp_directory_path() / ("depinfer_node_" + name + "_" + std::to_string(getpid()))) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    ledger::Genesis g;
    g.chain_id = "node-test";
    g.vk_hash = ledger::VerifyingKeyHash(Keys().verifying_key());
    g.fee_account = shield::AccountKey{9};
    g.allocations.push_back({funder.account(), Fr::Zero(), 1'000'000'000});
    EXPECT_TRUE(WriteFileAtomic((dir / "genesis.json").string(), g.ToJson()).ok());
    EXPECT_TRUE(WriteFileAtomic((dir / "vk.json").string(),
                                snark::formats::WriteVerificationKeyJson(
                                    snark::groth16::ToSnarkjs(Keys().verifying_key())))
                    .ok());
    config.data_dir = (dir / "state").string();
    config.genesis = (dir / "genesis.json").string();
    config.verifying_key = (dir / "vk.json").string();
    config.api_port = 0;
    config.max_block_delay_us = 1000;
  }
  ~NodeDir() { std::filesystem::remove_all(dir); }
};

std::unique_ptr<shield::Wallet> NewWallet(const std::filesystem::path& path, std::uint8_t b) {
  std::array<std::uint8_t, shield::kSeedBytes> seed{};
  seed.fill(b);
  std::unique_ptr<shield::Wallet> w;
  EXPECT_TRUE(shield::Wallet::Create(path.string(), "pw", seed, shield::Network::kTest,
                                     shield::KdfStrength::kTestOnly, &w).ok());
  return w;
}

ledger::Transfer SignedTransfer(const shield::AccountSigner& from, const shield::AccountKey& to,
                                std::uint64_t amount, std::uint64_t nonce) {
  ledger::Transfer t;
  t.from = from.account();
  t.to = to;
  t.asset = Fr::Zero();
  t.amount = amount;
  t.fee = 1;
  t.nonce = nonce;
  t.signature = from.Sign(t.SigningMessage("node-test"));
  return t;
}

class NodeApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Node::Start(dir_.config, &node_).ok());
    ASSERT_TRUE(api::NodeClient::Connect("http://127.0.0.1:" + std::to_string(node_->port()), &client_).ok());
  }
  std::string StateRoot() {
    api::NodeState s;
    EXPECT_TRUE(client_->State(&s).ok());
    return s.state_root;
  }
  // Submits raw bytes; returns the HTTP status and the body.
  std::pair<int, std::string> Post(const std::string& body, const std::string& type = "application/octet-stream") {
    int status = 0;
    std::string out;
    EXPECT_TRUE(client_->Request("POST", "/v1/tx?wait=5000", body, type, &status, &out).ok());
    return {status, out};
  }
  std::pair<int, std::string> PostTx(const shield::Transaction& tx) {
    const auto b = ledger::EncodeTx(ledger::Tx::Shielded(tx));
    return Post(std::string(b.begin(), b.end()));
  }

  NodeDir dir_{::testing::UnitTest::GetInstance()->current_test_info()->name()};
  std::unique_ptr<Node> node_;
  std::unique_ptr<api::NodeClient> client_;
  shield::TransactionBuilder builder_{Keys(), "node-test"};
};

TEST_F(NodeApi, PrivatePaymentAndEveryRejectionOverHttp) {
  auto alice = NewWallet(dir_.dir / "alice.db", 1);
  auto bob = NewWallet(dir_.dir / "bob.db", 2);
  std::string id;
  ASSERT_TRUE(DepositFromAccount(*client_, builder_, dir_.funder, alice->address(), 1000, 1, &id).ok());
  ASSERT_TRUE(SyncWallet(*alice, *client_).ok());
  EXPECT_EQ(alice->Balance(Fr::Zero()), 999u);
  const std::string memo = "lunch";
  const Status paid = Pay(*alice, *client_, builder_, bob->address(), 300, 2,
                          std::span(reinterpret_cast<const std::uint8_t*>(memo.data()), memo.size()), &id);
  ASSERT_TRUE(paid.ok()) << paid.ToString();
  ASSERT_TRUE(SyncWallet(*bob, *client_).ok());
  EXPECT_EQ(bob->Balance(Fr::Zero()), 300u);
  EXPECT_EQ(alice->Balance(Fr::Zero()), 697u);

  // A payment built but held back, to replay and tamper with.
  shield::BuiltTransaction held;
  ASSERT_TRUE(SyncWallet(*bob, *client_).ok());
  ASSERT_TRUE(bob->Send(builder_, alice->address(), Fr::Zero(), 100, 1, {}, &held).ok());
  std::string root_before = StateRoot();
  auto expect_rule = [&](std::pair<int, std::string> r, int status, const char* rule) {
    EXPECT_EQ(r.first, status) << r.second;
    EXPECT_NE(r.second.find(std::string("\"") + rule + "\""), std::string::npos) << r.second;
    EXPECT_EQ(StateRoot(), root_before) << "state changed by a rejected request";
  };
  shield::Transaction t = held.tx;
  t.fee = 0;
  expect_rule(PostTx(t), 422, "bad-proof");
  t = held.tx;
  t.outputs[1][7] ^= 1;
  expect_rule(PostTx(t), 422, "bad-proof");
  t = held.tx;
  t.nullifiers[1] = t.nullifiers[0];
  expect_rule(PostTx(t), 422, "duplicate-nullifier");
  t = held.tx;
  t.leg = shield::TransparentLeg{shield::LegKind::kWithdrawal, dir_.funder.account(), UINT64_MAX, 0, {}};
  expect_rule(PostTx(t), 422, "amount-range");
  // Malformed input of every kind: 4xx with a JSON error, nothing changes.
  const auto bin = ledger::EncodeTx(ledger::Tx::Shielded(held.tx));
  const std::string good(bin.begin(), bin.end());
  expect_rule(Post(good.substr(0, good.size() - 1)), 400, "malformed");
  expect_rule(Post(good + "x"), 400, "malformed");
  expect_rule(Post("{\"kind\":\"shielded\",\"tx\":{},\"extra\":1}", "application/json"), 400, "malformed");
  expect_rule(Post(std::string(40, '[') + std::string(40, ']'), "application/json"), 400, "bad_json");
  expect_rule(Post("x", "text/plain"), 415, "unsupported_media_type");
  expect_rule(Post(std::string(70 << 10, 'x')), 413, "too_large");
  int status;
  std::string body;
  ASSERT_TRUE(client_->Request("GET", "/v1/%FF%FE", "", "", &status, &body).ok());
  EXPECT_EQ(status, 404) << body;  // a path that is not UTF-8 used to end the node
  ASSERT_TRUE(client_->Request("GET", "/v1/nullifier/0xzz", "", "", &status, &body).ok());
  EXPECT_EQ(status, 400);
  ASSERT_TRUE(client_->Request("GET", "/v1/outputs?from=-1", "", "", &status, &body).ok());
  EXPECT_EQ(status, 400);
  ASSERT_TRUE(client_->Request("POST", "/admin/shutdown", "", "", &status, &body).ok());
  EXPECT_EQ(status, 401);

  // The honest one goes through; then its replay is refused.
  auto ok = PostTx(held.tx);
  EXPECT_EQ(ok.first, 200) << ok.second;
  EXPECT_NE(ok.second.find("\"final\""), std::string::npos);
  root_before = StateRoot();
  expect_rule(PostTx(held.tx), 422, "nullifier-spent");

  // A deposit with a forged signature, one without funds, one with a used nonce.
  shield::BuiltTransaction d;
  std::uint64_t nonce = 0, balance = 0;
  ASSERT_TRUE(client_->Account(dir_.funder.account(), &nonce, &balance).ok());
  api::NodeState s;
  ASSERT_TRUE(client_->State(&s).ok());
  ASSERT_TRUE(builder_.Deposit(dir_.funder, nonce - 1, alice->address(), Fr::Zero(), 10, 1, s.merkle_root, {}, &d).ok());
  expect_rule(PostTx(d.tx), 422, "bad-nonce");
  shield::Transaction forged = d.tx;
  forged.leg.signature[5] ^= 1;
  expect_rule(PostTx(forged), 422, "bad-signature");
  shield::AccountSigner poor;
  ASSERT_TRUE(builder_.Deposit(poor, 0, alice->address(), Fr::Zero(), 10, 1, s.merkle_root, {}, &d).ok());
  expect_rule(PostTx(d.tx), 422, "insufficient-funds");
  // Metrics and health answer.
  ASSERT_TRUE(client_->Request("GET", "/metrics", "", "", &status, &body).ok());
  EXPECT_NE(body.find("depinfer_tx_applied_total"), std::string::npos);
  ASSERT_TRUE(client_->Request("GET", "/health", "", "", &status, &body).ok());
  EXPECT_EQ(status, 200);
}

#ifdef DEPINFERD_BIN
// Starts depinferd as a child process; returns its pid.
pid_t Spawn(const std::string& config, int port) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string p = std::to_string(port);
    execl(DEPINFERD_BIN, DEPINFERD_BIN, "--config", config.c_str(), "--port", p.c_str(), nullptr);
    _exit(127);
  }
  return pid;
}

bool WaitUp(api::NodeClient& c) {
  for (int i = 0; i < 200; ++i) {
    api::NodeState s;
    if (c.State(&s).ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

// A node that accepts the connection and then says nothing: the client gives up at its
// deadline with a clear error instead of hanging the wallet.
TEST(NodeClientDeadline, ASilentNodeIsReportedUnavailable) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const int port = acceptor.local_endpoint().port();
  std::unique_ptr<api::NodeClient> client;
  ASSERT_TRUE(api::NodeClient::Connect("http://127.0.0.1:" + std::to_string(port), &client).ok());
  client->set_timeout_ms(300);
  boost::asio::ip::tcp::socket held(io);
  std::thread accepting([&] { acceptor.accept(held); });  // accepted, never answered
  const auto start = std::chrono::steady_clock::now();
  api::NodeState state;
  const Status st = client->State(&state);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  accepting.join();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("did not answer within"), std::string::npos) << st.message();
  EXPECT_LT(s, 3.0);
}

// A node that answers nonsense: the client reports it, never throws or crashes.
TEST(NodeClientHostileNode, MalformedFieldElementsAreErrors) {
  api::HttpServer fake(api::HttpServer::Options{});
  std::string roots_body;
  fake.Route("GET", "/v1/roots", [&](const api::HttpRequest&) { return api::JsonOk(roots_body); });
  ASSERT_TRUE(fake.Start().ok());
  std::unique_ptr<api::NodeClient> client;
  ASSERT_TRUE(api::NodeClient::Connect("http://127.0.0.1:" + std::to_string(fake.port()), &client).ok());
  std::vector<Fr> roots;
  for (const std::string& body : std::vector<std::string>{
           R"({"roots":["0x)" + std::string(64, 'z') + R"("]})",  // not hex
        R"({"roots":["0x)" + std::string(64, 'f') + R"("]})",  // not below the modulus
        R"({"roots":["0x12"]})", R"({"roots":[7]})", R"({"roots":"abc"})"}) {
    roots_body = body;
    EXPECT_FALSE(client->Roots(&roots).ok()) << body;
  }
  roots_body = R"({"roots":["0x)" + std::string(63, '0') + R"(5"]})";
  ASSERT_TRUE(client->Roots(&roots).ok());
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0], Fr::FromU64(5));
  fake.Stop();
}

TEST(NodeProcess, KillNineUnderLoadLosesNothingFinal) {
  NodeDir dir("kill9");
  const int port = 20000 + (getpid() % 20000);
  ASSERT_TRUE(WriteFileAtomic((dir.dir / "node.toml").string(), dir.config.ToToml()).ok());
  pid_t pid = Spawn((dir.dir / "node.toml").string(), port);
  std::unique_ptr<api::NodeClient> c;
  ASSERT_TRUE(api::NodeClient::Connect("http://127.0.0.1:" + std::to_string(port), &c).ok());
  ASSERT_TRUE(WaitUp(*c));
  // Load: transfers from the funded account to fresh accounts, as fast as the node takes them,
  // from two client threads; each reported final is remembered.
  std::vector<ledger::TxId> final_ids;
  std::mutex mu;
  std::atomic<std::uint64_t> next_nonce{0};
  std::atomic<bool> stop{false};
  auto load = [&] {
    std::unique_ptr<api::NodeClient> lc;
    if (!api::NodeClient::Connect("http://127.0.0.1:" + std::to_string(port), &lc).ok()) return;
    while (!stop) {
      const std::uint64_t n = next_nonce.fetch_add(1);
      const ledger::Tx tx = ledger::Tx::Of(SignedTransfer(dir.funder, shield::AccountKey{static_cast<std::uint8_t>(n % 200 + 1)}, 5, n));
      api::TxStatus st;
      if (!lc->Submit(tx, 5000, &st).ok()) return;  // the node died
      if (st.status == "final" && st.applied) {
        std::lock_guard<std::mutex> lock(mu);
        final_ids.push_back(tx.Id());
      }
    }
  };
  // A nonce gap (a submission lost in the kill) makes later ones wait for it; one thread keeps
  // the order simple.
  std::thread t1(load);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  waitpid(pid, nullptr, 0);
  stop = true;
  t1.join();
  std::size_t finals;
  {
    std::lock_guard<std::mutex> lock(mu);
    finals = final_ids.size();
  }
  ASSERT_GT(finals, 10u) << "too little load before the kill";
  // Restart: every transaction reported final is there, the height is at least as far.
  pid = Spawn((dir.dir / "node.toml").string(), port);
  std::unique_ptr<api::NodeClient> c2;
  ASSERT_TRUE(api::NodeClient::Connect("http://127.0.0.1:" + std::to_string(port), &c2).ok());
  ASSERT_TRUE(WaitUp(*c2));
  for (const ledger::TxId& id : final_ids) {
    api::TxStatus st;
    ASSERT_TRUE(c2->Status_(id, 0, &st).ok());
    EXPECT_EQ(st.status, "final") << ledger::Hex(id);
    EXPECT_TRUE(st.applied);
  }
  api::NodeState s1;
  ASSERT_TRUE(c2->State(&s1).ok());
  // It keeps going after the restart, and a clean stop (SIGTERM) keeps the same state.
  std::uint64_t nonce = 0, balance = 0;
  ASSERT_TRUE(c2->Account(dir.funder.account(), &nonce, &balance).ok());
  api::TxStatus st;
  ASSERT_TRUE(c2->Submit(ledger::Tx::Of(SignedTransfer(dir.funder, shield::AccountKey{250}, 1, nonce)), 5000, &st).ok());
  EXPECT_EQ(st.status, "final");
  api::NodeState s2;
  ASSERT_TRUE(c2->State(&s2).ok());
  EXPECT_EQ(s2.height, s1.height + 1);
  kill(pid, SIGTERM);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  pid = Spawn((dir.dir / "node.toml").string(), port);
  std::unique_ptr<api::NodeClient> c3;
  ASSERT_TRUE(api::NodeClient::Connect("http://127.0.0.1:" + std::to_string(port), &c3).ok());
  ASSERT_TRUE(WaitUp(*c3));
  api::NodeState s3;
  ASSERT_TRUE(c3->State(&s3).ok());
  EXPECT_EQ(s3.height, s2.height);
  EXPECT_EQ(s3.state_root, s2.state_root);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
}
#endif

}  // namespace
}  // namespace depinfer::app
