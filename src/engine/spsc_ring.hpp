#pragma once
// Bounded single-producer single-consumer ring of pointers: the feeder thread pushes prepared
// requests, one worker thread pops them. Lock-free; no allocation after construction.

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>

namespace replay::engine {

template <class T>
class SpscRing {
 public:
  // `capacity` is rounded up to a power of two.
  explicit SpscRing(size_t capacity) {
    size_t c = 1;
    while (c < capacity) c <<= 1;
    mask_ = c - 1;
    slots_ = std::make_unique<T*[]>(c);
  }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer thread only. False when full (the item is not taken).
  bool try_push(T* item) noexcept {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_cache_ > mask_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail - head_cache_ > mask_) return false;
    }
    slots_[tail & mask_] = item;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Consumer thread only. nullptr when empty.
  T* try_pop() noexcept {
    const size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_cache_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head == tail_cache_) return nullptr;
    }
    T* item = slots_[head & mask_];
    head_.store(head + 1, std::memory_order_release);
    return item;
  }

  // Either thread; exact only when the other side is idle.
  bool empty() const noexcept {
    return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
  }

 private:
  static constexpr size_t kLine = 64;
  std::unique_ptr<T*[]> slots_;
  size_t mask_ = 0;
  alignas(kLine) std::atomic<size_t> head_{0};
  size_t tail_cache_ = 0;  // consumer's view of tail_
  alignas(kLine) std::atomic<size_t> tail_{0};
  size_t head_cache_ = 0;  // producer's view of head_
};

}  // namespace replay::engine
