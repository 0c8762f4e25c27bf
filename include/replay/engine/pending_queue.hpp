#pragma once
// The worker's requests not yet due, earliest intended time first. The feeder hands requests
// over almost always in intended order, so those wait in a FIFO (O(1), sequential memory);
// only the rest (a released session step, a hand-edited unsorted trace) go through a heap.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <queue>
#include <vector>

namespace replay::engine {

// T needs an `int64_t intended_ns` member. Holds pointers; never owns or frees them.
template <class T>
class PendingQueue {
 public:
  bool empty() const { return in_order_.empty() && out_of_order_.empty(); }
  size_t size() const { return in_order_.size() + out_of_order_.size(); }

  void push(T* item) {
    if (in_order_.empty() || in_order_.back()->intended_ns <= item->intended_ns) {
      in_order_.push_back(item);
    } else {
      out_of_order_.push(item);
    }
  }
  // The earliest; the queue must not be empty. Ties go to the FIFO (pushed earlier).
  T* top() const { return take_from_fifo() ? in_order_.front() : out_of_order_.top(); }
  void pop() {
    if (take_from_fifo()) {
      in_order_.pop_front();
    } else {
      out_of_order_.pop();
    }
  }

 private:
  struct LaterFirst {
    bool operator()(const T* a, const T* b) const { return a->intended_ns > b->intended_ns; }
  };

  bool take_from_fifo() const {
    if (out_of_order_.empty()) return true;
    if (in_order_.empty()) return false;
    return in_order_.front()->intended_ns <= out_of_order_.top()->intended_ns;
  }

  std::deque<T*> in_order_;
  std::priority_queue<T*, std::vector<T*>, LaterFirst> out_of_order_;
};

}  // namespace replay::engine
