#include <cmath>
#include <cstdio>

#include "replay/report/run_report.hpp"

namespace replay::report {
namespace {

double percentile_ms(const std::string& serialised, double p) {
  return static_cast<double>(histogram::percentile_of_serialised(serialised, p)) / 1000.0;
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

}  // namespace

std::string format_timeline_csv(const RunReport& report) {
  const auto& r = report.result;
  std::string out =
      "second,tag,offered,sent,completed,failed,errors,in_flight,backlog,p50_ms,p99_ms,"
      "service_p50_ms,service_p99_ms";
  for (const auto& probe : r.probes) {
    out += ',';
    out += csv_field(probe.name);
  }
  out += '\n';
  char buf[512];
  for (size_t second = 0; second < r.timeline.size(); ++second) {
    const auto& row = r.timeline[second];
    std::snprintf(
        buf, sizeof buf, "%lld,all,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.3f,%.3f,%.3f,%.3f",
        static_cast<long long>(row.second), static_cast<unsigned long long>(row.offered),
        static_cast<unsigned long long>(row.sent), static_cast<unsigned long long>(row.completed),
        static_cast<unsigned long long>(row.failed), static_cast<unsigned long long>(row.errors),
        static_cast<unsigned long long>(row.in_flight),
        static_cast<unsigned long long>(row.backlog), percentile_ms(row.corrected, 50),
        percentile_ms(row.corrected, 99), percentile_ms(row.service, 50),
        percentile_ms(row.service, 99));
    out += buf;
    for (const auto& probe : r.probes) {
      out += ',';
      if (second < probe.by_second.size() && !std::isnan(probe.by_second[second])) {
        std::snprintf(buf, sizeof buf, "%g", probe.by_second[second]);
        out += buf;
      }
    }
    out += '\n';
    for (size_t tag = 0; tag < r.timeline_by_tag.size() && tag < r.by_tag.size(); ++tag) {
      const auto& rows = r.timeline_by_tag[tag];
      if (second >= rows.size()) continue;
      const auto& t = rows[second];
      if (!t.offered && !t.sent && !t.completed && !t.failed && !t.errors) continue;
      std::snprintf(
          buf, sizeof buf, ",%llu,%llu,%llu,%llu,%llu,,,%.3f,%.3f,,",
          static_cast<unsigned long long>(t.offered), static_cast<unsigned long long>(t.sent),
          static_cast<unsigned long long>(t.completed), static_cast<unsigned long long>(t.failed),
          static_cast<unsigned long long>(t.errors), percentile_ms(t.corrected, 50),
          percentile_ms(t.corrected, 99));
      out += std::to_string(second);
      out += ',';
      out += csv_field(r.by_tag[tag].name);
      out += buf;
      out += std::string(r.probes.size(), ',');
      out += '\n';
    }
  }
  return out;
}

}  // namespace replay::report
