#include "replay/llm/event_reader.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace replay::llm {
namespace {

struct Collected final : EventSink {
  std::vector<std::string> names, data;
  std::vector<bool> truncated;
  void on_event(std::string_view name, std::string_view d, bool cut) override {
    names.emplace_back(name);
    data.emplace_back(d);
    truncated.push_back(cut);
  }
};

Collected read_in_pieces(std::string_view body, size_t step) {
  EventReader reader;
  Collected out;
  for (size_t at = 0; at < body.size(); at += step) reader.read(body.substr(at, step), out);
  return out;
}

TEST_CASE("EventReader: events, names and joined data lines in any split") {
  const std::string body =
      ": comment\n\nevent: content_block_delta\ndata: {\"a\":1}\n\n"
      "data: line1\r\ndata:line2\r\n\r\nretry: 10\n\ndata: [DONE]\r\r";
  for (size_t step : {1, 2, 3, 7, 1000}) {
    CAPTURE(step);
    Collected c = read_in_pieces(body, step);
    REQUIRE(c.data.size() == 3);
    CHECK(c.names[0] == "content_block_delta");
    CHECK(c.data[0] == "{\"a\":1}");
    CHECK(c.names[1].empty());  // the name does not carry over to the next event
    CHECK(c.data[1] == "line1\nline2");
    CHECK(c.data[2] == "[DONE]");
    CHECK_FALSE(c.truncated[0]);
  }
}

TEST_CASE("EventReader: an event longer than the cap is cut and flagged, the next one is whole") {
  std::string body = "data: " + std::string(EventReader::kMaxEventBytes + 10, 'x') + "\n\n";
  body += "data: ok\n\n";
  Collected c = read_in_pieces(body, 4096);
  REQUIRE(c.data.size() == 2);
  CHECK(c.truncated[0]);
  CHECK(c.data[0].size() <= EventReader::kMaxEventBytes);
  CHECK_FALSE(c.truncated[1]);
  CHECK(c.data[1] == "ok");
}

TEST_CASE("EventReader: reset forgets a partial event") {
  EventReader reader;
  Collected c;
  reader.read("data: partial", c);
  reader.reset();
  reader.read("\n\ndata: b\n\n", c);
  REQUIRE(c.data.size() == 1);
  CHECK(c.data[0] == "b");
}

}  // namespace
}  // namespace replay::llm
