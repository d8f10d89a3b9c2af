// Two wallets paying each other privately against the in-memory ledger state, and every attack
// of the shielded-payments issue rejected with the rule that failed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "shield/check.h"
#include "shield/wallet.h"
#include "shield_test_util.h"

namespace depinfer::shield {
namespace {

using testing::TestKeys;

constexpr char kChain[] = "depinfer-test";

std::span<const std::uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A ledger in memory, a funded transparent account, and wallets in a temporary folder.
class Pool : public ::testing::Test {
 protected:
  Pool()
      : dir_(std::filesystem::temp_directory_path() /
             ("depinfer_payments_" + std::to_string(getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())),
        builder_(TestKeys(), kChain) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ctx_.chain_id = kChain;
    ctx_.vk = &TestKeys().prepared();
    ctx_.encrypted_output_bytes = kEncryptedNoteBytes;
    state_.SetBalance(funder_.account(), Fr::Zero(), 1'000'000);
  }
  ~Pool() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Wallet> NewWallet(std::uint8_t seed_byte, const char* name) {
    std::array<std::uint8_t, kSeedBytes> seed{};
    seed.fill(seed_byte);
    std::unique_ptr<Wallet> w;
    const Status st = Wallet::Create(Path(name), "correct horse", seed, Network::kTest,
                                     KdfStrength::kTestOnly, &w);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return w;
  }
  std::string Path(const char* name) const { return (dir_ / name).string(); }

  // Stateless checks, then the state rules, in a block of its own.
  Verdict Submit(const Transaction& tx) {
    const std::vector<Verdict> v = CheckStateless(std::span(&tx, 1), ctx_);
    if (!v[0].ok()) return v[0];
    Verdict applied = ApplyTransaction(tx, fee_account_, &state_);
    state_.CloseBlock();
    return applied;
  }
  void Sync(Wallet& w) {
    const auto& all = state_.outputs();
    ASSERT_TRUE(w.Sync(std::span(all).subspan(w.next_position())).ok());
    std::vector<Fr> spent;
    for (const Fr& nf : w.UnspentNullifiers()) {
      if (state_.IsNullifierSpent(nf)) spent.push_back(nf);
    }
    ASSERT_TRUE(w.MarkSpent(spent).ok());
  }
  BuiltTransaction Deposit(Wallet& to, std::uint64_t amount, std::uint64_t fee = 1) {
    BuiltTransaction b;
    const Status st = builder_.Deposit(funder_, state_.Nonce(funder_.account()), to.address(),
                                       Fr::Zero(), amount, fee, state_.tree().Root(), {}, &b);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return b;
  }
  // Deposits and syncs.
  void Fund(Wallet& w, std::uint64_t amount) {
    const Verdict v = Submit(Deposit(w, amount).tx);
    ASSERT_TRUE(v.ok()) << v.ToString();
    Sync(w);
  }

  std::filesystem::path dir_;
  TransactionBuilder builder_;
  CheckContext ctx_;
  MemoryState state_{/*root_window=*/8};
  AccountSigner funder_;
  AccountKey fee_account_{};
};

TEST_F(Pool, TwoWalletsPayEachOtherPrivately) {
  auto alice = NewWallet(1, "alice.db");
  auto bob = NewWallet(2, "bob.db");
  Fund(*alice, 1000);  // 999 after the fee
  EXPECT_EQ(alice->Balance(Fr::Zero()), 999u);
  EXPECT_EQ(state_.Balance(funder_.account(), Fr::Zero()), 1'000'000u - 1000);

  BuiltTransaction pay;
  ASSERT_TRUE(alice->Send(builder_, bob->address(), Fr::Zero(), 300, 2, Bytes("coffee"), &pay).ok());
  EXPECT_EQ(alice->Balance(Fr::Zero()), 0u);  // the note is pending until the ledger applies it
  ASSERT_TRUE(Submit(pay.tx).ok());
  Sync(*alice);
  Sync(*bob);
  EXPECT_EQ(alice->Balance(Fr::Zero()), 697u);
  EXPECT_EQ(bob->Balance(Fr::Zero()), 300u);
  ASSERT_EQ(bob->history().size(), 1u);
  EXPECT_EQ(bob->history()[0].kind, HistoryEntry::Kind::kReceived);
  EXPECT_EQ(bob->history()[0].amount, 300u);
  EXPECT_EQ(std::string(bob->history()[0].memo.begin(), bob->history()[0].memo.end()), "coffee");
  // Alice's history: the deposit received, the payment sent; her change is not "received".
  ASSERT_EQ(alice->history().size(), 2u);
  EXPECT_EQ(alice->history()[1].kind, HistoryEntry::Kind::kSent);
  EXPECT_EQ(alice->history()[1].counterparty, bob->address().Encode(Network::kTest));
  EXPECT_EQ(state_.Balance(fee_account_, Fr::Zero()), 3u);

  // And back.
  BuiltTransaction back;
  ASSERT_TRUE(bob->Send(builder_, alice->address(), Fr::Zero(), 120, 1, {}, &back).ok());
  ASSERT_TRUE(Submit(back.tx).ok());
  Sync(*alice);
  Sync(*bob);
  EXPECT_EQ(alice->Balance(Fr::Zero()), 817u);
  EXPECT_EQ(bob->Balance(Fr::Zero()), 179u);

  // Nothing on the ledger names an amount, a payer or a payee: the transactions' public data is
  // commitments, nullifiers, ciphertexts, the fee and the (empty) transparent leg.
  EXPECT_EQ(pay.tx.leg.kind, LegKind::kNone);

  // Reopened, the wallets are as they were.
  const std::string alice_path = Path("alice.db");
  alice.reset();
  std::unique_ptr<Wallet> again;
  ASSERT_TRUE(Wallet::Open(alice_path, "correct horse", &again).ok());
  EXPECT_EQ(again->Balance(Fr::Zero()), 817u);
  EXPECT_EQ(again->history().size(), 3u);
  EXPECT_EQ(again->next_position(), state_.tree().size());
}

TEST_F(Pool, WithdrawalAndMoreThanTwoNotes) {
  auto alice = NewWallet(3, "alice.db");
  for (int i = 0; i < 3; ++i) Fund(*alice, 101);  // three notes of 100
  EXPECT_EQ(alice->Balance(Fr::Zero()), 300u);
  AccountSigner sink;
  // 250 + fee needs all three notes: one merge step first.
  BuiltTransaction step;
  ASSERT_TRUE(alice->Withdraw(builder_, sink.account(), Fr::Zero(), 250, 1, &step).ok());
  EXPECT_FALSE(step.complete);
  ASSERT_TRUE(Submit(step.tx).ok());
  Sync(*alice);
  EXPECT_EQ(alice->Balance(Fr::Zero()), 299u);
  ASSERT_TRUE(alice->Withdraw(builder_, sink.account(), Fr::Zero(), 250, 1, &step).ok());
  EXPECT_TRUE(step.complete);
  ASSERT_TRUE(Submit(step.tx).ok());
  Sync(*alice);
  EXPECT_EQ(alice->Balance(Fr::Zero()), 48u);
  EXPECT_EQ(state_.Balance(sink.account(), Fr::Zero()), 250u);
  // Not enough left.
  EXPECT_FALSE(alice->Withdraw(builder_, sink.account(), Fr::Zero(), 48, 1, &step).ok());
}

TEST_F(Pool, DoubleSpendsAreRejected) {
  auto alice = NewWallet(4, "alice.db");
  auto bob = NewWallet(5, "bob.db");
  Fund(*alice, 500);
  BuiltTransaction first, second;
  ASSERT_TRUE(alice->Send(builder_, bob->address(), Fr::Zero(), 100, 1, {}, &first).ok());
  ASSERT_TRUE(alice->Abandon(first).ok());  // forget it was sent, and spend the note again
  ASSERT_TRUE(alice->Send(builder_, bob->address(), Fr::Zero(), 200, 1, {}, &second).ok());
  ASSERT_TRUE(Submit(first.tx).ok());
  Verdict v = Submit(second.tx);
  EXPECT_EQ(v.rule, Rule::kNullifierSpent) << v.ToString();
  // The same transaction again.
  EXPECT_EQ(Submit(first.tx).rule, Rule::kNullifierSpent);
  // Two equal nullifiers inside one transaction.
  Transaction dup = second.tx;
  dup.nullifiers[1] = dup.nullifiers[0];
  EXPECT_EQ(Submit(dup).rule, Rule::kDuplicateNullifier);
}

TEST_F(Pool, TamperingBreaksTheProof) {
  auto alice = NewWallet(6, "alice.db");
  auto bob = NewWallet(7, "bob.db");
  Fund(*alice, 500);
  BuiltTransaction b;
  ASSERT_TRUE(alice->Send(builder_, bob->address(), Fr::Zero(), 100, 5, Bytes("memo"), &b).ok());
  const Transaction& tx = b.tx;
  auto expect = [&](Transaction t, Rule rule, const char* what) {
    const Verdict v = CheckStateless(std::span(&t, 1), ctx_)[0];
    EXPECT_EQ(v.rule, rule) << what << ": " << v.ToString();
  };
  Transaction t = tx;
  t.fee = 4;  // the fee is bound by ext_hash and by the balance equation
  expect(t, Rule::kBadProof, "fee");
  t = tx;
  t.outputs[0][100] ^= 1;  // a ciphertext is bound by ext_hash
  expect(t, Rule::kBadProof, "ciphertext");
  t = tx;
  t.memo = {1, 2, 3};  // so is the public memo
  expect(t, Rule::kBadProof, "memo");
  t = tx;
  t.commitments[0] += Fr::One();
  expect(t, Rule::kBadProof, "commitment");
  t = tx;
  t.leg = TransparentLeg{LegKind::kWithdrawal, funder_.account(), 10, 0, {}};  // print money
  expect(t, Rule::kBadProof, "withdrawal added");
  t = tx;
  t.asset = Fr::One();
  expect(t, Rule::kBadProof, "asset");
  // Another transaction's proof.
  BuiltTransaction other = Deposit(*bob, 50);
  t = tx;
  t.proof = other.tx.proof;
  expect(t, Rule::kBadProof, "proof of other public inputs");
  // B on the twist but outside G2: decoding leaves the subgroup test to the verifier, which
  // rejects that proof alone in a batch with a good one.
  {
    math::bn254::Fp2 x{math::bn254::Fp::FromU64(5), math::bn254::Fp::Zero()}, y;
    while (!(x.Square() * x + math::bn254::G2Cfg::B()).SqrtVartime(&y)) x += math::bn254::Fp2::One();
    const math::bn254::G2Affine outside = math::bn254::G2Affine::FromXY(x, y);
    ASSERT_FALSE(math::bn254::IsInG2SubgroupVartime(math::bn254::G2::FromAffine(outside)));
    t = tx;
    t.proof.b = outside;
    Transaction decoded;
    ASSERT_TRUE(DecodeTransaction(EncodeTransaction(t), &decoded).ok());
    const Transaction pair[2] = {tx, decoded};
    const std::vector<Verdict> verdicts = CheckStateless(pair, ctx_);
    EXPECT_TRUE(verdicts[0].ok()) << verdicts[0].ToString();
    EXPECT_EQ(verdicts[1].rule, Rule::kBadProof) << verdicts[1].ToString();
  }
  // A chain id other than the one it was made for changes ext_hash.
  CheckContext other_chain = ctx_;
  other_chain.chain_id = "another-chain";
  EXPECT_EQ(CheckStateless(std::span(&tx, 1), other_chain)[0].rule, Rule::kBadProof);
  // Untouched, it is fine; and with a root from beyond the window, stale.
  EXPECT_TRUE(CheckStateless(std::span(&tx, 1), ctx_)[0].ok());
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(Submit(Deposit(*bob, 10).tx).ok());
  EXPECT_EQ(Submit(tx).rule, Rule::kUnknownRoot);
}

TEST_F(Pool, AmountsAndDepositsOutOfBounds) {
  auto alice = NewWallet(8, "alice.db");
  Fund(*alice, 500);
  BuiltTransaction b;
  ASSERT_TRUE(alice->Send(builder_, alice->address(), Fr::Zero(), 10, 1, {}, &b).ok());
  Transaction t = b.tx;
  t.leg = TransparentLeg{LegKind::kWithdrawal, funder_.account(), UINT64_MAX, 0, {}};
  EXPECT_EQ(CheckStateless(std::span(&t, 1), ctx_)[0].rule, Rule::kAmountRange);  // 2^64 - 1 + fee
  // A deposit larger than the account, a bad signature, a replayed nonce.
  AccountSigner poor;
  BuiltTransaction d;
  ASSERT_TRUE(builder_.Deposit(poor, 0, alice->address(), Fr::Zero(), 100, 1, state_.tree().Root(), {}, &d).ok());
  EXPECT_EQ(Submit(d.tx).rule, Rule::kInsufficientFunds);
  BuiltTransaction ok = Deposit(*alice, 100);
  Transaction forged = ok.tx;
  forged.leg.signature[0] ^= 1;
  EXPECT_EQ(Submit(forged).rule, Rule::kBadSignature);
  forged = ok.tx;
  forged.leg.amount = 1000;  // the signature covers the amount
  EXPECT_EQ(Submit(forged).rule, Rule::kBadSignature);
  ASSERT_TRUE(Submit(ok.tx).ok());
  BuiltTransaction replay;
  ASSERT_TRUE(builder_.Deposit(funder_, 0, alice->address(), Fr::Zero(), 100, 1, state_.tree().Root(), {}, &replay).ok());
  EXPECT_EQ(Submit(replay.tx).rule, Rule::kBadNonce);
  // Memos above 512 bytes are refused before proving.
  std::vector<std::uint8_t> big(513, 'x');
  EXPECT_FALSE(alice->Send(builder_, alice->address(), Fr::Zero(), 1, 1, big, &b).ok());
}

TEST_F(Pool, EncodingsRoundTripAndRejectNonCanonicalInput) {
  auto alice = NewWallet(9, "alice.db");
  BuiltTransaction d = Deposit(*alice, 100);
  const std::vector<std::uint8_t> bin = EncodeTransaction(d.tx);
  Transaction back;
  ASSERT_TRUE(DecodeTransaction(bin, &back).ok());
  EXPECT_TRUE(back == d.tx);
  EXPECT_EQ(back.Id(), d.tx.Id());
  ASSERT_TRUE(TransactionFromJson(TransactionToJson(d.tx), &back).ok());
  EXPECT_TRUE(back == d.tx);
  // Truncated anywhere, or with a byte more: rejected.
  for (std::size_t cut = 0; cut < bin.size(); cut += 7) {
    EXPECT_FALSE(DecodeTransaction(std::span(bin).first(cut), &back).ok()) << cut;
  }
  std::vector<std::uint8_t> longer = bin;
  longer.push_back(0);
  EXPECT_FALSE(DecodeTransaction(longer, &back).ok());
  // A field element >= r (the root: bytes 33..64).
  std::vector<std::uint8_t> bad = bin;
  std::fill(bad.begin() + 33, bad.begin() + 65, 0xff);
  EXPECT_FALSE(DecodeTransaction(bad, &back).ok());
  // A proof point off the curve (the last byte of C's y).
  bad = bin;
  bad.back() ^= 1;
  EXPECT_FALSE(DecodeTransaction(bad, &back).ok());
  // JSON: an amount of 2^64, an unknown key, a number where a string belongs.
  std::string json = TransactionToJson(d.tx);
  std::string j2 = json;
  j2.replace(j2.find("\"fee\":\"1\""), 9, "\"fee\":\"18446744073709551616\"");
  EXPECT_FALSE(TransactionFromJson(j2, &back).ok());
  j2 = json;
  j2.insert(1, "\"extra\":1,");
  EXPECT_FALSE(TransactionFromJson(j2, &back).ok());
  j2 = json;
  j2.replace(j2.find("\"fee\":\"1\""), 9, "\"fee\":1");
  EXPECT_FALSE(TransactionFromJson(j2, &back).ok());
  // The id ignores the proof: a re-randomised proof (here: another proof of the same
  // statement would do; negating A and B keeps e(A, B) and the check) gives the same id.
  Transaction rerandomised = d.tx;
  rerandomised.proof.a = -rerandomised.proof.a;
  rerandomised.proof.b = -rerandomised.proof.b;
  EXPECT_EQ(rerandomised.Id(), d.tx.Id());
}

TEST_F(Pool, ViewingKeyWalletSeesButCannotSpend) {
  auto alice = NewWallet(10, "alice.db");
  std::unique_ptr<Wallet> watcher;
  ASSERT_TRUE(Wallet::CreateWatchOnly(Path("watch.db"), "pw", alice->viewing_key(), Network::kTest,
                                      KdfStrength::kTestOnly, &watcher).ok());
  Fund(*alice, 400);
  Sync(*watcher);
  EXPECT_TRUE(watcher->watch_only());
  EXPECT_EQ(watcher->Balance(Fr::Zero()), 399u);
  BuiltTransaction b;
  const Status st = watcher->Send(builder_, alice->address(), Fr::Zero(), 10, 1, {}, &b);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("watch-only"), std::string::npos);
}

TEST_F(Pool, WrongPassphraseAndDamagedFilesChangeNothing) {
  auto alice = NewWallet(11, "alice.db");
  Fund(*alice, 400);
  const std::string path = Path("alice.db");
  alice.reset();
  const std::string before = ReadFile(path);
  std::unique_ptr<Wallet> w;
  Status st = Wallet::Open(path, "wrong horse", &w);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("wrong passphrase"), std::string::npos) << st.ToString();
  EXPECT_EQ(ReadFile(path), before);
  // Damage the file past its first page (tables, records): SQLite or the records'
  // authentication must notice.
  std::string damaged = before;
  for (std::size_t i = 4096; i < damaged.size(); i += 31) damaged[i] ^= 0x5a;
  std::ofstream(path, std::ios::binary) << damaged;
  st = Wallet::Open(path, "correct horse", &w);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(ReadFile(path), damaged);
  // Not a wallet at all, a missing one, and creating over an existing one.
  std::ofstream(Path("junk.db"), std::ios::binary) << "this is not a database";
  EXPECT_FALSE(Wallet::Open(Path("junk.db"), "x", &w).ok());
  EXPECT_EQ(Wallet::Open(Path("missing.db"), "x", &w).code(), Status::Code::kNotFound);
  std::array<std::uint8_t, kSeedBytes> seed{};
  EXPECT_FALSE(Wallet::Create(path, "x", seed, Network::kTest, KdfStrength::kTestOnly, &w).ok());
  EXPECT_EQ(ReadFile(path), damaged);
}

}  // namespace
}  // namespace depinfer::shield
