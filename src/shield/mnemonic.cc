// BIP-39 with 256-bit entropy: 264 bits = seed || SHA-256(seed)[0], cut into 24 groups of 11
// bits, most significant first; each group indexes the English list.
#include "shield/mnemonic.h"

#include <sodium.h>

#include <cstring>

namespace depinfer::shield {
namespace {

constexpr const char* kWords[2048] = {
#include "shield/bip39_english.inc"
};
constexpr std::size_t kMaxWordLength = 8;  // longest English word ("abstract" etc.)

// A word padded with zeros to kMaxWordLength bytes, for fixed-size comparisons.
using Padded = std::array<std::uint8_t, kMaxWordLength>;

Padded PadWord(const char* w) {
  Padded p{};
  std::memcpy(p.data(), w, std::strlen(w));
  return p;
}

// All-ones if x == 0, else 0, without a branch.
std::uint32_t MaskIfZero(std::uint32_t x) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(x) - 1) >> 32);
}

// Index of `word` in the list, or -1. Compares against all 2048 words every time.
int LookupConstantTime(const Padded& word) {
  std::uint32_t found = 0, index = 0;
  for (std::uint32_t i = 0; i < 2048; ++i) {
    Padded cand = PadWord(kWords[i]);
    std::uint32_t diff = 0;
    for (std::size_t k = 0; k < kMaxWordLength; ++k) diff |= cand[k] ^ word[k];
    std::uint32_t eq = MaskIfZero(diff);
    index |= eq & i;
    found |= eq;
  }
  return found ? static_cast<int>(index) : -1;
}

// The padded word at `index`, reading every entry of the list.
Padded WordConstantTime(std::uint32_t index) {
  Padded out{};
  for (std::uint32_t i = 0; i < 2048; ++i) {
    Padded cand = PadWord(kWords[i]);
    auto mask = static_cast<std::uint8_t>(MaskIfZero(i ^ index));
    for (std::size_t k = 0; k < kMaxWordLength; ++k) out[k] |= cand[k] & mask;
  }
  return out;
}

// The 33 bytes seed || checksum byte.
std::array<std::uint8_t, kSeedBytes + 1> WithChecksum(std::span<const std::uint8_t, kSeedBytes> seed) {
  std::array<std::uint8_t, kSeedBytes + 1> bits{};
  std::uint8_t hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, seed.data(), seed.size());
  std::memcpy(bits.data(), seed.data(), kSeedBytes);
  bits[kSeedBytes] = hash[0];
  sodium_memzero(hash, sizeof hash);
  return bits;
}

// 11-bit group k (0..23) of the 264-bit string, most significant bit first.
std::uint32_t Group11(const std::array<std::uint8_t, kSeedBytes + 1>& bits, std::size_t k) {
  std::uint32_t v = 0;
  for (std::size_t b = 0; b < 11; ++b) {
    std::size_t pos = 11 * k + b;
    v = (v << 1) | ((bits[pos / 8] >> (7 - pos % 8)) & 1);
  }
  return v;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

std::string_view Bip39WordVartime(std::size_t index) { return index < 2048 ? kWords[index] : ""; }

std::string SeedToMnemonic(std::span<const std::uint8_t, kSeedBytes> seed) {
  auto bits = WithChecksum(seed);
  std::string out;
  out.reserve(kMnemonicWords * (kMaxWordLength + 1));
  for (std::size_t k = 0; k < kMnemonicWords; ++k) {
    std::uint32_t index = Group11(bits, k);
    Padded w = WordConstantTime(index);
    if (k > 0) out.push_back(' ');
    for (std::uint8_t ch : w) {
      if (ch != 0) out.push_back(static_cast<char>(ch));
    }
    sodium_memzero(w.data(), w.size());
    sodium_memzero(&index, sizeof index);
  }
  sodium_memzero(bits.data(), bits.size());
  return out;
}

Status MnemonicToSeed(std::string_view phrase, std::array<std::uint8_t, kSeedBytes>* seed) {
  // Split and normalise first, so the word count is reported before any word is judged.
  std::array<Padded, kMnemonicWords> words{};
  std::array<bool, kMnemonicWords> too_long{};
  std::size_t count = 0, i = 0;
  while (i < phrase.size()) {
    while (i < phrase.size() && IsSpace(phrase[i])) ++i;
    if (i == phrase.size()) break;
    std::size_t start = i;
    while (i < phrase.size() && !IsSpace(phrase[i])) ++i;
    if (count < kMnemonicWords) {
      std::size_t len = i - start;
      too_long[count] = len > kMaxWordLength;
      for (std::size_t k = 0; k < len && k < kMaxWordLength; ++k) {
        char c = phrase[start + k];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        words[count][k] = static_cast<std::uint8_t>(c);
      }
    }
    ++count;
  }
  auto wipe = [&] { sodium_memzero(words.data(), sizeof words); };
  if (count != kMnemonicWords) {
    wipe();
    return Status::InvalidArgument("recovery phrase must have 24 words, got " +
                                   std::to_string(count));
  }
  std::array<std::uint8_t, kSeedBytes + 1> bits{};
  for (std::size_t k = 0; k < kMnemonicWords; ++k) {
    int index = LookupConstantTime(words[k]);
    if (index < 0 || too_long[k]) {
      wipe();
      sodium_memzero(bits.data(), bits.size());
      return Status::InvalidArgument("word " + std::to_string(k + 1) +
                                     " of the recovery phrase is not in the BIP-39 English "
                                     "word list");
    }
    for (std::size_t b = 0; b < 11; ++b) {
      std::size_t pos = 11 * k + b;
      auto bit = static_cast<std::uint8_t>((static_cast<unsigned>(index) >> (10 - b)) & 1);
      bits[pos / 8] = static_cast<std::uint8_t>(bits[pos / 8] | (bit << (7 - pos % 8)));
    }
  }
  wipe();
  auto expected = WithChecksum(std::span<const std::uint8_t, kSeedBytes>(bits.data(), kSeedBytes));
  bool ok = expected[kSeedBytes] == bits[kSeedBytes];
  sodium_memzero(expected.data(), expected.size());
  if (!ok) {
    sodium_memzero(bits.data(), bits.size());
    return Status::InvalidArgument(
        "recovery phrase checksum does not match: a word is mistyped or words are out of order");
  }
  std::memcpy(seed->data(), bits.data(), kSeedBytes);
  sodium_memzero(bits.data(), bits.size());
  return Status::Ok();
}

}  // namespace depinfer::shield
