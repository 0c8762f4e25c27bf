// Responses as replay's client reads them: keep-alive responses one after another (with SSE
// scanning and header lines), fed in pieces whose sizes the input's first byte picks, then the
// end of the stream.
#include "fuzz_input.hpp"
#include "replay/client/response_parser.hpp"

namespace {

struct Observer : replay::client::ResponseObserver {
  Observer() { wants_header_lines = true; }
  void on_sent(uint64_t) override {}
  void on_first_byte(uint64_t) override {}
  void on_header(std::string_view name, std::string_view value) override {
    header_bytes += name.size() + value.size();
  }
  void on_sse_event(uint64_t) override { ++events; }
  void on_body(std::string_view chunk) override { body_bytes += chunk.size(); }
  void on_complete(uint64_t, int, uint64_t) override {}
  void on_failed(uint64_t, replay::client::FailureCause) override {}
  size_t header_bytes = 0;
  size_t body_bytes = 0;
  uint64_t events = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using replay::client::ResponseParser;
  std::string_view text = replay::fuzz::as_text(data, size);
  if (text.empty()) return 0;
  const size_t piece = 1 + static_cast<uint8_t>(text[0]) % 64;
  const bool head = (static_cast<uint8_t>(text[0]) & 0x80) != 0;
  text.remove_prefix(1);
  Observer observer;
  ResponseParser parser;
  parser.begin(observer, head, true);
  for (int responses = 0; responses < 64;) {
    if (text.empty()) {
      static_cast<void>(parser.finish_at_eof());
      break;
    }
    const std::string_view bytes = text.substr(0, piece);
    size_t consumed = 0;
    const auto progress = parser.parse(bytes, 1, consumed);
    if (progress == ResponseParser::Progress::failed) break;
    if (consumed > bytes.size()) __builtin_trap();
    text.remove_prefix(consumed);
    if (progress == ResponseParser::Progress::complete) {
      ++responses;
      parser.begin(observer, head, true);
    } else if (consumed < bytes.size()) {
      __builtin_trap();  // an incomplete response takes every byte it is given
    }
  }
  return 0;
}
