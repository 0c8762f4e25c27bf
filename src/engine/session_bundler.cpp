#include "session_bundler.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace replay::engine {
namespace {

constexpr uint64_t kIdleCheckEvery = 256;  // records between looks for idle sessions

}  // namespace

void SessionBundler::add(const SourceItem& item) {
  RequestPtr request = make_request(item);
  ++held_steps_;
  if (item.session_hash == 0) {
    request->session_start = true;
    Bundle alone;
    alone.push_back(std::move(request));
    ready_.push_back(std::move(alone));
  } else {
    auto [it, opened] = open_.try_emplace(item.session_hash);
    Open& session = it->second;
    if (opened) {
      request->session_start = true;
      opened_order_.push_back(item.session_hash);
    } else {
      const int64_t gap_us = std::max<int64_t>(0, item.offset_us - session.last_offset_us);
      request->think_ns =
          static_cast<int64_t>(std::llround(static_cast<double>(gap_us) * 1000.0 / speed_));
    }
    session.last_offset_us = item.offset_us;
    session.steps.push_back(std::move(request));
    ++open_steps_;
    if (item.session_end) complete(item.session_hash);
  }
  forget_completed_in_order();
  if (++adds_ % kIdleCheckEvery == 0) complete_idle(item.offset_us);
  while (open_steps_ > kMaxHeldSteps && !opened_order_.empty()) {
    const uint64_t oldest = opened_order_.front();
    opened_order_.pop_front();
    if (open_.count(oldest)) {
      ++sessions_cut_;
      complete(oldest);
    }
  }
}

void SessionBundler::end_pass() {
  for (uint64_t hash : opened_order_) {
    if (open_.count(hash)) complete(hash);
  }
  opened_order_.clear();
}

SessionBundler::Bundle SessionBundler::take() {
  Bundle bundle = std::move(ready_.front());
  ready_.pop_front();
  held_steps_ -= bundle.size();
  return bundle;
}

void SessionBundler::complete(uint64_t session_hash) {
  auto it = open_.find(session_hash);
  open_steps_ -= it->second.steps.size();
  ready_.push_back(std::move(it->second.steps));
  open_.erase(it);
}

void SessionBundler::complete_idle(int64_t now_offset_us) {
  std::unordered_set<uint64_t> idle;
  for (const auto& [hash, session] : open_) {
    if (now_offset_us - session.last_offset_us > kIdleUs) idle.insert(hash);
  }
  if (idle.empty()) return;
  // In the order they opened, so that bundles come out in the trace's order.
  for (uint64_t hash : opened_order_) {
    if (idle.erase(hash) && open_.count(hash)) complete(hash);
  }
  forget_completed_in_order();
}

void SessionBundler::forget_completed_in_order() {
  while (!opened_order_.empty() && !open_.count(opened_order_.front())) opened_order_.pop_front();
  // Sessions completed behind a long one that is still open: dropped once they outnumber the
  // open ones, so the order takes memory in proportion to the open sessions.
  if (opened_order_.size() > 4 * open_.size() + 1024) {
    std::erase_if(opened_order_, [&](uint64_t hash) { return !open_.count(hash); });
  }
}

}  // namespace replay::engine
