#pragma once
// An HTTP/1.1 request as the request builder made it, turned into HTTP/2 header fields.

#include <nghttp2/nghttp2.h>

#include <string>
#include <string_view>
#include <vector>

namespace replay::client {

// Reused per connection; the fields point into `head` (nghttp2 copies them on submit).
struct H2Request {
  std::string head;                // the request head, names lower-cased, pseudo-headers added
  std::vector<nghttp2_nv> fields;  // :method, :scheme, :authority, :path, then the headers
  size_t body_offset = 0;          // where the body starts in the wire bytes
};

// Fills `out` from `wire` ("GET /p HTTP/1.1\r\nHost: h\r\n...\r\n\r\nbody"), `scheme` being
// "http" or "https". Hop-by-hop headers (Connection, Keep-Alive, Transfer-Encoding, Upgrade,
// Proxy-Connection) are left out; Host becomes :authority. False when the head is malformed
// (then `error` says why, one line).
bool to_h2_request(const std::string& wire, std::string_view scheme, H2Request& out,
                   std::string& error);

}  // namespace replay::client
