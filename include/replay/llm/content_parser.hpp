#pragma once
// Reads one SSE event of an LLM stream: does it carry content, is it the end marker, does it
// carry the output token count.

#include <cstdint>
#include <memory>
#include <string_view>

#include "replay/llm/stream_format.hpp"

namespace replay::llm {

struct EventReading {
  bool content = false;         // carries generated text (an empty delta does not)
  bool done = false;            // OpenAI's "[DONE]"
  bool malformed = false;       // JSON was expected and the data is not JSON (or was truncated)
  int64_t usage_tokens = -1;    // usage.completion_tokens / usage.output_tokens; -1: none
  int64_t pointer_tokens = -1;  // the number at StreamOptions::tokens_pointer; -1: none
};

// One per worker thread (it holds a JSON parser whose buffers are reused); not thread-safe.
// `options` must outlive it.
class ContentParser {
 public:
  explicit ContentParser(const StreamOptions& options);
  ~ContentParser();
  ContentParser(const ContentParser&) = delete;
  ContentParser& operator=(const ContentParser&) = delete;

  // Reads an event (`name` its event: field, `data` its data). Never fails: data that is not
  // what the format expects reads as malformed (not content).
  EventReading read(std::string_view name, std::string_view data, bool truncated);

  const StreamOptions& options() const { return options_; }

 private:
  struct Json;
  StreamOptions options_;  // a copy: callers pass temporaries
  std::unique_ptr<Json> json_;
};

}  // namespace replay::llm
