#pragma once
// The transport for http://: bytes pass through without a copy.

#include "replay/tls/transport.hpp"

namespace replay::tls {

// Pass-through session: established at once; received bytes are handed back as they came and
// sent bytes are shared, never copied.
class PlainTransport final : public Transport {
 public:
  Io start() override { return Io::Done; }
  bool established() const override { return true; }
  Io feed_received(std::string_view bytes) override;
  Io read_plaintext(std::string_view& out) override;
  bool peer_closed() const override { return false; }
  Io queue_send(const std::shared_ptr<const std::string>& bytes, SendBuffer& out) override;
  Io queue_send_copy(std::string_view bytes, SendBuffer& out) override;
  bool take_outgoing(SendBuffer&) override { return false; }
  void end_session(SendBuffer&) override {}
  std::string_view error() const override { return {}; }

 private:
  std::string_view received_;
};

}  // namespace replay::tls
