#pragma once
// Source lines for JSON documents: simdjson's DOM keeps no positions, so scenario errors find
// the line of a field, or of a syntax error, by scanning the text again (only on error paths).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replay::synth {

// One step of a path into a JSON document: an object key or an array index.
struct PathStep {
  std::string key;
  size_t index = 0;
  bool is_index = false;
};

// A path from the root: {"sessions", 0, "steps", 2, "path"}.
using JsonPath = std::vector<PathStep>;

// Renders a path for messages: "sessions[0].steps[2].path"; the root is "(root)".
std::string format_json_path(const JsonPath& path);

// Where a JSON text breaks the grammar (RFC 8259).
struct JsonSyntaxError {
  int line = 1;  // 1-based
  std::string message;
};

// The first grammar error in `text` with its line, or nullopt when `text` is one well-formed
// JSON value (surrounded by optional whitespace). Nesting deeper than 512 is an error.
std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text);

// The 1-based line where the value at `path` starts in the well-formed JSON `text`. When a step
// of the path does not exist (a missing field), the line of the deepest value that does.
int line_of_json_path(std::string_view text, const JsonPath& path);

}  // namespace replay::synth
