#pragma once
// Errors as values: Result<T> holds a T or an Error{code, context}. Only src/cli turns an
// Error into a one-line message and an exit code.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace replay {

enum class Errc {
  invalid_argument,  // a value given by the user (flag, expression) is malformed
  not_found,         // a file or named thing does not exist
  io,                // reading or writing failed (permission, disk full, ...)
  corrupt,           // input data does not parse (trace record, JSON, zstd frame)
  unsupported,       // a format version or feature this build does not handle
  network,           // socket-level failure
  internal,          // a broken invariant: a bug in replay
};

// Short lower-case name of an error code, for messages and JSON.
const char* errc_name(Errc code) noexcept;

struct Error {
  Errc code = Errc::internal;
  std::string context;  // one line, no trailing period: "trace.zst: record 3 at byte 812: ..."

  // Returns a copy whose context is prefixed by `where`: "where: context".
  [[nodiscard]] Error within(std::string_view where) const {
    return Error{code, std::string(where) + ": " + context};
  }
};

inline Error make_error(Errc code, std::string context) {
  return Error{code, std::move(context)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace replay
