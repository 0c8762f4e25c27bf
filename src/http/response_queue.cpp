#include "response_queue.hpp"

namespace replay::http {

void ResponseQueue::drop_last(const std::shared_ptr<Exchange>& exchange) {
  if (!queue_.empty() && queue_.back() == exchange) queue_.pop_back();
}

std::deque<std::shared_ptr<Exchange>> ResponseQueue::take_all() {
  auto all = std::move(queue_);
  queue_.clear();
  return all;
}

std::string& ResponseQueue::output_for(Exchange& exchange) {
  return !queue_.empty() && queue_.front().get() == &exchange ? output_ : exchange.pending;
}

void ResponseQueue::write_head(Exchange& exchange, int status, std::span<const HeaderField> headers,
                               std::optional<uint64_t> content_length) {
  if (exchange.head_written || exchange.ended) return;
  exchange.head_written = true;
  const Request& request = exchange.request;
  bool http10 = request.version_major == 1 && request.version_minor == 0;
  if (!request.keep_alive) exchange.close_after = true;
  bool bodyless_status = (status >= 100 && status < 200) || status == 204 || status == 304;
  if (bodyless_status) exchange.omit_body = true;

  std::optional<uint64_t> length_header;
  if (content_length) {
    exchange.framing = Framing::fixed;
    exchange.remaining_bytes = *content_length;
    if (!bodyless_status) length_header = content_length;
  } else if (exchange.omit_body) {
    exchange.framing = Framing::fixed;
  } else if (!http10) {
    exchange.framing = Framing::chunked;
  } else {
    exchange.framing = Framing::until_close;
    exchange.close_after = true;
  }
  if (exchange.omit_body) exchange.remaining_bytes = 0;
  ConnectionHeader connection = ConnectionHeader::none;
  if (exchange.close_after) {
    connection = ConnectionHeader::close;
  } else if (http10) {
    connection = ConnectionHeader::keep_alive;
  }
  append_response_head(output_for(exchange), status, headers, exchange.framing, length_header,
                       connection);
}

void ResponseQueue::write_body(Exchange& exchange, std::string_view bytes) {
  if (exchange.ended) return;
  if (!exchange.head_written) write_head(exchange, 200, {}, std::nullopt);
  if (bytes.empty() || exchange.omit_body) return;
  std::string& out = output_for(exchange);
  switch (exchange.framing) {
    case Framing::fixed:
      if (bytes.size() > exchange.remaining_bytes) {
        bytes = bytes.substr(0, exchange.remaining_bytes);
        exchange.close_after = true;  // the client would read the excess as a response
      }
      out.append(bytes);
      exchange.remaining_bytes -= bytes.size();
      break;
    case Framing::chunked:
      append_chunk(out, bytes);
      break;
    case Framing::until_close:
      out.append(bytes);
      break;
  }
}

void ResponseQueue::end(Exchange& exchange) {
  if (exchange.ended) return;
  if (!exchange.head_written) write_head(exchange, 200, {}, 0);
  exchange.ended = true;
  if (exchange.framing == Framing::chunked) output_for(exchange).append(kLastChunk);
  // A short fixed body or a close-delimited one leaves the connection unusable.
  if (exchange.framing == Framing::fixed && exchange.remaining_bytes > 0) {
    exchange.close_after = true;
  }
  if (exchange.framing == Framing::until_close) exchange.close_after = true;
}

ResponseQueue::Finished ResponseQueue::pop_finished() {
  Finished finished;
  while (!queue_.empty() && queue_.front()->ended) {
    finished.last = std::move(queue_.front());
    queue_.pop_front();
    finished.last->connection = nullptr;
    finished.last->on_disconnect = nullptr;  // it may capture the writer: keep no cycle
    finished.last->on_drained = nullptr;
    if (finished.last->tunnel) {
      finished.upgraded = true;
      return finished;
    }
    if (finished.last->close_after) {
      finished.close_connection = true;
      return finished;
    }
    if (!queue_.empty() && !queue_.front()->pending.empty()) {
      output_.append(queue_.front()->pending);
      queue_.front()->pending.clear();
    }
  }
  return finished;
}

}  // namespace replay::http
