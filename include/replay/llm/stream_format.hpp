#pragma once
// How replay reads an LLM's streamed reply (--stream-format, --stream-content, --stream-tokens):
// which events carry content and where the output token count is.

#include <cstdint>
#include <string>
#include <string_view>

#include "replay/core/result.hpp"

namespace replay::llm {

// openai: chat/completions chunks (choices[0].delta.content or .reasoning_content, or
// choices[0].text), a usage chunk, then [DONE]; anthropic: content_block_delta events with
// delta.text (message_delta's usage.output_tokens counts); generic: every non-empty data event
// (or the string at content_pointer) is content; auto: decides per event from its shape.
enum class StreamFormat { auto_detect, openai, anthropic, generic };

// "auto", "openai", ... as --stream-format spells them.
const char* stream_format_name(StreamFormat format) noexcept;
// Errc::invalid_argument naming the value and the choices.
Result<StreamFormat> parse_stream_format(std::string_view text);

struct StreamOptions {
  StreamFormat format = StreamFormat::auto_detect;
  // RFC 6901 JSON pointers ("" = none). content_pointer: in generic mode, the content of an
  // event (a non-empty string there counts as content). tokens_pointer: an event's number at
  // it is the stream's output token count (the last one seen wins), used when the stream has
  // no usage.completion_tokens.
  std::string content_pointer;
  std::string tokens_pointer;
};

// Checks a JSON pointer as the flags take it: "" or starting with '/'. Errc::invalid_argument.
Result<std::string> parse_json_pointer(std::string_view flag, std::string_view text);

}  // namespace replay::llm
