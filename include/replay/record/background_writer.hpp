#pragma once
// Writes records to a trace on a thread of its own, so that encoding, compression and disk
// writes never run on the proxy's loop thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/trace/record.hpp"
#include "replay/trace/trace_writer.hpp"

namespace replay::record {

struct WriterStats {
  uint64_t submitted = 0;      // records handed to submit()
  uint64_t durable = 0;        // records in frames that reached the file: what it holds
  uint64_t lost = 0;           // records that will never reach the file
  uint64_t bytes_written = 0;  // compressed bytes written to the file
};

// Owns a TraceWriter and the thread that feeds it. submit() may be called from one thread
// (the loop) while the writer thread runs; finish() from the owner's thread. The thread ends
// a zstd frame at least every flush_interval while records arrive and within one interval
// after they stop, so a killed process loses at most about one interval of records. After a
// write error (disk full, ...) the file is cut back to its last complete frame (it holds
// exactly stats().durable records, final once error() is set), and the writer keeps
// accepting records and counts them as lost; error() reports it at once. Records queued beyond
// max_queued_bytes (a disk slower than the traffic) are also counted as lost rather than held in
// memory.
class BackgroundWriter {
 public:
  BackgroundWriter(std::unique_ptr<trace::TraceWriter> writer,
                   std::chrono::milliseconds flush_interval = std::chrono::milliseconds(1000),
                   size_t max_queued_bytes = size_t{256} << 20);
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;
  ~BackgroundWriter();  // finish()

  // Queues `record`: a short lock and a move, never I/O.
  void submit(trace::Record&& record);
  // The first write error, if one happened; any thread.
  std::optional<Error> error() const;
  // Counts so far; any thread.
  WriterStats stats() const;
  // Writes what is queued, closes the file (flush, fsync) and joins the thread; idempotent.
  // The final counts; a failure is in error().
  WriterStats finish();

 private:
  void run();
  void write_batch(std::vector<trace::Record>& batch);
  void flush_now();
  void set_error(const Error& error);

  std::unique_ptr<trace::TraceWriter> writer_;
  std::chrono::milliseconds flush_interval_;
  size_t max_queued_bytes_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<trace::Record> queue_;  // guarded by mutex_
  size_t queued_bytes_ = 0;           // guarded by mutex_
  bool stopping_ = false;             // guarded by mutex_
  std::optional<Error> error_;        // guarded by mutex_

  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> submitted_{0};
  std::atomic<uint64_t> durable_{0};
  std::atomic<uint64_t> dropped_{0};  // refused at submit (failed, or over max_queued_bytes)
  std::atomic<uint64_t> bytes_written_{0};
  std::chrono::steady_clock::time_point last_flush_;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace replay::record
