// FloatVector: the growable float32 array that vectors are parsed into,
// stored in, and read out of.
//
// It is a std::vector<float> whose resize() leaves new elements
// uninitialized instead of zeroing them: every caller grows it only to write
// the new elements at once (a parser's next floats, a stored vector's bytes),
// and zeroing them first cost 2% of an export's CPU and as much again of a
// parse. Everything else (value-initialization with resize(n, 0.0f),
// push_back, insert, comparisons between FloatVectors) is std::vector's;
// but insert copies a range float by float rather than with memmove, so
// floats that may be unaligned (in a file's bytes) are copied in with
// AppendFloatBytes.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace tributary {

// An allocator that default-initializes what it is asked to value-initialize:
// construct(p) with no arguments is `new (p) T`, which leaves a float as it
// was. Construction with arguments is std::allocator's.
template <typename T>
class DefaultInitAllocator : public std::allocator<T> {
 public:
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };

  DefaultInitAllocator() noexcept = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}  // NOLINT: converting, as std::allocator

  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using FloatVector = std::vector<float, DefaultInitAllocator<float>>;

// Appends the `count` float32 values (native byte order) at `bytes`, which
// need not be aligned for float, with one memcpy.
inline void AppendFloatBytes(FloatVector* v, const void* bytes, size_t count) {
  const size_t old = v->size();
  v->resize(old + count);
  if (count != 0) std::memcpy(v->data() + old, bytes, count * sizeof(float));
}

}  // namespace tributary
