#pragma once
// Temporary directories for tests, removed with everything in them.

#include <doctest/doctest.h>
#include <errno.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "file_io.hpp"

namespace replay::testing {

// A fresh directory $TMPDIR/<prefix>-XXXXXX (/tmp when TMPDIR is unset or empty), made by the
// constructor, which fails the running test when it cannot; the destructor removes it and
// everything in it, ignoring errors. Neither copied nor moved: one object owns the directory.
class TempDir {
 public:
  // The prefix is "replay-" and the test program's name.
  TempDir() : TempDir(std::string("replay-") + program_invocation_short_name) {}
  explicit TempDir(const std::string& prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  // Writes `bytes` to the file `name` in the directory (see write_file); returns its path.
  std::string write(const std::string& name, std::string_view bytes) const {
    const std::string path = file(name);
    write_file(path, bytes);
    return path;
  }

 private:
  std::string path_;
};

// The path of `name` in one directory for the whole test program, made on first use (from a
// running test) and removed when the program exits normally.
inline std::string temp_path(const std::string& name) {
  static const TempDir dir;
  return dir.file(name);
}

}  // namespace replay::testing
