// GGUF v3 reader: metadata, tensor table and memory-mapped tensor data.
//
// Format (facts from ggml's docs/gguf.md): little-endian header
//   "GGUF" u32 version, u64 tensor_count, u64 kv_count,
//   kv_count x { string key, u32 value_type, value },
//   tensor_count x { string name, u32 n_dims, u64 dims[n_dims], u32 ggml_type, u64 offset },
// then padding to `general.alignment` (default 32), then the tensor data section. A string is
// u64 length + bytes (no terminator); an array is u32 element type, u64 count, elements.
//
// Every length, count and offset is checked against the file size before use, so a truncated or
// inconsistent file yields a Status naming the field at fault, never an out-of-bounds read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "infer/status.h"

namespace depinfer::infer {

// Metadata value types (gguf_type in ggml).
enum class GgufType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6,
  kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};
const char* GgufTypeName(GgufType type);

// Tensor element types (ggml_type numbering). Only the ones whose storage size we know are
// listed; the reader rejects others because it cannot bounds-check them.
enum class TensorType : uint32_t {
  kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ8_1 = 9,
  kQ2_K = 10, kQ3_K = 11, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kQ8_K = 15,
  kIQ2_XXS = 16, kIQ2_XS = 17, kIQ3_XXS = 18, kIQ1_S = 19, kIQ4_NL = 20, kIQ3_S = 21,
  kIQ2_S = 22, kIQ4_XS = 23, kI8 = 24, kI16 = 25, kI32 = 26, kI64 = 27, kF64 = 28,
  kIQ1_M = 29, kBF16 = 30, kTQ1_0 = 34, kTQ2_0 = 35, kMXFP4 = 39,
};

struct TensorTypeTraits {
  const char* name;
  uint32_t block_elems;  // elements per block (1 for plain types)
  uint32_t block_bytes;  // bytes per block
};
// Returns nullptr for a type number the reader does not know.
const TensorTypeTraits* GetTensorTypeTraits(uint32_t type);

// One metadata value. Scalars live in the matching field; arrays hold their elements (all of
// `array_type`) in `array`.
struct GgufValue {
  GgufType type = GgufType::kUint8;
  uint64_t u = 0;       // unsigned integer types and bool
  int64_t i = 0;        // signed integer types
  double f = 0;         // float types
  std::string s;        // kString
  GgufType array_type = GgufType::kUint8;
  std::vector<GgufValue> array;
};

struct GgufTensor {
  std::string name;
  std::vector<uint64_t> dims;  // dims[0] is the contiguous (row) dimension
  TensorType type = TensorType::kF32;
  uint64_t offset = 0;         // relative to the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // points into the mapping; valid while the GgufFile lives

  uint64_t rows() const;  // product of dims[1..]
};

class GgufFile {
 public:
  // Maps `path` and parses it. The mapping stays open for the life of the object.
  static Result<std::unique_ptr<GgufFile>> Open(const std::string& path);
  // Parses an in-memory image (used by tests); the bytes are copied.
  static Result<std::unique_ptr<GgufFile>> FromBytes(std::string_view bytes);

  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  size_t size() const { return size_; }
  const uint8_t* bytes() const { return base_; }

  const std::map<std::string, GgufValue>& metadata() const { return metadata_; }
  const GgufValue* Find(const std::string& key) const;

  // Typed lookups: fail if the key is missing or holds another type. Integer getters accept any
  // integer type whose value fits.
  Result<std::string> GetString(const std::string& key) const;
  Result<uint64_t> GetUint(const std::string& key) const;
  Result<double> GetFloat(const std::string& key) const;  // float32 or float64
  Result<bool> GetBool(const std::string& key) const;
  Result<std::vector<std::string>> GetStringArray(const std::string& key) const;
  Result<std::vector<int64_t>> GetIntArray(const std::string& key) const;
  Result<std::vector<float>> GetFloatArray(const std::string& key) const;

  const std::vector<GgufTensor>& tensors() const { return tensors_; }
  const GgufTensor* FindTensor(const std::string& name) const;

  // SHA-256 of the whole file, hex encoded, hashed in chunks (libsodium).
  std::string Sha256Hex() const;

  // Says that [p, p + n) of the mapped file will rarely be read: its whole pages leave the
  // process's resident memory and are read from the file again if touched. For tensors the
  // engine keeps a packed copy of. No effect on a file held in memory (FromBytes).
  void Release(const uint8_t* p, size_t n) const;

 private:
  GgufFile() = default;
  Status Parse();

  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;           // true: munmap base_; false: base_ points into owned_
  std::vector<uint8_t> owned_;

  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::map<std::string, GgufValue> metadata_;
  std::vector<GgufTensor> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

}  // namespace depinfer::infer
