#include "replay/llm/content_parser.hpp"

#include <simdjson.h>

namespace replay::llm {
namespace {

using simdjson::dom::element;

bool non_empty_string(element e) {
  std::string_view s;
  return e.get_string().get(s) == simdjson::SUCCESS && !s.empty();
}

int64_t number_at(element e, std::string_view key) {
  element v;
  if (e.at_key(key).get(v) != simdjson::SUCCESS) return -1;
  int64_t n = -1;
  if (v.get_int64().get(n) == simdjson::SUCCESS) return n;
  double d = 0;
  if (v.get_double().get(d) == simdjson::SUCCESS && d >= 0) return static_cast<int64_t>(d);
  return -1;
}

// An OpenAI chat/completions (or completions) chunk.
void read_openai(element root, EventReading& out) {
  element choices;
  if (root.at_key("choices").get(choices) == simdjson::SUCCESS) {
    element first;
    if (choices.at(0).get(first) == simdjson::SUCCESS) {
      element delta;
      if (first.at_key("delta").get(delta) == simdjson::SUCCESS) {
        element text;
        out.content =
            (delta.at_key("content").get(text) == simdjson::SUCCESS && non_empty_string(text)) ||
            (delta.at_key("reasoning_content").get(text) == simdjson::SUCCESS &&
             non_empty_string(text));
      } else {
        element text;
        out.content = first.at_key("text").get(text) == simdjson::SUCCESS && non_empty_string(text);
      }
    }
  }
  element usage;
  if (root.at_key("usage").get(usage) == simdjson::SUCCESS && usage.is_object()) {
    out.usage_tokens = number_at(usage, "completion_tokens");
  }
}

// An Anthropic Messages stream event; `type` from the event: field or the data's "type".
void read_anthropic(std::string_view type, element root, EventReading& out) {
  if (type == "content_block_delta") {
    element delta;
    if (root.at_key("delta").get(delta) != simdjson::SUCCESS) return;
    element text;
    out.content =
        (delta.at_key("text").get(text) == simdjson::SUCCESS && non_empty_string(text)) ||
        (delta.at_key("thinking").get(text) == simdjson::SUCCESS && non_empty_string(text)) ||
        (delta.at_key("partial_json").get(text) == simdjson::SUCCESS && non_empty_string(text));
  } else if (type == "message_delta") {
    element usage;
    if (root.at_key("usage").get(usage) == simdjson::SUCCESS) {
      out.usage_tokens = number_at(usage, "output_tokens");
    }
  }
}

std::string_view type_of(std::string_view name, element root) {
  if (!name.empty()) return name;
  std::string_view type;
  if (root.at_key("type").get_string().get(type) != simdjson::SUCCESS) return {};
  return type;
}

bool looks_anthropic(std::string_view type) {
  return type.rfind("content_block", 0) == 0 || type.rfind("message_", 0) == 0 || type == "ping";
}

}  // namespace

struct ContentParser::Json {
  simdjson::dom::parser parser;
};

ContentParser::ContentParser(const StreamOptions& options)
    : options_(options), json_(std::make_unique<Json>()) {}

ContentParser::~ContentParser() = default;

EventReading ContentParser::read(std::string_view name, std::string_view data, bool truncated) {
  EventReading out;
  std::string_view trimmed = data;
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\n')) {
    trimmed.remove_suffix(1);
  }
  if (trimmed == "[DONE]") {
    out.done = true;
    return out;
  }
  const StreamFormat format = options_.format;
  const bool wants_json = format != StreamFormat::generic || !options_.content_pointer.empty() ||
                          !options_.tokens_pointer.empty();
  if (!wants_json) {
    out.content = !trimmed.empty();
    return out;
  }
  element root;
  const bool parsed =
      !truncated && !trimmed.empty() &&
      json_->parser.parse(trimmed.data(), trimmed.size()).get(root) == simdjson::SUCCESS;
  if (!parsed) {
    // auto: data that is not JSON is generic text; an explicit JSON format calls it malformed.
    if (format == StreamFormat::auto_detect && options_.content_pointer.empty() && !truncated) {
      out.content = !trimmed.empty();
    } else {
      out.malformed = !trimmed.empty() || truncated;
    }
    return out;
  }
  if (!options_.tokens_pointer.empty()) {
    element v;
    if (root.at_pointer(options_.tokens_pointer).get(v) == simdjson::SUCCESS) {
      int64_t n = -1;
      double d = 0;
      if (v.get_int64().get(n) == simdjson::SUCCESS) {
        out.pointer_tokens = n;
      } else if (v.get_double().get(d) == simdjson::SUCCESS && d >= 0) {
        out.pointer_tokens = static_cast<int64_t>(d);
      }
    }
  }
  switch (format) {
    case StreamFormat::openai:
      read_openai(root, out);
      break;
    case StreamFormat::anthropic:
      read_anthropic(type_of(name, root), root, out);
      break;
    case StreamFormat::generic: {
      if (options_.content_pointer.empty()) {
        out.content = true;
        break;
      }
      element v;
      out.content = root.at_pointer(options_.content_pointer).get(v) == simdjson::SUCCESS &&
                    non_empty_string(v);
      break;
    }
    case StreamFormat::auto_detect: {
      const std::string_view type = type_of(name, root);
      if (looks_anthropic(type)) {
        read_anthropic(type, root, out);
      } else if (root.is_object() && (root.at_key("choices").error() == simdjson::SUCCESS ||
                                      root.at_key("usage").error() == simdjson::SUCCESS)) {
        read_openai(root, out);
      } else if (!options_.content_pointer.empty()) {
        element v;
        out.content = root.at_pointer(options_.content_pointer).get(v) == simdjson::SUCCESS &&
                      non_empty_string(v);
      } else {
        out.content = true;  // any other non-empty data event
      }
      break;
    }
  }
  return out;
}

}  // namespace replay::llm
