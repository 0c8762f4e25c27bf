#pragma once
// An HTTP/1.x request as the server hands it to a handler: method, target, ordered headers
// and body.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replay/net/address.hpp"

namespace replay::http {

// A header as views into storage owned elsewhere.
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// True when `a` and `b` are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b) noexcept;

// Headers in arrival order, names and values stored in one buffer; duplicates are kept.
class HeaderList {
 public:
  class Iterator {
   public:
    Iterator(const HeaderList* list, size_t index) : list_(list), index_(index) {}
    HeaderField operator*() const { return (*list_)[index_]; }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    const HeaderList* list_;
    size_t index_;
  };

  void add(std::string_view name, std::string_view value);
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Views valid until the list is modified.
  HeaderField operator[](size_t index) const;
  // The first value whose name matches case-insensitively.
  std::optional<std::string_view> find(std::string_view name) const;
  // Removes every header and keeps the capacity.
  void clear();
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, entries_.size()); }

 private:
  struct Entry {
    uint32_t name_offset;
    uint32_t name_size;
    uint32_t value_offset;
    uint32_t value_size;
  };
  std::string bytes_;
  std::vector<Entry> entries_;
};

struct Request {
  std::string_view method;  // static upper-case name from llhttp, e.g. "GET"
  std::string target;       // as sent: path and query
  uint8_t version_major = 1;
  uint8_t version_minor = 1;
  HeaderList headers;
  std::string body;            // empty when the body was streamed to a sink
  bool keep_alive = true;      // the client allows another request on this connection
  bool upgrade = false;        // Upgrade with Connection: upgrade: it asks to switch protocols
  uint64_t started_at_ns = 0;  // uv_hrtime() when the request's first byte was read
  net::SocketAddress peer;     // the client's address (set by the server for every request)

  // The target without its query string.
  std::string_view path() const;
  // The query string without '?', or "".
  std::string_view query() const;
  // Empties every field and keeps the capacity.
  void clear();
};

}  // namespace replay::http
