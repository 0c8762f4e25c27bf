#include "metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace replay::agent_sim {

namespace {

constexpr std::array<std::string_view, 8> kMethods = {"GET",   "POST", "PUT",     "DELETE",
                                                      "PATCH", "HEAD", "OPTIONS", "OTHER"};

uint32_t method_index(std::string_view method) {
  for (uint32_t i = 0; i + 1 < kMethods.size(); ++i) {
    if (kMethods[i] == method) return i;
  }
  return static_cast<uint32_t>(kMethods.size() - 1);
}

void append_number(std::string& out, double value) {
  char buffer[32];
  int n = std::snprintf(buffer, sizeof buffer, "%.9g", value);
  out.append(buffer, static_cast<size_t>(n));
}

void append_number(std::string& out, uint64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

}  // namespace

void Metrics::record(std::string_view method, Endpoint endpoint, int status, uint64_t duration_ns) {
  uint32_t key = method_index(method) << 24 | static_cast<uint32_t>(endpoint) << 16 |
                 static_cast<uint32_t>(status & 0xffff);
  ++counts_[key];
  Histogram& h = durations_[static_cast<size_t>(endpoint)];
  double seconds = static_cast<double>(duration_ns) / 1e9;
  size_t bucket = static_cast<size_t>(
      std::lower_bound(kBucketsS.begin(), kBucketsS.end(), seconds) - kBucketsS.begin());
  if (bucket < h.buckets.size()) ++h.buckets[bucket];
  ++h.count;
  h.sum_s += seconds;
}

uint64_t Metrics::requests(Endpoint endpoint) const {
  return durations_[static_cast<size_t>(endpoint)].count;
}

double Metrics::mean_duration_ms(Endpoint endpoint) const {
  const Histogram& h = durations_[static_cast<size_t>(endpoint)];
  return h.count == 0 ? 0.0 : h.sum_s * 1000.0 / static_cast<double>(h.count);
}

void Metrics::render(std::string& out,
                     const std::vector<std::pair<std::string_view, double>>& gauges) const {
  out.append(
      "# HELP http_requests_total Requests answered, by method, endpoint template and status.\n"
      "# TYPE http_requests_total counter\n");
  std::vector<std::pair<uint32_t, uint64_t>> sorted(counts_.begin(), counts_.end());
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [key, count] : sorted) {
    out.append("http_requests_total{method=\"");
    out.append(kMethods[key >> 24]);
    out.append("\",endpoint=\"");
    out.append(endpoint_template(static_cast<Endpoint>((key >> 16) & 0xff)));
    out.append("\",status=\"");
    append_number(out, static_cast<uint64_t>(key & 0xffff));
    out.append("\"} ");
    append_number(out, count);
    out += '\n';
  }

  out.append(
      "# HELP http_request_duration_seconds Time from a request's first byte to its response.\n"
      "# TYPE http_request_duration_seconds histogram\n");
  for (size_t e = 0; e < kEndpointCount; ++e) {
    const Histogram& h = durations_[e];
    if (h.count == 0) continue;
    std::string_view name = endpoint_template(static_cast<Endpoint>(e));
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBucketsS.size(); ++b) {
      out.append("http_request_duration_seconds_bucket{endpoint=\"");
      out.append(name);
      out.append("\",le=\"");
      if (b < kBucketsS.size()) {
        cumulative += h.buckets[b];
        append_number(out, kBucketsS[b]);
      } else {
        cumulative = h.count;
        out.append("+Inf");
      }
      out.append("\"} ");
      append_number(out, cumulative);
      out += '\n';
    }
    out.append("http_request_duration_seconds_sum{endpoint=\"").append(name).append("\"} ");
    append_number(out, h.sum_s);
    out.append("\nhttp_request_duration_seconds_count{endpoint=\"").append(name).append("\"} ");
    append_number(out, h.count);
    out += '\n';
  }

  out.append(
      "# HELP rate_limit_hits_total Requests refused with 429.\n"
      "# TYPE rate_limit_hits_total counter\nrate_limit_hits_total ");
  append_number(out, rate_limit_hits_);
  out.append(
      "\n# HELP injected_resets_total Connections reset by --reset-rate.\n"
      "# TYPE injected_resets_total counter\ninjected_resets_total ");
  append_number(out, resets_);
  out += '\n';
  for (const auto& [name, value] : gauges) {
    out.append("# TYPE ").append(name).append(name.ends_with("_total") ? " counter\n" : " gauge\n");
    out.append(name);
    out += ' ';
    append_number(out, value);
    out += '\n';
  }
}

}  // namespace replay::agent_sim
