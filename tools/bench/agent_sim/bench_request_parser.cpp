// Times RequestParser on wrk's keep-alive health check and on a chat POST with a bearer
// token, fed one request per call as they arrive from a socket.
// Usage: bench_request_parser [requests, default 5000000]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "replay/http/request_parser.hpp"

using replay::http::ParseStatus;
using replay::http::Request;
using replay::http::RequestParser;

namespace {

using Clock = std::chrono::steady_clock;

struct Counter : RequestParser::Listener {
  Request last;
  uint64_t requests = 0;
  uint64_t body_bytes = 0;
  void on_request_head(Request& request) override { std::swap(last, request); }
  void on_request_body(std::string_view chunk) override { body_bytes += chunk.size(); }
  bool on_request_complete() override {
    ++requests;
    return true;
  }
};

void run(const char* name, const std::string& raw, uint64_t total) {
  Counter counter;
  RequestParser parser(counter, {});
  const auto start = Clock::now();
  for (uint64_t i = 0; i < total; ++i) {
    if (parser.feed(raw).status != ParseStatus::need_more) {
      std::fprintf(stderr, "%s: parse failed\n", name);
      std::exit(1);
    }
  }
  double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  std::printf("request_parser.%s: %.0f ns/request, %.2f M requests/s (%llu parsed)\n", name,
              ns / static_cast<double>(total), static_cast<double>(total) * 1e3 / ns,
              static_cast<unsigned long long>(counter.requests));
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t total = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 5'000'000;
  run("health", "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n", total);
  std::string body = R"({"message":"What are the key performance indicators for Q4?"})";
  std::string chat =
      "POST /api/v1/chat HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: replay/0.1\r\n"
      "Accept: application/json\r\nContent-Type: application/json\r\n"
      "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl"
      "\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  run("chat", chat, total / 2);
  return 0;
}
