#pragma once
// The worker's requests not yet due, earliest intended time first, owned by the queue. The
// feeder hands requests over almost always in intended order, so those wait in a FIFO (O(1),
// sequential memory); only the rest (a released session step, a hand-edited unsorted trace)
// go through a heap.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace replay::engine {

// T needs an `int64_t intended_ns` member.
template <class T>
class PendingQueue {
 public:
  bool empty() const { return in_order_.empty() && out_of_order_.empty(); }
  size_t size() const { return in_order_.size() + out_of_order_.size(); }

  void push(std::unique_ptr<T> item) {
    if (in_order_.empty() || in_order_.back()->intended_ns <= item->intended_ns) {
      in_order_.push_back(std::move(item));
    } else {
      out_of_order_.push_back(std::move(item));
      std::push_heap(out_of_order_.begin(), out_of_order_.end(), LaterFirst{});
    }
  }
  // The earliest; the queue must not be empty. Ties go to the FIFO (pushed earlier).
  const T& top() const { return take_from_fifo() ? *in_order_.front() : *out_of_order_.front(); }
  // Removes the earliest and hands it over.
  std::unique_ptr<T> pop() {
    std::unique_ptr<T> out;
    if (take_from_fifo()) {
      out = std::move(in_order_.front());
      in_order_.pop_front();
    } else {
      std::pop_heap(out_of_order_.begin(), out_of_order_.end(), LaterFirst{});
      out = std::move(out_of_order_.back());
      out_of_order_.pop_back();
    }
    return out;
  }
  void clear() {
    in_order_.clear();
    out_of_order_.clear();
  }

 private:
  struct LaterFirst {
    bool operator()(const std::unique_ptr<T>& a, const std::unique_ptr<T>& b) const {
      return a->intended_ns > b->intended_ns;
    }
  };

  bool take_from_fifo() const {
    if (out_of_order_.empty()) return true;
    if (in_order_.empty()) return false;
    return in_order_.front()->intended_ns <= out_of_order_.front()->intended_ns;
  }

  std::deque<std::unique_ptr<T>> in_order_;
  std::vector<std::unique_ptr<T>> out_of_order_;  // a min-heap on intended_ns
};

}  // namespace replay::engine
