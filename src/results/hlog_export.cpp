#include "replay/results/hlog_export.hpp"

#include "replay/histogram/histogram_hlog.hpp"
#include "replay/results/result_writer.hpp"

namespace replay::results {
namespace {

// Deserialises a row's histogram into `into` ("" is empty).
Result<void> load_row_histogram(std::string_view serialised, int64_t second, const char* which,
                                Histogram& into) {
  into.reset();
  if (serialised.empty()) return {};
  auto h = Histogram::deserialise(serialised);
  if (!h) {
    return h.error().within("timeline second " + std::to_string(second) + " " + which);
  }
  into = std::move(h).value();
  return {};
}

}  // namespace

Result<std::string> format_hlog(const ResultDoc& doc) {
  std::string comment = "replay " + doc.replay_version + " result";
  if (!doc.source.empty()) comment += " " + doc.source;
  comment += ": corrected latency untagged, service time Tag=service, microseconds";
  for (char& c : comment) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  histogram::HlogWriter log(doc.started_unix_ms, comment);
  Histogram corrected;
  Histogram service;
  for (const TimelineRow& row : doc.timeline) {
    if (auto r = load_row_histogram(row.corrected_hdr, row.second, "corrected_hdr", corrected);
        !r) {
      return r.error();
    }
    if (auto r = load_row_histogram(row.service_hdr, row.second, "service_hdr", service); !r) {
      return r.error();
    }
    const auto start_s = static_cast<double>(row.second);
    if (auto r = log.add_interval(start_s, 1.0, corrected); !r) return r.error();
    if (auto r = log.add_interval(start_s, 1.0, service, kHlogServiceTag); !r) return r.error();
  }
  return log.text();
}

Result<void> write_hlog_file(const ResultDoc& doc, const std::string& path) {
  auto text = format_hlog(doc);
  if (!text) return text.error().within("--hlog '" + path + "'");
  return write_text_file(path, text.value(), "--hlog");
}

}  // namespace replay::results
