#pragma once
// JSON strings of a trace line unescaped straight from the line, not through simdjson's
// string buffer: a large body would otherwise cost a third copy of itself.

#include <simdjson.h>

#include <string>

namespace replay::trace {

// Unescapes the JSON string whose text starts at `text` (just past its opening quote) into
// `out`, replacing its content; the string must close before `end`. Meant for strings that
// simdjson's stage 1 has seen (UTF-8 valid, no unescaped control character, closed): the
// escapes are checked here, STRING_ERROR for a bad one or a lone surrogate, UNCLOSED_STRING
// when no quote comes before `end`.
simdjson::error_code unescape_json_string(const char* text, const char* end, std::string& out);

}  // namespace replay::trace
