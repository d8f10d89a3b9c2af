// depinfer-infer-tool: plumbing for comparisons with other engines (tests/infer/py).
//   depinfer-infer-tool tokenize GGUF [--plain] < lines
//                                                  each input line is hex UTF-8; prints the ids
//                                                  one line per input (special tokens parsed
//                                                  unless --plain; no BOS). Needs only the
//                                                  vocabulary: vocab-only files work
//   depinfer-infer-tool logits MODEL OUT.f32 ID... teacher-forced logits of every position,
//                                                  raw little-endian float32 [n][n_vocab]
//   depinfer-infer-tool greedy MODEL N ID...       greedy continuation of N tokens; prints ids
//   depinfer-infer-tool dequant GGUF TENSOR OUT.f32 a 2-D tensor of any GGUF (not only a
//                                                  model) dequantised, float32 [rows][cols]
// Options (after the subcommand): --threads N.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "infer/generate.h"

namespace {

using namespace depinfer::infer;

std::string Unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}

int Fail(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: depinfer-infer-tool tokenize|logits|greedy MODEL ...\n");
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "dequant") {
    if (argc != 5) return Fail("usage: depinfer-infer-tool dequant GGUF TENSOR OUT.f32");
    auto file = GgufFile::Open(argv[2]);
    if (!file.ok()) return Fail(file.status().message());
    const GgufTensor* t = file.value()->FindTensor(argv[3]);
    if (t == nullptr || t->dims.size() != 2) return Fail(std::string("no 2-D tensor ") + argv[3]);
    if (!MatmulSupports(t->type)) return Fail("unsupported tensor type");
    const auto cols = static_cast<int64_t>(t->dims[0]), rows = static_cast<int64_t>(t->dims[1]);
    const WeightMatrix w{t->type, t->data, rows, cols, RowBytes(t->type, cols)};
    std::vector<float> row(static_cast<size_t>(cols));
    FILE* f = std::fopen(argv[4], "wb");
    if (f == nullptr) return Fail(std::string("cannot write ") + argv[4]);
    for (int64_t r = 0; r < rows; ++r) {
      DequantizeRow(w, r, row.data());
      std::fwrite(row.data(), sizeof(float), row.size(), f);
    }
    std::fclose(f);
    return 0;
  }
  if (cmd == "tokenize") {
    const bool plain = argc > 3 && std::string(argv[3]) == "--plain";
    auto file = GgufFile::Open(argv[2]);
    if (!file.ok()) return Fail(file.status().message());
    auto tok = Tokenizer::FromGguf(*file.value());
    if (!tok.ok()) return Fail(tok.status().message());
    for (std::string line; std::getline(std::cin, line);) {
      const auto ids = tok.value().Encode(Unhex(line), !plain, /*add_bos=*/false);
      for (size_t i = 0; i < ids.size(); ++i) std::printf(i ? " %d" : "%d", ids[i]);
      std::printf("\n");
    }
    return 0;
  }
  ForwardOptions opt;
  std::vector<std::string> args;
  for (int i = 3; i < argc; ++i) {
    if (std::string(argv[i]) == "--threads" && i + 1 < argc) {
      opt.threads = std::atoi(argv[++i]);
    } else {
      args.push_back(argv[i]);
    }
  }
  auto model = Model::Load(argv[2]);
  if (!model.ok()) return Fail(model.status().message());
  auto tok = Tokenizer::FromGguf(model.value()->file());
  if (!tok.ok()) return Fail(tok.status().message());

  if (cmd == "logits" && !args.empty()) {
    std::vector<int32_t> ids;
    for (size_t i = 1; i < args.size(); ++i) ids.push_back(std::atoi(args[i].c_str()));
    KvCache cache(model.value()->config(), static_cast<int>(ids.size()));
    std::vector<float> logits;
    Status s = model.value()->Forward({SeqBatch{&cache, ids, true}}, opt, &logits);
    if (!s.ok()) return Fail(s.message());
    FILE* f = std::fopen(args[0].c_str(), "wb");
    if (f == nullptr) return Fail("cannot write " + args[0]);
    std::fwrite(logits.data(), sizeof(float), logits.size(), f);
    std::fclose(f);
    return 0;
  }
  if (cmd == "greedy" && !args.empty()) {
    GenerateRequest req;
    req.max_tokens = std::atoi(args[0].c_str());
    for (size_t i = 1; i < args.size(); ++i) req.prompt.push_back(std::atoi(args[i].c_str()));
    auto r = Generate(*model.value(), tok.value(), req, opt);
    if (!r.ok()) return Fail(r.status().message());
    for (size_t i = 0; i < r.value().tokens.size(); ++i) {
      std::printf(i ? " %d" : "%d", r.value().tokens[i]);
    }
    std::printf("\n");
    return 0;
  }
  std::fprintf(stderr, "unknown or incomplete command %s\n", cmd.c_str());
  return 2;
}
