#include "infer/gguf.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gguf_builder.h"

namespace depinfer::infer {
namespace {

using testing::GgufBuilder;

std::vector<uint8_t> Bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t k = 0; k < n; ++k) v[k] = static_cast<uint8_t>(seed + 7 * k);
  return v;
}

GgufBuilder SampleFile() {
  GgufBuilder b;
  b.KvString("general.architecture", "llama");
  b.KvU8("u8", 200);
  b.KvI8("i8", -100);
  b.KvU16("u16", 60000);
  b.KvI16("i16", -30000);
  b.KvU32("u32", 4000000000u);
  b.KvI32("i32", -2000000000);
  b.KvU64("u64", 1ull << 40);
  b.KvI64("i64", -(1ll << 40));
  b.KvF32("f32", 1.5f);
  b.KvF64("f64", -2.25);
  b.KvBool("flag", true);
  b.KvStringArray("names", {"a", "", "ccc"});
  b.KvI32Array("ids", {1, -2, 3});
  b.KvF32Array("scores", {0.5f});
  b.Tensor("w", {32, 2}, 8 /* Q8_0 */, Bytes(2 * 34, 1));
  b.Tensor("norm", {4}, 0 /* F32 */, Bytes(16, 9));
  return b;
}

TEST(Gguf, ParsesEveryMetadataType) {
  auto f = GgufFile::FromBytes(SampleFile().Build());
  ASSERT_TRUE(f.ok()) << f.status().message();
  const GgufFile& g = *f.value();
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.GetString("general.architecture").value(), "llama");
  EXPECT_EQ(g.GetUint("u8").value(), 200u);
  EXPECT_EQ(g.Find("i8")->i, -100);
  EXPECT_EQ(g.GetUint("u16").value(), 60000u);
  EXPECT_EQ(g.Find("i16")->i, -30000);
  EXPECT_EQ(g.GetUint("u32").value(), 4000000000u);
  EXPECT_EQ(g.Find("i32")->i, -2000000000);
  EXPECT_EQ(g.GetUint("u64").value(), 1ull << 40);
  EXPECT_EQ(g.Find("i64")->i, -(1ll << 40));
  EXPECT_EQ(g.GetFloat("f32").value(), 1.5);
  EXPECT_EQ(g.GetFloat("f64").value(), -2.25);
  EXPECT_TRUE(g.GetBool("flag").value());
  EXPECT_EQ(g.GetStringArray("names").value(), (std::vector<std::string>{"a", "", "ccc"}));
  EXPECT_EQ(g.GetIntArray("ids").value(), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(g.Find("scores")->array.at(0).f, 0.5);
}

TEST(Gguf, TypedGettersReportMissingAndWrongType) {
  auto f = GgufFile::FromBytes(SampleFile().Build());
  ASSERT_TRUE(f.ok());
  auto missing = f.value()->GetString("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos);
  auto wrong = f.value()->GetString("u32");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("expected string"), std::string::npos);
  EXPECT_FALSE(f.value()->GetUint("i8").ok());  // negative
}

TEST(Gguf, TensorTableAndData) {
  auto f = GgufFile::FromBytes(SampleFile().Build());
  ASSERT_TRUE(f.ok());
  const GgufFile& g = *f.value();
  ASSERT_EQ(g.tensors().size(), 2u);
  const GgufTensor* w = g.FindTensor("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->type, TensorType::kQ8_0);
  EXPECT_EQ(w->dims, (std::vector<uint64_t>{32, 2}));
  EXPECT_EQ(w->rows(), 2u);
  EXPECT_EQ(w->n_bytes, 68u);
  EXPECT_EQ(std::memcmp(w->data, Bytes(68, 1).data(), 68), 0);
  const GgufTensor* n = g.FindTensor("norm");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->offset % 32, 0u);
  EXPECT_EQ(std::memcmp(n->data, Bytes(16, 9).data(), 16), 0);
  EXPECT_EQ((n->data - g.bytes()) % 32, 0);
  EXPECT_EQ(g.FindTensor("absent"), nullptr);
}

TEST(Gguf, HonoursCustomAlignment) {
  GgufBuilder b(64);
  b.KvU32("general.alignment", 64);
  b.Tensor("a", {3}, 0, Bytes(12, 3));
  b.Tensor("b", {5}, 0, Bytes(20, 4));
  auto f = GgufFile::FromBytes(b.Build());
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f.value()->alignment(), 64u);
  EXPECT_EQ(f.value()->data_offset() % 64, 0u);
  EXPECT_EQ(f.value()->FindTensor("b")->offset, 64u);
  EXPECT_EQ(std::memcmp(f.value()->FindTensor("b")->data, Bytes(20, 4).data(), 20), 0);
}

// Every proper prefix of a valid file must be rejected with a message, never read out of bounds
// (run under ASan to make the second half of that claim bite).
TEST(Gguf, EveryTruncationIsAnError) {
  std::string full = SampleFile().Build();
  for (size_t n = 0; n < full.size(); ++n) {
    auto f = GgufFile::FromBytes(std::string_view(full).substr(0, n));
    ASSERT_FALSE(f.ok()) << "prefix of " << n << " bytes parsed";
    EXPECT_FALSE(f.status().message().empty());
  }
  EXPECT_TRUE(GgufFile::FromBytes(full).ok());
}

// A file with no tensors has no data section: writers (llama.cpp's vocabulary-only test files)
// leave out the padding before it, and the file must still parse.
TEST(Gguf, VocabularyOnlyFileWithoutPadding) {
  GgufBuilder b;
  b.KvString("tokenizer.ggml.model", "gpt2");  // the header ends in 'gpt2'
  std::string full = b.Build();
  while (!full.empty() && full.back() == '\0') full.pop_back();
  ASSERT_EQ(full.back(), '2');
  auto f = GgufFile::FromBytes(full);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f.value()->GetString("tokenizer.ggml.model").value(), "gpt2");
  EXPECT_TRUE(f.value()->tensors().empty());
}

TEST(Gguf, RejectsBadMagicAndVersion) {
  std::string s = SampleFile().Build();
  std::string bad = s;
  bad[0] = 'X';
  auto f = GgufFile::FromBytes(bad);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("magic"), std::string::npos);
  bad = s;
  bad[4] = 2;
  f = GgufFile::FromBytes(bad);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("version 2"), std::string::npos);
}

TEST(Gguf, RejectsInconsistentTensors) {
  {
    GgufBuilder b;
    b.Tensor("t", {30}, 8, Bytes(34, 0));  // 30 is not a multiple of the Q8_0 block (32)
    auto f = GgufFile::FromBytes(b.Build());
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.status().message().find("whole number"), std::string::npos);
  }
  {
    GgufBuilder b;
    b.Tensor("t", {32, 4}, 8, Bytes(34, 0));  // claims 4 rows, stores 1
    auto f = GgufFile::FromBytes(b.Build());
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.status().message().find("past the end"), std::string::npos);
  }
  {
    GgufBuilder b;
    b.Tensor("t", {4}, 99, Bytes(16, 0));
    auto f = GgufFile::FromBytes(b.Build());
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.status().message().find("unknown tensor type"), std::string::npos);
  }
  {
    GgufBuilder b;
    b.Tensor("t", {4}, 0, Bytes(16, 0));
    b.Tensor("t", {4}, 0, Bytes(16, 0));
    auto f = GgufFile::FromBytes(b.Build());
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.status().message().find("duplicate tensor"), std::string::npos);
  }
  {
    GgufBuilder b;
    b.Tensor("t", {1ull << 40, 1ull << 40}, 0, Bytes(16, 0));
    EXPECT_FALSE(GgufFile::FromBytes(b.Build()).ok());
  }
}

TEST(Gguf, RejectsOverlappingTensors) {
  GgufBuilder b;
  b.Tensor("a", {8}, 0, Bytes(32, 0));
  b.Tensor("b", {8}, 0, Bytes(32, 0));
  std::string s = b.Build();
  // Point b's offset (the last u64 of the tensor table) at a's data.
  size_t pos = s.find(std::string("\x01\x00\x00\x00\x00\x00\x00\x00" "b", 9));
  ASSERT_NE(pos, std::string::npos);
  size_t off_pos = pos + 9 + 4 + 8 + 4;  // name, n_dims, dim, type
  uint64_t off = 0;
  std::memcpy(&off, &s[off_pos], 8);
  ASSERT_EQ(off, 32u);
  off = 0;
  std::memcpy(&s[off_pos], &off, 8);
  auto f = GgufFile::FromBytes(s);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("overlap"), std::string::npos);
}

TEST(Gguf, RejectsBadMetadata) {
  {
    GgufBuilder b;
    b.KvU32("general.alignment", 24);
    auto f = GgufFile::FromBytes(b.Build());
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.status().message().find("power of two"), std::string::npos);
  }
  {
    GgufBuilder b;
    b.KvU32("k", 1);
    b.KvU32("k", 2);
    auto f = GgufFile::FromBytes(b.Build());
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.status().message().find("duplicate metadata key"), std::string::npos);
  }
  {
    // An array whose count claims more elements than the file could hold.
    GgufBuilder b;
    b.KvI32Array("ids", {1, 2, 3});
    std::string s = b.Build();
    size_t pos = s.find("ids") + 3 + 4 + 4;  // key, value type, element type -> count
    uint64_t huge = 1ull << 60;
    std::memcpy(&s[pos], &huge, 8);
    auto f = GgufFile::FromBytes(s);
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.status().message().find("does not fit"), std::string::npos);
  }
  {
    GgufBuilder b;
    b.KvBool("b", true);
    std::string s = b.Build();
    s[s.find("b\x07") + 5] = 7;  // a bool byte that is neither 0 nor 1
    EXPECT_FALSE(GgufFile::FromBytes(s).ok());
  }
}

TEST(Gguf, OpenMapsFileAndHashesIt) {
  std::string image = SampleFile().Build();
  auto path = std::filesystem::temp_directory_path() / "depinfer_gguf_test.gguf";
  { std::ofstream(path, std::ios::binary).write(image.data(), image.size()); }
  auto f = GgufFile::Open(path.string());
  ASSERT_TRUE(f.ok()) << f.status().message();
  ASSERT_EQ(sodium_init() >= 0, true);
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, reinterpret_cast<const unsigned char*>(image.data()), image.size());
  char hex[65];
  sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
  EXPECT_EQ(f.value()->Sha256Hex(), std::string(hex));
  std::filesystem::remove(path);

  auto missing = GgufFile::Open("/nonexistent/model.gguf");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("No such file"), std::string::npos);
}

// Released pages of a mapped file read back the same bytes (from the file) when touched again.
TEST(Gguf, ReleasedPagesReadBackTheSame) {
  GgufBuilder b = SampleFile();
  const std::vector<uint8_t> big = Bytes(64 * 1024, 3);  // spans whole pages
  b.Tensor("big", {32 * 1024}, 1 /* F16 */, big);
  const std::string image = b.Build();
  auto path = std::filesystem::temp_directory_path() / "depinfer_gguf_release_test.gguf";
  { std::ofstream(path, std::ios::binary).write(image.data(), image.size()); }
  auto f = GgufFile::Open(path.string());
  ASSERT_TRUE(f.ok()) << f.status().message();
  const GgufTensor* t = f.value()->FindTensor("big");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->n_bytes, big.size());
  f.value()->Release(t->data, t->n_bytes);
  EXPECT_EQ(std::memcmp(t->data, big.data(), big.size()), 0);
  f.value()->Release(f.value()->bytes(), image.size());  // the whole mapping
  EXPECT_EQ(std::memcmp(f.value()->bytes(), image.data(), image.size()), 0);
  f.value()->Release(nullptr, 10);  // outside the mapping: ignored
  std::filesystem::remove(path);

  auto mem = GgufFile::FromBytes(image);  // in memory: Release changes nothing
  ASSERT_TRUE(mem.ok());
  mem.value()->Release(mem.value()->bytes(), image.size());
  EXPECT_EQ(std::memcmp(mem.value()->bytes(), image.data(), image.size()), 0);
}

TEST(Gguf, RealModelLoads) {
  std::string path = std::string(DEPINFER_MODEL_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "model not found at " << path << "; run scripts/fetch_model.sh";
  }
  auto f = GgufFile::Open(path);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f.value()->tensors().size(), 272u);
  EXPECT_EQ(f.value()->GetString("general.architecture").value(), "llama");
  EXPECT_EQ(f.value()->Sha256Hex(),
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53");
}

}  // namespace
}  // namespace depinfer::infer
