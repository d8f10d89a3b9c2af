#include "consensus/testnet.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

namespace depinfer::consensus {

namespace fs = std::filesystem;

namespace {

bool IsExecutable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0 && fs::is_regular_file(path);
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::vector<char*> Argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

Status ReadFile(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  *text = ss.str();
  return Status::Ok();
}

Status WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError("cannot write " + tmp);
    out << text;
    if (!out.flush()) return Status::IOError("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot rename " + tmp + ": " + ec.message());
  return Status::Ok();
}

std::string Quoted(std::string_view s) {
  std::string q;  // built by append: GCC 12's -Wrestrict misfires on "\"" + std::string
  q.reserve(s.size() + 2);
  q.push_back('"');
  q.append(s);
  q.push_back('"');
  return q;
}

}  // namespace

std::string FindCometbft() {
  if (const char* env = std::getenv("DEPINFER_COMETBFT"); env != nullptr && *env != '\0') {
    return IsExecutable(env) ? env : "";  // an explicit choice wins, even a missing one
  }
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::stringstream ss(path);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
      if (!dir.empty() && IsExecutable(dir + "/cometbft")) return dir + "/cometbft";
    }
  }
  std::vector<std::string> dirs = {"/usr/local/bin"};
  if (const char* home = std::getenv("HOME"); home != nullptr) {
    dirs.push_back(std::string(home) + "/.local/bin");
    dirs.push_back(std::string(home) + "/go/bin");
  }
  for (const std::string& dir : dirs) {
    if (IsExecutable(dir + "/cometbft")) return dir + "/cometbft";
  }
  return "";
}

Status RunCommand(const std::vector<std::string>& argv, std::string* output) {
  if (argv.empty()) return Status::InvalidArgument("RunCommand: empty argv");
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return Status::IOError(std::strerror(errno));
  std::vector<char*> args = Argv(argv);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return Status::IOError(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  output->clear();
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(pipefd[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output->append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::IOError(argv[0] + " " + (argv.size() > 1 ? argv[1] : "") + " failed (status " +
                           std::to_string(status) + "): " + Trim(*output));
  }
  return Status::Ok();
}

Status CometbftVersion(const std::string& cometbft, std::string* version) {
  std::string out;
  DEPINFER_RETURN_IF_ERROR(RunCommand({cometbft, "version"}, &out));
  *version = Trim(out.substr(0, out.find('\n')));
  return Status::Ok();
}

Status SetTomlValue(std::string* toml, std::string_view section, std::string_view key,
                    std::string_view value) {
  std::string current;  // "" before the first [section]
  size_t pos = 0;
  while (pos < toml->size()) {
    size_t end = toml->find('\n', pos);
    if (end == std::string::npos) end = toml->size();
    const std::string_view line(toml->data() + pos, end - pos);
    const std::string t = Trim(line);
    if (!t.empty() && t.front() == '[') {
      const size_t close = t.find(']');
      current = Trim(std::string_view(t).substr(1, close == std::string::npos ? 0 : close - 1));
    } else if (current == section && t.size() > key.size() && t.compare(0, key.size(), key) == 0) {
      const std::string rest = Trim(std::string_view(t).substr(key.size()));
      if (!rest.empty() && rest.front() == '=') {
        const std::string repl = std::string(key) + " = " + std::string(value);
        toml->replace(pos, end - pos, repl);
        return Status::Ok();
      }
    }
    pos = end + 1;
  }
  return Status::NotFound("config.toml has no key " + std::string(key) + " in [" +
                          std::string(section) + "]");
}

Status ConfigureNode(const std::string& home, const NodeConfig& c) {
  const std::string path = home + "/config/config.toml";
  std::string toml;
  DEPINFER_RETURN_IF_ERROR(ReadFile(path, &toml));
  const std::string p2p = "tcp://127.0.0.1:" + std::to_string(c.p2p_port);
  const std::string rpc = "tcp://127.0.0.1:" + std::to_string(c.rpc_port);
  struct Edit {
    const char* section;
    const char* key;
    std::string value;
  };
  std::vector<Edit> edits = {
      {"", "proxy_app", Quoted(c.proxy_app)},
      {"", "log_level", Quoted(c.log_level)},
      {"rpc", "laddr", Quoted(rpc)},
      {"rpc", "pprof_laddr", Quoted("")},
      {"p2p", "laddr", Quoted(p2p)},
      {"p2p", "external_address", Quoted(p2p.substr(6))},
      {"p2p", "persistent_peers", Quoted(c.persistent_peers)},
      {"p2p", "addr_book_strict", "false"},
      {"p2p", "allow_duplicate_ip", "true"},
      {"p2p", "flush_throttle_timeout", Quoted("10ms")},
      {"consensus", "timeout_propose", Quoted(c.timeout_propose)},
      {"consensus", "timeout_prevote", Quoted(c.timeout_prevote)},
      {"consensus", "timeout_precommit", Quoted(c.timeout_precommit)},
      {"consensus", "timeout_commit", Quoted(c.timeout_commit)},
      {"consensus", "create_empty_blocks", c.create_empty_blocks ? "true" : "false"},
      {"consensus", "peer_gossip_sleep_duration", Quoted("10ms")},
      {"instrumentation", "prometheus", "false"},
      // Our node answers every status query from its own ledger (it applies the blocks), so
      // CometBFT's per-transaction index and stored block results are work nobody reads.
      {"tx_index", "indexer", Quoted("null")},
      {"storage", "discard_abci_responses", "true"},
  };
  if (!c.moniker.empty()) edits.push_back({"", "moniker", Quoted(c.moniker)});
  for (const Edit& e : edits) {
    DEPINFER_RETURN_IF_ERROR(SetTomlValue(&toml, e.section, e.key, e.value).WithContext(path));
  }
  return WriteFile(path, toml);
}

Status LayoutTestnet(const TestnetOptions& options, std::vector<TestnetNode>* nodes) {
  const std::string bin = options.cometbft.empty() ? FindCometbft() : options.cometbft;
  if (bin.empty()) {
    return Status::NotFound("cometbft not found; run scripts/setup.sh (docs/consensus.md)");
  }
  if (options.validators < 1 || options.validators > 100) {
    return Status::InvalidArgument("validators must be between 1 and 100");
  }
  if (options.base_port < 1024 || options.base_port + 10 * options.validators > 65535) {
    return Status::InvalidArgument("base_port out of range for " +
                                   std::to_string(options.validators) + " validators");
  }
  std::error_code ec;
  if (fs::exists(options.dir, ec) && !fs::is_empty(options.dir, ec)) {
    return Status::InvalidArgument("testnet directory is not empty: " + options.dir);
  }
  std::string out;
  DEPINFER_RETURN_IF_ERROR(RunCommand({bin, "testnet", "--v", std::to_string(options.validators),
                                       "--o", options.dir, "--starting-ip-address", "127.0.0.1",
                                       "--populate-persistent-peers=false"},
                                      &out));
  std::vector<TestnetNode> made;
  for (int i = 0; i < options.validators; ++i) {
    TestnetNode n;
    n.index = i;
    n.home = options.dir + "/node" + std::to_string(i);
    n.p2p_port = options.base_port + 10 * i;
    n.rpc_port = n.p2p_port + 1;
    n.abci_port = n.p2p_port + 2;
    DEPINFER_RETURN_IF_ERROR(RunCommand({bin, "show-node-id", "--home", n.home}, &out));
    n.node_id = Trim(out);
    if (n.node_id.size() != 40) {
      return Status::Corruption("unexpected node id from cometbft show-node-id: " + n.node_id);
    }
    made.push_back(std::move(n));
  }
  for (const TestnetNode& n : made) {
    NodeConfig c;
    c.moniker = "node" + std::to_string(n.index);
    c.p2p_port = n.p2p_port;
    c.rpc_port = n.rpc_port;
    c.proxy_app = n.proxy_app();
    c.log_level = options.log_level;
    c.timeout_commit = options.timeout_commit;
    if (!options.timeout_propose.empty()) c.timeout_propose = options.timeout_propose;
    if (!options.timeout_prevote.empty()) c.timeout_prevote = options.timeout_prevote;
    if (!options.timeout_precommit.empty()) c.timeout_precommit = options.timeout_precommit;
    for (const TestnetNode& peer : made) {
      if (peer.index == n.index) continue;
      if (!c.persistent_peers.empty()) c.persistent_peers += ",";
      c.persistent_peers += peer.node_id + "@127.0.0.1:" + std::to_string(peer.p2p_port);
    }
    DEPINFER_RETURN_IF_ERROR(ConfigureNode(n.home, c));
  }
  *nodes = std::move(made);
  return Status::Ok();
}

Status ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_path) {
  if (pid_ > 0) return Status::InvalidArgument("ChildProcess already started");
  if (argv.empty()) return Status::InvalidArgument("ChildProcess: empty argv");
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::IOError("cannot open " + log_path + ": " + std::strerror(errno));
  std::vector<char*> args = Argv(argv);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return Status::IOError(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);  // the parent died before prctl
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(log_fd);
  pid_ = pid;
  return Status::Ok();
}

void ChildProcess::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ChildProcess::Stop(int grace_ms) {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

Status StartCometbft(const std::string& cometbft, const std::string& home, ChildProcess* process) {
  return process->Start({cometbft, "start", "--home", home}, home + "/cometbft.log");
}

Status LocalTestnet::Start(const std::string& cometbft, std::vector<TestnetNode> nodes,
                           const AppFactory& make_app, std::unique_ptr<LocalTestnet>* testnet,
                           AbciServerOptions server_options) {
  std::unique_ptr<LocalTestnet> t(new LocalTestnet());
  t->nodes_ = std::move(nodes);
  for (const TestnetNode& n : t->nodes_) {
    std::unique_ptr<AbciApplication> app = make_app(n);
    if (!app) return Status::InvalidArgument("no application for node" + std::to_string(n.index));
    AbciServerOptions o = server_options;
    o.address = n.proxy_app();
    if (!o.log) {
      const std::string name = "node" + std::to_string(n.index);
      o.log = [name](std::string_view line) {
        std::fprintf(stderr, "abci[%s]: %.*s\n", name.c_str(), static_cast<int>(line.size()),
                     line.data());
      };
    }
    std::unique_ptr<AbciServer> server;
    DEPINFER_RETURN_IF_ERROR(AbciServer::Start(app.get(), o, &server).WithContext(n.home));
    t->apps_.push_back(std::move(app));
    t->servers_.push_back(std::move(server));
  }
  for (const TestnetNode& n : t->nodes_) {
    auto process = std::make_unique<ChildProcess>();
    DEPINFER_RETURN_IF_ERROR(StartCometbft(cometbft, n.home, process.get()));
    t->processes_.push_back(std::move(process));
  }
  *testnet = std::move(t);
  return Status::Ok();
}

void LocalTestnet::Stop() {
  for (auto& p : processes_) p->Signal(SIGTERM);  // all at once, then reap each
  for (auto& p : processes_) p->Stop();
  processes_.clear();
  for (auto& s : servers_) s->Stop();
  servers_.clear();
}

Status PatchGenesis(const std::vector<TestnetNode>& nodes, const std::string& chain_id,
                    const std::string& app_state_json) {
  if (nodes.empty()) return Status::InvalidArgument("PatchGenesis: no nodes");
  const std::string first = nodes[0].home + "/config/genesis.json";
  std::ifstream in(first);
  if (!in) return Status::IOError("cannot read " + first);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json g = nlohmann::json::parse(ss.str(), nullptr, false);
  if (g.is_discarded() || !g.is_object()) return Status::Corruption(first + " is not JSON");
  g["chain_id"] = chain_id;
  if (!app_state_json.empty()) {
    nlohmann::json app = nlohmann::json::parse(app_state_json, nullptr, false);
    if (app.is_discarded()) return Status::InvalidArgument("PatchGenesis: app_state is not JSON");
    g["app_state"] = app;
  }
  const std::string text = g.dump(2) + "\n";
  for (const TestnetNode& n : nodes) {
    const std::string path = n.home + "/config/genesis.json";
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) return Status::IOError("cannot write " + path);
  }
  return Status::Ok();
}

}  // namespace depinfer::consensus
