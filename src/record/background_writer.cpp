#include "replay/record/background_writer.hpp"

namespace replay::record {
namespace {

// How often the writer thread looks for records when nobody wakes it.
constexpr std::chrono::milliseconds kPollInterval{100};
// Queued records after which submit() wakes the thread early.
constexpr size_t kWakeRecords = 4096;

size_t approximate_size(const trace::Record& r) {
  size_t size = 128 + r.target.size() + r.body.size() + r.session.size() + r.tag.size();
  for (const auto& h : r.headers) size += h.name.size() + h.value.size() + 16;
  return size;
}

}  // namespace

BackgroundWriter::BackgroundWriter(std::unique_ptr<trace::TraceWriter> writer,
                                   std::chrono::milliseconds flush_interval,
                                   size_t max_queued_bytes)
    : writer_(std::move(writer)),
      flush_interval_(flush_interval),
      max_queued_bytes_(max_queued_bytes),
      last_flush_(std::chrono::steady_clock::now()) {
  bytes_written_ = writer_->bytes_written();
  thread_ = std::thread([this] { run(); });
}

BackgroundWriter::~BackgroundWriter() {
  finish();
}

void BackgroundWriter::submit(trace::Record&& record) {
  submitted_.fetch_add(1, std::memory_order_relaxed);
  if (failed_.load(std::memory_order_relaxed)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const size_t size = approximate_size(record);
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queued_bytes_ + size > max_queued_bytes_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queued_bytes_ += size;
    queue_.push_back(std::move(record));
    wake = queue_.size() == kWakeRecords;
  }
  if (wake) wake_.notify_one();
}

std::optional<Error> BackgroundWriter::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

WriterStats BackgroundWriter::stats() const {
  WriterStats s;
  s.submitted = submitted_.load();
  s.durable = durable_.load();
  s.bytes_written = bytes_written_.load();
  if (failed_.load())
    s.lost = s.submitted - s.durable;
  else
    s.lost = dropped_.load();
  return s;
}

WriterStats BackgroundWriter::finish() {
  if (!finished_) {
    finished_ = true;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  return stats();
}

void BackgroundWriter::run() {
  std::vector<trace::Record> batch;
  bool stopping = false;
  while (!stopping) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, kPollInterval,
                     [this] { return stopping_ || queue_.size() >= kWakeRecords; });
      stopping = stopping_;
      batch.swap(queue_);
      queued_bytes_ = 0;
    }
    write_batch(batch);
    batch.clear();
    if (std::chrono::steady_clock::now() - last_flush_ >= flush_interval_) flush_now();
  }
  if (!failed_) {
    auto closed = writer_->close();
    durable_ = writer_->records_durable();
    if (!closed) set_error(closed.error());
  }
  bytes_written_ = writer_->bytes_written();
}

void BackgroundWriter::write_batch(std::vector<trace::Record>& batch) {
  for (auto& record : batch) {
    if (failed_) return;
    auto written = writer_->write(record);
    // Before set_error: whoever sees the error reads the final count.
    durable_ = writer_->records_durable();
    if (!written) {
      set_error(written.error());
      return;
    }
  }
  bytes_written_ = writer_->bytes_written();
}

void BackgroundWriter::flush_now() {
  last_flush_ = std::chrono::steady_clock::now();
  if (failed_) return;
  auto flushed = writer_->flush();
  durable_ = writer_->records_durable();
  if (!flushed) {
    set_error(flushed.error());
    return;
  }
  bytes_written_ = writer_->bytes_written();
}

void BackgroundWriter::set_error(const Error& error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!error_) error_ = error;
  failed_ = true;
}

}  // namespace replay::record
