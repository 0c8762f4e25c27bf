#include "replay/llm/stream_format.hpp"

namespace replay::llm {

const char* stream_format_name(StreamFormat format) noexcept {
  switch (format) {
    case StreamFormat::auto_detect:
      return "auto";
    case StreamFormat::openai:
      return "openai";
    case StreamFormat::anthropic:
      return "anthropic";
    case StreamFormat::generic:
      return "generic";
  }
  return "auto";
}

Result<StreamFormat> parse_stream_format(std::string_view text) {
  for (auto f : {StreamFormat::auto_detect, StreamFormat::openai, StreamFormat::anthropic,
                 StreamFormat::generic}) {
    if (text == stream_format_name(f)) return f;
  }
  return make_error(Errc::invalid_argument, "--stream-format '" + std::string(text) +
                                                "': expected auto, openai, anthropic or generic");
}

Result<std::string> parse_json_pointer(std::string_view flag, std::string_view text) {
  if (!text.empty() && text.front() != '/') {
    return make_error(Errc::invalid_argument,
                      std::string(flag) + " '" + std::string(text) +
                          "': a JSON pointer starts with '/' (e.g. /choices/0/delta/content)");
  }
  return std::string(text);
}

}  // namespace replay::llm
