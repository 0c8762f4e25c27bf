#include "truth_run.hpp"

#include <doctest/doctest.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "child_process.hpp"

namespace replay::testing::truth {
namespace {

const std::string kReplay = REPLAY_PATH;

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::vector<TraceRequest> spaced(const std::string& tag, const std::string& target, int count,
                                 int64_t first_us, int64_t gap_us) {
  std::vector<TraceRequest> requests;
  for (int i = 0; i < count; ++i) requests.push_back({first_us + i * gap_us, tag, target});
  return requests;
}

std::string write_trace(const TempDir& dir, const std::string& name,
                        std::vector<TraceRequest> requests) {
  std::stable_sort(requests.begin(), requests.end(),
                   [](const auto& a, const auto& b) { return a.offset_us < b.offset_us; });
  const bool v2 = std::any_of(requests.begin(), requests.end(), [](const TraceRequest& r) {
    return r.more.find("\"poll\"") != std::string::npos;
  });
  std::string lines = std::string("{\"format\":\"replay-trace\",\"version\":") + (v2 ? "2" : "1") +
                      ",\"created\":\"2026-11-22T12:00:00Z\",\"source\":\"truth test\"}\n";
  for (const auto& r : requests) {
    lines += "{\"offset_us\":" + std::to_string(r.offset_us) + ",\"tag\":" + json_string(r.tag) +
             (r.session.empty() ? "" : ",\"session\":" + json_string(r.session)) +
             ",\"method\":" + json_string(r.method) + ",\"target\":" + json_string(r.target);
    if (!r.headers.empty()) {
      lines += ",\"headers\":[";
      for (size_t i = 0; i < r.headers.size(); ++i) {
        lines += (i ? ",[" : "[") + json_string(r.headers[i].first) + "," +
                 json_string(r.headers[i].second) + "]";
      }
      lines += "]";
    }
    if (!r.body.empty()) lines += ",\"body\":" + json_string(r.body);
    if (!r.expect.empty()) lines += ",\"expect\":" + r.expect;
    if (!r.captures.empty()) lines += ",\"captures\":" + r.captures;
    if (!r.more.empty()) lines += "," + r.more;
    lines += "}\n";
  }
  std::string compressed(ZSTD_compressBound(lines.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  REQUIRE(cctx != nullptr);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  const size_t size =
      ZSTD_compress2(cctx, compressed.data(), compressed.size(), lines.data(), lines.size());
  ZSTD_freeCCtx(cctx);
  REQUIRE_FALSE(ZSTD_isError(size));
  compressed.resize(size);
  return dir.write(name, compressed);
}

bool RunOutcome::has(const std::string& pointer) const {
  return parsed && root.at_pointer(pointer).error() == simdjson::SUCCESS;
}

uint64_t RunOutcome::u64(const std::string& pointer) const {
  if (!parsed) return 0;
  uint64_t value = 0;
  const auto error = root.at_pointer(pointer).get(value);
  if (error != simdjson::SUCCESS) {
    FAIL_CHECK("result.json: " << pointer << " is not an unsigned integer ("
                               << std::string(simdjson::error_message(error)) << ")");
    return 0;
  }
  return value;
}

double RunOutcome::number(const std::string& pointer) const {
  if (!parsed) return 0;
  const auto element = root.at_pointer(pointer);
  double value = 0;
  if (element.get(value) == simdjson::SUCCESS) return value;
  uint64_t whole = 0;
  if (element.get(whole) == simdjson::SUCCESS) return static_cast<double>(whole);
  int64_t signed_whole = 0;
  if (element.get(signed_whole) == simdjson::SUCCESS) return static_cast<double>(signed_whole);
  FAIL_CHECK("result.json: " << pointer << " is not a number");
  return 0;
}

double RunOutcome::ms(const std::string& scope, const std::string& histogram,
                      const std::string& figure) const {
  return number(scope + "/latency_us/" + histogram + "/" + figure) / 1000.0;
}

uint64_t RunOutcome::timeline_sum(const std::string& field) const {
  if (!parsed) return 0;
  simdjson::dom::array rows;
  if (root["timeline"].get(rows) != simdjson::SUCCESS) {
    FAIL_CHECK("result.json has no timeline array");
    return 0;
  }
  uint64_t sum = 0;
  size_t missing = 0;
  for (auto row : rows) {
    uint64_t value = 0;
    if (row[field].get(value) == simdjson::SUCCESS) {
      sum += value;
    } else {
      ++missing;
    }
  }
  if (missing > 0) FAIL_CHECK("result.json: " << missing << " timeline rows have no " << field);
  return sum;
}

std::string RunOutcome::describe(const std::string& scope) const {
  if (!has(scope)) return scope + ": (absent)";
  auto count = [&](const std::string& p) {
    uint64_t v = 0;
    return root.at_pointer(scope + p).get(v) == simdjson::SUCCESS ? std::to_string(v) : "-";
  };
  auto latency = [&](const std::string& h, const std::string& f) {
    double v = 0;
    uint64_t whole = 0;
    const auto e = root.at_pointer(scope + "/latency_us/" + h + "/" + f);
    if (e.get(whole) == simdjson::SUCCESS) {
      v = static_cast<double>(whole);
    } else if (e.get(v) != simdjson::SUCCESS) {
      return std::string("-");
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2fms", v / 1000.0);
    return std::string(buffer);
  };
  return scope + ": offered " + count("/offered") + " completed " + count("/completed") +
         " failed " + count("/failed") + " (reset " + count("/failures/reset") + ", timeout " +
         count("/failures/timeout") + ", http_parse " + count("/failures/http_parse") +
         ", closed_early " + count("/failures/closed_early") + ") 2xx " + count("/status/2xx") +
         " 4xx " + count("/status/4xx") + " 5xx " + count("/status/5xx") + " bytes " +
         count("/response_bytes") + " lower_bounds " + count("/latency_us/lower_bounds") +
         " | corrected n " + count("/latency_us/corrected/count") + " p50 " +
         latency("corrected", "p50") + " p99 " + latency("corrected", "p99") + " max " +
         latency("corrected", "max") + " | service p50 " + latency("service", "p50") + " p99 " +
         latency("service", "p99") + " | ttfb p50 " + latency("ttfb", "p50") + " | send_lag p99 " +
         latency("send_lag", "p99");
}

RunOutcome run_replay(const TempDir& dir, const std::string& trace, uint16_t port,
                      const std::string& result_name, std::vector<std::string> extra,
                      int timeout_ms, int expected_exit) {
  return run_replay_at(dir, trace, "http://127.0.0.1:" + std::to_string(port), result_name,
                       std::move(extra), timeout_ms, expected_exit);
}

RunOutcome run_replay_at(const TempDir& dir, const std::string& trace, const std::string& target,
                         const std::string& result_name, std::vector<std::string> extra,
                         int timeout_ms, int expected_exit) {
  const std::string result_path = dir.file(result_name);
  std::vector<std::string> argv = {kReplay, "run", trace, "--target", target, "--out", result_path};
  argv.insert(argv.end(), extra.begin(), extra.end());
  RunOutcome outcome;
  const auto started = std::chrono::steady_clock::now();
  Finished finished = run_to_exit(argv, timeout_ms);
  outcome.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  outcome.exit_code = finished.exit_code;
  outcome.out = std::move(finished.out);
  outcome.err = std::move(finished.err);
  INFO("replay stdout:\n" << outcome.out << "\nreplay stderr:\n" << outcome.err);
  REQUIRE_MESSAGE(outcome.exit_code == expected_exit, "replay run exited "
                                                          << outcome.exit_code << " after "
                                                          << outcome.wall_ms << " ms");
  outcome.parser = std::make_unique<simdjson::dom::parser>();
  const auto error = outcome.parser->load(result_path).get(outcome.root);
  REQUIRE_MESSAGE(error == simdjson::SUCCESS,
                  "result.json unreadable: " << std::string(simdjson::error_message(error)));
  outcome.parsed = true;
  return outcome;
}

}  // namespace replay::testing::truth
