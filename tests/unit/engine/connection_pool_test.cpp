#include "connection_pool.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "../client/loopback_server.hpp"
#include "replay/client/request_builder.hpp"
#include "replay/client/target.hpp"

namespace replay::engine {
namespace {

using client::testing::LoopbackServer;
using client::testing::read_request;
using client::testing::sleep_ms;
using client::testing::TestLoop;
using client::testing::write_all;

struct Ended final : InFlightSink {
  void on_sent(InFlight&, int64_t) override {}
  void on_event(InFlight&, bool, int64_t) override {}
  void on_ended(InFlight&, int64_t, int status, uint64_t, const client::FailureCause* cause)
      override {
    if (cause) {
      ++failed;
    } else {
      statuses.push_back(status);
    }
    if (pool) pool->note_request_ended();
  }
  void note_eager_reads(int) override {}

  ConnectionPool* pool = nullptr;
  std::vector<int> statuses;
  int failed = 0;
};

struct NoListener final : PoolListener {
  void on_load_changed(size_t, size_t) override {}
};

}  // namespace

// A keep-alive connection the server closes while it sits idle leaves the idle list before
// maintain() destroys it: the next request opens a new connection (ASan caught the pool
// reading the freed connection here).
TEST_CASE("ConnectionPool: an idle connection the server closed is not reused after maintain") {
  // Answers one request, then closes the connection 50 ms later.
  LoopbackServer server([](int fd) {
    if (read_request(fd).empty()) return;
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    sleep_ms(50);
  });
  auto parsed = client::parse_target(server.url());
  REQUIRE(parsed.ok());
  const client::Target target = std::move(parsed).value();

  TestLoop loop;
  SteadyClock clock;
  NoListener listener;
  Ended sink;
  {
    ConnectionPool pool(loop.get(), target, nullptr, nullptr, PoolOptions{}, clock, listener);
    sink.pool = &pool;
    const client::WireBytes wire = client::build_request("GET", "/", {}, {}, target);
    InFlight first(sink);
    first.reset(std::make_unique<PreparedRequest>(), wire, clock.now_ns());
    pool.submit(first, clock.now_ns());
    REQUIRE(loop.run_until([&] { return sink.statuses.size() == 1; }));
    CHECK(pool.has_idle());

    // The server closes it; the pool hears of it and forgets the connection.
    REQUIRE(loop.run_until([&] { return pool.open_connections() == 0; }));
    CHECK_FALSE(pool.has_idle());
    pool.maintain();

    InFlight second(sink);
    second.reset(std::make_unique<PreparedRequest>(), wire, clock.now_ns());
    pool.submit(second, clock.now_ns());
    REQUIRE(loop.run_until([&] { return sink.statuses.size() == 2; }));
    CHECK(sink.statuses == std::vector<int>{200, 200});
    CHECK(sink.failed == 0);
    CHECK(server.accepts() == 2);
    pool.close_all();
    loop.run_until([] { return false; }, 50);
  }
  CHECK(loop.close() == 0);
}

}  // namespace replay::engine
