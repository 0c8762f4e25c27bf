#pragma once
// Whole-file reads and writes for tests.

#include <doctest/doctest.h>

#include <fstream>
#include <ios>
#include <iterator>
#include <string>
#include <string_view>

namespace replay::testing {

// The bytes of the file at `path`; empty when it cannot be read.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Replaces the file at `path` with `bytes`; fails the running test when it cannot.
inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

}  // namespace replay::testing
