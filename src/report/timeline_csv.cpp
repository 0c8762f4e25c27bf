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
  // Each tag's rows are in increasing seconds, possibly with gaps: one cursor per tag.
  std::vector<size_t> next(doc.timeline_by_tag.size(), 0);
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
    for (size_t tag = 0; tag < doc.timeline_by_tag.size(); ++tag) {
      const auto& rows = doc.timeline_by_tag[tag].rows;
      size_t& at = next[tag];
      while (at < rows.size() && rows[at].second < row.second) ++at;
      if (at >= rows.size() || rows[at].second != row.second) continue;
      const auto& t = rows[at];
      if (!t.offered && !t.sent && !t.completed && !t.failed && !t.errors) continue;
      std::snprintf(
          buf, sizeof buf, ",%llu,%llu,%llu,%llu,%llu,,,%.3f,%.3f,,",
          static_cast<unsigned long long>(t.offered), static_cast<unsigned long long>(t.sent),
          static_cast<unsigned long long>(t.completed), static_cast<unsigned long long>(t.failed),
          static_cast<unsigned long long>(t.errors), ms(t.p50_us), ms(t.p99_us));
      out += std::to_string(row.second);
      out += ',';
      out += csv_field(doc.timeline_by_tag[tag].tag);
      out += buf;
      if (llm) out += ",,,,";
      out += std::string(doc.probes.size(), ',');
      out += '\n';
    }
  }
  return out;
}

}  // namespace replay::report
