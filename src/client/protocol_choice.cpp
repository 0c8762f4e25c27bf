#include "replay/client/protocol_choice.hpp"

namespace replay::client {

Result<std::unique_ptr<tls::TlsContext>> choose_protocol(const ProtocolRequest& request,
                                                         Target& target) {
  const std::string flag(request.flag);
  if (target.h2c_scheme() && request.http == "1.1") {
    return make_error(Errc::invalid_argument, flag + " 1.1: the target " + target.scheme +
                                                  "://" + target.host_header +
                                                  " is h2c:// (HTTP/2)");
  }
  if (!target.is_tls()) {
    target.http2 = target.h2c_scheme() || request.http == "2";
    return std::unique_ptr<tls::TlsContext>();
  }
  tls::Alpn alpn = request.http == "2" ? tls::Alpn::h2 : tls::Alpn::http1;
  if (request.http == "auto") {
    // A context of its own, so that the probe's session is not resumed afterwards.
    auto probe = tls::TlsContext::create_client(request.insecure, request.cacert, false,
                                                tls::Alpn::h2_or_http1);
    if (!probe) return probe.error().within(std::string(request.target_flag));
    auto chosen =
        probe.value()->negotiate_alpn(target.addr, target.host, request.connect_timeout_ms);
    if (!chosen) return chosen.error().within(flag + " auto");
    if (chosen.value() == "h2") alpn = tls::Alpn::h2;
  }
  target.http2 = alpn == tls::Alpn::h2;
  auto context =
      tls::TlsContext::create_client(request.insecure, request.cacert, request.tls_resume, alpn);
  if (!context) return context.error().within(std::string(request.target_flag));
  return std::move(context).value();
}

}  // namespace replay::client
