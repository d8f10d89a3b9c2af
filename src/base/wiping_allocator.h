// An allocator that overwrites memory with zeros before handing it back, for containers that
// hold secrets (a circuit's witness values: note secrets, amounts, keys). Whatever such a
// container frees, when it is destroyed, grows or is assigned to, is wiped instead of staying
// in the heap for the next allocation to read. explicit_bzero (glibc) is not optimised away.
#pragma once

#include <string.h>

#include <cstddef>
#include <memory>
#include <vector>

namespace depinfer {

// `Base` (stateless) gets and frees the memory; tests put one there that checks the wipe.
template <class T, template <class> class Base = std::allocator>
struct WipingAllocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = WipingAllocator<U, Base>;
  };

  WipingAllocator() = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U, Base>&) noexcept {}  // rebinding, as std::allocator

  T* allocate(std::size_t n) { return Base<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    if (p != nullptr) explicit_bzero(p, n * sizeof(T));
    Base<T>().deallocate(p, n);
  }
  friend bool operator==(const WipingAllocator&, const WipingAllocator&) { return true; }
};

// A vector of secrets: every buffer it lets go of is zeroed first.
template <class T>
using WipedVector = std::vector<T, WipingAllocator<T>>;

}  // namespace depinfer
