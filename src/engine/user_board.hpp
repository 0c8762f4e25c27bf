#pragma once
// What the feeder and the workers share about closed-loop users (run --users): how many run
// now, and for each user the sessions handed to its worker and not yet begun. The feeder sets
// the count and hands sessions over; a worker notes each session its user begins (or drops).

#include <atomic>
#include <cstdint>
#include <memory>

namespace replay::engine {

class UserBoard {
 public:
  explicit UserBoard(uint32_t users)
      : size_(users), queued_(std::make_unique<std::atomic<uint32_t>[]>(users)) {}

  uint32_t size() const { return size_; }
  // Users 0..active()-1 run now; the others end with the session they are in.
  uint32_t active() const { return active_.load(std::memory_order_acquire); }
  void set_active(uint32_t users) { active_.store(users, std::memory_order_release); }
  bool retired(uint32_t user) const { return user >= active(); }

  uint32_t queued(uint32_t user) const { return queued_[user].load(std::memory_order_acquire); }
  void session_handed(uint32_t user) { queued_[user].fetch_add(1, std::memory_order_acq_rel); }
  void session_begun(uint32_t user) { queued_[user].fetch_sub(1, std::memory_order_acq_rel); }

  // The session key of a user's steps: nonzero, and spread over the workers as sessions are.
  static uint64_t key_of(uint32_t user) { return (uint64_t{user} + 1) * 0x9e3779b97f4a7c15ULL | 1; }

 private:
  uint32_t size_;
  std::atomic<uint32_t> active_{0};
  std::unique_ptr<std::atomic<uint32_t>[]> queued_;
};

}  // namespace replay::engine
