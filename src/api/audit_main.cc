// depinfer-audit: check a provider's receipt, or re-execute its completion.
//   depinfer-audit verify RESPONSE.json
//       checks the Ed25519 signature of every receipt in it (a response, a chunk or a bare receipt)
//   depinfer-audit check --model FILE.gguf --request REQUEST.json --response RESPONSE.json
//                        [--choice K] [--threads N]
//       verifies the receipts and recomputes the completion in one teacher-forced pass, for every
//       choice the response carries (a request with n > 1), or only choice K
// Exit codes: 0 match / valid, 1 mismatch / invalid, 2 usage or unreadable input.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api/audit.h"
#include "api/openai_server.h"

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

int Usage() {
  std::fputs("usage: depinfer-audit verify RESPONSE.json\n"
             "       depinfer-audit check --model FILE.gguf --request REQUEST.json "
             "--response RESPONSE.json [--choice K] [--threads N]\n", stderr);
  return 2;
}

// A choice index from the command line, or -2 if it is not one.
int ParseIndex(const char* s) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  return end != s && *end == '\0' && v >= 0 && v < 1000 ? static_cast<int>(v) : -2;
}

// Every receipt in `j`: the top level's and each choice's (a bare receipt is its own).
std::vector<nlohmann::json> Receipts(const nlohmann::json& j) {
  if (!j.is_object() || (!j.contains("receipt") && !j.contains("choices"))) return {j};
  std::vector<nlohmann::json> out;
  if (j.contains("receipt")) out.push_back(j["receipt"]);
  if (j.contains("choices") && j["choices"].is_array()) {
    for (const auto& c : j["choices"]) {
      // The top level repeats choice 0's receipt: count it once.
      if (!c.is_object() || !c.contains("receipt")) continue;
      if (std::find(out.begin(), out.end(), c["receipt"]) == out.end()) out.push_back(c["receipt"]);
    }
  }
  return out;
}

int Verify(const nlohmann::json& j) {
  const std::vector<nlohmann::json> receipts = Receipts(j);
  if (receipts.empty()) {
    std::printf("no receipt\n");
    return 1;
  }
  for (const auto& rc : receipts) {
    std::string why;
    if (!depinfer::api::VerifyReceipt(rc.dump(), &why)) {
      std::printf("receipt INVALID: %s\n", why.c_str());
      return 1;
    }
  }
  if (receipts.size() == 1) {
    std::printf("receipt signature valid\n");
  } else {
    std::printf("%zu receipt signatures valid\n", receipts.size());
  }
  return 0;
}

// Audits one choice and prints the outcome; returns the exit code (0 match, 1 mismatch, 2 error).
// `label` names the choice; it is empty for a plain check of a single choice (the output from
// before n).
int CheckChoice(const depinfer::infer::Model& model, const depinfer::infer::Tokenizer& tok,
                const std::string& request, const std::string& response,
                const depinfer::infer::ForwardOptions& opt, int choice, const std::string& label) {
  const auto t0 = std::chrono::steady_clock::now();
  auto out = depinfer::api::AuditResponse(model, tok, request, response, opt, choice);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!out.ok()) {
    std::fprintf(stderr, "error: %s%s\n", label.c_str(), out.status().message().c_str());
    return 2;
  }
  const depinfer::api::AuditOutcome& o = out.value();
  if (o.ok()) {
    std::printf("%sMATCH: %d steps re-executed in %.3f s; signature, model, request, output and "
                "transcript all agree\n", label.c_str(), o.steps, secs);
    return 0;
  }
  std::printf("%sMISMATCH: %s(first differing step: %d)\n", label.c_str(), o.detail.c_str(),
              o.first_mismatch);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace depinfer;
  if (argc < 3) return Usage();
  const std::string cmd = argv[1];
  if (cmd == "verify") {
    std::string text;
    if (!ReadFile(argv[2], &text)) return Usage();
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      std::fprintf(stderr, "not JSON: %s\n", argv[2]);
      return 2;
    }
    return Verify(j);
  }
  if (cmd != "check") return Usage();
  std::string model_path, request_path, response_path;
  int only_choice = -1;
  infer::ForwardOptions opt;
  opt.threads = 2;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--model") model_path = argv[i + 1];
    else if (a == "--request") request_path = argv[i + 1];
    else if (a == "--response") response_path = argv[i + 1];
    else if (a == "--threads") opt.threads = std::atoi(argv[i + 1]);
    else if (a == "--choice") only_choice = ParseIndex(argv[i + 1]);
    else return Usage();
  }
  std::string request, response;
  if (model_path.empty() || only_choice < -1 || !ReadFile(request_path, &request) ||
      !ReadFile(response_path, &response)) {
    return Usage();
  }
  std::vector<int> choices = {only_choice};
  if (only_choice < 0) {
    auto found = api::ReceiptChoices(response);
    if (!found.ok()) {
      std::fprintf(stderr, "error: %s\n", found.status().message().c_str());
      return 2;
    }
    choices = found.value();
  }
  auto model = infer::Model::Load(model_path);
  if (!model.ok()) {
    std::fprintf(stderr, "error: %s\n", model.status().message().c_str());
    return 2;
  }
  auto tok = infer::Tokenizer::FromGguf(model.value()->file());
  if (!tok.ok()) {
    std::fprintf(stderr, "error: %s\n", tok.status().message().c_str());
    return 2;
  }
  // Every choice is checked, even after a mismatch; the worst outcome is the exit code.
  int rc = 0;
  for (int c : choices) {
    const bool named = choices.size() > 1 || only_choice >= 0;
    const std::string label = named ? "choice " + std::to_string(c) + ": " : "";
    rc = std::max(rc, CheckChoice(*model.value(), tok.value(), request, response, opt, c, label));
  }
  return rc;
}
