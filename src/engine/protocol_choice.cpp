#include "protocol_choice.hpp"

namespace replay::engine {

Result<std::unique_ptr<tls::TlsContext>> choose_protocol(const RunConfig& config,
                                                         client::Target& target) {
  if (target.h2c_scheme() && config.http == "1.1") {
    return make_error(Errc::invalid_argument,
                      "--http 1.1: the target " + config.target_url + " is h2c:// (HTTP/2)");
  }
  if (!target.is_tls()) {
    target.http2 = target.h2c_scheme() || config.http == "2";
    return std::unique_ptr<tls::TlsContext>();
  }
  tls::Alpn alpn = config.http == "2" ? tls::Alpn::h2 : tls::Alpn::http1;
  if (config.http == "auto") {
    // A context of its own, so that the probe's session is not resumed by the run.
    auto probe = tls::TlsContext::create_client(config.insecure, config.cacert, false,
                                                tls::Alpn::h2_or_http1);
    if (!probe) return probe.error().within("--target");
    auto chosen =
        probe.value()->negotiate_alpn(target.addr, target.host, config.connect_timeout_ms);
    if (!chosen) return chosen.error().within("--http auto");
    if (chosen.value() == "h2") alpn = tls::Alpn::h2;
  }
  target.http2 = alpn == tls::Alpn::h2;
  auto ctx =
      tls::TlsContext::create_client(config.insecure, config.cacert, config.tls_resume, alpn);
  if (!ctx) return ctx.error().within("--target");
  return std::move(ctx).value();
}

}  // namespace replay::engine
