// The wallet's recovery phrase: 24 words of the BIP-39 English list for a 32-byte seed.
//
// Why BIP-39 words: people already write these down and wallets already check them; 24 words
// carry exactly 256 bits of seed plus an 8-bit checksum (the first byte of SHA-256(seed)), so a
// mistyped or swapped word is caught with probability 255/256 before any key is derived.
//
// The wallet seed IS the 32 bytes of BIP-39 "entropy". We do not run BIP-39's PBKDF2-HMAC-SHA512
// "mnemonic to seed" step and take no passphrase: every key is derived from the 32 bytes with
// BLAKE2b under our own domain strings (shield/keys.h). The same phrase in a Bitcoin wallet
// gives unrelated keys, and a phrase from another wallet restores here only as a different
// Depinfer wallet.
//
// Secrets: the phrase and the seed are secrets. Parsing and printing look every word up by
// scanning the whole list in constant time (no index into the table depends on a secret), local
// copies are wiped, and error messages name only the position of a bad word, never the word.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace depinfer::shield {

inline constexpr std::size_t kSeedBytes = 32;
inline constexpr std::size_t kMnemonicWords = 24;

// The 24 words for `seed`, lowercase, separated by single spaces. The caller owns the string
// and should wipe it (sodium_memzero on its data) when done.
std::string SeedToMnemonic(std::span<const std::uint8_t, kSeedBytes> seed);

// Parses a phrase: words separated by any ASCII whitespace, any case. Errors (seed untouched):
// wrong number of words, a word not in the list (by position), a bad checksum.
Status MnemonicToSeed(std::string_view phrase, std::array<std::uint8_t, kSeedBytes>* seed);

// The BIP-39 English word with this 11-bit index (variable time: public data only, e.g. tests).
std::string_view Bip39WordVartime(std::size_t index);

}  // namespace depinfer::shield
