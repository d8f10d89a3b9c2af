// One anonymous, zero-filled memory region for data that is streamed over and over (the packed
// weights), aligned to 2 MiB and asked to be backed by transparent huge pages (MADV_HUGEPAGE;
// this machine's default is "madvise", so without asking there are none).
#pragma once

#include <cstddef>
#include <cstdint>

namespace depinfer::infer {

class PageArena {
 public:
  PageArena() = default;
  explicit PageArena(size_t bytes);  // zero-filled; throws std::bad_alloc if it cannot map
  PageArena(PageArena&& o) noexcept;
  PageArena& operator=(PageArena&& o) noexcept;
  PageArena(const PageArena&) = delete;
  PageArena& operator=(const PageArena&) = delete;
  ~PageArena();

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;    // asked for
  size_t mapped_ = 0;  // mapped (whole huge pages)
};

}  // namespace depinfer::infer
