#include "llm_json.hpp"

namespace replay::results {
namespace {

struct CountField {
  std::string_view key;
  uint64_t LlmScope::*field;
};

constexpr CountField kCounts[] = {
    {"streams", &LlmScope::streams},
    {"output_tokens", &LlmScope::output_tokens},
    {"content_events", &LlmScope::content_events},
    {"single_token_streams", &LlmScope::single_token_streams},
    {"empty_streams", &LlmScope::empty_streams},
    {"malformed_events", &LlmScope::malformed_events},
    {"multi_event_streams", &LlmScope::multi_event_streams},
    {"buffered_streams", &LlmScope::buffered_streams},
    {"goodput_met", &LlmScope::goodput_met},
};

struct HistogramField {
  std::string_view key;
  Histogram LlmScope::*field;
};

constexpr HistogramField kHistograms[] = {
    {"ttft_us", &LlmScope::ttft_us}, {"ttft_sent_us", &LlmScope::ttft_sent_us},
    {"itl_us", &LlmScope::itl_us},   {"tpot_us", &LlmScope::tpot_us},
    {"e2e_us", &LlmScope::e2e_us},   {"stream_tokens_per_s", &LlmScope::stream_tokens_per_s},
};

}  // namespace

void write_llm_scope(JsonWriter& w, const ResultDoc& doc, const Scope& scope) {
  if (!scope.llm) return;
  const LlmScope& l = *scope.llm;
  w.key("llm").begin_object();
  for (const CountField& c : kCounts) w.key(c.key).value(l.*c.field);
  w.key("output_tokens_per_s").value(doc.output_tokens_per_s(scope));
  w.key("goodput_ratio").value(scope.goodput_ratio());
  w.key("goodput_per_s").value(doc.goodput_per_s(scope));
  w.key("token_source").value(l.token_source());
  w.key("tokens_per_event").value(l.tokens_per_event());
  w.key("tokens_from").begin_object();
  for (size_t i = 0; i < kTokenSourceNames.size(); ++i) {
    w.key(kTokenSourceNames[i]).value(l.tokens_from[i]);
  }
  w.end_object();
  for (const HistogramField& h : kHistograms) {
    w.key(h.key);
    write_histogram(w, l.*h.field);
  }
  w.end_object();
}

void read_llm_scope(ObjectReader& scope_reader, Scope& scope, ErrorSink& sink) {
  if (!scope_reader.find("llm")) return;
  ObjectReader r = scope_reader.child("llm");
  LlmScope l;
  for (const CountField& c : kCounts) l.*c.field = r.u64(c.key);
  ObjectReader from = r.child("tokens_from");
  for (size_t i = 0; i < kTokenSourceNames.size(); ++i) {
    l.tokens_from[i] = from.u64(kTokenSourceNames[i]);
  }
  for (const HistogramField& h : kHistograms) l.*h.field = read_histogram(r, h.key, sink);
  scope.llm = std::move(l);
}

}  // namespace replay::results
