#include "replay/client/read_poller.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <ctime>

#include "replay/client/connection.hpp"

namespace replay::client {
namespace {

constexpr int kEventsPerCall = 256;

int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

ReadPoller::ReadPoller(uv_loop_t* loop) : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
  refresh_clock_offset();
  if (epoll_fd_ < 0) return;
  watch_ = uv::make_handle<uv_poll_t>();
  uv_poll_init(loop, watch_.get(), epoll_fd_);
  watch_->data = this;
}

ReadPoller::~ReadPoller() {
  watch_.reset();  // closes the poll handle before its fd
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void ReadPoller::set_eager(bool eager) {
  if (eager == eager_ || !watch_) return;
  eager_ = eager;
  if (eager) {
    uv_poll_start(watch_.get(), UV_READABLE,
                  [](uv_poll_t* h, int, int) { static_cast<ReadPoller*>(h->data)->harvest(); });
  } else {
    uv_poll_stop(watch_.get());
  }
}

void ReadPoller::refresh_clock_offset() {
  realtime_to_hrtime_ns_ = realtime_ns() - static_cast<int64_t>(uv_hrtime());
}

void ReadPoller::harvest() {
  if (epoll_fd_ < 0) return;
  refresh_clock_offset();
  epoll_event events[kEventsPerCall];
  for (;;) {
    const int n = epoll_wait(epoll_fd_, events, kEventsPerCall, 0);
    for (int i = 0; i < n; ++i) static_cast<Connection*>(events[i].data.ptr)->read_socket();
    if (n < kEventsPerCall) return;
  }
}

bool ReadPoller::add(int fd, Connection& connection) {
  epoll_event event{};
  // Edge-triggered: a connection reads until the socket is empty, and epoll then need not
  // poll it again on every harvest.
  event.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  event.data.ptr = &connection;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

void ReadPoller::remove(int fd) {
  epoll_event unused{};
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, &unused);
}

}  // namespace replay::client
