#include "live_support.hpp"

#include <simdjson.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "child_process.hpp"

namespace replay::testing {

Fetched http_get(const std::string& url, int timeout_ms, std::vector<std::string> args) {
  std::vector<std::string> argv = {
      "/usr/bin/curl", "-s", "--max-time", std::to_string(timeout_ms / 1000.0), "-w",
      "\n%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  const Finished f = run_to_exit(argv, timeout_ms + 2000);
  Fetched out;
  out.exit_code = f.exit_code;
  const size_t cut = f.out.rfind('\n');
  if (cut == std::string::npos) return out;
  out.body = f.out.substr(0, cut);
  out.status = std::atoi(f.out.c_str() + cut + 1);
  return out;
}

double metric_sum(const std::string& exposition, const std::string& name) {
  std::istringstream in(exposition);
  double sum = 0;
  bool any = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.substr(0, line.find_first_of("{ ")) != name) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
    any = true;
  }
  return any ? sum : -1;
}

ResultCounts read_result_counts(const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.load(path);
  simdjson::dom::element o = doc["overall"];
  ResultCounts c;
  c.offered = uint64_t(o["offered"]);
  c.completed = uint64_t(o["completed"]);
  c.failed = uint64_t(o["failed"]);
  c.errors = uint64_t(o["errors"]);
  c.p99_us = int64_t(o["latency_us"]["corrected"]["p99"]);
  return c;
}

ResultCounts wait_result_counts(const std::string& path, int timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    try {
      return read_result_counts(path);
    } catch (const simdjson::simdjson_error&) {
      if (std::chrono::steady_clock::now() > until) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace replay::testing
