// Requests as the recorder's and agent-sim's server reads them: the input is fed whole, then
// again split at a point its first byte picks, with small limits so that they are hit.
#include "fuzz_input.hpp"
#include "replay/http/request_parser.hpp"

namespace {

struct Sink : replay::http::RequestParser::Listener {
  void on_request_head(replay::http::Request& request) override { last = std::move(request); }
  void on_request_body(std::string_view chunk) override { body_bytes += chunk.size(); }
  bool on_request_complete() override { return ++requests % 4 != 0; }  // pauses now and then
  replay::http::Request last;
  size_t body_bytes = 0;
  int requests = 0;
};

void feed(std::string_view first, std::string_view rest) {
  Sink sink;
  replay::http::ParserLimits limits;
  limits.max_header_bytes = 2048;
  limits.max_headers = 16;
  limits.max_body_bytes = 4096;
  replay::http::RequestParser parser(sink, limits);
  for (std::string_view piece : {first, rest}) {
    for (int guard = 0; guard < 1000; ++guard) {
      const auto result = parser.feed(piece);
      if (result.status != replay::http::ParseStatus::paused) {
        if (result.status != replay::http::ParseStatus::need_more) return;
        break;
      }
      piece.remove_prefix(result.consumed);
      parser.resume();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = replay::fuzz::as_text(data, size);
  feed(text, {});
  if (!text.empty()) {
    const size_t split = static_cast<uint8_t>(text[0]) % text.size();
    feed(text.substr(0, split), text.substr(split));
  }
  return 0;
}
