#include "replay/tls/plain_transport.hpp"

#include <doctest/doctest.h>

#include <string>

namespace replay::tls {
namespace {

TEST_CASE("PlainTransport: established at once, bytes pass through without a copy") {
  PlainTransport plain;
  CHECK(plain.start() == Io::Done);
  CHECK(plain.established());

  auto request = std::make_shared<const std::string>("GET / HTTP/1.1\r\n\r\n");
  SendBuffer out;
  REQUIRE(plain.queue_send(request, out) == Io::Done);
  CHECK(out.shared.get() == request.get());
  CHECK(out.bytes().data() == request->data());
  CHECK_FALSE(plain.take_outgoing(out));

  const std::string received = "HTTP/1.1 200 OK\r\n";
  std::string_view piece;
  CHECK(plain.read_plaintext(piece) == Io::WouldBlock);
  REQUIRE(plain.feed_received(received) == Io::Done);
  REQUIRE(plain.read_plaintext(piece) == Io::Done);
  CHECK(piece.data() == received.data());
  CHECK(piece.size() == received.size());
  CHECK(plain.read_plaintext(piece) == Io::WouldBlock);
  CHECK_FALSE(plain.peer_closed());
  CHECK(plain.error().empty());
}

TEST_CASE("SendBuffer: clear keeps the owned capacity") {
  SendBuffer buffer;
  buffer.owned.assign(1000, 'x');
  const size_t capacity = buffer.owned.capacity();
  CHECK_FALSE(buffer.empty());
  buffer.clear();
  CHECK(buffer.empty());
  CHECK(buffer.owned.capacity() == capacity);
}

TEST_CASE("PlainTransport copy-sends and ends sessions without extra bytes") {
  PlainTransport plain;
  SendBuffer out;
  const std::string before(3, 'a');  // bytes already waiting stay first
  out.owned.append(before);
  CHECK(plain.queue_send_copy("bc", out) == Io::Done);
  CHECK(out.owned == "aaabc");
  plain.end_session(out);
  CHECK(out.owned == "aaabc");
}

}  // namespace
}  // namespace replay::tls
