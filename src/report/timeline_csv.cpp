#include <cmath>
#include <cstdio>

#include "replay/report/result_views.hpp"

namespace replay::report {
namespace {

double ms(int64_t us) {
  return static_cast<double>(us) / 1000.0;
}

// CSV field: quoted when it holds a comma, quote or newline (tags are user text).
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// The row's sample of `probe`; NaN when it has none.
double probe_value(const results::TimelineRow& row, const std::string& probe) {
  for (const auto& sample : row.probes) {
    if (sample.name == probe) return sample.value;
  }
  return std::nan("");
}

// Endpoint rows name their scope "endpoint:GET /x", so that no tag can be mistaken for one.
constexpr std::string_view kEndpointPrefix = "endpoint:";

// The rows of `second` of each timeline that counted something in it, the scope column
// `prefix` + its name, `blank` empty fields after the service columns (the run's LLM and probe
// columns); `next` holds each timeline's cursor (rows before it are done).
void scope_rows(std::string& out, int64_t second, const std::vector<results::ScopeTimeline>& all,
                std::string_view prefix, std::vector<size_t>& next, size_t blank) {
  char buf[256];
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& rows = all[i].rows;
    size_t& at = next[i];
    while (at < rows.size() && rows[at].second < second) ++at;
    if (at >= rows.size() || rows[at].second != second) continue;
    const auto& t = rows[at];
    if (!t.offered && !t.sent && !t.completed && !t.failed && !t.errors) continue;
    std::snprintf(
        buf, sizeof buf, ",%llu,%llu,%llu,%llu,%llu,,,%.3f,%.3f,,",
        static_cast<unsigned long long>(t.offered), static_cast<unsigned long long>(t.sent),
        static_cast<unsigned long long>(t.completed), static_cast<unsigned long long>(t.failed),
        static_cast<unsigned long long>(t.errors), ms(t.p50_us), ms(t.p99_us));
    out += std::to_string(second);
    out += ',';
    out += csv_field(std::string(prefix) + all[i].name);
    out += buf;
    out += std::string(blank, ',');
    out += '\n';
  }
}

}  // namespace

std::string format_timeline_csv(const results::ResultDoc& doc) {
  std::string out =
      "second,tag,offered,sent,completed,failed,errors,in_flight,backlog,p50_ms,p99_ms,"
      "service_p50_ms,service_p99_ms";
  // LLM columns only for runs with LLM streams, so other runs' CSV keeps its columns.
  const bool llm = doc.overall.llm.has_value();
  if (llm) out += ",output_tokens,goodput,ttft_p50_ms,ttft_p99_ms";
  for (const auto& probe : doc.probes) {
    out += ',';
    out += csv_field(probe.name);
  }
  out += '\n';
  // Each scope's rows are in increasing seconds, possibly with gaps: one cursor per scope.
  std::vector<size_t> tag_next(doc.timeline_by_tag.size(), 0);
  std::vector<size_t> endpoint_next(doc.timeline_by_endpoint.size(), 0);
  char buf[512];
  for (const auto& row : doc.timeline) {
    std::snprintf(
        buf, sizeof buf, "%lld,all,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.3f,%.3f,%.3f,%.3f",
        static_cast<long long>(row.second), static_cast<unsigned long long>(row.offered),
        static_cast<unsigned long long>(row.sent), static_cast<unsigned long long>(row.completed),
        static_cast<unsigned long long>(row.failed), static_cast<unsigned long long>(row.errors),
        static_cast<unsigned long long>(row.in_flight),
        static_cast<unsigned long long>(row.backlog), ms(row.p50_us), ms(row.p99_us),
        ms(row.service_p50_us), ms(row.service_p99_us));
    out += buf;
    if (llm) {
      std::snprintf(buf, sizeof buf, ",%llu,%llu,%.3f,%.3f",
                    static_cast<unsigned long long>(row.output_tokens),
                    static_cast<unsigned long long>(row.goodput), ms(row.ttft_p50_us),
                    ms(row.ttft_p99_us));
      out += buf;
    }
    for (const auto& probe : doc.probes) {
      out += ',';
      const double value = probe_value(row, probe.name);
      if (!std::isnan(value)) {
        std::snprintf(buf, sizeof buf, "%g", value);
        out += buf;
      }
    }
    out += '\n';
    const size_t blank = (llm ? 4 : 0) + doc.probes.size();
    scope_rows(out, row.second, doc.timeline_by_tag, "", tag_next, blank);
    scope_rows(out, row.second, doc.timeline_by_endpoint, kEndpointPrefix, endpoint_next, blank);
  }
  return out;
}

}  // namespace replay::report
