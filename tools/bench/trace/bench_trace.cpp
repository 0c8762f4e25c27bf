// bench_trace: writes a trace of realistic records (the seeds' endpoint mix), reads it back,
// and prints records/s and MB/s for both directions.
//
//   bench_trace [--records N] [--out PATH] [--keep]

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "replay/core/base64.hpp"
#include "replay/trace/record_codec.hpp"
#include "replay/trace/trace_reader.hpp"
#include "replay/trace/trace_writer.hpp"

namespace {

using replay::trace::Record;
using Clock = std::chrono::steady_clock;

constexpr size_t kDistinctRecords = 16384;

struct Options {
  uint64_t records = 1'000'000;
  std::string out;
  bool keep = false;
};

std::string bearer_token(std::mt19937_64& rng, int user) {
  std::string claims =
      R"({"sub":"u)" + std::to_string(user) + R"(","tnt":"t)" + std::to_string(user % 7) + R"("})";
  std::string sig;
  for (int i = 0; i < 24; ++i) sig += static_cast<char>(rng());
  return "Bearer eyJhbGciOiJIUzI1NiJ9." + replay::base64url_encode(claims) + "." +
         replay::base64url_encode(sig);
}

std::string words(std::mt19937_64& rng, int count) {
  static const char* kWords[] = {"please",   "summarise", "the",     "incident", "plan",
                                 "for",      "tenant",    "printer", "queue",    "latency",
                                 "deploy",   "rollback",  "approve", "ticket",   "escalate",
                                 "customer", "invoice",   "agent"};
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ' ';
    out += kWords[rng() % (sizeof kWords / sizeof kWords[0])];
  }
  return out;
}

// One record of the seeds' mix: health checks, chat, plan create/get, servicedesk webhooks.
Record make_record(std::mt19937_64& rng, size_t i) {
  Record r;
  int user = static_cast<int>(rng() % 500);
  unsigned kind = static_cast<unsigned>(rng() % 100);
  r.session = "s-" + std::to_string(i / 4);
  if (kind < 15) {
    r.session.clear();
    r.tag = "health";
    r.method = "GET";
    r.target = "/health/live";
    r.headers = {{"User-Agent", "kube-probe/1.29"}, {"Accept", "*/*"}};
    r.response = replay::trace::ObservedResponse{200, 300, 350, 15, 0};
    return r;
  }
  r.headers = {{"Authorization", bearer_token(rng, user)}, {"Content-Type", "application/json"}};
  if (kind < 50) {
    r.tag = "chat";
    r.method = "POST";
    r.target = "/api/v1/chat";
    r.body = R"({"message":")" + words(rng, 3 + static_cast<int>(rng() % 6)) +
             R"(","conversation_id":"c-)" + std::to_string(rng() % 100000) + R"("})";
    if (i % 2 == 0) r.response = replay::trace::ObservedResponse{200, 90'000, 850'000, 1200, 0};
  } else if (kind < 65) {
    r.tag = "plans";
    r.method = "POST";
    r.target = "/api/v1/plans";
    r.body = R"({"title":")" + words(rng, 3) + R"(","steps":[")" + words(rng, 2) + R"(",")" +
             words(rng, 2) + R"("]})";
    r.captures = {{"plan_id", "json:/id"}};
  } else if (kind < 85) {
    r.tag = "plans";
    r.method = "GET";
    r.target = "/api/v1/plans/" + std::to_string(rng() % 1'000'000);
    r.headers.pop_back();
    r.response = replay::trace::ObservedResponse{200, 4000, 4500, 420, 0};
  } else {
    r.session.clear();
    r.tag = "webhook";
    r.method = "POST";
    r.target = "/webhooks/servicedesk/tenant-" + std::to_string(user % 7);
    r.headers[0] = {"X-Signature", "sha256=" + std::to_string(rng())};
    r.body = R"({"ticket":{"id":)" + std::to_string(rng() % 1'000'000) + R"(,"subject":")" +
             words(rng, 4) + R"(","priority":"high"}})";
  }
  return r;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool parse_options(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--records" && i + 1 < argc) {
      options.records = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--out" && i + 1 < argc) {
      options.out = argv[++i];
    } else if (arg == "--keep") {
      options.keep = true;
    } else {
      std::fprintf(stderr, "usage: bench_trace [--records N] [--out PATH] [--keep]\n");
      return false;
    }
  }
  if (options.out.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    options.out = std::string(tmp && *tmp ? tmp : "/tmp") + "/bench_trace." +
                  std::to_string(getpid()) + ".zst";
  }
  return options.records > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, options)) return 1;

  std::mt19937_64 rng(42);
  std::vector<Record> pool;
  pool.reserve(kDistinctRecords);
  uint64_t pool_bytes = 0;
  for (size_t i = 0; i < kDistinctRecords; ++i) {
    pool.push_back(make_record(rng, i));
    std::string line;
    replay::trace::append_record_line(pool.back(), line);
    pool_bytes += line.size();
  }
  double average_line = static_cast<double>(pool_bytes) / kDistinctRecords;

  replay::trace::TraceHeader header;
  header.source = "bench_trace";
  header.base_url = "http://127.0.0.1:8000";
  auto created = replay::trace::TraceWriter::create(options.out, header);
  if (!created) {
    std::fprintf(stderr, "bench_trace: %s\n", created.error().context.c_str());
    return 2;
  }
  auto& writer = *created;
  auto write_start = Clock::now();
  for (uint64_t i = 0; i < options.records; ++i) {
    Record& r = pool[i % kDistinctRecords];
    r.offset_us = static_cast<int64_t>(i * 5000);
    if (auto ok = writer->write(r); !ok) {
      std::fprintf(stderr, "bench_trace: %s\n", ok.error().context.c_str());
      return 2;
    }
  }
  if (auto ok = writer->close(); !ok) {
    std::fprintf(stderr, "bench_trace: %s\n", ok.error().context.c_str());
    return 2;
  }
  double write_s = seconds_since(write_start);
  double raw_mb = average_line * static_cast<double>(options.records) / 1e6;
  std::printf(
      "trace.write: %.0f records/s, %.1f MB/s (%llu records, %.0f B avg, %.1f MB compressed)\n",
      static_cast<double>(options.records) / write_s, raw_mb / write_s,
      static_cast<unsigned long long>(options.records), average_line,
      static_cast<double>(writer->bytes_written()) / 1e6);

  auto read_start = Clock::now();
  auto opened = replay::trace::TraceReader::open(options.out);
  if (!opened) {
    std::fprintf(stderr, "bench_trace: %s\n", opened.error().context.c_str());
    return 2;
  }
  auto& reader = *opened;
  Record r;
  uint64_t count = 0;
  uint64_t body_bytes = 0;
  for (;;) {
    auto more = reader->next(r);
    if (!more) {
      std::fprintf(stderr, "bench_trace: %s\n", more.error().context.c_str());
      return 2;
    }
    if (!*more) break;
    body_bytes += r.body.size() + r.headers.size();
    ++count;
  }
  double read_s = seconds_since(read_start);
  double read_mb = static_cast<double>(reader->decompressed_offset()) / 1e6;
  std::printf("trace.read: %.0f records/s, %.1f MB/s (%llu records, %.1f MB decompressed)\n",
              static_cast<double>(count) / read_s, read_mb / read_s,
              static_cast<unsigned long long>(count), read_mb);
  if (count != options.records || body_bytes == 0) {
    std::fprintf(stderr, "bench_trace: read %llu records, wrote %llu\n",
                 static_cast<unsigned long long>(count),
                 static_cast<unsigned long long>(options.records));
    return 2;
  }
  if (!options.keep) std::remove(options.out.c_str());
  return 0;
}
