#include "infer/page_arena.h"

#include <sys/mman.h>

#include <new>
#include <utility>

namespace depinfer::infer {
namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}  // namespace

PageArena::PageArena(size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  // Whole huge pages, at a huge-page boundary: map one more and trim the ends.
  mapped_ = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  const size_t span = mapped_ + kHugePage;
  void* p = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t base = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (base + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > base) ::munmap(p, aligned - base);
  const uintptr_t end = base + span, used = aligned + mapped_;
  if (end > used) ::munmap(reinterpret_cast<void*>(used), end - used);
  data_ = reinterpret_cast<uint8_t*>(aligned);
  // A decode step streams every packed weight once: with 4 KiB pages that is ~30,000 page
  // walks per step, and one core's decode rate rose by a fifth without them (docs/INFER.md).
  // Only advice: where the kernel declines, the memory works the same.
#ifdef MADV_HUGEPAGE
  (void)::madvise(data_, mapped_, MADV_HUGEPAGE);
#endif
}

PageArena::PageArena(PageArena&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
      mapped_(std::exchange(o.mapped_, 0)) {}

PageArena& PageArena::operator=(PageArena&& o) noexcept {
  if (this != &o) {
    if (data_ != nullptr) ::munmap(data_, mapped_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    mapped_ = std::exchange(o.mapped_, 0);
  }
  return *this;
}

PageArena::~PageArena() {
  if (data_ != nullptr) ::munmap(data_, mapped_);
}

}  // namespace depinfer::infer
