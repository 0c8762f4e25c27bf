#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "replay/net/tcp_listener.hpp"
#include "replay/net/tcp_stream.hpp"

using namespace replay;

namespace {

struct Echo : net::StreamListener {
  std::unique_ptr<net::TcpStream> stream;
  std::string received;
  bool ended = false;
  void on_stream_data(std::string_view data) override {
    received.append(data);
    std::string copy(data);
    stream->write(copy);
  }
  void on_stream_end(int) override {
    ended = true;
    stream->close();
  }
};

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

}  // namespace

TEST_CASE("TcpListener binds port 0, accepts, and a TcpStream echoes until EOF") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  {
    net::TcpListener listener(&loop);
    Echo echo;
    auto bound = listener.listen(
        net::parse_address("127.0.0.1:0").value(), 16, [&](uv::UvHandle<uv_tcp_t> tcp) {
          echo.stream = std::make_unique<net::TcpStream>(std::move(tcp), echo);
          CHECK(echo.stream->start_reading() == 0);
        });
    REQUIRE(bound.ok());
    uint16_t port = listener.local_address().port();
    CHECK(port != 0);

    net::TcpListener second(&loop);
    auto clash = second.listen(listener.local_address(), 16, [](uv::UvHandle<uv_tcp_t>) {});
    REQUIRE_FALSE(clash.ok());
    CHECK(clash.error().code == Errc::network);

    int fd = connect_to(port);
    REQUIRE(::send(fd, "ping", 4, 0) == 4);
    char buffer[8] = {};
    for (int i = 0; i < 200 && echo.received.size() < 4; ++i) uv_run(&loop, UV_RUN_ONCE);
    CHECK(echo.received == "ping");
    CHECK(::recv(fd, buffer, sizeof buffer, 0) == 4);
    CHECK(std::string(buffer, 4) == "ping");
    CHECK(echo.stream->peer_address().to_string().rfind("127.0.0.1:", 0) == 0);
    ::shutdown(fd, SHUT_WR);
    for (int i = 0; i < 200 && !echo.ended; ++i) uv_run(&loop, UV_RUN_ONCE);
    CHECK(echo.ended);
    ::close(fd);
    listener.close();
    echo.stream.reset();
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
