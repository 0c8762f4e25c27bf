#include "replay/capacity/search.hpp"

#include <algorithm>
#include <cmath>

namespace replay::capacity {

std::string_view step_result_name(StepResult r) noexcept {
  switch (r) {
    case StepResult::pass:
      return "pass";
    case StepResult::fail:
      return "fail";
    case StepResult::generator_limited:
      return "generator_limited";
    case StepResult::client_limited:
      return "client_limited";
  }
  return "fail";
}

std::string_view search_end_name(SearchEnd e) noexcept {
  switch (e) {
    case SearchEnd::running:
      return "running";
    case SearchEnd::capacity_found:
      return "capacity_found";
    case SearchEnd::imprecise:
      return "imprecise";
    case SearchEnd::unbounded:
      return "unbounded";
    case SearchEnd::no_pass:
      return "no_pass";
    case SearchEnd::generator_limited:
      return "generator_limited";
    case SearchEnd::client_limited:
      return "client_limited";
    case SearchEnd::stopped:
      return "stopped";
  }
  return "running";
}

std::optional<std::string_view> check_search_options(const SearchOptions& o) {
  if (!(o.start_per_s > 0) || !std::isfinite(o.start_per_s)) {
    return "--start must be a rate above 0/s";
  }
  if (!(o.precision > 0) || !(o.precision < 1)) {
    return "--precision must be above 0% and below 100%";
  }
  if (!(o.growth > 1) || !std::isfinite(o.growth)) return "the growth factor must be above 1";
  if (o.max_steps < 1) return "--max-steps must be 1 or more";
  if (!(o.min_per_s > 0)) return "the lowest rate must be above 0/s";
  return std::nullopt;
}

CapacitySearch::CapacitySearch(SearchOptions options) : options_(options) {}

bool CapacitySearch::bracket_closed() const noexcept {
  if (!highest_pass_ || !lowest_fail_) return false;
  return (*lowest_fail_ - *highest_pass_) / *highest_pass_ <= options_.precision;
}

std::optional<double> CapacitySearch::next_rate() const {
  if (done()) return std::nullopt;
  if (steps_ == 0) return options_.start_per_s;
  if (highest_pass_ && lowest_fail_) return (*highest_pass_ + *lowest_fail_) / 2;
  if (highest_pass_) return *highest_pass_ * options_.growth;
  return std::max(options_.min_per_s, *lowest_fail_ / options_.growth);
}

void CapacitySearch::record(double rate_per_s, StepResult result) {
  if (done()) return;
  ++steps_;
  switch (result) {
    case StepResult::generator_limited:
      end_ = SearchEnd::generator_limited;
      return;
    case StepResult::client_limited:
      end_ = SearchEnd::client_limited;
      return;
    case StepResult::pass:
      // A pass above a failing rate (a noisy service) narrows nothing: the failure stands, as
      // a capacity claimed above a failure would not hold.
      if ((!highest_pass_ || rate_per_s > *highest_pass_) &&
          (!lowest_fail_ || rate_per_s < *lowest_fail_)) {
        highest_pass_ = rate_per_s;
      }
      break;
    case StepResult::fail:
      if (!lowest_fail_ || rate_per_s < *lowest_fail_) lowest_fail_ = rate_per_s;
      // A failure at or below the highest pass: the lower rate passed, the bracket is empty;
      // the pass below stays the capacity and the bracket closes on it.
      if (highest_pass_ && *lowest_fail_ <= *highest_pass_) lowest_fail_ = *highest_pass_;
      break;
  }
  if (bracket_closed()) {
    end_ = SearchEnd::capacity_found;
    return;
  }
  if (!highest_pass_ && lowest_fail_ && *lowest_fail_ <= options_.min_per_s) {
    end_ = SearchEnd::no_pass;
    return;
  }
  if (steps_ >= options_.max_steps) {
    if (highest_pass_ && lowest_fail_) {
      end_ = SearchEnd::imprecise;
    } else if (highest_pass_) {
      end_ = SearchEnd::unbounded;
    } else {
      end_ = SearchEnd::no_pass;
    }
  }
}

}  // namespace replay::capacity
