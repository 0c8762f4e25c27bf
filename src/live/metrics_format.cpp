#include "replay/live/metrics_format.hpp"

#include <cmath>
#include <cstdio>

#include "replay/client/response_observer.hpp"

namespace replay::live {
namespace {

using engine::LiveHistogram;

constexpr const char* kClassNames[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

// Renders `{a="x",b="y",shard="i/N"}` (or "" with no labels at all).
class Labels {
 public:
  explicit Labels(const std::string& shard) : shard_(shard) {}
  std::string operator()(std::initializer_list<std::pair<const char*, std::string_view>> kv) const {
    std::string out;
    for (const auto& [name, value] : kv) {
      out += out.empty() ? "{" : ",";
      out.append(name).append("=\"").append(escape_label_value(value)).append("\"");
    }
    if (!shard_.empty()) {
      out += out.empty() ? "{" : ",";
      out.append("shard=\"").append(shard_).append("\"");
    }
    if (!out.empty()) out += "}";
    return out;
  }

 private:
  const std::string& shard_;
};

void family(std::string& out, const char* name, const char* type, const char* help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, const std::string& labels, uint64_t value) {
  out.append(name).append(labels).append(" ").append(std::to_string(value)).append("\n");
}

std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void gauge_sample(std::string& out, std::string_view name, const std::string& labels, double v) {
  out.append(name).append(labels).append(" ").append(number_text(v)).append("\n");
}

std::string name_of(const std::vector<std::string>* names, size_t id) {
  return names && id < names->size() ? (*names)[id] : std::to_string(id);
}

void histogram_family(std::string& out, const char* name, const char* help,
                      const std::vector<LiveHistogram>& by_tag, const MetricsInput& in,
                      const Labels& labels) {
  family(out, name, "histogram", help);
  const std::string base = name;
  for (size_t tag = 0; tag < by_tag.size(); ++tag) {
    const LiveHistogram& h = by_tag[tag];
    if (h.count == 0) continue;
    const std::string tag_name = name_of(in.tag_names, tag);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < engine::kLiveBucketBoundsUs.size(); ++i) {
      cumulative += h.buckets[i];
      const std::string le = seconds_text(static_cast<uint64_t>(engine::kLiveBucketBoundsUs[i]));
      sample(out, base + "_bucket", labels({{"tag", tag_name}, {"le", le}}), cumulative);
    }
    sample(out, base + "_bucket", labels({{"tag", tag_name}, {"le", "+Inf"}}), h.count);
    out.append(base).append("_sum").append(labels({{"tag", tag_name}})).append(" ");
    out.append(seconds_text(h.sum_us)).append("\n");
    sample(out, base + "_count", labels({{"tag", tag_name}}), h.count);
  }
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char ch : value) {
    if (ch == '\\') {
      out += "\\\\";
    } else if (ch == '"') {
      out += "\\\"";
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string seconds_text(uint64_t us) {
  std::string out = std::to_string(us / 1'000'000);
  uint64_t fraction = us % 1'000'000;
  if (fraction == 0) return out;
  std::string digits = std::to_string(fraction);
  digits.insert(0, 6 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

std::string format_metrics(const MetricsInput& in) {
  static const engine::LiveCounts kNone;
  const engine::LiveCounts& c = in.counts ? *in.counts : kNone;
  const Labels labels(in.shard);
  const std::string none = labels({});
  std::string out;
  family(out, "replay_requests_total", "counter",
         "Requests that ended, each once: completed by status class (1xx..5xx, other), or "
         "status_class=\"failed\" for those that got no response (transport failures and "
         "aborted session steps).");
  for (const auto& [key, counts] : c.requests) {
    const std::string tag = name_of(in.tag_names, key >> 32);
    const std::string endpoint = name_of(in.endpoint_names, key & 0xffffffffu);
    for (size_t k = 1; k <= 6; ++k) {
      const size_t klass = k % 6;  // 1xx..5xx first, then other
      if (counts.status_classes[klass] == 0) continue;
      sample(out, "replay_requests_total",
             labels({{"tag", tag}, {"endpoint", endpoint}, {"status_class", kClassNames[klass]}}),
             counts.status_classes[klass]);
    }
    if (counts.failed != 0) {
      sample(out, "replay_requests_total",
             labels({{"tag", tag}, {"endpoint", endpoint}, {"status_class", "failed"}}),
             counts.failed);
    }
  }
  family(out, "replay_responses_total", "counter", "Completed responses by exact status code.");
  for (const auto& [code, n] : c.status_codes.counts) {
    sample(out, "replay_responses_total", labels({{"code", std::to_string(code)}}), n);
  }
  family(out, "replay_errors_total", "counter",
         "Errors by cause: each transport failure cause, session_aborted, capture_failed, "
         "http_4xx and http_5xx; their sum is result.json's errors.");
  for (size_t i = 0; i < c.failures.size(); ++i) {
    const char* cause = client::failure_cause_name(static_cast<client::FailureCause>(i));
    sample(out, "replay_errors_total", labels({{"cause", cause}}), c.failures[i]);
  }
  sample(out, "replay_errors_total", labels({{"cause", "session_aborted"}}), c.session_aborted);
  sample(out, "replay_errors_total", labels({{"cause", "capture_failed"}}), c.capture_failed);
  sample(out, "replay_errors_total", labels({{"cause", "http_4xx"}}), c.completed_in_class(4));
  sample(out, "replay_errors_total", labels({{"cause", "http_5xx"}}), c.completed_in_class(5));
  family(out, "replay_offered_total", "counter", "Requests whose intended time came.");
  sample(out, "replay_offered_total", none, c.offered);
  family(out, "replay_sent_total", "counter", "Requests whose bytes were handed to the kernel.");
  sample(out, "replay_sent_total", none, c.sent);
  family(out, "replay_in_flight", "gauge", "The most requests on the wire during the last second.");
  sample(out, "replay_in_flight", none, in.in_flight);
  family(out, "replay_backlog", "gauge",
         "The most requests waiting for a connection during the last second.");
  sample(out, "replay_backlog", none, in.backlog);
  family(out, "replay_offered_rate", "gauge", "Requests offered per second over the last second.");
  gauge_sample(out, "replay_offered_rate", none, in.offered_rate);
  family(out, "replay_achieved_rate", "gauge",
         "Responses completed per second over the last second.");
  gauge_sample(out, "replay_achieved_rate", none, in.achieved_rate);
  family(out, "replay_running", "gauge",
         "1 while the run goes on, 0 once it has ended and the counters are final.");
  sample(out, "replay_running", none, in.running ? 1 : 0);
  histogram_family(out, "replay_latency_seconds",
                   "Corrected latency (end - intended time) of every ended request, a failure at "
                   "its failure time, by tag.",
                   c.corrected_by_tag, in, labels);
  histogram_family(out, "replay_service_seconds",
                   "Service time (completed - sent) of completed responses, by tag.",
                   c.service_by_tag, in, labels);
  if (!in.probes.empty()) {
    family(out, "replay_probe", "gauge", "Each --probe's latest sample (NaN: none or failed).");
    for (const auto& [name, value] : in.probes) {
      gauge_sample(out, "replay_probe", labels({{"name", name}}), value);
    }
  }
  return out;
}

}  // namespace replay::live
