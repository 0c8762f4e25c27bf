#include "connection_pool.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace replay::engine {
namespace {

// Up to this many connections a harvest reads those awaiting an answer directly: nearly all
// of them hold one by the next wake-up, and asking epoll costs more per response.
constexpr size_t kDirectReadConnections = 64;

}  // namespace

// One connection and the pool's view of it.
class ConnectionPool::Slot final : public client::Connection::Events {
 public:
  Slot(ConnectionPool& pool, size_t index)
      : index_(index),
        pool_(pool),
        connection_(pool.loop_, pool.target_, pool.tls_, *this,
                    client::ConnectionOptions{
                        .connect_timeout_ms = pool.options_.connect_timeout_ms,
                        .timeout_ms = pool.options_.timeout_ms,
                        .read_poller = pool.reads_,
                    }) {}

  void on_idle(client::Connection&) override { pool_.on_slot_idle(*this); }
  void on_closed(client::Connection&) override {
    if (!closed_) {
      closed_ = true;
      pool_.on_slot_closed(*this);
    }
  }

  client::Connection& connection() { return connection_; }
  size_t index_ = 0;
  bool closed_ = false;
  bool in_idle_list_ = false;

 private:
  ConnectionPool& pool_;
  client::Connection connection_;
};

ConnectionPool::ConnectionPool(uv_loop_t* loop, const client::Target& target, tls::TlsContext* tls,
                               client::ReadPoller* reads, PoolOptions options, const Clock& clock,
                               PoolListener& listener)
    : loop_(loop),
      target_(target),
      tls_(tls),
      reads_(reads),
      options_(options),
      clock_(clock),
      listener_(listener) {
  for (int& fd : reserved_descriptors_) fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

ConnectionPool::~ConnectionPool() {
  for (int fd : reserved_descriptors_) {
    if (fd >= 0) ::close(fd);
  }
  closing_ = true;
  slots_.clear();
  closed_slots_.clear();
}

void ConnectionPool::notify() {
  listener_.on_load_changed(in_flight_, backlog_.size());
}

void ConnectionPool::submit(InFlight& request, int64_t now_ns) {
  while (!idle_.empty()) {
    Slot* slot = idle_.back();
    idle_.pop_back();
    slot->in_idle_list_ = false;
    if (!slot->closed_) {
      send_on(*slot, request, now_ns);
      return;
    }
  }
  if (Slot* slot = open_slot()) {
    send_on(*slot, request, now_ns);
    return;
  }
  if (slots_.size() < options_.max_connections) ++waited_for_descriptors_;
  backlog_.push_back(&request);
  notify();
}

ConnectionPool::Slot* ConnectionPool::open_slot() {
  if (slots_.size() >= cap()) return nullptr;
  slots_.push_back(std::make_unique<Slot>(*this, slots_.size()));
  Slot& slot = *slots_.back();
  ++attempts_;
  slot.connection().connect();
  if (slot.connection().out_of_descriptors()) {
    // It fails and closes from the loop, taking no request with it.
    descriptor_cap_ = slots_.size() - 1;
    for (int& fd : reserved_descriptors_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
    return nullptr;
  }
  return &slot;
}

uint64_t ConnectionPool::connections_established() const {
  uint64_t open = 0;
  for (const auto& slot : slots_) open += slot->connection().tcp_established() ? 1 : 0;
  return established_closed_ + open;
}

void ConnectionPool::send_on(Slot& slot, InFlight& request, int64_t now_ns) {
  if (!slot.connection().send(request.wire(), request, request.keeps_body())) {
    backlog_.push_front(&request);  // the connection went away under us; wait for another
    notify();
    return;
  }
  request.note_assigned(now_ns ? now_ns : clock_.now_ns(), &slot.connection());
  ++in_flight_;
  notify();
}

void ConnectionPool::note_request_ended() {
  if (in_flight_ > 0) --in_flight_;
  notify();
}

void ConnectionPool::on_slot_idle(Slot& slot) {
  if (closing_ || slot.closed_) return;
  if (!backlog_.empty()) {
    InFlight* next = backlog_.front();
    backlog_.pop_front();
    send_on(slot, *next);
    return;
  }
  if (!slot.in_idle_list_) {
    slot.in_idle_list_ = true;
    idle_.push_back(&slot);
  }
}

void ConnectionPool::on_slot_closed(Slot& slot) {
  if (slot.connection().tcp_established()) ++established_closed_;
  if (slot.connection().tls_established()) {
    ++tls_handshakes_;
    if (slot.connection().tls_resumed()) ++tls_resumed_;
  }
  // Swap-remove from slots_; the object lives on in closed_slots_ until maintain().
  const size_t i = slot.index_;
  std::unique_ptr<Slot> owned = std::move(slots_[i]);
  if (i + 1 != slots_.size()) {
    slots_[i] = std::move(slots_.back());
    slots_[i]->index_ = i;
  }
  slots_.pop_back();
  closed_slots_.push_back(std::move(owned));
  if (closing_) return;
  if (backlog_.empty()) return;
  if (Slot* fresh = open_slot()) {
    InFlight* next = backlog_.front();
    backlog_.pop_front();
    send_on(*fresh, *next);
  }
}

void ConnectionPool::harvest() {
  if (!reads_) return;
  if (slots_.size() > kDirectReadConnections) {
    reads_->harvest();
    return;
  }
  // Reading runs callbacks that may close slots (they move to closed_slots_ and live until
  // maintain()) or open new ones: walk a snapshot.
  reads_->refresh_clock_offset();
  harvest_list_.clear();
  for (auto& slot : slots_) {
    if (slot->connection().awaiting_response()) harvest_list_.push_back(slot.get());
  }
  for (Slot* slot : harvest_list_) slot->connection().read_available();
}

void ConnectionPool::maintain() {
  closed_slots_.clear();
  if (reads_ && !reads_->eager()) reads_->harvest();
}

void ConnectionPool::close_all() {
  closing_ = true;
  idle_.clear();
  // close() calls back into on_slot_closed, which edits slots_: close from a snapshot.
  std::vector<Slot*> open;
  open.reserve(slots_.size());
  for (auto& s : slots_) open.push_back(s.get());
  for (Slot* s : open) s->connection().close();
}

std::deque<InFlight*> ConnectionPool::take_backlog() {
  std::deque<InFlight*> out;
  out.swap(backlog_);
  return out;
}

}  // namespace replay::engine
