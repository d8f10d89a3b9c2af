#include "infer/gguf.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace depinfer::infer {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr uint32_t kMaxDims = 4;         // GGML_MAX_DIMS
// Caps that keep a hostile header from making us allocate without bound; real files are far
// below them (SmolLM2 has 33 keys, 272 tensors, a 49152-entry vocabulary).
constexpr uint64_t kMaxKeys = 1 << 20;
constexpr uint64_t kMaxTensors = 1 << 20;
constexpr uint32_t kMaxArrayDepth = 2;

// Bounds-checked little-endian cursor over the file image. Each read fails (sets a message and
// returns false) rather than running past the end.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }

  template <typename T>
  bool Read(T* out, const char* what) {
    if (remaining() < sizeof(T)) return Fail(what, sizeof(T));
    std::memcpy(out, data_ + pos_, sizeof(T));  // x86 and aarch64 are little-endian
    pos_ += sizeof(T);
    return true;
  }

  bool ReadString(std::string* out, const char* what) {
    uint64_t len = 0;
    if (!Read(&len, what)) return false;
    if (len > remaining()) return Fail(what, len);
    out->assign(reinterpret_cast<const char*>(data_ + pos_), len);
    pos_ += len;
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool Fail(const char* what, uint64_t need) {
    error_ = std::string("truncated file: ") + what + " needs " + std::to_string(need) +
             " bytes at offset " + std::to_string(pos_) + ", only " +
             std::to_string(remaining()) + " left";
    return false;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string error_;
};

// Smallest encoded size of one value of `type`, used to bound array counts before allocating.
uint64_t MinEncodedSize(GgufType type) {
  switch (type) {
    case GgufType::kUint8: case GgufType::kInt8: case GgufType::kBool: return 1;
    case GgufType::kUint16: case GgufType::kInt16: return 2;
    case GgufType::kUint32: case GgufType::kInt32: case GgufType::kFloat32: return 4;
    case GgufType::kUint64: case GgufType::kInt64: case GgufType::kFloat64: return 8;
    case GgufType::kString: return 8;
    case GgufType::kArray: return 12;
  }
  return 1;
}

bool ValidType(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::kFloat64); }

// Reads one value of `type` into `v`; `depth` limits nested arrays.
Status ReadValue(Cursor* c, GgufType type, uint32_t depth, const std::string& key, GgufValue* v) {
  v->type = type;
  const char* what = "metadata value";
  bool ok = true;
  switch (type) {
    case GgufType::kUint8: { uint8_t x = 0; ok = c->Read(&x, what); v->u = x; break; }
    case GgufType::kInt8: { int8_t x = 0; ok = c->Read(&x, what); v->i = x; break; }
    case GgufType::kUint16: { uint16_t x = 0; ok = c->Read(&x, what); v->u = x; break; }
    case GgufType::kInt16: { int16_t x = 0; ok = c->Read(&x, what); v->i = x; break; }
    case GgufType::kUint32: { uint32_t x = 0; ok = c->Read(&x, what); v->u = x; break; }
    case GgufType::kInt32: { int32_t x = 0; ok = c->Read(&x, what); v->i = x; break; }
    case GgufType::kUint64: { uint64_t x = 0; ok = c->Read(&x, what); v->u = x; break; }
    case GgufType::kInt64: { int64_t x = 0; ok = c->Read(&x, what); v->i = x; break; }
    case GgufType::kFloat32: { float x = 0; ok = c->Read(&x, what); v->f = x; break; }
    case GgufType::kFloat64: { double x = 0; ok = c->Read(&x, what); v->f = x; break; }
    case GgufType::kBool: {
      uint8_t x = 0;
      ok = c->Read(&x, what);
      if (ok && x > 1) return Status::Error("key " + key + ": bool value " + std::to_string(x));
      v->u = x;
      break;
    }
    case GgufType::kString: ok = c->ReadString(&v->s, what); break;
    case GgufType::kArray: {
      if (depth >= kMaxArrayDepth) return Status::Error("key " + key + ": arrays nested too deep");
      uint32_t elem_type = 0;
      uint64_t count = 0;
      if (!c->Read(&elem_type, "array type") || !c->Read(&count, "array length")) break;
      if (!ValidType(elem_type)) {
        return Status::Error("key " + key + ": unknown array element type " +
                             std::to_string(elem_type));
      }
      v->array_type = static_cast<GgufType>(elem_type);
      if (count > c->remaining() / MinEncodedSize(v->array_type)) {
        return Status::Error("key " + key + ": array of " + std::to_string(count) +
                             " elements does not fit in the file");
      }
      v->array.resize(count);
      for (uint64_t k = 0; k < count; ++k) {
        DEPINFER_RETURN_IF_ERROR(ReadValue(c, v->array_type, depth + 1, key, &v->array[k]));
      }
      return Status::Ok();
    }
  }
  if (!ok || !c->error().empty()) return Status::Error("key " + key + ": " + c->error());
  return Status::Ok();
}

bool MulOverflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

}  // namespace

const char* GgufTypeName(GgufType type) {
  static const char* const kNames[] = {"uint8", "int8", "uint16", "int16", "uint32",
                                       "int32", "float32", "bool", "string", "array",
                                       "uint64", "int64", "float64"};
  auto t = static_cast<uint32_t>(type);
  return t < sizeof(kNames) / sizeof(kNames[0]) ? kNames[t] : "unknown";
}

const TensorTypeTraits* GetTensorTypeTraits(uint32_t type) {
  // Block sizes from ggml's type table (ggml.c, type_traits).
  static const TensorTypeTraits kF32{"F32", 1, 4}, kF16{"F16", 1, 2}, kQ4_0{"Q4_0", 32, 18},
      kQ4_1{"Q4_1", 32, 20}, kQ5_0{"Q5_0", 32, 22}, kQ5_1{"Q5_1", 32, 24},
      kQ8_0{"Q8_0", 32, 34}, kQ8_1{"Q8_1", 32, 36}, kQ2_K{"Q2_K", 256, 84},
      kQ3_K{"Q3_K", 256, 110}, kQ4_K{"Q4_K", 256, 144}, kQ5_K{"Q5_K", 256, 176},
      kQ6_K{"Q6_K", 256, 210}, kQ8_K{"Q8_K", 256, 292}, kI8{"I8", 1, 1}, kI16{"I16", 1, 2},
      kI32{"I32", 1, 4}, kI64{"I64", 1, 8}, kF64{"F64", 1, 8}, kBF16{"BF16", 1, 2},
      kIQ2_XXS{"IQ2_XXS", 256, 66}, kIQ2_XS{"IQ2_XS", 256, 74}, kIQ3_XXS{"IQ3_XXS", 256, 98},
      kIQ1_S{"IQ1_S", 256, 50}, kIQ4_NL{"IQ4_NL", 32, 18}, kIQ3_S{"IQ3_S", 256, 110},
      kIQ2_S{"IQ2_S", 256, 82}, kIQ4_XS{"IQ4_XS", 256, 136}, kIQ1_M{"IQ1_M", 256, 56},
      kTQ1_0{"TQ1_0", 256, 54}, kTQ2_0{"TQ2_0", 256, 66}, kMXFP4{"MXFP4", 32, 17};
  switch (static_cast<TensorType>(type)) {
    case TensorType::kF32: return &kF32;
    case TensorType::kF16: return &kF16;
    case TensorType::kQ4_0: return &kQ4_0;
    case TensorType::kQ4_1: return &kQ4_1;
    case TensorType::kQ5_0: return &kQ5_0;
    case TensorType::kQ5_1: return &kQ5_1;
    case TensorType::kQ8_0: return &kQ8_0;
    case TensorType::kQ8_1: return &kQ8_1;
    case TensorType::kQ2_K: return &kQ2_K;
    case TensorType::kQ3_K: return &kQ3_K;
    case TensorType::kQ4_K: return &kQ4_K;
    case TensorType::kQ5_K: return &kQ5_K;
    case TensorType::kQ6_K: return &kQ6_K;
    case TensorType::kQ8_K: return &kQ8_K;
    case TensorType::kI8: return &kI8;
    case TensorType::kI16: return &kI16;
    case TensorType::kI32: return &kI32;
    case TensorType::kI64: return &kI64;
    case TensorType::kF64: return &kF64;
    case TensorType::kBF16: return &kBF16;
    case TensorType::kIQ2_XXS: return &kIQ2_XXS;
    case TensorType::kIQ2_XS: return &kIQ2_XS;
    case TensorType::kIQ3_XXS: return &kIQ3_XXS;
    case TensorType::kIQ1_S: return &kIQ1_S;
    case TensorType::kIQ4_NL: return &kIQ4_NL;
    case TensorType::kIQ3_S: return &kIQ3_S;
    case TensorType::kIQ2_S: return &kIQ2_S;
    case TensorType::kIQ4_XS: return &kIQ4_XS;
    case TensorType::kIQ1_M: return &kIQ1_M;
    case TensorType::kTQ1_0: return &kTQ1_0;
    case TensorType::kTQ2_0: return &kTQ2_0;
    case TensorType::kMXFP4: return &kMXFP4;
  }
  return nullptr;
}

uint64_t GgufTensor::rows() const {
  uint64_t r = 1;
  for (size_t d = 1; d < dims.size(); ++d) r *= dims[d];
  return r;
}

Result<std::unique_ptr<GgufFile>> GgufFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = Status::Error(path + ": " + std::strerror(errno));
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(path + ": not a regular file");
  }
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->size_ = static_cast<size_t>(st.st_size);
  if (file->size_ > 0) {
    void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      Status s = Status::Error(path + ": mmap: " + std::strerror(errno));
      ::close(fd);
      return s;
    }
    file->base_ = static_cast<const uint8_t*>(p);
    file->mapped_ = true;
  }
  ::close(fd);  // the mapping keeps the file alive
  Status s = file->Parse();
  if (!s.ok()) return Status::Error(path + ": " + s.message());
  return file;
}

Result<std::unique_ptr<GgufFile>> GgufFile::FromBytes(std::string_view bytes) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->owned_.assign(bytes.begin(), bytes.end());
  file->base_ = file->owned_.data();
  file->size_ = file->owned_.size();
  Status s = file->Parse();
  if (!s.ok()) return s;
  return file;
}

void GgufFile::Release(const uint8_t* p, size_t n) const {
  if (!mapped_ || p < base_ || p + n > base_ + size_) return;
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t from = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
  const uintptr_t to = (reinterpret_cast<uintptr_t>(p) + n) & ~(page - 1);
  // A read-only private mapping has no modified pages: dropping them loses nothing.
  if (from < to) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
}

GgufFile::~GgufFile() {
  if (mapped_ && base_ != nullptr) ::munmap(const_cast<uint8_t*>(base_), size_);
}

Status GgufFile::Parse() {
  Cursor c(base_, size_);
  uint32_t magic = 0;
  uint64_t n_tensors = 0, n_kv = 0;
  if (!c.Read(&magic, "magic")) return Status::Error(c.error());
  if (magic != kMagic) return Status::Error("not a GGUF file (bad magic)");
  if (!c.Read(&version_, "version")) return Status::Error(c.error());
  if (version_ != 3) {
    return Status::Error("unsupported GGUF version " + std::to_string(version_) +
                         " (only version 3 is read)");
  }
  if (!c.Read(&n_tensors, "tensor count") || !c.Read(&n_kv, "metadata count")) {
    return Status::Error(c.error());
  }
  if (n_kv > kMaxKeys) return Status::Error("metadata count " + std::to_string(n_kv) + " too large");
  if (n_tensors > kMaxTensors) {
    return Status::Error("tensor count " + std::to_string(n_tensors) + " too large");
  }

  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key;
    uint32_t type = 0;
    if (!c.ReadString(&key, "metadata key") || !c.Read(&type, "metadata type")) {
      return Status::Error(c.error());
    }
    if (!ValidType(type)) {
      return Status::Error("key " + key + ": unknown value type " + std::to_string(type));
    }
    GgufValue value;
    DEPINFER_RETURN_IF_ERROR(ReadValue(&c, static_cast<GgufType>(type), 0, key, &value));
    if (!metadata_.emplace(key, std::move(value)).second) {
      return Status::Error("duplicate metadata key " + key);
    }
  }

  if (const GgufValue* a = Find("general.alignment")) {
    if (a->type != GgufType::kUint32) return Status::Error("general.alignment is not uint32");
    if (a->u == 0 || (a->u & (a->u - 1)) != 0) {
      return Status::Error("general.alignment " + std::to_string(a->u) + " is not a power of two");
    }
    alignment_ = a->u;
  }

  tensors_.resize(n_tensors);
  for (uint64_t t = 0; t < n_tensors; ++t) {
    GgufTensor& ti = tensors_[t];
    uint32_t n_dims = 0, type = 0;
    if (!c.ReadString(&ti.name, "tensor name") || !c.Read(&n_dims, "tensor dims")) {
      return Status::Error(c.error());
    }
    if (n_dims == 0 || n_dims > kMaxDims) {
      return Status::Error("tensor " + ti.name + ": " + std::to_string(n_dims) + " dimensions");
    }
    ti.dims.resize(n_dims);
    for (uint32_t d = 0; d < n_dims; ++d) {
      if (!c.Read(&ti.dims[d], "tensor dim")) return Status::Error(c.error());
    }
    if (!c.Read(&type, "tensor type") || !c.Read(&ti.offset, "tensor offset")) {
      return Status::Error(c.error());
    }
    const TensorTypeTraits* traits = GetTensorTypeTraits(type);
    if (traits == nullptr) {
      return Status::Error("tensor " + ti.name + ": unknown tensor type " + std::to_string(type));
    }
    ti.type = static_cast<TensorType>(type);
    ti.n_elements = 1;
    for (uint64_t d : ti.dims) {
      if (d == 0 || MulOverflows(ti.n_elements, d, &ti.n_elements)) {
        return Status::Error("tensor " + ti.name + ": bad shape");
      }
    }
    if (ti.dims[0] % traits->block_elems != 0) {
      return Status::Error("tensor " + ti.name + ": row of " + std::to_string(ti.dims[0]) +
                           " elements is not a whole number of " + traits->name + " blocks");
    }
    if (MulOverflows(ti.n_elements / traits->block_elems, traits->block_bytes, &ti.n_bytes)) {
      return Status::Error("tensor " + ti.name + ": size overflows");
    }
    if (ti.offset % alignment_ != 0) {
      return Status::Error("tensor " + ti.name + ": offset " + std::to_string(ti.offset) +
                           " is not aligned to " + std::to_string(alignment_));
    }
    if (!tensor_index_.emplace(ti.name, t).second) {
      return Status::Error("duplicate tensor name " + ti.name);
    }
  }

  // The data section starts at the next multiple of the alignment after the header.
  uint64_t header_end = c.pos();
  data_offset_ = (header_end + alignment_ - 1) / alignment_ * alignment_;
  // A file without tensors (a vocabulary-only file, as llama.cpp's tokenizer tests ship) has
  // no data section, and writers leave out the padding before it.
  if (tensors_.empty() && data_offset_ > size_) data_offset_ = size_;
  if (data_offset_ > size_) {
    return Status::Error("truncated file: data section starts at " + std::to_string(data_offset_) +
                         " but the file has " + std::to_string(size_) + " bytes");
  }
  const uint64_t data_size = size_ - data_offset_;
  for (GgufTensor& ti : tensors_) {
    if (ti.offset > data_size || ti.n_bytes > data_size - ti.offset) {
      return Status::Error("tensor " + ti.name + ": data [" + std::to_string(ti.offset) + ", +" +
                           std::to_string(ti.n_bytes) + ") runs past the end of the file (" +
                           std::to_string(data_size) + " data bytes); file truncated?");
    }
    ti.data = base_ + data_offset_ + ti.offset;
  }
  // Tensors must not overlap: a file where two tensors share bytes is inconsistent.
  std::vector<const GgufTensor*> by_offset;
  for (const GgufTensor& ti : tensors_) by_offset.push_back(&ti);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const GgufTensor* a, const GgufTensor* b) { return a->offset < b->offset; });
  for (size_t k = 1; k < by_offset.size(); ++k) {
    const GgufTensor* prev = by_offset[k - 1];
    if (prev->offset + prev->n_bytes > by_offset[k]->offset) {
      return Status::Error("tensors " + prev->name + " and " + by_offset[k]->name + " overlap");
    }
  }
  return Status::Ok();
}

const GgufValue* GgufFile::Find(const std::string& key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? nullptr : &it->second;
}

namespace {
Status WrongType(const std::string& key, const GgufValue& v, const char* want) {
  return Status::Error("metadata " + key + " is " + GgufTypeName(v.type) + ", expected " + want);
}
Status Missing(const std::string& key) { return Status::Error("metadata " + key + " is missing"); }
bool IsUnsigned(GgufType t) {
  return t == GgufType::kUint8 || t == GgufType::kUint16 || t == GgufType::kUint32 ||
         t == GgufType::kUint64;
}
bool IsSigned(GgufType t) {
  return t == GgufType::kInt8 || t == GgufType::kInt16 || t == GgufType::kInt32 ||
         t == GgufType::kInt64;
}
}  // namespace

Result<std::string> GgufFile::GetString(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(key);
  if (v->type != GgufType::kString) return WrongType(key, *v, "string");
  return v->s;
}

Result<uint64_t> GgufFile::GetUint(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(key);
  if (IsUnsigned(v->type)) return v->u;
  if (IsSigned(v->type)) {
    if (v->i < 0) return Status::Error("metadata " + key + " is negative");
    return static_cast<uint64_t>(v->i);
  }
  return WrongType(key, *v, "integer");
}

Result<double> GgufFile::GetFloat(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(key);
  if (v->type != GgufType::kFloat32 && v->type != GgufType::kFloat64) {
    return WrongType(key, *v, "float");
  }
  return v->f;
}

Result<bool> GgufFile::GetBool(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(key);
  if (v->type != GgufType::kBool) return WrongType(key, *v, "bool");
  return v->u != 0;
}

Result<std::vector<std::string>> GgufFile::GetStringArray(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(key);
  if (v->type != GgufType::kArray || v->array_type != GgufType::kString) {
    return WrongType(key, *v, "array of string");
  }
  std::vector<std::string> out;
  out.reserve(v->array.size());
  for (const GgufValue& e : v->array) out.push_back(e.s);
  return out;
}

Result<std::vector<int64_t>> GgufFile::GetIntArray(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(key);
  if (v->type != GgufType::kArray ||
      !(IsSigned(v->array_type) || IsUnsigned(v->array_type))) {
    return WrongType(key, *v, "array of integer");
  }
  std::vector<int64_t> out;
  out.reserve(v->array.size());
  for (const GgufValue& e : v->array) {
    out.push_back(IsSigned(e.type) ? e.i : static_cast<int64_t>(e.u));
  }
  return out;
}

Result<std::vector<float>> GgufFile::GetFloatArray(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(key);
  if (v->type != GgufType::kArray ||
      (v->array_type != GgufType::kFloat32 && v->array_type != GgufType::kFloat64)) {
    return WrongType(key, *v, "array of float");
  }
  std::vector<float> out;
  out.reserve(v->array.size());
  for (const GgufValue& e : v->array) out.push_back(static_cast<float>(e.f));
  return out;
}

const GgufTensor* GgufFile::FindTensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

std::string GgufFile::Sha256Hex() const {
  if (sodium_init() < 0) return std::string();
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  constexpr size_t kChunk = 1 << 20;  // stream so a cold mapping is read once, in order
  for (size_t off = 0; off < size_; off += kChunk) {
    size_t n = std::min(kChunk, size_ - off);
    crypto_hash_sha256_update(&st, base_ + off, n);
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, digest);
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  return std::string(hex);
}

}  // namespace depinfer::infer
