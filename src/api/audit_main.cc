// depinfer-audit: check a provider's receipt, or re-execute its completion.
//   depinfer-audit verify RESPONSE.json
//       checks the receipt's Ed25519 signature (response JSON or the bare receipt)
//   depinfer-audit check --model FILE.gguf --request REQUEST.json --response RESPONSE.json
//       verifies the receipt and recomputes the completion in one teacher-forced pass
// Exit codes: 0 match / valid, 1 mismatch / invalid, 2 usage or unreadable input.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

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
             "--response RESPONSE.json [--threads N]\n", stderr);
  return 2;
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
    const std::string receipt = j.contains("receipt") ? j["receipt"].dump() : j.dump();
    std::string why;
    if (api::VerifyReceipt(receipt, &why)) {
      std::printf("receipt signature valid\n");
      return 0;
    }
    std::printf("receipt INVALID: %s\n", why.c_str());
    return 1;
  }
  if (cmd != "check") return Usage();
  std::string model_path, request_path, response_path;
  infer::ForwardOptions opt;
  opt.threads = 2;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--model") model_path = argv[i + 1];
    else if (a == "--request") request_path = argv[i + 1];
    else if (a == "--response") response_path = argv[i + 1];
    else if (a == "--threads") opt.threads = std::atoi(argv[i + 1]);
    else return Usage();
  }
  std::string request, response;
  if (model_path.empty() || !ReadFile(request_path, &request) || !ReadFile(response_path, &response)) {
    return Usage();
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
  const auto t0 = std::chrono::steady_clock::now();
  auto out = api::AuditResponse(*model.value(), tok.value(), request, response, opt);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!out.ok()) {
    std::fprintf(stderr, "error: %s\n", out.status().message().c_str());
    return 2;
  }
  const api::AuditOutcome& o = out.value();
  if (o.ok()) {
    std::printf("MATCH: %d steps re-executed in %.3f s; signature, model, request, output and "
                "transcript all agree\n", o.steps, secs);
    return 0;
  }
  std::printf("MISMATCH: %s(first differing step: %d)\n", o.detail.c_str(), o.first_mismatch);
  return 1;
}
