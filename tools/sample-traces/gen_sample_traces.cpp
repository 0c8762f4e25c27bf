// Writes the bundled sample traces in traces/ (byte-identical on every run): demo.zst, the
// seeds' traffic mix against tools/agent-sim. Usage: gen-sample-traces OUTPUT_DIR
// (Interim: `replay synth` with scenario files will generate these.)

#include <cstdio>
#include <string>

#include "replay/auth/jwt.hpp"
#include "replay/core/random.hpp"
#include "replay/trace/trace_writer.hpp"

namespace {

using replay::Random;
using replay::trace::Record;

constexpr char kSecret[] = "dev-only-jwt-secret-not-for-production";
constexpr char kTenant[] = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
constexpr int64_t kFarFutureExp = 4102444800;  // 2100-01-01: sample tokens must not expire

std::string bearer(const char* user, const char* role) {
  replay::auth::JwtClaims claims{user, kTenant, role, kFarFutureExp};
  return "Bearer " + replay::auth::jwt_sign_hs256(replay::auth::jwt_claims_json(claims), kSecret);
}

const char* kMessages[] = {
    "Summarise the open incidents for the payments team",
    "What changed in the deployment pipeline last week?",
    "Draft a reply to the customer about the delayed refund",
    "List the agents that handled more than 50 tickets today",
    "Explain the spike in 5xx errors at 14:00",
};
const char* kTicketSubjects[] = {"VPN down", "Password reset", "Laptop replacement",
                                 "Printer on floor 3 jammed", "Access to the billing dashboard"};

int write_demo(const std::string& dir) {
  replay::trace::TraceHeader header;
  header.created = "2026-11-22T12:00:00Z";
  header.source = "gen-sample-traces demo (the seeds' mix)";
  header.base_url = "http://127.0.0.1:8000";
  // One frame for the whole file, so the output does not depend on how fast it is written.
  auto writer = replay::trace::TraceWriter::create(
      dir + "/demo.zst", header, {.zstd_level = 19, .flush_interval = std::chrono::hours(1)});
  if (!writer) {
    std::fprintf(stderr, "gen-sample-traces: %s\n", writer.error().context.c_str());
    return 1;
  }
  const std::string operator_token = bearer("load-test-operator-user", "operator");
  const std::string admin_token = bearer("load-test-admin-user", "admin");
  Random random(20261122);
  Record r;
  const int kRecords = 1200;  // 60 s at 20/s; replays re-time it with --rate
  for (int i = 0; i < kRecords; ++i) {
    r = Record{};
    r.offset_us = i * 50'000;
    const double pick = random.uniform();
    auto json = [&](const std::string& body) {
      r.headers.push_back({"Content-Type", "application/json"});
      r.body = body;
    };
    if (pick < 0.30) {
      r.tag = "health";
      r.method = "GET";
      r.target = random.uniform() < 0.5 ? "/health/live" : "/health/ready";
    } else if (pick < 0.55) {
      r.tag = "chat";
      r.method = "POST";
      r.target = "/api/v1/chat";
      r.headers.push_back({"Authorization", operator_token});
      json(std::string("{\"message\":\"") + kMessages[random.uniform_int(0, 4)] + "\"}");
    } else if (pick < 0.65) {
      r.tag = "chat-stream";
      r.method = "POST";
      r.target = "/api/v1/chat/stream";
      r.headers.push_back({"Authorization", operator_token});
      r.headers.push_back({"Accept", "text/event-stream"});
      json(std::string("{\"message\":\"") + kMessages[random.uniform_int(0, 4)] + "\"}");
    } else if (pick < 0.75) {
      r.tag = "plans";
      r.method = "POST";
      r.target = "/api/v1/plans";
      r.headers.push_back({"Authorization", admin_token});
      json("{\"goal\":\"Onboard tenant " + std::to_string(random.uniform_int(1, 500)) +
           "\",\"priority\":\"normal\"}");
    } else if (pick < 0.95) {
      r.tag = "webhook";
      r.method = "POST";
      r.target = "/webhooks/servicedesk/" + std::string(kTenant);
      std::string description(static_cast<size_t>(random.uniform_int(20, 1500)), 'x');
      json("{\"ticket_id\":\"T-" + std::to_string(100000 + i) + "\",\"subject\":\"" +
           kTicketSubjects[random.uniform_int(0, 4)] + "\",\"description\":\"" + description +
           "\",\"priority\":\"P" + std::to_string(random.uniform_int(1, 4)) + "\"}");
    } else {
      r.tag = "analytics";
      r.method = "GET";
      r.target = "/api/v1/analytics/agents";
      r.headers.push_back({"Authorization", admin_token});
    }
    if (auto w = writer.value()->write(r); !w) {
      std::fprintf(stderr, "gen-sample-traces: %s\n", w.error().context.c_str());
      return 1;
    }
  }
  if (auto c = writer.value()->close(); !c) {
    std::fprintf(stderr, "gen-sample-traces: %s\n", c.error().context.c_str());
    return 1;
  }
  std::printf("%s/demo.zst: %d records\n", dir.c_str(), kRecords);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gen-sample-traces OUTPUT_DIR\n");
    return 1;
  }
  return write_demo(argv[1]);
}
