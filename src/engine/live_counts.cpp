#include "replay/engine/live_counts.hpp"

#include <algorithm>

namespace replay::engine {

void LiveHistogram::record(int64_t us) {
  us = std::max<int64_t>(0, us);
  const auto at = std::lower_bound(kLiveBucketBoundsUs.begin(), kLiveBucketBoundsUs.end(), us);
  ++buckets[static_cast<size_t>(at - kLiveBucketBoundsUs.begin())];
  ++count;
  sum_us += static_cast<uint64_t>(us);
}

void LiveHistogram::merge(const LiveHistogram& other) {
  for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += other.buckets[i];
  count += other.count;
  sum_us += other.sum_us;
}

void LiveRequestCounts::merge(const LiveRequestCounts& other) {
  for (size_t i = 0; i < status_classes.size(); ++i) status_classes[i] += other.status_classes[i];
  failed += other.failed;
}

uint64_t LiveRequestCounts::total() const {
  uint64_t n = failed;
  for (const uint64_t c : status_classes) n += c;
  return n;
}

LiveHistogram& LiveCounts::corrected(uint32_t tag_id) {
  if (corrected_by_tag.size() <= tag_id) corrected_by_tag.resize(tag_id + 1);
  return corrected_by_tag[tag_id];
}

LiveHistogram& LiveCounts::service(uint32_t tag_id) {
  if (service_by_tag.size() <= tag_id) service_by_tag.resize(tag_id + 1);
  return service_by_tag[tag_id];
}

void LiveCounts::merge(const LiveCounts& other) {
  offered += other.offered;
  sent += other.sent;
  for (size_t i = 0; i < failures.size(); ++i) failures[i] += other.failures[i];
  capture_failed += other.capture_failed;
  poll_exhausted += other.poll_exhausted;
  session_aborted += other.session_aborted;
  status_codes.merge(other.status_codes);
  for (const auto& [key, counts] : other.requests) requests[key].merge(counts);
  for (size_t i = 0; i < other.corrected_by_tag.size(); ++i) {
    corrected(static_cast<uint32_t>(i)).merge(other.corrected_by_tag[i]);
  }
  for (size_t i = 0; i < other.service_by_tag.size(); ++i) {
    service(static_cast<uint32_t>(i)).merge(other.service_by_tag[i]);
  }
}

bool LiveCounts::empty() const {
  return offered == 0 && sent == 0 && capture_failed == 0 && poll_exhausted == 0 &&
         session_aborted == 0 && requests.empty();
}

uint64_t LiveCounts::ended() const {
  uint64_t n = 0;
  for (const auto& [key, counts] : requests) n += counts.total();
  return n;
}

uint64_t LiveCounts::failed() const {
  uint64_t n = 0;
  for (const auto& [key, r] : requests) n += r.failed;
  return n;
}

uint64_t LiveCounts::errors() const {
  return failed() + completed_in_class(4) + completed_in_class(5) + capture_failed + poll_exhausted;
}

uint64_t LiveCounts::completed_in_class(size_t status_class) const {
  uint64_t n = 0;
  for (const auto& [key, counts] : requests) n += counts.status_classes[status_class];
  return n;
}

}  // namespace replay::engine
