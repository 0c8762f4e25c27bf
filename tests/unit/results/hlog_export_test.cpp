// A saved run's timeline as an .hlog: two lines a second (corrected untagged, then
// Tag=service), each the row's own histogram in HdrHistogram's encoding.

#include "replay/results/hlog_export.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "replay/histogram/histogram_hlog.hpp"

using replay::Errc;
using replay::histogram::encode_hlog_histogram;
using replay::histogram::Histogram;
using replay::results::format_hlog;
using replay::results::ResultDoc;
using replay::results::TimelineRow;
using replay::results::write_hlog_file;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

ResultDoc two_second_doc(Histogram& corrected, Histogram& service) {
  ResultDoc doc;
  doc.replay_version = "0.1.0";
  doc.source = "r.json";
  doc.started_unix_ms = 1'764'662'400'000;
  corrected.record(20'415);
  corrected.record(31'002);
  service.record(20'001);
  TimelineRow first;
  first.second = 0;
  first.corrected_hdr = corrected.serialise();
  first.service_hdr = service.serialise();
  TimelineRow empty;
  empty.second = 1;
  doc.timeline = {first, empty};
  return doc;
}

}  // namespace

TEST_CASE("hlog export: header, then corrected and service lines for every second") {
  Histogram corrected, service;
  const ResultDoc doc = two_second_doc(corrected, service);
  auto text = format_hlog(doc);
  REQUIRE(text.ok());
  const auto lines = lines_of(text.value());
  REQUIRE(lines.size() == 9);
  CHECK(lines[0] ==
        "#replay 0.1.0 result r.json: corrected latency untagged, service time Tag=service, "
        "microseconds");
  CHECK(lines[2] ==
        "#[StartTime: 1764662400.000 (seconds since epoch), Tue Dec 02 08:00:00 UTC 2025]");
  CHECK(lines[3] == "#[BaseTime: 1764662400.000 (seconds since epoch)]");
  CHECK(lines[5] == "0.000,1.000,31.002," + encode_hlog_histogram(corrected).value());
  CHECK(lines[6] == "Tag=service,0.000,1.000,20.001," + encode_hlog_histogram(service).value());
  CHECK(lines[7] == "1.000,1.000,0.000," + encode_hlog_histogram(Histogram{}).value());
  CHECK(lines[8] == "Tag=service,1.000,1.000,0.000," + encode_hlog_histogram(Histogram{}).value());
}

TEST_CASE("hlog export: a row whose histogram does not deserialise names its second") {
  Histogram corrected, service;
  ResultDoc doc = two_second_doc(corrected, service);
  doc.timeline[1].service_hdr = "hdr1:not base64!";
  auto text = format_hlog(doc);
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().code == Errc::corrupt);
  CHECK(text.error().context.find("timeline second 1 service_hdr") == 0);

  auto w = write_hlog_file(doc, "/nonexistent-dir/r.hlog");
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().context.find("--hlog '/nonexistent-dir/r.hlog': timeline second 1") == 0);
}

TEST_CASE("hlog export: an unwritable path is an io error") {
  Histogram corrected, service;
  auto w = write_hlog_file(two_second_doc(corrected, service), "/nonexistent-dir/r.hlog");
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().code == Errc::io);
}
