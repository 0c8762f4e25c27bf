#pragma once
// The server side of HTTP/2 on one ServerConnection (h2c with prior knowledge, or h2 chosen by
// ALPN): each stream is an Exchange answered through the same handler and ResponseWriter as
// HTTP/1.1. Framing, HPACK and flow control are nghttp2's.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "exchange.hpp"

using nghttp2_session = struct nghttp2_session;

namespace replay::http {

class ServerConnection;

// Owned by its connection; loop thread only. Output collects in output() for the connection
// to write (it calls flush_session() after each step).
class H2ServerSession final : public ExchangeOwner {
 public:
  explicit H2ServerSession(ServerConnection& connection);
  ~H2ServerSession();
  H2ServerSession(const H2ServerSession&) = delete;
  H2ServerSession& operator=(const H2ServerSession&) = delete;

  // Takes received plaintext in; false when the client broke the protocol (close then).
  bool receive(std::string_view bytes);
  std::string& output() { return output_; }
  // Nothing more will be read or written: the connection may close once output() is out.
  bool finished() const;
  size_t open_streams() const { return streams_.size(); }
  // The socket took every byte: runs the drain callbacks of the streams that asked.
  void drained();
  // The connection closed: every exchange is detached (disconnect callbacks run).
  void detach_all();

  void write_head(Exchange& exchange, int status, std::span<const HeaderField> headers,
                  std::optional<uint64_t> content_length) override;
  void write_body(Exchange& exchange, std::string_view bytes) override;
  void end(Exchange& exchange) override;
  void respond(Exchange& exchange, int status, std::span<const HeaderField> headers,
               std::string_view body) override;
  void reset() override;
  size_t queued_bytes() const override;

 private:
  struct Stream;
  friend struct H2ServerCallbacks;

  Stream* find(Exchange& exchange);
  void request_complete(Stream& stream);
  void send_goaway_if_due(Stream& stream);
  // Serialises what nghttp2 has to send into output_, then has the connection write it.
  void send();

  ServerConnection& connection_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
  std::string output_;
  uint64_t requests_ = 0;  // complete requests on this connection (for the fault flags)
  bool goaway_sent_ = false;
  bool sending_ = false;  // inside send(): writer calls from callbacks only queue
};

}  // namespace replay::http
