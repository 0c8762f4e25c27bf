#pragma once
// Runs an upstream http::Server and a RecordingProxy in front of it on a loop in the test's
// thread, while a client function talks to the proxy from another thread.

#include <doctest/doctest.h>
#include <uv.h>

#include <csignal>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "replay/client/target.hpp"
#include "replay/http/server.hpp"
#include "replay/record/recording_proxy.hpp"
#include "replay/tls/tls_context.hpp"
#include "replay/uv/handle.hpp"

namespace replay::testing {

class ProxyHarness {
 public:
  ProxyHarness() {
    std::signal(SIGPIPE, SIG_IGN);
    REQUIRE(uv_loop_init(&loop_) == 0);
  }

  // Starts the scripted upstream and the proxy (with `policy` and `options` as set by then).
  // `upstream_url` empty: the proxy forwards to the scripted upstream; else to that URL.
  void start(http::RequestHandler upstream_handler, std::string upstream_url = {}) {
    upstream_ = std::make_unique<http::Server>(&loop_, std::move(upstream_handler));
    REQUIRE(upstream_->listen(net::parse_address("127.0.0.1:0").value()).ok());
    if (upstream_url.empty()) {
      upstream_url = "http://127.0.0.1:" + std::to_string(upstream_->local_address().port());
    }
    target_ = client::parse_target(upstream_url).value();
    proxy_ = std::make_unique<record::RecordingProxy>(
        &loop_, target_, upstream_tls, std::move(policy), options,
        [this](trace::Record&& r) { records.push_back(std::move(r)); });
    REQUIRE(proxy_->listen(net::parse_address("127.0.0.1:0").value()).ok());
    port_ = proxy_->local_address().port();
  }
  ~ProxyHarness() {
    timers_.clear();
    proxy_.reset();
    upstream_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop_) == 0);
  }

  uv_loop_t* loop() { return &loop_; }
  http::Server& upstream() { return *upstream_; }
  const client::Target& target() const { return target_; }
  const record::ProxyStats& stats() const { return stats_; }

  // Runs `fn` on the loop after `delay_ms` (for upstream handlers that answer later).
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

  // Serves until `client` returns, then closes the proxy (which writes the records still
  // waiting) and the upstream.
  void run(std::function<void(uint16_t proxy_port)> client) {
    auto async = uv::make_handle<uv_async_t>();
    struct Ctx {
      ProxyHarness* self;
      uv::UvHandle<uv_async_t>* async;
    } ctx{this, &async};
    uv_async_init(&loop_, async.get(), [](uv_async_t* a) {
      auto* c = static_cast<Ctx*>(a->data);
      c->self->proxy_->close();
      c->self->stats_ = c->self->proxy_->stats();
      c->self->upstream_->close();
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

  policy::RecordPolicy policy;              // set before start()
  record::ProxyOptions options;             // set before start()
  tls::TlsContext* upstream_tls = nullptr;  // for an https:// upstream_url; set before start()
  std::vector<trace::Record> records;       // as the proxy handed them over, in order

 private:
  struct Timer {
    uv::UvHandle<uv_timer_t> handle;
    std::function<void()> fn;
  };
  uv_loop_t loop_;
  std::unique_ptr<http::Server> upstream_;
  client::Target target_;
  std::unique_ptr<record::RecordingProxy> proxy_;
  record::ProxyStats stats_;
  std::list<Timer> timers_;
  uint16_t port_ = 0;
};

}  // namespace replay::testing
