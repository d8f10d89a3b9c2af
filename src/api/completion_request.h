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

// Hex BLAKE2b-256 of bytes, and of token ids as little-endian u32 (receipt fields).
std::string Blake2bHex(const std::string& bytes);
std::string TokensHashHex(const std::vector<int32_t>& tokens);

}  // namespace depinfer::api
