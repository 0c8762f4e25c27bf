#include "ws_json.hpp"

#include <charconv>

#include "llm_json.hpp"

namespace replay::results {
namespace {

struct CountField {
  const char* key;
  uint64_t WsScope::*field;
};
constexpr CountField kCounts[] = {
    {"sessions", &WsScope::sessions},
    {"upgraded", &WsScope::upgraded},
    {"messages_sent", &WsScope::messages_sent},
    {"messages_unsent", &WsScope::messages_unsent},
    {"messages_received", &WsScope::messages_received},
    {"replies", &WsScope::replies},
    {"replies_incomplete", &WsScope::replies_incomplete},
    {"pings", &WsScope::pings},
};

struct HistogramField {
  const char* key;
  Histogram WsScope::*field;
};
constexpr HistogramField kHistograms[] = {
    {"connect_us", &WsScope::connect_us},
    {"first_frame_us", &WsScope::first_frame_us},
    {"last_frame_us", &WsScope::last_frame_us},
};

}  // namespace

void write_ws_scope(JsonWriter& w, const Scope& scope) {
  if (!scope.ws) return;
  const WsScope& ws = *scope.ws;
  w.key("ws").begin_object();
  for (const CountField& c : kCounts) w.key(c.key).value(ws.*c.field);
  w.key("errors").value(ws.error_count());
  w.key("errors_by_cause").begin_object();
  for (const auto& [cause, n] : ws.errors) w.key(cause).value(n);
  w.end_object();
  w.key("close_codes").begin_object();
  for (const auto& [code, n] : ws.close_codes) w.key(std::to_string(code)).value(n);
  w.end_object();
  for (const HistogramField& h : kHistograms) {
    w.key(h.key);
    write_histogram(w, ws.*h.field);
  }
  w.end_object();
}

void read_ws_scope(ObjectReader& scope_reader, Scope& scope, ErrorSink& sink) {
  if (!scope_reader.find("ws")) return;
  ObjectReader r = scope_reader.child("ws");
  WsScope ws;
  for (const CountField& c : kCounts) ws.*c.field = r.u64(c.key);
  for (const char* key : {"errors_by_cause", "close_codes"}) {
    ObjectReader counts = r.child(key);
    if (!counts.valid() || sink.failed()) break;
    const bool codes = std::string_view(key) == "close_codes";
    for (auto [name, value] : counts.object()) {
      uint64_t n = 0;
      if (value.get_uint64().get(n) != simdjson::SUCCESS) {
        sink.fail(counts.path_of(name), "expected a non-negative integer");
        return;
      }
      if (!codes) {
        ws.errors.emplace_back(std::string(name), n);
        continue;
      }
      uint16_t code = 0;
      auto parsed = std::from_chars(name.data(), name.data() + name.size(), code);
      if (parsed.ec != std::errc() || parsed.ptr != name.data() + name.size()) {
        sink.fail(counts.path_of(name), "expected a close code");
        return;
      }
      ws.close_codes.emplace_back(code, n);
    }
  }
  for (const HistogramField& h : kHistograms) ws.*h.field = read_histogram(r, h.key, sink);
  scope.ws = std::move(ws);
}

}  // namespace replay::results
