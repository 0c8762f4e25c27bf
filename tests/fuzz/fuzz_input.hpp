#pragma once
// The entry point every fuzz target defines: libFuzzer calls it with each input it tries, and
// corpus_main.cpp with each file of the target's corpus. A target must not crash, hang, leak
// or trip a sanitizer on any input; errors are values it simply drops.

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace replay::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace replay::fuzz
