#include "html_verdicts.hpp"

#include <cstdio>
#include <vector>

#include "figures.hpp"
#include "replay/core/units.hpp"

namespace replay::results {
namespace {

// The verdict was reached: the analysis needs a few seconds of load (else from = to = 0).
bool judged(const Saturation& s) {
  return s.saturated || s.to_second > s.from_second;
}

// The verdicts that hold, in the order the summary names them.
std::vector<std::string> verdict_names(const Saturation& s) {
  std::vector<std::string> out;
  if (s.generator_limited) out.emplace_back("generator-limited");
  if (s.client_limited) out.emplace_back("client-limited");
  if (s.saturated) out.emplace_back("saturated");
  return out;
}

// What each verdict that holds means, with the evidence the run saved.
std::string limits_note(const ResultDoc& doc) {
  const Saturation& s = doc.saturation;
  std::string note;
  if (s.generator_limited) {
    note += "Generator-limited: replay could not send on time (scheduler lag p99 " +
            percentile_text(doc.overall.scheduler_lag, 99) +
            "), so the latencies include replay's own lateness: give it more threads or CPU, "
            "or lower the rate. ";
  }
  if (s.client_limited) {
    note +=
        "Client-limited: requests waited for a free connection, --max-connections was "
        "reached (connection wait p99 " +
        percentile_text(doc.overall.connection_wait, 99) +
        "): the corrected latency includes that wait; raise --max-connections to load the "
        "service itself. ";
  }
  if (s.saturated && s.replay_limited()) {
    note += "Saturated: the service's own time grew as well, not only replay's queues. ";
  }
  return note.empty()
             ? note
             : "<p class=\"note\">" + html_escape(note.substr(0, note.size() - 1)) + "</p>\n";
}

}  // namespace

std::string run_notices_html(const ResultDoc& doc) {
  std::string out;
  if (doc.interrupted) {
    const uint64_t abandoned = doc.overall.failure_count(kAbandonedCause);
    std::string text =
        "The run was stopped (Ctrl-C or SIGTERM) before its end: the figures cover its first " +
        format_duration_us(doc.elapsed_us);
    if (abandoned) {
      text += ", and " + std::to_string(abandoned) +
              (abandoned == 1 ? " request still due or in flight was"
                              : " requests still due or in flight were") +
              " abandoned (see errors by cause)";
    }
    out += "<div class=\"notice bad\"><b>Interrupted: partial results</b>" + html_escape(text) +
           ".</div>\n";
  }
  if (!doc.warnings.empty()) {
    out += std::string("<div class=\"notice\"><b>") +
           (doc.warnings.size() == 1 ? "Warning" : "Warnings") + "</b><ul>\n";
    for (const auto& line : doc.warnings) out += "<li>" + html_escape(line) + "</li>\n";
    out += "</ul></div>\n";
  }
  return out;
}

Card verdict_card(const Saturation& s) {
  std::vector<std::string> names = verdict_names(s);
  if (names.empty()) {
    return judged(s) ? Card{"verdict", "not saturated", "", "ok"}
                     : Card{"verdict", "not judged", "run too short", ""};
  }
  const std::string headline = names.back();  // "saturated" is last when it holds
  names.pop_back();
  std::string detail;
  for (const auto& name : names) detail += (detail.empty() ? "also " : ", ") + name;
  auto add = [&](const std::string& text) { detail += (detail.empty() ? "" : "; ") + text; };
  if (s.saturated) {
    add("latency grows " + compact_number(s.growth_ms_per_s) + " ms/s");
  } else if (!judged(s)) {
    add("saturation not judged: run too short");
  } else {
    add("replay's limit, not the service's");
  }
  return {"verdict", headline, detail, s.saturated ? "bad" : "warn"};
}

std::string saturation_html(const ResultDoc& doc) {
  const Saturation& s = doc.saturation;
  std::string badges;
  for (const auto& name : verdict_names(s)) {
    badges += badge(name, name == "saturated" ? "bad" : "warn") + " ";
  }
  if (badges.empty()) {
    badges = badge(judged(s) ? "not saturated" : "not judged", judged(s) ? "ok" : "info") + " ";
  }
  std::string out = "<p>" + badges + html_escape(s.summary) + "</p>\n" + limits_note(doc);
  if (s.to_second > s.from_second) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "Window: seconds %lld–%lld · offered %.1f/s · achieved %.1f/s · median latency "
                  "trend %+.2f ms/s.",
                  static_cast<long long>(s.from_second), static_cast<long long>(s.to_second),
                  s.offered_per_s, s.achieved_per_s, s.growth_ms_per_s);
    out += "<p class=\"note\">" + html_escape(buf) + "</p>\n";
  }
  return out;
}

}  // namespace replay::results
