#include "connection_pool.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace replay::engine {
namespace {

// Up to this many connections a harvest reads those awaiting an answer directly: nearly all
// of them hold one by the next wake-up, and asking epoll costs more per response.
constexpr size_t kDirectReadConnections = 64;

}  // namespace

// One connection (HTTP/1.1 or HTTP/2) and the pool's view of it.
class ConnectionPool::Slot final : public client::Connection::Events,
                                   public client::H2Connection::Events {
 public:
  Slot(ConnectionPool& pool, size_t index) : index_(index), pool_(pool) {
    const client::ConnectionOptions options{
        .connect_timeout_ms = pool.options_.connect_timeout_ms,
        .timeout_ms = pool.options_.timeout_ms,
        .read_poller = pool.reads_,
    };
    if (pool.target_.http2) {
      h2_ = std::make_unique<client::H2Connection>(pool.loop_, pool.target_, pool.tls_, *this,
                                                   options, pool.options_.max_streams);
    } else {
      h1_ =
          std::make_unique<client::Connection>(pool.loop_, pool.target_, pool.tls_, *this, options);
    }
  }

  void on_idle(client::Connection&) override { pool_.on_slot_idle(*this); }
  void on_idle(client::H2Connection&) override { pool_.on_slot_idle(*this); }
  void on_closed(client::Connection&) override { note_closed(); }
  void on_closed(client::H2Connection&) override { note_closed(); }

  void connect() { h1_ ? h1_->connect() : h2_->connect(); }
  void close() { h1_ ? h1_->close() : h2_->close(); }
  bool send(InFlight& request) {
    return h1_ ? h1_->send(request.wire(), request, request.keeps_body())
               : h2_->send(request.wire(), request, request.keeps_body());
  }
  // It takes another request now: idle (HTTP/1.1), or a stream free (HTTP/2).
  bool can_take() const { return h1_ ? h1_->idle() : h2_->can_send(); }
  bool awaiting_response() const {
    return h1_ ? h1_->awaiting_response() : h2_->awaiting_response();
  }
  void read_available() { h1_ ? h1_->read_available() : h2_->read_available(); }
  bool tcp_established() const { return h1_ ? h1_->tcp_established() : h2_->tcp_established(); }
  bool tls_established() const { return h1_ ? h1_->tls_established() : h2_->tls_established(); }
  bool tls_resumed() const { return h1_ ? h1_->tls_resumed() : h2_->tls_resumed(); }
  bool out_of_descriptors() const {
    return h1_ ? h1_->out_of_descriptors() : h2_->out_of_descriptors();
  }
  const client::FailureReason* reason() const {
    return h1_ ? static_cast<const client::FailureReason*>(h1_.get()) : h2_.get();
  }
  const client::H2Connection* h2() const { return h2_.get(); }
  // Holds an HTTP/2 connection's writes for the pool's batch (listed once).
  void cork() {
    if (h2_ && !h2_->corked()) {
      h2_->cork();
      pool_.corked_.push_back(this);
    }
  }
  void uncork() { h2_->uncork(); }

  size_t index_ = 0;
  bool closed_ = false;
  bool in_idle_list_ = false;

 private:
  void note_closed() {
    if (!closed_) {
      closed_ = true;
      pool_.on_slot_closed(*this);
    }
  }

  ConnectionPool& pool_;
  std::unique_ptr<client::Connection> h1_;
  std::unique_ptr<client::H2Connection> h2_;
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
    if (slot->closed_ || !slot->can_take()) {
      idle_.pop_back();
      slot->in_idle_list_ = false;
      continue;
    }
    send_on(*slot, request, now_ns);
    // An HTTP/2 connection stays listed while it has a free stream.
    if (!slot->closed_ && !slot->can_take() && !idle_.empty() && idle_.back() == slot) {
      idle_.pop_back();
      slot->in_idle_list_ = false;
    }
    return;
  }
  if (Slot* slot = open_slot()) {
    send_on(*slot, request, now_ns);
    list_if_free(*slot);
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
  slot.connect();
  if (slot.out_of_descriptors()) {
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
  for (const auto& slot : slots_) open += slot->tcp_established() ? 1 : 0;
  return established_closed_ + open;
}

void ConnectionPool::add_stream_stats(const Slot& slot, StreamStats& stats) const {
  const client::H2Connection* h2 = slot.h2();
  if (!h2 || h2->streams_opened() == 0) return;
  ++stats.connections;
  stats.streams += h2->streams_opened();
  stats.most_on_connection = std::max(stats.most_on_connection, h2->streams_opened());
  stats.peak_concurrent = std::max<uint64_t>(stats.peak_concurrent, h2->peak_streams());
}

StreamStats ConnectionPool::stream_stats() const {
  StreamStats stats = closed_streams_;
  for (const auto& slot : slots_) add_stream_stats(*slot, stats);
  return stats;
}

void ConnectionPool::end_batch() {
  // No slot is corked once batching_ is false, so the list does not change while it is
  // walked. Writing may fail a connection: it moves to closed_slots_, alive until maintain().
  batching_ = false;
  for (Slot* slot : corked_) slot->uncork();
  corked_.clear();
}

void ConnectionPool::send_on(Slot& slot, InFlight& request, int64_t now_ns) {
  if (batching_) slot.cork();
  if (!slot.send(request)) {
    backlog_.push_front(&request);  // the connection went away under us; wait for another
    notify();
    return;
  }
  request.note_assigned(now_ns ? now_ns : clock_.now_ns(), slot.reason());
  ++requests_assigned_;
  ++in_flight_;
  notify();
}

void ConnectionPool::note_request_ended() {
  if (in_flight_ > 0) --in_flight_;
  notify();
}

void ConnectionPool::on_slot_idle(Slot& slot) {
  if (closing_ || slot.closed_) return;
  // HTTP/1.1 takes one; HTTP/2 as many as it has free streams.
  bool sent = false;
  while (!backlog_.empty() && !slot.closed_ && slot.can_take()) {
    InFlight* next = backlog_.front();
    backlog_.pop_front();
    send_on(slot, *next);
    sent = true;
    if (!slot.h2()) return;
  }
  if (slot.closed_ || !slot.can_take() || (sent && !slot.h2())) return;
  if (!slot.in_idle_list_) {
    slot.in_idle_list_ = true;
    idle_.push_back(&slot);
  }
}

void ConnectionPool::on_slot_closed(Slot& slot) {
  if (slot.tcp_established()) ++established_closed_;
  if (slot.tls_established()) {
    ++tls_handshakes_;
    if (slot.tls_resumed()) ++tls_resumed_;
  }
  add_stream_stats(slot, closed_streams_);
  // The idle list must not outlive the slot: maintain() frees it.
  if (slot.in_idle_list_) {
    std::erase(idle_, &slot);
    slot.in_idle_list_ = false;
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
    list_if_free(*fresh);
  }
}

void ConnectionPool::list_if_free(Slot& slot) {
  // An HTTP/2 connection takes more requests while it opens; HTTP/1.1 waits for on_idle.
  if (!slot.h2() || slot.closed_ || !slot.can_take() || slot.in_idle_list_) return;
  slot.in_idle_list_ = true;
  idle_.push_back(&slot);
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
    if (slot->awaiting_response()) harvest_list_.push_back(slot.get());
  }
  for (Slot* slot : harvest_list_) slot->read_available();
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
  for (Slot* s : open) s->close();
}

std::deque<InFlight*> ConnectionPool::take_backlog() {
  std::deque<InFlight*> out;
  out.swap(backlog_);
  return out;
}

}  // namespace replay::engine
