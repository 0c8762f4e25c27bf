#include "replay/tls/plain_transport.hpp"

#include <cassert>

namespace replay::tls {

Io PlainTransport::feed_received(std::string_view bytes) {
  received_ = bytes;
  return Io::Done;
}

Io PlainTransport::read_plaintext(std::string_view& out) {
  if (received_.empty()) return Io::WouldBlock;
  out = received_;
  received_ = {};
  return Io::Done;
}

Io PlainTransport::queue_send(const std::shared_ptr<const std::string>& bytes, SendBuffer& out) {
  // Shared bytes cannot be appended to: the connection sends one buffer at a time.
  assert(out.empty());
  out.shared = bytes;
  return Io::Done;
}

Io PlainTransport::queue_send_copy(std::string_view bytes, SendBuffer& out) {
  out.owned.append(bytes);
  return Io::Done;
}

}  // namespace replay::tls
