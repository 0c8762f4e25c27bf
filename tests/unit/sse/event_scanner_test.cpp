#include "replay/sse/event_scanner.hpp"

#include <doctest/doctest.h>

#include <string>

namespace replay::sse {
namespace {

uint32_t scan_in_pieces(std::string_view body, size_t step) {
  EventScanner scanner;
  uint32_t events = 0;
  for (size_t at = 0; at < body.size(); at += step) events += scanner.scan(body.substr(at, step));
  return events;
}

TEST_CASE("EventScanner: blank lines end events with LF, CRLF or CR line ends") {
  CHECK(scan_in_pieces("data: a\n\n", 100) == 1);
  CHECK(scan_in_pieces("data: a\r\n\r\n", 100) == 1);
  CHECK(scan_in_pieces("data: a\r\rdata: b\r\r", 100) == 2);
  CHECK(scan_in_pieces("data: a\ndata: b\n\n", 100) == 1);  // two lines, one event
  CHECK(scan_in_pieces("data: a\n", 100) == 0);             // not terminated yet
  CHECK(scan_in_pieces("data:\n\ndata\n\n", 100) == 2);     // empty data still dispatches
}

TEST_CASE("EventScanner: blocks without a data field dispatch nothing") {
  CHECK(scan_in_pieces(": keep-alive\n\n", 100) == 0);
  CHECK(scan_in_pieces("event: ping\n\n", 100) == 0);
  CHECK(scan_in_pieces("retry: 1000\n\n", 100) == 0);
  CHECK(scan_in_pieces("datum: x\n\n", 100) == 0);
  CHECK(scan_in_pieces("\n\n\n", 100) == 0);
  CHECK(scan_in_pieces("event: x\ndata: {}\nid: 7\n\n", 100) == 1);
}

TEST_CASE("EventScanner: any split of the stream gives the same count") {
  const std::string body =
      "event: message\r\ndata: {\"t\":\"a\"}\r\n\r\n: note\n\ndata: b\n\ndata: c\r\n\r\ndata";
  for (size_t step = 1; step <= body.size(); ++step) {
    CAPTURE(step);
    CHECK(scan_in_pieces(body, step) == 3);
  }
}

TEST_CASE("EventScanner: reset forgets a partial block") {
  EventScanner scanner;
  CHECK(scanner.scan("data: half") == 0);
  scanner.reset();
  CHECK(scanner.scan("\n\n") == 0);
  CHECK(scanner.scan("data: x\n\n") == 1);
}

}  // namespace
}  // namespace replay::sse
