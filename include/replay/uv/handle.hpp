#pragma once
// libuv handle ownership kept by types: an initialised handle is closed with uv_close and its
// memory is freed only in the close callback; handles never move or copy.

#include <uv.h>

#include <memory>

namespace replay::uv {

// Frees the handle in libuv's close callback, never earlier. The loop must run afterwards
// for the callback to fire (uv_run until uv_loop_close succeeds).
template <class H>
struct UvClose {
  void operator()(H* h) const noexcept {
    auto* raw = reinterpret_cast<uv_handle_t*>(h);
    if (uv_is_closing(raw)) return;
    uv_close(raw, [](uv_handle_t* closed) { delete reinterpret_cast<H*>(closed); });
  }
};

// Owns a libuv handle allocated with `new H` and initialised by its uv_*_init call.
template <class H>
using UvHandle = std::unique_ptr<H, UvClose<H>>;

// Allocates a handle; the caller initialises it (uv_timer_init, ...) before it is closed.
template <class H>
UvHandle<H> make_handle() {
  return UvHandle<H>(new H{});
}

}  // namespace replay::uv
