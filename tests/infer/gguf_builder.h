// Writes small GGUF images in memory so tests can build exactly the file they need.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace depinfer::infer::testing {

class GgufBuilder {
 public:
  explicit GgufBuilder(uint32_t alignment = 32) : alignment_(alignment) {}

  void KvString(const std::string& key, const std::string& value) {
    Key(key, 8);
    Str(&kv_, value);
    ++n_kv_;
  }
  void KvU32(const std::string& key, uint32_t value) { Key(key, 4); Put(&kv_, value); ++n_kv_; }
  void KvI32(const std::string& key, int32_t value) { Key(key, 5); Put(&kv_, value); ++n_kv_; }
  void KvF32(const std::string& key, float value) { Key(key, 6); Put(&kv_, value); ++n_kv_; }
  void KvF64(const std::string& key, double value) { Key(key, 12); Put(&kv_, value); ++n_kv_; }
  void KvU64(const std::string& key, uint64_t value) { Key(key, 10); Put(&kv_, value); ++n_kv_; }
  void KvI64(const std::string& key, int64_t value) { Key(key, 11); Put(&kv_, value); ++n_kv_; }
  void KvU8(const std::string& key, uint8_t value) { Key(key, 0); Put(&kv_, value); ++n_kv_; }
  void KvI8(const std::string& key, int8_t value) { Key(key, 1); Put(&kv_, value); ++n_kv_; }
  void KvU16(const std::string& key, uint16_t value) { Key(key, 2); Put(&kv_, value); ++n_kv_; }
  void KvI16(const std::string& key, int16_t value) { Key(key, 3); Put(&kv_, value); ++n_kv_; }
  void KvBool(const std::string& key, bool value) {
    Key(key, 7);
    Put(&kv_, static_cast<uint8_t>(value));
    ++n_kv_;
  }
  void KvStringArray(const std::string& key, const std::vector<std::string>& values) {
    Key(key, 9);
    Put(&kv_, uint32_t{8});
    Put(&kv_, static_cast<uint64_t>(values.size()));
    for (const auto& v : values) Str(&kv_, v);
    ++n_kv_;
  }
  void KvI32Array(const std::string& key, const std::vector<int32_t>& values) {
    Key(key, 9);
    Put(&kv_, uint32_t{5});
    Put(&kv_, static_cast<uint64_t>(values.size()));
    for (int32_t v : values) Put(&kv_, v);
    ++n_kv_;
  }
  void KvF32Array(const std::string& key, const std::vector<float>& values) {
    Key(key, 9);
    Put(&kv_, uint32_t{6});
    Put(&kv_, static_cast<uint64_t>(values.size()));
    for (float v : values) Put(&kv_, v);
    ++n_kv_;
  }

  // Adds a tensor whose raw bytes are `data` (already in the type's block layout).
  void Tensor(const std::string& name, const std::vector<uint64_t>& dims, uint32_t type,
              const std::vector<uint8_t>& data) {
    while (data_.size() % alignment_ != 0) data_.push_back(0);
    Str(&ti_, name);
    Put(&ti_, static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) Put(&ti_, d);
    Put(&ti_, type);
    Put(&ti_, static_cast<uint64_t>(data_.size()));
    data_.insert(data_.end(), data.begin(), data.end());
    ++n_tensors_;
  }

  std::string Build() const {
    std::vector<uint8_t> out;
    Put(&out, uint32_t{0x46554747});
    Put(&out, uint32_t{3});
    Put(&out, n_tensors_);
    Put(&out, n_kv_);
    out.insert(out.end(), kv_.begin(), kv_.end());
    out.insert(out.end(), ti_.begin(), ti_.end());
    while (out.size() % alignment_ != 0) out.push_back(0);
    out.insert(out.end(), data_.begin(), data_.end());
    return std::string(out.begin(), out.end());
  }

 private:
  template <typename T>
  static void Put(std::vector<uint8_t>* out, T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out->insert(out->end(), b, b + sizeof(T));
  }
  static void Str(std::vector<uint8_t>* out, const std::string& s) {
    Put(out, static_cast<uint64_t>(s.size()));
    out->insert(out->end(), s.begin(), s.end());
  }
  void Key(const std::string& key, uint32_t type) {
    Str(&kv_, key);
    Put(&kv_, type);
  }

  uint32_t alignment_;
  uint64_t n_kv_ = 0, n_tensors_ = 0;
  std::vector<uint8_t> kv_, ti_, data_;
};

}  // namespace depinfer::infer::testing
