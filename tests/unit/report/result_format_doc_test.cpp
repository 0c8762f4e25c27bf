// docs/result-format.md names every field result.json holds: a result with every optional part
// (SSE, probes, samples, status codes, a resource limit, tags, thresholds) is written and each
// key it holds must appear in the document's inline code.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "golden_docs.hpp"
#include "replay/client/response_observer.hpp"
#include "replay/report/run_report.hpp"
#include "replay/results/result_writer.hpp"

namespace replay::testing {
namespace {

// Every name in the document's inline code spans (outside fenced blocks): each run of name
// characters, and its parts between dots ("latency_us.corrected" gives all three).
std::set<std::string> documented_names(const std::string& markdown) {
  std::set<std::string> names;
  std::istringstream in(markdown);
  bool fenced = false;
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  };
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("```", 0) == 0) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    for (size_t open = line.find('`'); open != std::string::npos;) {
      const size_t close = line.find('`', open + 1);
      if (close == std::string::npos) break;
      const std::string span = line.substr(open + 1, close - open - 1);
      for (size_t i = 0; i < span.size();) {
        if (!is_name_char(span[i])) {
          ++i;
          continue;
        }
        size_t end = i;
        while (end < span.size() && is_name_char(span[end])) ++end;
        const std::string word = span.substr(i, end - i);
        names.insert(word);
        std::istringstream parts(word);
        for (std::string part; std::getline(parts, part, '.');) names.insert(part);
        i = end;
      }
      open = line.find('`', close + 1);
    }
  }
  return names;
}

// Objects whose keys are data (tag, endpoint and probe names, status codes), not fields.
bool keys_are_data(const std::string& parent) {
  return parent == "by_tag" || parent == "by_endpoint" || parent == "timeline_by_tag" ||
         parent == "timeline_by_endpoint" || parent == "codes" || parent == "status_codes" ||
         parent == "probes";
}

// Collects each key's path ("overall.status.codes", "timeline[].p50_us"; a data key is "*").
void walk(simdjson::dom::element e, const std::string& parent, const std::string& path,
          std::set<std::string>& keys) {
  if (e.is_array()) {
    for (auto item : e.get_array()) walk(item, parent, path + "[]", keys);
    return;
  }
  if (!e.is_object()) return;
  for (auto field : e.get_object()) {
    const std::string key(field.key);
    const bool data = keys_are_data(parent);
    const std::string at = (path.empty() ? "" : path + ".") + (data ? "*" : key);
    if (!data) keys.insert(at);
    // A data key's value is a field object again (a scope, a tag's rows), named by its parent.
    walk(field.value, data ? "" : key, at, keys);
  }
}

// A result with every part the writer writes only sometimes.
std::string full_result_json() {
  report::RunReport run;  // its configuration: every config key the run writes
  results::ResultDoc doc = report::to_result_doc(run);
  const auto config = doc.config;
  doc = errors_run_doc();
  doc.config = config;
  // Every failure cause the engine counts, by the names it gives them.
  doc.overall.failures.clear();
  for (int c = 0; c <= static_cast<int>(client::FailureCause::closed_early); ++c) {
    doc.overall.failures.emplace_back(
        client::failure_cause_name(static_cast<client::FailureCause>(c)), 1);
  }
  doc.overall.failures.emplace_back(std::string(results::kCaptureFailedCause), 1);
  doc.overall.failures.emplace_back(std::string(results::kSessionAbortedCause), 1);
  doc.tls_handshakes = 4;
  doc.tls_resumed = 3;
  doc.requests_h2 = 40;
  doc.h2_connections = 2;
  doc.h2_streams = 40;
  doc.h2_max_streams_per_connection = 30;
  doc.h2_max_concurrent_streams = 7;
  doc.resource_limit = results::ResultDoc::ResourceLimit{"open files", 256, 241, 2759};
  doc.overall.sse.emplace();
  doc.overall.sse->first_event_us.record(1'000);
  doc.overall.llm.emplace();
  doc.overall.llm->ttft_us.record(100'000);
  doc.overall.llm->streams = 1;
  doc.timeline.front().output_tokens = 30;
  doc.overall.metrics.get("tokens", histogram::MetricKind::histogram).add_value(5);
  doc.overall.metrics.get("cost", histogram::MetricKind::sum).add_text("n/a");
  doc.config.push_back({"goodput", "\"ttft<1s\"", "ttft<1s"});
  doc.config.push_back({"stream_format", "\"openai\"", "openai"});
  doc.config.push_back({"stream_content", "\"/a\"", "/a"});
  doc.config.push_back({"stream_tokens", "\"/n\"", "/n"});
  doc.probes = {{"queue", "queue_depth"}};
  for (auto& row : doc.timeline) row.probes = {{"queue", 3}};
  results::ScopeTimeline tag{"(untagged)", {}};
  tag.rows.push_back({0, 10, 10, 10, 0, 0, 1'000, 2'000, "", {{200, 10}}});
  doc.timeline_by_tag = {tag};
  results::ScopeTimeline endpoint = tag;
  endpoint.name = "GET /a";
  doc.timeline_by_endpoint = {endpoint};
  return results::format_result_doc(doc);
}

TEST_CASE("docs/result-format.md names every key the writer writes") {
  std::ifstream in(std::string(REPLAY_SOURCE_DIR) + "/docs/result-format.md");
  REQUIRE(in.good());
  std::stringstream markdown;
  markdown << in.rdbuf();
  const std::set<std::string> names = documented_names(markdown.str());
  REQUIRE(names.count("status_codes"));  // the parse itself works

  simdjson::dom::parser parser;
  const std::string json = full_result_json();
  simdjson::dom::element root = parser.parse(json);
  std::set<std::string> keys;
  walk(root, "", "", keys);
  REQUIRE(keys.size() > 100);
  // The parts this test exists for are in the written result.
  for (const char* key :
       {"tls_handshakes", "tls_resumed", "resource_limit.requests_waited", "overall.status.codes",
        "overall.samples[].at_us", "timeline[].status_codes", "overall.sse.first_event_us.p99.9",
        "timeline_by_tag.*[].status_codes", "timeline_by_endpoint.*[].p99_us", "config.shard_count",
        "overall.llm.ttft_us.p99", "overall.llm.tokens_from.usage", "timeline[].ttft_hdr",
        "config.goodput", "protocols.h2", "h2_streams.max_concurrent",
        "overall.failures.h2_goaway"}) {
    CHECK_MESSAGE(keys.count(key), key << " was not written");
  }
  for (const std::string& path : keys) {
    const size_t dot = path.find_last_of('.');
    std::string key = dot == std::string::npos ? path : path.substr(dot + 1);
    // "p99.9" splits at its dot: take the whole name.
    if (key == "9" && path.ends_with("p99.9")) key = "p99.9";
    CHECK_MESSAGE(names.count(key), "result.json has " << path << ", docs/result-format.md never "
                                                       << "names `" << key << "`");
  }
}

TEST_CASE("the doc-field parse reads inline code and skips fenced blocks") {
  const auto names =
      documented_names("a `latency_us.corrected` b `{key, at_us}`\n```\n`fenced`\n```\n");
  CHECK(names.count("latency_us.corrected"));
  CHECK(names.count("latency_us"));
  CHECK(names.count("corrected"));
  CHECK(names.count("key"));
  CHECK(names.count("at_us"));
  CHECK_FALSE(names.count("fenced"));
}

}  // namespace
}  // namespace replay::testing
