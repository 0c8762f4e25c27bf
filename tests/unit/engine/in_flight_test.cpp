#include "in_flight.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

namespace replay::engine {
namespace {

constexpr int64_t kMs = 1'000'000;

struct Sink final : InFlightSink {
  void on_sent(InFlight&, int64_t sent_ns) override { sent.push_back(sent_ns); }
  void on_event(InFlight&, bool first, int64_t elapsed_ns) override {
    events.push_back({first, elapsed_ns});
  }
  void on_ended(InFlight& request, int64_t now_ns, int status, uint64_t bytes,
                const client::FailureCause* cause) override {
    if (cause) {
      failures.push_back(request.failure(now_ns, *cause));
    } else {
      completions.push_back(request.completion(now_ns, status, bytes));
    }
  }
  void note_eager_reads(int change) override { eager += change; }
  bool wants_body_sample(const InFlight&, int status) override {
    asked.push_back(status);
    return samples_wanted;
  }

  std::vector<int64_t> sent;
  std::vector<std::pair<bool, int64_t>> events;
  std::vector<Completion> completions;
  std::vector<Failure> failures;
  int eager = 0;
  bool samples_wanted = false;
  std::vector<int> asked;  // statuses wants_body_sample was asked about
};

RequestPtr request(int64_t intended_ns, std::vector<trace::Capture> captures = {}) {
  auto r = std::make_unique<PreparedRequest>();
  r->intended_ns = intended_ns;
  r->tag_id = 3;
  r->endpoint_id = 4;
  if (!captures.empty()) {
    r->captures = std::make_shared<const std::vector<trace::Capture>>(std::move(captures));
  }
  return r;
}

}  // namespace

TEST_CASE("InFlight: a response's times come from the callbacks, events timed from the send") {
  Sink sink;
  InFlight f(sink);
  f.reset(request(100 * kMs), nullptr, 0);
  CHECK_FALSE(f.wants_header_lines);
  f.on_sent(102 * kMs);
  f.on_first_byte(110 * kMs);
  f.on_headers(200, true);
  CHECK(sink.eager == 1);  // an event stream is read as it arrives
  f.on_sse_event(120 * kMs);
  f.on_sse_event(135 * kMs);
  f.on_complete(140 * kMs, 200, 512);
  CHECK(sink.eager == 0);
  REQUIRE(sink.completions.size() == 1);
  const Completion& c = sink.completions[0];
  CHECK(c.ids.tag_id == 3);
  CHECK(c.ids.endpoint_id == 4);
  CHECK(c.intended_ns == 100 * kMs);
  CHECK(c.sent_ns == 102 * kMs);
  CHECK(c.first_byte_ns == 110 * kMs);
  CHECK(c.completed_ns == 140 * kMs);
  CHECK(c.bytes == 512);
  CHECK(c.event_stream);
  CHECK(c.events == 2);
  CHECK(sink.events == std::vector<std::pair<bool, int64_t>>{{true, 18 * kMs}, {false, 15 * kMs}});
  CHECK(sink.sent == std::vector<int64_t>{102 * kMs});
}

TEST_CASE("InFlight: header captures ask the connection for header lines and keep them") {
  Sink sink;
  InFlight f(sink);
  f.reset(request(0, {{"loc", "header:Location"}}), nullptr, 0);
  CHECK(f.wants_header_lines);
  CHECK(f.keeps_body());
  f.on_header("Location", "/plans/1");
  f.on_body(R"({"id":1})");
  f.on_complete(5 * kMs, 201, 80);
  REQUIRE(f.headers().size() == 1);
  CHECK(f.headers()[0].second == "/plans/1");
  CHECK(f.body() == R"({"id":1})");
  // Reused for a request without header captures: nothing carried over.
  static_cast<void>(f.take_request());
  f.reset(request(0, {{"id", "json:/id"}}), nullptr, 0);
  CHECK_FALSE(f.wants_header_lines);
  CHECK(f.headers().empty());
  CHECK(f.body().empty());
}

TEST_CASE("InFlight: a failure before the send is timed from the intended time") {
  Sink sink;
  InFlight f(sink);
  f.reset(request(50 * kMs), nullptr, 0);
  f.on_failed(53 * kMs, client::FailureCause::connect_refused);
  REQUIRE(sink.failures.size() == 1);
  CHECK(sink.failures[0].failed_ns == 53 * kMs);
  CHECK(sink.failures[0].intended_ns == 50 * kMs);
  CHECK(sink.failures[0].cause == client::FailureCause::connect_refused);
}

TEST_CASE(
    "InFlight: the body is asked for only by captures, or after an error status whose "
    "sample is wanted") {
  Sink sink;
  InFlight f(sink);
  f.reset(request(0), nullptr, 0);
  CHECK_FALSE(f.keeps_body());  // no capture: on_body is not called for every response
  f.on_headers(200, false);
  CHECK_FALSE(f.wants_body);
  CHECK(sink.asked.empty());  // a success is not even considered for a sample

  sink.samples_wanted = true;
  f.on_headers(503, false);
  CHECK(f.wants_body);
  CHECK(sink.asked == std::vector<int>{503});
  f.on_body(R"({"detail":"queue full"})");
  f.on_complete(3 * kMs, 503, 90);
  REQUIRE(sink.completions.size() == 1);
  CHECK(sink.completions[0].body_start == R"({"detail":"queue full"})");

  // The scope has its samples of 429 already: no body for this one.
  static_cast<void>(f.take_request());
  f.reset(request(0), nullptr, 0);
  CHECK_FALSE(f.wants_body);  // reset forgets the last response's choice
  sink.samples_wanted = false;
  f.on_headers(429, false);
  CHECK_FALSE(f.wants_body);

  // A capture reads every body, whatever its status.
  static_cast<void>(f.take_request());
  f.reset(request(0, {{"id", "json:/id"}}), nullptr, 0);
  CHECK(f.keeps_body());
}

}  // namespace replay::engine

namespace replay::engine {
namespace {

struct StreamSink final : InFlightSink {
  explicit StreamSink(const llm::StreamOptions& options) : parser(options) {}
  void on_sent(InFlight&, int64_t) override {}
  void on_event(InFlight&, bool, int64_t) override {}
  void on_ended(InFlight& request, int64_t now_ns, int status, uint64_t bytes,
                const client::FailureCause* cause) override {
    if (!cause) completions.push_back(request.completion(now_ns, status, bytes));
  }
  void note_eager_reads(int) override {}
  llm::ContentParser* content_parser() override { return &parser; }
  void on_content_gap(InFlight&, int64_t, int64_t gap_ns) override { gaps.push_back(gap_ns); }

  llm::ContentParser parser;
  std::vector<Completion> completions;
  std::vector<int64_t> gaps;
};

}  // namespace

TEST_CASE("InFlight: an event stream's content is read when the sink has a parser") {
  const llm::StreamOptions options;
  StreamSink sink(options);
  InFlight f(sink);
  f.reset(request(100 * kMs), nullptr, 0);
  f.on_sent(101 * kMs);
  f.on_headers(200, true);
  CHECK(f.wants_event_data);
  f.on_sse_data(105 * kMs, "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n");
  f.on_sse_data(150 * kMs, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"cho");
  f.on_sse_data(180 * kMs, "ices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n");
  f.on_sse_data(190 * kMs, "data: {\"choices\":[],\"usage\":{\"completion_tokens\":7}}\n\n");
  f.on_complete(191 * kMs, 200, 400);
  REQUIRE(sink.completions.size() == 1);
  const Completion& c = sink.completions[0];
  CHECK(c.llm_stream);
  CHECK(c.stream.first_content_ns == 150 * kMs);
  CHECK(c.stream.last_content_ns == 180 * kMs);
  CHECK(c.stream.content_events == 2);
  CHECK(c.stream.output_tokens == 7);
  CHECK(sink.gaps == std::vector<int64_t>{30 * kMs});

  // Reused for a plain response: nothing of the stream is left.
  f.take_request();
  f.reset(request(200 * kMs), nullptr, 0);
  CHECK_FALSE(f.wants_event_data);
  f.on_headers(200, false);
  CHECK_FALSE(f.wants_event_data);
  f.on_complete(210 * kMs, 200, 10);
  REQUIRE(sink.completions.size() == 2);
  CHECK_FALSE(sink.completions[1].llm_stream);
}

}  // namespace replay::engine
