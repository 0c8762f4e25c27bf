#pragma once
// H2Connection's inside, shared by its two source files: a stream's state and the libuv and
// nghttp2 entry points (h2_callbacks.cpp).

#include <nghttp2/nghttp2.h>

#include "replay/client/h2_connection.hpp"
#include "replay/sse/event_scanner.hpp"

namespace replay::client {

struct H2Connection::Stream {
  ResponseObserver* observer = nullptr;  // null once told its end
  WireBytes wire;                        // the request; its body is read from here
  size_t body_at = 0;
  uint64_t deadline_ns = 0;
  uint64_t bytes = 0;
  int status = 0;
  bool keep_body = false;
  bool first_byte_seen = false;
  bool headers_done = false;
  bool event_stream = false;
  bool reset_by_peer = false;
  sse::EventScanner scanner;
};

// libuv and nghttp2 call these; a friend of H2Connection.
struct H2Callbacks {
  static constexpr size_t kReadBufferBytes = 64 * 1024;
  // The thread's read buffer (libuv's reads and the poller's).
  static char* read_buffer();
  static H2Connection& of(void* user);
  static void on_connect(uv_connect_t* req, int status);
  static void on_alloc(uv_handle_t*, size_t, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_timer(uv_timer_t* timer);
  static ssize_t read_body(nghttp2_session*, int32_t id, uint8_t* buf, size_t length,
                           uint32_t* flags, nghttp2_data_source*, void* user);
  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name_bytes,
                       size_t name_length, const uint8_t* value_bytes, size_t value_length, uint8_t,
                       void* user);
  static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user);
  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data,
                           size_t length, void* user);
  static int on_stream_close(nghttp2_session*, int32_t id, uint32_t error_code, void* user);
};

}  // namespace replay::client
