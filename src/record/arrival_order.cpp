#include "replay/record/arrival_order.hpp"

#include <algorithm>

namespace replay::record {

void ArrivalOrder::admit(std::shared_ptr<PendingRecord> pending) {
  if (!have_first_) {
    have_first_ = true;
    first_arrived_ns_ = pending->arrived_ns;
  }
  const int64_t offset_us =
      pending->arrived_ns > first_arrived_ns_
          ? static_cast<int64_t>((pending->arrived_ns - first_arrived_ns_) / 1000)
          : 0;
  // A request whose body took long to arrive is dispatched after later ones started: keep
  // the trace sorted rather than exact.
  last_offset_us_ = std::max(last_offset_us_, offset_us);
  pending->record.offset_us = last_offset_us_;
  queue_.push_back(std::move(pending));
}

void ArrivalOrder::release(uint64_t now_ns) {
  while (!queue_.empty()) {
    const PendingRecord& front = *queue_.front();
    const bool overdue = now_ns >= front.arrived_ns && now_ns - front.arrived_ns >= window_ns_;
    if (!front.finished && !overdue) return;
    emit_front(now_ns);
  }
}

void ArrivalOrder::release_all(uint64_t now_ns) {
  while (!queue_.empty()) emit_front(now_ns);
}

void ArrivalOrder::emit_front(uint64_t now_ns) {
  std::shared_ptr<PendingRecord> pending = std::move(queue_.front());
  queue_.pop_front();
  pending->released = true;
  if (pending->finished) {
    emit_(std::move(pending->record), false);
    return;
  }
  ++partial_;
  trace::Record copy = pending->record;
  if (copy.response && pending->sent_ns != 0 && now_ns > pending->sent_ns) {
    copy.response->duration_us = static_cast<int64_t>((now_ns - pending->sent_ns) / 1000);
  }
  emit_(std::move(copy), true);
}

}  // namespace replay::record
