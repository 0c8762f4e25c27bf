#pragma once
// Runs an http::Server on a loop in the test's thread while a client runs on another thread.

#include <doctest/doctest.h>

#include <csignal>
#include <functional>
#include <list>
#include <memory>
#include <thread>

#include "replay/http/server.hpp"

namespace replay::testing {

// Runs a Server on a loop in this thread while a client function runs on another thread,
// then closes everything and checks that the loop has no handle left.
class Harness {
 public:
  Harness(http::RequestHandler handler, http::ServerOptions options = {}) {
    std::signal(SIGPIPE, SIG_IGN);
    REQUIRE(uv_loop_init(&loop_) == 0);
    server_ = std::make_unique<http::Server>(&loop_, std::move(handler), std::move(options));
    REQUIRE(server_->listen(net::parse_address("127.0.0.1:0").value()).ok());
    port_ = server_->local_address().port();
  }
  ~Harness() {
    timers_.clear();
    server_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop_) == 0);
  }

  uv_loop_t* loop() { return &loop_; }
  http::Server& server() { return *server_; }

  // Runs `fn` on the loop after `delay_ms`.
  void after(uint64_t delay_ms, std::function<void()> fn) {
    timers_.emplace_back();
    Timer& t = timers_.back();
    t.fn = std::move(fn);
    t.handle = uv::make_handle<uv_timer_t>();
    uv_timer_init(&loop_, t.handle.get());
    t.handle->data = &t;
    uv_timer_start(
        t.handle.get(), [](uv_timer_t* h) { static_cast<Timer*>(h->data)->fn(); }, delay_ms, 0);
  }

  // Serves until `client` returns, then closes the server (before_close runs first).
  void run(std::function<void(uint16_t port)> client, std::function<void()> before_close = {}) {
    auto async = uv::make_handle<uv_async_t>();
    struct Ctx {
      Harness* self;
      std::function<void()> before_close;
      uv::UvHandle<uv_async_t>* async;
    } ctx{this, std::move(before_close), &async};
    uv_async_init(&loop_, async.get(), [](uv_async_t* a) {
      auto* c = static_cast<Ctx*>(a->data);
      if (c->before_close) c->before_close();
      c->self->server_->close();
      c->self->timers_.clear();
      c->async->reset();
    });
    async->data = &ctx;
    uv_async_t* raw = async.get();
    std::thread thread([&] {
      client(port_);
      uv_async_send(raw);
    });
    uv_run(&loop_, UV_RUN_DEFAULT);
    thread.join();
  }

 private:
  struct Timer {
    uv::UvHandle<uv_timer_t> handle;
    std::function<void()> fn;
  };
  uv_loop_t loop_;
  std::unique_ptr<http::Server> server_;
  std::list<Timer> timers_;
  uint16_t port_ = 0;
};

}  // namespace replay::testing
