#pragma once
// A connection's responses in request order, framed as HTTP/1.1 bytes: a response that is not
// first keeps its bytes until every earlier one has ended.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "exchange.hpp"

namespace replay::http {

// Owned by one ServerConnection; loop thread only. Writes to an exchange that already ended
// are ignored.
class ResponseQueue {
 public:
  struct Finished {
    std::shared_ptr<Exchange> last;  // the last exchange removed, if any
    bool close_connection = false;   // it ended with Connection: close
    bool upgraded = false;           // it was a 101: `last->tunnel` takes the connection
  };

  void push(std::shared_ptr<Exchange> exchange) { queue_.push_back(std::move(exchange)); }
  bool empty() const { return queue_.empty(); }
  // The first unfinished exchange (the one whose bytes go to the socket); the queue must not
  // be empty.
  const std::shared_ptr<Exchange>& front() const { return queue_.front(); }
  size_t size() const { return queue_.size(); }
  // The last exchange (the request parsed most recently); the queue must not be empty.
  const std::shared_ptr<Exchange>& back() const { return queue_.back(); }
  // Removes `exchange` if it is the last one (a request that will never complete).
  void drop_last(const std::shared_ptr<Exchange>& exchange);
  // Empties the queue and returns what it held.
  std::deque<std::shared_ptr<Exchange>> take_all();

  // Bytes ready for the socket, in order; the connection sends and clears them.
  std::string& output() { return output_; }
  const std::string& output() const { return output_; }
  // Where bytes for `exchange` go now: output() when it is first, else its own buffer.
  std::string& output_for(Exchange& exchange);

  void write_head(Exchange& exchange, int status, std::span<const HeaderField> headers,
                  std::optional<uint64_t> content_length);
  void write_body(Exchange& exchange, std::string_view bytes);
  void end(Exchange& exchange);
  // Removes the ended exchanges at the front, detaching them, and moves the next one's held
  // bytes to output(); stops after one that closes the connection or switches protocols.
  Finished pop_finished();

 private:
  std::deque<std::shared_ptr<Exchange>> queue_;
  std::string output_;
};

}  // namespace replay::http
