#pragma once
// Which HTTP version a run speaks (--http, an h2c:// target, ALPN), decided once at start-up,
// and the TLS context that goes with it.

#include <memory>

#include "replay/client/target.hpp"
#include "replay/core/result.hpp"
#include "replay/engine/engine.hpp"
#include "replay/tls/tls_context.hpp"

namespace replay::engine {

// Sets target.http2 and returns the client TLS context (null for http and h2c). --http 2 on
// http is h2c with prior knowledge, on https h2 by ALPN; auto on https asks the server once
// (one handshake offering h2 and http/1.1) and keeps what it chose; auto on http is HTTP/1.1.
// Errors name the flag: --http 1.1 with an h2c:// target, a failed ALPN probe, TLS set-up.
Result<std::unique_ptr<tls::TlsContext>> choose_protocol(const RunConfig& config,
                                                         client::Target& target);

}  // namespace replay::engine
