#pragma once
// Which HTTP version a client speaks to a target (a flag such as --http, an h2c:// target,
// ALPN), decided once at start-up, and the TLS context that goes with it. `replay run` and
// the recorder's upstream side use it.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "replay/client/target.hpp"
#include "replay/core/result.hpp"
#include "replay/tls/tls_context.hpp"

namespace replay::client {

struct ProtocolRequest {
  std::string_view flag = "--http";           // named in errors
  std::string_view target_flag = "--target";  // named in TLS set-up errors
  std::string_view http = "auto";             // "auto", "1.1" or "2"
  bool insecure = false;
  std::string cacert;
  bool tls_resume = true;
  int64_t connect_timeout_ms = 10000;
};

// Sets target.http2 and returns the client TLS context (null for http and h2c). "2" on http
// is h2c with prior knowledge, on https h2 by ALPN; auto on https asks the server once (one
// handshake offering h2 and http/1.1) and keeps what it chose; auto on http is HTTP/1.1.
// Errors name the flag: "1.1" with an h2c:// target, a failed ALPN probe, TLS set-up.
Result<std::unique_ptr<tls::TlsContext>> choose_protocol(const ProtocolRequest& request,
                                                         Target& target);

}  // namespace replay::client
