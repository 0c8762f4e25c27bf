// The capacity search against fake services (a function of rate): the rates it tries, where it
// stops, and that replay's own limits end it without a capacity. No clock, no sleeps.

#include <doctest/doctest.h>

#include <functional>
#include <vector>

#include "replay/capacity/search.hpp"

using namespace replay::capacity;

namespace {

struct Run {
  std::vector<double> rates;
  CapacitySearch search;
};

Run run_search(SearchOptions options, const std::function<StepResult(double)>& service) {
  Run run{{}, CapacitySearch(options)};
  for (int guard = 0; guard < 1000; ++guard) {
    auto rate = run.search.next_rate();
    if (!rate) break;
    run.rates.push_back(*rate);
    run.search.record(*rate, service(*rate));
  }
  return run;
}

std::function<StepResult(double)> capacity_of(double capacity) {
  return [capacity](double rate) { return rate <= capacity ? StepResult::pass : StepResult::fail; };
}

}  // namespace

TEST_CASE("exponential growth from the start, then bisection to the precision") {
  auto run = run_search({.start_per_s = 100}, capacity_of(400));
  CHECK(run.rates == std::vector<double>{100, 200, 400, 800, 600, 500, 450, 425, 412.5});
  CHECK(run.search.end() == SearchEnd::capacity_found);
  CHECK(*run.search.highest_pass() == 400);
  CHECK(*run.search.lowest_fail() == 412.5);
  CHECK(run.search.bracket_closed());
  CHECK_FALSE(run.search.next_rate());
}

TEST_CASE("the bracket always holds the true capacity within the precision") {
  for (double capacity : {0.7, 3.0, 18.0, 399.0, 400.0, 401.0, 2500.0, 99999.0}) {
    for (double start : {0.5, 18.5, 100.0, 1000.0, 50000.0}) {
      for (double precision : {0.01, 0.05, 0.2}) {
        CAPTURE(capacity);
        CAPTURE(start);
        CAPTURE(precision);
        auto run = run_search(
            {.start_per_s = start, .precision = precision, .max_steps = 100, .min_per_s = 0.01},
            capacity_of(capacity));
        REQUIRE(run.search.end() == SearchEnd::capacity_found);
        const double pass = *run.search.highest_pass(), fail = *run.search.lowest_fail();
        CHECK(pass <= capacity);
        CHECK(fail > capacity);
        CHECK((fail - pass) / pass <= precision);
        CHECK(run.search.steps() == run.rates.size());
      }
    }
  }
}

TEST_CASE("a start above the capacity halves until a step passes") {
  auto run = run_search({.start_per_s = 1000}, capacity_of(300));
  REQUIRE(run.rates.size() >= 3);
  CHECK(run.rates[0] == 1000);
  CHECK(run.rates[1] == 500);
  CHECK(run.rates[2] == 250);
  CHECK(run.search.end() == SearchEnd::capacity_found);
  CHECK(*run.search.highest_pass() <= 300);
  CHECK(*run.search.highest_pass() >= 300 / 1.05);
}

TEST_CASE("client-limited ends the search at once: no capacity above replay's own limit") {
  auto service = [](double rate) {
    if (rate > 150) return StepResult::client_limited;
    return StepResult::pass;
  };
  auto run = run_search({.start_per_s = 50}, service);
  CHECK(run.rates == std::vector<double>{50, 100, 200});
  CHECK(run.search.end() == SearchEnd::client_limited);
  CHECK(*run.search.highest_pass() == 100);
  CHECK_FALSE(run.search.lowest_fail());
  CHECK_FALSE(run.search.next_rate());
}

TEST_CASE("generator-limited during the bisection ends it too, with that verdict") {
  auto service = [](double rate) {
    if (rate == 600) return StepResult::generator_limited;
    return rate <= 400 ? StepResult::pass : StepResult::fail;
  };
  auto run = run_search({.start_per_s = 100}, service);
  CHECK(run.rates == std::vector<double>{100, 200, 400, 800, 600});
  CHECK(run.search.end() == SearchEnd::generator_limited);
  CHECK(*run.search.lowest_fail() == 800);
}

TEST_CASE("a service that fails at every rate: halving down to the lowest rate, then no_pass") {
  auto run = run_search({.start_per_s = 10, .max_steps = 100, .min_per_s = 1},
                        [](double) { return StepResult::fail; });
  CHECK(run.search.end() == SearchEnd::no_pass);
  CHECK(run.rates == std::vector<double>{10, 5, 2.5, 1.25, 1});
  CHECK_FALSE(run.search.highest_pass());
}

TEST_CASE("max_steps bounds the search: unbounded, imprecise or no_pass") {
  auto unbounded =
      run_search({.start_per_s = 1, .max_steps = 5}, [](double) { return StepResult::pass; });
  CHECK(unbounded.search.end() == SearchEnd::unbounded);
  CHECK(unbounded.rates == std::vector<double>{1, 2, 4, 8, 16});

  auto imprecise = run_search({.start_per_s = 100, .max_steps = 5}, capacity_of(400));
  CHECK(imprecise.search.end() == SearchEnd::imprecise);
  CHECK(*imprecise.search.highest_pass() == 400);
  CHECK(*imprecise.search.lowest_fail() == 600);
  CHECK_FALSE(imprecise.search.bracket_closed());

  auto none =
      run_search({.start_per_s = 100, .max_steps = 2}, [](double) { return StepResult::fail; });
  CHECK(none.search.end() == SearchEnd::no_pass);
  CHECK(none.rates.size() == 2);
}

TEST_CASE("a pass above a failing rate (a noisy service) does not move the capacity up") {
  CapacitySearch search({.start_per_s = 100});
  search.record(100, StepResult::pass);
  search.record(200, StepResult::fail);
  search.record(300, StepResult::pass);  // not a rate the search asked for
  CHECK(*search.highest_pass() == 100);
  CHECK(*search.next_rate() == 150);
}

TEST_CASE("stop ends the search and records nothing more") {
  CapacitySearch search({.start_per_s = 100});
  search.record(100, StepResult::pass);
  search.stop();
  CHECK(search.end() == SearchEnd::stopped);
  CHECK_FALSE(search.next_rate());
  search.record(200, StepResult::fail);
  CHECK(search.steps() == 1);
  CHECK_FALSE(search.lowest_fail());
}

TEST_CASE("options are checked, naming the flag") {
  CHECK_FALSE(check_search_options({.start_per_s = 10}));
  CHECK(*check_search_options({.start_per_s = 0}) == "--start must be a rate above 0/s");
  CHECK(check_search_options({.start_per_s = 10, .precision = 0})->find("--precision") == 0);
  CHECK(check_search_options({.start_per_s = 10, .precision = 1})->find("--precision") == 0);
  CHECK(check_search_options({.start_per_s = 10, .max_steps = 0})->find("--max-steps") == 0);
  CHECK(check_search_options({.start_per_s = 10, .growth = 1}).has_value());
}

TEST_CASE("names of results and ends, as capacity.json writes them") {
  CHECK(step_result_name(StepResult::client_limited) == "client_limited");
  CHECK(search_end_name(SearchEnd::capacity_found) == "capacity_found");
  CHECK(search_end_name(SearchEnd::no_pass) == "no_pass");
}
