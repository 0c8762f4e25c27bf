#pragma once
// The capacity search as a pure decision, with no clock and no I/O: given the outcomes of the
// steps run so far (rate -> pass, fail, or replay itself was the limit), which rate to run next
// and when to stop. Exponential growth from the start rate until a step fails (halving instead
// while nothing has passed), then bisection between the highest passing and the lowest failing
// rate until (fail - pass) / pass <= precision. A step that replay or its client limited ends
// the search with that verdict: no capacity is claimed above a limit of replay's own.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace replay::capacity {

// How one step ended, as the search needs it.
enum class StepResult {
  pass,               // every SLO held, the service kept up
  fail,               // the service failed: an SLO crossed, saturation, not keeping up
  generator_limited,  // replay could not send on time: the service was not judged
  client_limited,     // requests waited for a connection (--max-connections, open files)
};

// "pass", "fail", "generator_limited", "client_limited".
std::string_view step_result_name(StepResult r) noexcept;

struct SearchOptions {
  double start_per_s = 1;   // the first step's rate, > 0
  double precision = 0.05;  // stop when (fail - pass) / pass <= this, > 0
  double growth = 2;        // the factor of the exponential phase, > 1
  size_t max_steps = 20;    // the search ends after this many steps, >= 1
  // While nothing has passed, rates are halved down to this, and no further.
  double min_per_s = 0.1;
};

// Why the search ended (or that it has not).
enum class SearchEnd {
  running,
  capacity_found,     // a pass and a fail bracket the capacity within the precision
  imprecise,          // max_steps ran out with a bracket wider than the precision
  unbounded,          // max_steps ran out before any step failed
  no_pass,            // no step passed, down to min_per_s or max_steps
  generator_limited,  // a step was limited by replay's own sending
  client_limited,     // a step was limited by replay's connections
  stopped,            // stop() was called (Ctrl-C)
};

// "running", "capacity_found", "imprecise", "unbounded", "no_pass", "generator_limited",
// "client_limited", "stopped".
std::string_view search_end_name(SearchEnd e) noexcept;

// One owner, one thread. Usage: while (auto rate = s.next_rate()) s.record(*rate, run(*rate));
class CapacitySearch {
 public:
  // `options` must be valid (see SearchOptions); check_search_options tells why one is not.
  explicit CapacitySearch(SearchOptions options);

  // The rate of the next step; nullopt once the search has ended.
  std::optional<double> next_rate() const;
  // Records the outcome of the step run at `rate_per_s` (normally next_rate()'s), and ends the
  // search when it decides it.
  void record(double rate_per_s, StepResult result);
  // Ends the search now (an interrupted step is not recorded).
  void stop() noexcept { end_ = SearchEnd::stopped; }

  SearchEnd end() const noexcept { return end_; }
  bool done() const noexcept { return end_ != SearchEnd::running; }
  size_t steps() const noexcept { return steps_; }
  // The highest passing and lowest failing rates so far.
  std::optional<double> highest_pass() const noexcept { return highest_pass_; }
  std::optional<double> lowest_fail() const noexcept { return lowest_fail_; }
  // Whether the bracket is within the precision: (fail - pass) / pass <= precision.
  bool bracket_closed() const noexcept;

 private:
  SearchOptions options_;
  size_t steps_ = 0;
  std::optional<double> highest_pass_;
  std::optional<double> lowest_fail_;
  SearchEnd end_ = SearchEnd::running;
};

// Why `options` is not valid, naming the flag a user sets it with; nullopt when valid.
std::optional<std::string_view> check_search_options(const SearchOptions& options);

}  // namespace replay::capacity
