#include "app/wallet_command.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "app/node.h"
#include "app/wallet_ops.h"
#include "ledger/codec.h"
#include "shield/mnemonic.h"

namespace depinfer::app {

namespace {

struct WalletOptions {
  std::string wallet = "depinfer.wallet";
  std::string node = "http://127.0.0.1:7420";
  std::string keys;  // dev:<hex> or a .zkey
  std::string network = "test";
  std::string passphrase_file;
  std::string to, memo, phrase, viewing_key, account_seed;
  std::uint64_t amount = 0, fee = 10;
};

constexpr int kOk = 0, kFailed = 1, kUsage = 2;

int Fail(const Status& st) {
  std::fprintf(stderr, "depinfer: %s\n", st.ToString().c_str());
  return st.code() == Status::Code::kInvalidArgument ? kUsage : kFailed;
}

shield::Network NetworkOf(const WalletOptions& o) {
  return o.network == "main" ? shield::Network::kMain : shield::Network::kTest;
}

// The passphrase: --passphrase-file, $DEPINFER_PASSPHRASE, or asked on the terminal.
Status Passphrase(const WalletOptions& o, std::string* out) {
  if (!o.passphrase_file.empty()) {
    DEPINFER_RETURN_IF_ERROR(ReadFile(o.passphrase_file, out));
    while (!out->empty() && (out->back() == '\n' || out->back() == '\r')) out->pop_back();
    return Status::Ok();
  }
  if (const char* env = std::getenv("DEPINFER_PASSPHRASE")) {
    *out = env;
    return Status::Ok();
  }
  if (!isatty(STDIN_FILENO)) {
    return Status::InvalidArgument("no passphrase: use --passphrase-file or DEPINFER_PASSPHRASE");
  }
  std::fprintf(stderr, "wallet passphrase: ");
  termios old{}, quiet{};
  tcgetattr(STDIN_FILENO, &old);
  quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::getline(std::cin, *out);
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::fprintf(stderr, "\n");
  return Status::Ok();
}

Status OpenWallet(const WalletOptions& o, std::unique_ptr<shield::Wallet>* w) {
  std::string pass;
  DEPINFER_RETURN_IF_ERROR(Passphrase(o, &pass));
  Status st = shield::Wallet::Open(o.wallet, pass, w);
  sodium_memzero(pass.data(), pass.size());
  return st;
}

Status Connect(const WalletOptions& o, std::unique_ptr<api::NodeClient>* c) {
  return api::NodeClient::Connect(o.node, c);
}

int Create(const WalletOptions& o, bool restore) {
  std::array<std::uint8_t, shield::kSeedBytes> seed{};
  if (restore) {
    std::string phrase = o.phrase;
    if (phrase.empty()) {
      std::fprintf(stderr, "recovery phrase (24 words): ");
      std::getline(std::cin, phrase);
    }
    const Status st = shield::MnemonicToSeed(phrase, &seed);
    sodium_memzero(phrase.data(), phrase.size());
    if (!st.ok()) return Fail(st);
  } else {
    randombytes_buf(seed.data(), seed.size());
  }
  std::string pass;
  Status st = Passphrase(o, &pass);
  if (!st.ok()) return Fail(st);
  std::unique_ptr<shield::Wallet> w;
  st = shield::Wallet::Create(o.wallet, pass, seed, NetworkOf(o), shield::KdfStrength::kInteractive, &w);
  sodium_memzero(pass.data(), pass.size());
  if (!st.ok()) {
    sodium_memzero(seed.data(), seed.size());
    return Fail(st);
  }
  if (!restore) {
    std::string words = shield::SeedToMnemonic(seed);
    std::printf("Recovery phrase (write it down; it is shown once):\n%s\n\n", words.c_str());
    sodium_memzero(words.data(), words.size());
  }
  sodium_memzero(seed.data(), seed.size());
  std::printf("address: %s\n", w->address().Encode(NetworkOf(o)).c_str());
  return kOk;
}

int Watch(const WalletOptions& o) {
  shield::ViewingKey vk;
  Status st = shield::ViewingKey::Decode(o.viewing_key, NetworkOf(o), &vk);
  if (!st.ok()) return Fail(st);
  std::string pass;
  st = Passphrase(o, &pass);
  if (!st.ok()) return Fail(st);
  std::unique_ptr<shield::Wallet> w;
  st = shield::Wallet::CreateWatchOnly(o.wallet, pass, vk, NetworkOf(o), shield::KdfStrength::kInteractive, &w);
  sodium_memzero(pass.data(), pass.size());
  if (!st.ok()) return Fail(st);
  std::printf("watch-only wallet for %s\n", w->address().Encode(NetworkOf(o)).c_str());
  return kOk;
}

int Simple(const WalletOptions& o, const std::string& what) {
  std::unique_ptr<shield::Wallet> w;
  Status st = OpenWallet(o, &w);
  if (!st.ok()) return Fail(st);
  const shield::Network net = w->network();
  if (what == "address") {
    std::printf("%s\n", w->address().Encode(net).c_str());
    return kOk;
  }
  if (what == "export-viewing-key") {
    std::string k = w->viewing_key().Encode(net);
    std::printf("%s\n", k.c_str());
    sodium_memzero(k.data(), k.size());
    std::fprintf(stderr, "(anyone with this key sees every payment to this wallet; it cannot spend)\n");
    return kOk;
  }
  std::unique_ptr<api::NodeClient> node;
  st = Connect(o, &node);
  if (!st.ok()) return Fail(st);
  st = SyncWallet(*w, *node, [](std::uint64_t done, std::uint64_t total) {
    if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\rsync %llu/%llu outputs", static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
  });
  if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
  if (!st.ok()) return Fail(st);
  if (what == "sync" || what == "balance") {
    std::printf("balance: %llu%s\n", static_cast<unsigned long long>(w->Balance(Fr::Zero())),
                w->watch_only() ? " (watch-only: received notes)" : "");
    return kOk;
  }
  if (what == "history") {
    for (const auto& h : w->history()) {
      std::printf("%-8s %12llu  fee %-6llu %s%s%s\n",
                  h.kind == shield::HistoryEntry::Kind::kReceived ? "received" : "sent",
                  static_cast<unsigned long long>(h.amount), static_cast<unsigned long long>(h.fee),
                  h.counterparty.empty() ? "" : ("to " + h.counterparty.substr(0, 24) + "... ").c_str(),
                  h.memo.empty() ? "" : "memo: ", std::string(h.memo.begin(), h.memo.end()).c_str());
    }
    return kOk;
  }
  // send / deposit need the proving key and the chain id.
  std::unique_ptr<shield::JoinSplitKeys> keys;
  if (o.keys.empty()) return Fail(Status::InvalidArgument("--keys is required to prove (dev:<hex> or a .zkey)"));
  std::fprintf(stderr, "loading proving key...\n");
  st = LoadProvingKeys(o.keys, &keys);
  if (!st.ok()) return Fail(st);
  api::NodeState state;
  st = node->State(&state);
  if (!st.ok()) return Fail(st);
  const shield::TransactionBuilder builder(*keys, state.chain_id);
  std::string id;
  if (what == "send") {
    shield::Address to;
    st = shield::Address::Decode(o.to, net, &to);
    if (!st.ok()) return Fail(st);
    st = Pay(*w, *node, builder, to, o.amount, o.fee,
             std::span(reinterpret_cast<const std::uint8_t*>(o.memo.data()), o.memo.size()), &id);
  } else {
    std::uint8_t seed[32];
    std::size_t n = 0;
    if (o.account_seed.size() != 64 ||
        sodium_hex2bin(seed, 32, o.account_seed.data(), 64, nullptr, &n, nullptr) != 0 || n != 32) {
      return Fail(Status::InvalidArgument("--account-seed is 64 hex digits"));
    }
    shield::AccountSigner account(seed);
    sodium_memzero(seed, sizeof seed);
    st = DepositFromAccount(*node, builder, account, w->address(), o.amount, o.fee, &id);
    if (st.ok()) st = SyncWallet(*w, *node);
  }
  if (!st.ok()) return Fail(st);
  std::printf("final: %s\nbalance: %llu\n", id.c_str(), static_cast<unsigned long long>(w->Balance(Fr::Zero())));
  return kOk;
}

int NodeStatus(const WalletOptions& o) {
  std::unique_ptr<api::NodeClient> node;
  Status st = Connect(o, &node);
  if (st.ok()) {
    api::NodeState s;
    st = node->State(&s);
    if (st.ok()) {
      std::printf("chain %s (%s)\nheight %llu\nstate root %s\nmerkle root %s\ncommitments %llu\n",
                  s.chain_id.c_str(), s.mode.c_str(), static_cast<unsigned long long>(s.height),
                  s.state_root.c_str(), ledger::FieldHex(s.merkle_root).c_str(),
                  static_cast<unsigned long long>(s.tree_size));
      return kOk;
    }
  }
  return Fail(st);
}

}  // namespace

void AddWalletCommands(CLI::App& app, std::function<int()>* run) {
  auto o = std::make_shared<WalletOptions>();
  CLI::App* wallet = app.add_subcommand("wallet", "A shielded wallet (encrypted SQLite file) against a node");
  wallet->require_subcommand(1);
  wallet->add_option("--wallet", o->wallet, "Wallet file")->capture_default_str();
  wallet->add_option("--node", o->node, "Node API URL")->capture_default_str();
  wallet->add_option("--passphrase-file", o->passphrase_file,
                     "File holding the passphrase (else $DEPINFER_PASSPHRASE, else asked)");
  wallet->add_option("--network", o->network, "Address network: test (dpt) or main (dpi)")
      ->check(CLI::IsMember({"test", "main"}))->capture_default_str();
  auto add = [&](const char* name, const char* help, std::function<int()> fn) {
    CLI::App* c = wallet->add_subcommand(name, help);
    c->fallthrough();  // --wallet, --node, ... may follow the subcommand's name too
    c->callback([run, fn] { *run = fn; });
    return c;
  };
  add("create", "Create a wallet and show its recovery phrase", [o] { return Create(*o, false); });
  add("restore", "Restore a wallet from its recovery phrase", [o] { return Create(*o, true); })
      ->add_option("--phrase", o->phrase, "The 24 words (else asked)");
  add("watch", "Create a watch-only wallet from a viewing key", [o] { return Watch(*o); })
      ->add_option("--viewing-key", o->viewing_key, "dptvk1... / dpivk1...")->required();
  add("address", "Show the wallet's address", [o] { return Simple(*o, "address"); });
  add("sync", "Scan the node's new outputs", [o] { return Simple(*o, "sync"); });
  add("balance", "Sync, then show the balance", [o] { return Simple(*o, "balance"); });
  add("history", "Sync, then list payments with memos", [o] { return Simple(*o, "history"); });
  add("export-viewing-key", "Print the viewing key (sees, cannot spend)",
      [o] { return Simple(*o, "export-viewing-key"); });
  CLI::App* send = add("send", "Pay an address privately", [o] { return Simple(*o, "send"); });
  send->add_option("--to", o->to, "Recipient address")->required();
  send->add_option("--amount", o->amount, "Amount")->required();
  send->add_option("--fee", o->fee, "Fee per transaction")->capture_default_str();
  send->add_option("--memo", o->memo, "Encrypted memo for the recipient (up to 512 bytes)");
  send->add_option("--keys", o->keys, "Proving key: dev:<hex seed> or a snarkjs .zkey")->required();
  CLI::App* dep = add("deposit", "Move funds from a transparent account into this wallet",
                      [o] { return Simple(*o, "deposit"); });
  dep->add_option("--account-seed", o->account_seed, "Ed25519 seed of the account (64 hex)")->required();
  dep->add_option("--amount", o->amount, "Amount")->required();
  dep->add_option("--fee", o->fee, "Fee")->capture_default_str();
  dep->add_option("--keys", o->keys, "Proving key: dev:<hex seed> or a snarkjs .zkey")->required();

  CLI::App* node = app.add_subcommand("node", "Ask a node");
  node->require_subcommand(1);
  node->add_option("--node", o->node, "Node API URL")->capture_default_str();
  CLI::App* status = node->add_subcommand("status", "Height, roots and mode");
  status->fallthrough();
  status->callback([o, run] { *run = [o] { return NodeStatus(*o); }; });
}

}  // namespace depinfer::app
