// Turning an OpenAI completion request body into the engine's GenerateRequest.
//
// The provider and the auditor must derive exactly the same prompt tokens and sampling settings
// from the same request bytes, or no audit could ever match; so both call this one function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infer/generate.h"

namespace depinfer::api {

// `chat`: /v1/chat/completions (messages through the model's chat template, special tokens
// parsed) or /v1/completions (a plain-text prompt). `max_tokens_cap` bounds max_tokens.
// Fails with a message fit for a 400 response.
infer::Result<infer::GenerateRequest> BuildGenerateRequest(const nlohmann::json& body, bool chat,
                                                           const infer::Model& model,
                                                           const infer::Tokenizer& tok,
                                                           int max_tokens_cap);

// `n`: how many choices a request asks for. Each choice is its own sequence in the batch.
constexpr int kMaxChoices = 8;
// The request's `n` (absent or null: 1), or why it is refused. BuildGenerateRequest checks it too.
infer::Result<int> ChoiceCount(const nlohmann::json& body);

// The seed choice `choice` samples with. Choice 0 uses the request's seed, so n = 1 is exactly a
// request without n; choice i > 0 uses the first 8 bytes, little-endian, of
//   BLAKE2b-256("depinfer/choice-seed/v1" || seed as u64 LE || i as u32 LE)
// with the top bit cleared, so that it is itself a valid `seed` (a request with n = 1 and that
// seed gets exactly choice i). Provider and auditor both call this; receipts record the result.
uint64_t ChoiceSeed(uint64_t seed, int choice);
// `base` (BuildGenerateRequest's result, choice 0) as choice `choice` runs it.
infer::GenerateRequest ForChoice(infer::GenerateRequest base, int choice);

// Hex BLAKE2b-256 of bytes, and of token ids as little-endian u32 (receipt fields).
std::string Blake2bHex(const std::string& bytes);
std::string TokensHashHex(const std::vector<int32_t>& tokens);

}  // namespace depinfer::api
