#include "replay/client/read_poller.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>

namespace replay::client {
namespace {

constexpr int kEventsPerCall = 256;

int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

constexpr int64_t kStampWaitNs = 2'000'000'000;

// A UDP socket on 127.0.0.1 that asks for receive stamps. Open, it keeps the kernel stamping
// for the whole process (stamping is switched off again when the last such socket closes).
class StampHolder {
 public:
  StampHolder() : fd_(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {}
  ~StampHolder() {
    if (fd_ >= 0) ::close(fd_);
  }
  StampHolder(const StampHolder&) = delete;
  StampHolder& operator=(const StampHolder&) = delete;

  // Sends itself datagrams until one is stamped on arrival. The kernel turns stamping on from
  // a work queue, usually within microseconds of the first request, but a busy machine can
  // delay that work for many milliseconds.
  bool wait_for_stamps() {
    if (fd_ < 0) return false;
    const int on = 1;
    if (setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) return false;
    sockaddr_in self{};
    self.sin_family = AF_INET;
    self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof self;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&self), sizeof self) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&self), &length) != 0) {
      return false;
    }
    const uint64_t give_up_ns = uv_hrtime() + kStampWaitNs;
    while (uv_hrtime() < give_up_ns) {
      const char probe = 's';
      if (sendto(fd_, &probe, 1, 0, reinterpret_cast<sockaddr*>(&self), sizeof self) != 1) {
        return false;
      }
      if (stamped_on_arrival()) return true;
      timespec pause{0, 1'000'000};
      nanosleep(&pause, nullptr);
    }
    return false;
  }

 private:
  // A datagram that arrived unstamped is stamped by the receive call itself (TCP has no such
  // fallback), so only a stamp from before the receive shows stamping on arrival.
  bool stamped_on_arrival() {
    pollfd readable{fd_, POLLIN, 0};
    if (poll(&readable, 1, 10) != 1) return false;
    const int64_t queued_ns = realtime_ns();
    char byte;
    std::optional<int64_t> stamp_ns;
    return receive_stamped(fd_, &byte, 1, stamp_ns) == 1 && stamp_ns && *stamp_ns <= queued_ns;
  }

  int fd_;
};

}  // namespace

ssize_t receive_stamped(int fd, char* buffer, size_t size, std::optional<int64_t>& stamp_ns) {
  iovec iov{buffer, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t n = recvmsg(fd, &message, MSG_DONTWAIT);
  stamp_ns.reset();
  if (n < 0) return n;
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec stamp{};
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    stamp_ns = static_cast<int64_t>(stamp.tv_sec) * 1'000'000'000 + stamp.tv_nsec;
  }
  return n;
}

bool ReadPoller::enable_receive_stamps() {
  static StampHolder holder;
  static const bool stamped = holder.wait_for_stamps();
  return stamped;
}

ReadPoller::ReadPoller(uv_loop_t* loop)
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), stamps_ok_(enable_receive_stamps()) {
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
  eager_ = eager;
  update_watch();
}

void ReadPoller::hold_eager() {
  ++eager_holds_;
  update_watch();
}

void ReadPoller::release_eager() {
  if (eager_holds_ > 0) --eager_holds_;
  update_watch();
}

void ReadPoller::update_watch() {
  const bool watch = eager_ || eager_holds_ > 0;
  if (watch == watching_ || !watch_) return;
  watching_ = watch;
  if (watch) {
    uv_poll_start(watch_.get(), UV_READABLE,
                  [](uv_poll_t* h, int, int) { static_cast<ReadPoller*>(h->data)->harvest(); });
  } else {
    uv_poll_stop(watch_.get());
  }
}

uint64_t ReadPoller::time_of_read(std::optional<int64_t> stamp_ns, uint64_t read_at_ns) {
  if (!stamp_ns) {
    note_missing_stamp();
    return read_at_ns;
  }
  const int64_t at = *stamp_ns - realtime_to_hrtime_ns_;
  return at > 0 ? std::min(static_cast<uint64_t>(at), read_at_ns) : read_at_ns;
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
    for (int i = 0; i < n; ++i) {
      // Edge-triggered: an end that came with the bytes raises no later event, so a read
      // must go on to it now.
      const bool hangup = (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
      static_cast<PolledSocket*>(events[i].data.ptr)->on_readable(hangup);
    }
    if (n < kEventsPerCall) return;
  }
}

bool ReadPoller::add(int fd, PolledSocket& connection) {
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
