#pragma once
// Reads a thread's client connections in batches: their sockets sit in an epoll set of their
// own, and the owner decides when to read them: at once when a socket becomes readable (eager:
// the loop watches the set) or at its next scheduled wake-up (lazy: one wake-up serves the
// sends due and every response that arrived since, instead of one wake-up per response).
// Completion times do not depend on when a socket is read: the kernel stamps each segment on
// arrival (SO_TIMESTAMPNS) and connections report those stamps. Where the kernel gives no
// stamps, reads must not be deferred: can_defer_reads() says which. A peer's close carries no
// stamp either, so a connection awaiting one (and one in a TLS handshake) holds the poller
// eager.

#include <uv.h>

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>

#include "replay/uv/handle.hpp"

namespace replay::client {

// What the poller reads: a connection whose socket it watches (Connection, H2Connection).
class PolledSocket {
 public:
  // The socket is readable; `hangup`: epoll also reported the peer's close or an error, so
  // the read must go on to the end (an end behind the bytes raises no later event).
  virtual void on_readable(bool hangup) = 0;

 protected:
  ~PolledSocket() = default;
};

// One recvmsg(MSG_DONTWAIT) of at most `size` bytes into `buffer` that also takes the kernel's
// receive stamp: returns recvmsg's result (-1 with errno set on failure) and sets `stamp_ns` to
// the SCM_TIMESTAMPNS stamp (CLOCK_REALTIME ns) of the last segment read, or nullopt.
ssize_t receive_stamped(int fd, char* buffer, size_t size, std::optional<int64_t>& stamp_ns);

// One per loop thread; loop thread only; non-movable. Connections made with
// ConnectionOptions::read_poller add their socket once connected and remove it when closing;
// it must outlive them.
class ReadPoller {
 public:
  // Errors are rare (out of file descriptors): ok() is false and the owner should not use it.
  explicit ReadPoller(uv_loop_t* loop);
  ~ReadPoller();
  ReadPoller(const ReadPoller&) = delete;
  ReadPoller& operator=(const ReadPoller&) = delete;

  bool ok() const { return epoll_fd_ >= 0; }
  // Whether a lazy read still times responses exactly: true while every read has carried the
  // kernel's receive stamp. Owners read eagerly when false.
  bool can_defer_reads() const { return stamps_ok_; }
  // Connection side: a read came without a receive stamp, so later reads are not deferred.
  void note_missing_stamp() { stamps_ok_ = false; }
  // Eager: readable sockets are read as soon as the loop sees them. Lazy: only harvest() reads,
  // unless a connection holds the poller eager.
  void set_eager(bool eager);
  // Whether the loop reads sockets as they become readable: set_eager(true) or a hold.
  bool eager() const { return watching_; }
  // Connection side: while any hold is taken the poller is eager whatever set_eager says, for
  // connections whose next bytes or close must be read as they arrive (a TLS handshake, a
  // close-delimited body). Each hold_eager() is matched by one release_eager().
  void hold_eager();
  void release_eager();
  // Reads every socket that has bytes (or an end) waiting, without blocking. Connections must
  // not be destroyed from the callbacks this runs (closing them is fine).
  void harvest();

  // Connection side: watch `fd` for `connection`; false when the kernel refused.
  bool add(int fd, PolledSocket& connection);
  void remove(int fd);

  // The offset that turns a kernel receive stamp (CLOCK_REALTIME ns) into uv_hrtime()'s
  // clock, refreshed at each harvest so clock adjustments during a run do not accumulate.
  int64_t realtime_to_hrtime_ns() const { return realtime_to_hrtime_ns_; }
  // Owners that read connections directly (Connection::read_available) call this first.
  void refresh_clock_offset();
  // Connection side: the time of a read made at `read_at_ns` (uv_hrtime) that took
  // `stamp_ns` (receive_stamped's): the stamp on uv_hrtime's clock, never later than the read;
  // the read's own time when it came unstamped (noted: later reads are not deferred).
  uint64_t time_of_read(std::optional<int64_t> stamp_ns, uint64_t read_at_ns);

  // Any thread. Turns the kernel's receive stamps on for this process and waits (at most
  // 2 s, once per process) until a loopback datagram arrives stamped. The kernel switches
  // stamping on some time after the first socket asks for it, so without this the first
  // answers of a run would come unstamped. False where the kernel gives no stamps.
  static bool enable_receive_stamps();

 private:
  int epoll_fd_ = -1;
  bool stamps_ok_ = false;
  void update_watch();

  bool eager_ = false;      // the owner's choice
  size_t eager_holds_ = 0;  // connections holding the poller eager
  bool watching_ = false;   // the loop watches the set
  int64_t realtime_to_hrtime_ns_ = 0;
  uv::UvHandle<uv_poll_t> watch_;
};

}  // namespace replay::client
