#pragma once
// The one interface between a connection and its socket bytes: PlainTransport passes bytes
// through untouched, TlsTransport runs TLS over memory BIOs (libuv owns the socket).

#include <memory>
#include <string>
#include <string_view>

namespace replay::tls {

// Done: the step completed now. WouldBlock: nothing more can happen until more bytes arrive.
// Failed: the session is unusable (error() says why) and the connection must close.
enum class Io { Done, WouldBlock, Failed };

// Bytes for one socket write and what keeps them alive until the write completes: either
// shared bytes passed through without a copy, or bytes the transport produced (ciphertext).
struct SendBuffer {
  std::shared_ptr<const std::string> shared;
  std::string owned;  // capacity is kept across clear() so steady state does not allocate

  std::string_view bytes() const {
    return shared ? std::string_view(*shared) : std::string_view(owned);
  }
  bool empty() const { return bytes().empty(); }
  void clear() {
    shared.reset();
    owned.clear();
  }
};

// One session over one socket. Not thread-safe: used on its connection's loop thread only.
class Transport {
 public:
  virtual ~Transport() = default;

  // Begins the session (a TLS client queues its ClientHello for take_outgoing, a TLS server
  // waits for one). Done when the session is established at once (plain), WouldBlock while
  // a handshake runs, Failed on error.
  virtual Io start() = 0;
  // True once application bytes can flow.
  virtual bool established() const = 0;
  // Once established: the handshake resumed an earlier TLS session (never for plain).
  virtual bool resumed() const { return false; }
  // Once established: the protocol ALPN chose ("h2", "http/1.1"), empty when none (plain).
  virtual std::string_view alpn() const { return {}; }
  // Hands over bytes read from the socket; they are only valid during the call unless
  // read_plaintext is called before the next feed (plain keeps a view, TLS copies them). While
  // handshaking: Done when the handshake just completed, WouldBlock while it goes on.
  virtual Io feed_received(std::string_view bytes) = 0;
  // Sets `out` to the next application bytes received: Done with data, WouldBlock when none
  // are ready, Failed on a protocol error. `out` is valid until the next call on any
  // transport of this thread (TLS decrypts into one buffer per thread).
  virtual Io read_plaintext(std::string_view& out) = 0;
  // True once the peer ended the session cleanly (TLS close_notify); plain never sets it, a
  // plain peer close is the socket's EOF.
  virtual bool peer_closed() const = 0;
  // Queues application bytes for sending on an established session and adds what must be
  // written to the socket to `out` (which must be empty for a pass-through transport). The
  // transport keeps no reference to `bytes` after the call unless it stores it in `out`.
  virtual Io queue_send(const std::shared_ptr<const std::string>& bytes, SendBuffer& out) = 0;
  // Like queue_send for bytes the caller keeps and reuses: appends what must be written to
  // the socket to out.owned (plain: a copy of `bytes`; TLS: their ciphertext after any
  // pending handshake bytes). Failed before the session is established.
  virtual Io queue_send_copy(std::string_view bytes, SendBuffer& out) = 0;
  // Appends bytes the transport itself must send (handshake, alerts) to out.owned; false
  // when there are none.
  virtual bool take_outgoing(SendBuffer& out) = 0;
  // Ends the session cleanly before the socket is shut down: appends TLS's close_notify to
  // out.owned; nothing for plain. Later sends fail.
  virtual void end_session(SendBuffer& out) = 0;
  // Why the last step Failed, one line; empty when nothing failed.
  virtual std::string_view error() const = 0;
};

}  // namespace replay::tls
