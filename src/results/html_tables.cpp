#include "html_tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "figures.hpp"
#include "html_breakdown_charts.hpp"
#include "html_page.hpp"
#include "replay/core/units.hpp"
#include "replay/results/metric_text.hpp"

namespace replay::results {
namespace {

using Counts = std::vector<std::pair<std::string, uint64_t>>;

std::string count_text(uint64_t n) {
  return std::to_string(n);
}

// `v` with up to 3 significant digits and no trailing zeros: "2.5", "12.3", "250".
std::string short_number(double v) {
  const int decimals = v < 10 ? 2 : v < 100 ? 1 : 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

uint64_t count_named(const Counts& list, const std::string& key) {
  for (const auto& [name, n] : list) {
    if (name == key) return n;
  }
  return 0;
}

uint64_t count_of_code(const StatusCodeCounts& codes, int code) {
  for (const auto& [c, n] : codes) {
    if (c == code) return n;
  }
  return 0;
}

// One cause of errors: its row name, the sample key ("" when none is kept) and its count in a
// scope.
struct Cause {
  std::string name;
  std::string sample_key;
  uint64_t (*count)(const Scope&, const std::string&);
  std::string key;
};

std::vector<Cause> causes_of(const Scope& o) {
  std::vector<Cause> causes;
  if (o.status_codes.empty()) {  // older results: classes only
    causes.push_back({"HTTP 4xx responses", "",
                      [](const Scope& s, const std::string&) { return s.status[4]; }, ""});
    causes.push_back({"HTTP 5xx responses", "",
                      [](const Scope& s, const std::string&) { return s.status[5]; }, ""});
  }
  for (const auto& [code, n] : o.status_codes) {
    if (code < 400) continue;
    const std::string key = std::to_string(code);
    causes.push_back({"HTTP " + key, key,
                      [](const Scope& s, const std::string& k) {
                        return count_of_code(s.status_codes, std::atoi(k.c_str()));
                      },
                      key});
  }
  causes.push_back({"status outside 100–599", "",
                    [](const Scope& s, const std::string&) { return s.status[0]; }, ""});
  for (const auto& [name, n] : o.failures) {
    causes.push_back(
        {name, name,
         [](const Scope& s, const std::string& k) { return count_named(s.failures, k); }, name});
  }
  for (const auto& [name, n] : o.extra_counts) {
    const bool listed = std::any_of(o.failures.begin(), o.failures.end(),
                                    [&](const auto& f) { return f.first == name; });
    if (listed) continue;  // with the failures
    causes.push_back(
        {name, "",
         [](const Scope& s, const std::string& k) { return count_named(s.extra_counts, k); },
         name});
  }
  return causes;
}

// Errors the causes account for: failures (transport causes, capture_failed, session_aborted),
// 4xx, 5xx and statuses outside 100..599.
uint64_t attributed_errors(const Scope& o) {
  uint64_t n = o.status[0] + o.status[4] + o.status[5];
  for (const auto& [name, count] : o.failures) n += count;
  return n;
}

std::string sample_text(const Scope& o, const std::string& key) {
  constexpr size_t kShown = 120;
  if (key.empty()) return "";
  for (const auto& sample : o.samples) {
    if (sample.key != key || sample.text.empty()) continue;
    std::string text = sample.text.substr(0, kShown);
    if (sample.text.size() > kShown) text += "…";
    return "at " + format_duration_us(sample.at_us) + ": " + text;
  }
  return "";
}

// The endpoints with the most of `count`, at most four: "GET /a (3), POST /b (1)".
template <class F>
std::string endpoints_text(const ResultDoc& doc, F count) {
  std::vector<std::pair<uint64_t, std::string>> where;
  for (const auto& [name, s] : doc.by_endpoint) {
    if (const uint64_t k = count(s)) where.emplace_back(k, name);
  }
  std::sort(where.begin(), where.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string list;
  for (size_t i = 0; i < where.size() && i < 4; ++i) {
    list += (i ? ", " : "") + where[i].second + " (" + count_text(where[i].first) + ")";
  }
  if (where.size() > 4) list += ", …";
  return list;
}

std::string errors_note(const ResultDoc& doc) {
  std::string note;
  if (doc.overall.failure_count(kCaptureFailedCause)) {
    note += "capture_failed: a completed response lacked a value to capture. ";
  }
  if (doc.overall.failure_count(kSessionAbortedCause)) {
    note += "session_aborted: a session step not sent because an earlier step failed. ";
  }
  if (doc.overall.failure_count(kAbandonedCause)) {
    note +=
        "abandoned: given up as the run ended (not sent by its end, still in flight after the " +
        format_duration_us(doc.drain_us) +
        " drain, or at Ctrl-C/SIGTERM), in the corrected latency as lower bounds. ";
  }
  if (note.empty()) return "";
  return "<p class=\"note\">" + html_escape(note.substr(0, note.size() - 1)) + "</p>\n";
}

// A config value for people, from its key's unit suffix and JSON type.
std::pair<std::string, std::string> config_row(const ConfigEntry& e, bool doc_rate_set) {
  std::string key = e.key;
  std::string text = e.text;
  auto strip = [&](const char* suffix) {
    const std::string s = suffix;
    if (key.size() <= s.size() || key.compare(key.size() - s.size(), s.size(), s) != 0)
      return false;
    key.erase(key.size() - s.size());
    return true;
  };
  char* end = nullptr;
  const double number = std::strtod(e.json.c_str(), &end);
  const bool numeric = !e.json.empty() && end && *end == '\0';
  if (strip("_us") && numeric) {
    text = human_duration(static_cast<int64_t>(number));
  } else if (strip("_ms") && numeric) {
    text = human_duration(static_cast<int64_t>(number * 1000));
  } else if (strip("_bytes") && numeric) {
    text = format_bytes(static_cast<uint64_t>(number));
  } else if (e.json == "true" || e.json == "false") {
    text = e.json == "true" ? "yes" : "no";
  }
  if (e.key == "duration_us" && numeric && number == 0) {
    text = "not set (the trace or the rate's stages end the load)";
  }
  if (e.key == "rate" && text.empty()) text = "as recorded";
  if (e.key == "speed" && numeric) {
    text = short_number(number) + "×" +
           (doc_rate_set ? std::string(" (recorded timing only, not used with a rate)") : "");
  }
  if (e.key == "shard_count" && e.json == "1") text = "1 (not sharded)";
  if ((e.key == "only" || e.key == "skip") && text.empty()) text = e.key == "only" ? "all" : "none";
  std::replace(key.begin(), key.end(), '_', ' ');
  return {key, text.empty() ? "—" : text};
}

}  // namespace

std::string human_duration(int64_t us) {
  if (us < 1000) return std::to_string(us) + " µs";
  if (us < 1'000'000) return short_number(static_cast<double>(us) / 1e3) + " ms";
  if (us < 60'000'000) return short_number(static_cast<double>(us) / 1e6) + " s";
  const int64_t s = (us + 500'000) / 1'000'000;
  auto two = [](int64_t big, const char* big_unit, int64_t small, const char* small_unit) {
    return std::to_string(big) + " " + big_unit +
           (small ? " " + std::to_string(small) + " " + small_unit : std::string());
  };
  if (s < 3600) return two(s / 60, "m", s % 60, "s");
  return two(s / 3600, "h", s % 3600 / 60, "m");
}

std::string errors_html(const ResultDoc& doc) {
  const Scope& o = doc.overall;
  HtmlTable t({"cause", "requests", "share", "endpoints", "example"},
              {false, true, true, false, false});
  const uint64_t total = o.completed + o.failed;
  auto share = [&](uint64_t n) {
    return percent_text(total ? static_cast<double>(n) / static_cast<double>(total) : 0);
  };
  for (const auto& c : causes_of(o)) {
    const uint64_t n = c.count(o, c.key);
    if (n == 0) continue;
    t.add_row({c.name, count_text(n), share(n),
               endpoints_text(doc, [&](const Scope& s) { return c.count(s, c.key); }),
               sample_text(o, c.sample_key)});
  }
  if (const uint64_t known = attributed_errors(o); o.errors > known) {
    t.add_row({"errors of no recorded cause", count_text(o.errors - known), share(o.errors - known),
               "", ""});
  }
  if (t.empty()) {
    if (total == 0) return "<p>No request ended: there is nothing to count.</p>\n";
    return "<p>" + badge("no errors", "ok") + " all " + count_text(total) +
           " requests completed with 1xx–3xx.</p>\n";
  }
  return t.html() + errors_note(doc);
}

std::string status_codes_html(const ResultDoc& doc) {
  const Scope& o = doc.overall;
  if (o.status_codes.empty()) return "";
  uint64_t responses = 0;
  for (const auto& [code, n] : o.status_codes) responses += n;
  HtmlTable t({"status", "responses", "share", "endpoints"}, {false, true, true, false});
  size_t shade = 0;
  int previous = 0;
  for (const auto& [code, n] : o.status_codes) {
    shade = previous / 100 == code / 100 ? shade + 1 : 0;
    previous = code;
    const int c = code;
    t.add_html_row(
        {"<i class=\"swatch band\" style=\"background:" + std::string(status_colour(code, shade)) +
             ";opacity:1\"></i>" + std::to_string(code),
         count_text(n),
         percent_text(responses ? static_cast<double>(n) / static_cast<double>(responses) : 0),
         html_escape(endpoints_text(
             doc, [&](const Scope& s) { return count_of_code(s.status_codes, c); }))});
  }
  return t.html();
}

std::string checks_html(const ResultDoc& doc) {
  if (doc.overall.checks.empty()) return "";
  HtmlTable scopes({"scope", "checks", "passed", "failed", "passed %"},
                   {false, true, true, true, true});
  auto add = [&](const std::string& name, const Scope& s) {
    const CheckTally& c = s.checks;
    if (c.empty()) return;
    scopes.add_row({name, count_text(c.passed + c.failed), count_text(c.passed),
                    count_text(c.failed), percent_text(c.pass_ratio())});
  };
  add("overall", doc.overall);
  for (const auto& t : doc.by_tag) add("tag " + t.name, t.scope);
  for (const auto& e : doc.by_endpoint) add(e.name, e.scope);
  std::string out = scopes.html();
  if (doc.overall.checks.failures.empty()) return out;
  HtmlTable failures({"failed condition", "count", "e.g. the response held"}, {false, true, false});
  for (const CheckFailureCount& f : doc.overall.checks.failures) {
    failures.add_row({f.condition, count_text(f.count), f.observed});
  }
  return out + failures.html();
}

std::string metrics_html(const ResultDoc& doc) {
  if (doc.overall.metrics.empty()) return "";
  HtmlTable t({"scope", "metric", "kind", "values", "sum", "mean", "min", "max", "p50", "p95",
               "p99", "non-numeric", "missing"},
              {false, false, false, true, true, true, true, true, true, true, true, true, true});
  auto add = [&](const std::string& name, const Scope& s) {
    for (const histogram::MetricTally& m : s.metrics.items) {
      auto at = [&](double p) {
        return m.values && m.values->count() ? std::to_string(m.values->value_at_percentile(p))
                                             : std::string("-");
      };
      const bool any = m.count > 0;
      t.add_row({name, m.name, histogram::metric_kind_name(m.kind), count_text(m.count),
                 metric_number_text(m.sum), any ? metric_number_text(m.mean()) : "-",
                 any ? metric_number_text(m.min) : "-", any ? metric_number_text(m.max) : "-",
                 at(50), at(95), at(99), count_text(m.non_numeric), count_text(m.missing)});
    }
  };
  add("overall", doc.overall);
  for (const auto& tag : doc.by_tag) add("tag " + tag.name, tag.scope);
  for (const auto& e : doc.by_endpoint) add(e.name, e.scope);
  return t.html();
}

std::string connections_html(const ResultDoc& doc) {
  std::string line = count_text(doc.connections_opened) + " connections opened";
  if (doc.connections_failed)
    line += ", " + count_text(doc.connections_failed) + " attempts failed";
  if (doc.tls_handshakes) {
    const double resumed =
        static_cast<double>(doc.tls_resumed) / static_cast<double>(doc.tls_handshakes);
    line += "; TLS: " + count_text(doc.tls_handshakes) + " handshakes, " +
            count_text(doc.tls_resumed) + " resumed (" + percent_text(resumed) + ")";
  } else if (doc.config_text("target").rfind("https:", 0) != 0) {
    line += "; plain HTTP, no TLS";
  } else {
    line += "; no TLS handshake finished";
  }
  HtmlTable t({"scope", "requests", "p50", "p90", "p99", "p99.9", "max", "mean"},
              {false, true, true, true, true, true, true, true});
  auto add = [&](const std::string& name, const Scope& s) {
    const Histogram& h = s.connect;
    if (h.count() == 0) return;
    t.add_row({name, count_text(h.count()), percentile_text(h, 50), percentile_text(h, 90),
               percentile_text(h, 99), percentile_text(h, 99.9),
               latency_text(static_cast<double>(h.max())), latency_text(h.mean())});
  };
  add("overall", doc.overall);
  for (const auto& [name, s] : doc.by_tag) add("tag " + name, s);
  if (doc.by_tag.empty()) {
    for (const auto& [name, s] : doc.by_endpoint) add(name, s);
  }
  std::string out = "<p>" + html_escape(line) + ".</p>\n";
  if (t.empty()) return out;
  std::string note =
      "Connect = sent − a connection took it: the TCP connect (and, over https, the TLS "
      "handshake) of a new connection, ~0 when one is reused.";
  if (const uint64_t n = doc.overall.connect.count(); n && doc.connections_opened) {
    const double share =
        std::min(1.0, static_cast<double>(doc.connections_opened) / static_cast<double>(n));
    note += " With " + count_text(doc.connections_opened) + " connections for " + count_text(n) +
            " requests, about the slowest " + percent_text(share) +
            " of connect times are connection set-ups.";
  }
  return out + "<p class=\"note\">" + html_escape(note) + "</p>\n" + t.html();
}

std::string config_html(const ResultDoc& doc) {
  HtmlTable t({"setting", "value"}, {});
  for (const auto& e : doc.config) {
    const auto [key, text] = config_row(e, !doc.config_text("rate").empty());
    t.add_row({key, text});
  }
  t.add_row({"replay version", doc.replay_version});
  if (doc.drain_us > 0) t.add_row({"drain after the load", human_duration(doc.drain_us)});
  if (doc.trace_ended_at_us >= 0) {
    t.add_row({"trace ran out at", human_duration(doc.trace_ended_at_us)});
  }
  if (doc.records_skipped) t.add_row({"records skipped", count_text(doc.records_skipped)});
  return t.html();
}

}  // namespace replay::results
