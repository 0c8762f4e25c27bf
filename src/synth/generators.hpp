#pragma once
// The generators' output formats, shared by template expansion and its tests.

#include <cstddef>
#include <string>

#include "replay/core/random.hpp"

namespace replay::synth {

// Appends a random version-4 UUID (RFC 4122 variant), lower-case: 36 characters.
void append_uuid(std::string& out, Random& random);

// Appends exactly `bytes` bytes of lower-case words separated by spaces (no leading or
// trailing space); with `percent_encode_spaces` each space is written as "%20" instead.
void append_filler_text(std::string& out, size_t bytes, Random& random, bool percent_encode_spaces);

}  // namespace replay::synth
