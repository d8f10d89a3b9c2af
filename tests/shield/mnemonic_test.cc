// Recovery phrase: the word list is the published one (hash), the official BIP-39 vectors for
// 256-bit entropy round-trip, and every malformed phrase is refused with a message that names a
// position, never a word.
#include "shield/mnemonic.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

namespace depinfer::shield {
namespace {

std::array<std::uint8_t, 32> FromHex(const std::string& h) {
  std::array<std::uint8_t, 32> out{};
  EXPECT_EQ(sodium_hex2bin(out.data(), out.size(), h.data(), h.size(), nullptr, nullptr, nullptr),
            0);
  return out;
}

struct Vector {
  std::string entropy, phrase;
};

std::vector<Vector> LoadVectors() {
  std::ifstream f(std::string(DEPINFER_SHIELD_TEST_DATA) + "/bip39_vectors.json");
  EXPECT_TRUE(f.good());
  nlohmann::json j = nlohmann::json::parse(f);
  std::vector<Vector> v;
  for (const auto& e : j.at("english")) v.push_back({e.at(0), e.at(1)});
  return v;
}

TEST(Bip39WordList, IsThePublishedList) {
  // SHA-256 of bip-0039/english.txt (one word per line, each ending in a newline).
  std::string file;
  std::size_t max_len = 0;
  for (std::size_t i = 0; i < 2048; ++i) {
    std::string_view w = Bip39WordVartime(i);
    if (i > 0) {
      EXPECT_LT(Bip39WordVartime(i - 1), w);  // sorted, hence unique
    }
    max_len = std::max(max_len, w.size());
    file += w;
    file += '\n';
  }
  EXPECT_EQ(max_len, 8u);
  EXPECT_EQ(Bip39WordVartime(2048), "");
  std::uint8_t hash[32];
  crypto_hash_sha256(hash, reinterpret_cast<const std::uint8_t*>(file.data()), file.size());
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  EXPECT_STREQ(hex, "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda");
}

TEST(Mnemonic, OfficialVectors) {
  auto vectors = LoadVectors();
  ASSERT_EQ(vectors.size(), 8u);
  for (const Vector& v : vectors) {
    auto seed = FromHex(v.entropy);
    EXPECT_EQ(SeedToMnemonic(seed), v.phrase);
    std::array<std::uint8_t, 32> back{};
    ASSERT_TRUE(MnemonicToSeed(v.phrase, &back).ok()) << v.phrase;
    EXPECT_EQ(back, seed);
  }
}

TEST(Mnemonic, NormalisesCaseAndWhitespace) {
  auto v = LoadVectors().at(4);
  std::string messy = "  \t";
  for (char c : v.phrase) {
    if (c == ' ') {
      messy += " \n\r\t  ";
    } else {
      messy += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  messy += "\n";
  std::array<std::uint8_t, 32> seed{};
  ASSERT_TRUE(MnemonicToSeed(messy, &seed).ok());
  EXPECT_EQ(seed, FromHex(v.entropy));
}

TEST(Mnemonic, RandomRoundTrips) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {
    std::array<std::uint8_t, 32> seed;
    for (auto& b : seed) b = static_cast<std::uint8_t>(rng());
    std::array<std::uint8_t, 32> back{};
    ASSERT_TRUE(MnemonicToSeed(SeedToMnemonic(seed), &back).ok());
    EXPECT_EQ(back, seed);
  }
}

std::vector<std::string> Words(const std::string& phrase) {
  std::vector<std::string> w;
  std::size_t i = 0;
  while (i < phrase.size()) {
    std::size_t j = phrase.find(' ', i);
    if (j == std::string::npos) j = phrase.size();
    w.push_back(phrase.substr(i, j - i));
    i = j + 1;
  }
  return w;
}

std::string Join(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& x : w) s += (s.empty() ? "" : " ") + x;
  return s;
}

void ExpectRejected(const std::string& phrase, const std::string& fragment) {
  std::array<std::uint8_t, 32> seed;
  seed.fill(0xaa);
  const auto before = seed;
  Status st = MnemonicToSeed(phrase, &seed);
  ASSERT_FALSE(st.ok()) << phrase;
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
  EXPECT_EQ(seed, before);
}

TEST(Mnemonic, WrongWordCount) {
  auto w = Words(LoadVectors().at(5).phrase);
  ExpectRejected("", "24 words, got 0");
  ExpectRejected("   \n ", "24 words, got 0");
  auto fewer = w;
  fewer.pop_back();
  ExpectRejected(Join(fewer), "24 words, got 23");
  auto more = w;
  more.push_back("zoo");
  ExpectRejected(Join(more), "24 words, got 25");
  ExpectRejected(Join(std::vector<std::string>(w.begin(), w.begin() + 12)), "got 12");
}

TEST(Mnemonic, UnknownWordNamesPositionNotWord) {
  auto w = Words(LoadVectors().at(5).phrase);
  for (std::string bad : {"pandas", "zzz", "abandonx", "caf\xc3\xa9", "ab", "abstracts"}) {
    auto t = w;
    t[4] = bad;
    std::array<std::uint8_t, 32> seed{};
    Status st = MnemonicToSeed(Join(t), &seed);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("word 5 "), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find(bad), std::string::npos) << st.message();
    for (const auto& other : w) {
      EXPECT_EQ(st.message().find(" " + other + " "), std::string::npos) << st.message();
    }
  }
  auto t = w;
  t[23] = "bitcoin";
  ExpectRejected(Join(t), "word 24 ");
}

TEST(Mnemonic, BadChecksum) {
  // All-zero entropy ends in "art" (index 0x66 = the checksum byte); "abandon" breaks it.
  auto w = Words(LoadVectors().at(0).phrase);
  ASSERT_EQ(w.back(), "art");
  w.back() = "abandon";
  ExpectRejected(Join(w), "checksum");
  // Swapping two different words is caught (this pair, deterministically).
  auto s = Words(LoadVectors().at(5).phrase);
  std::swap(s[0], s[1]);
  ExpectRejected(Join(s), "checksum");
  // A single wrong word anywhere is caught unless it hits the checksum by chance (1/256):
  // count over all positions with a fixed replacement and require nearly all caught.
  auto base = Words(LoadVectors().at(6).phrase);
  int caught = 0, total = 0;
  for (std::size_t i = 0; i < 23; ++i) {
    for (std::size_t k = 0; k < 2048; k += 97) {
      auto t = base;
      if (t[i] == Bip39WordVartime(k)) continue;
      t[i] = std::string(Bip39WordVartime(k));
      std::array<std::uint8_t, 32> seed{};
      caught += MnemonicToSeed(Join(t), &seed).ok() ? 0 : 1;
      ++total;
    }
  }
  EXPECT_GT(caught, total - total / 64) << caught << " of " << total;
}

}  // namespace
}  // namespace depinfer::shield
