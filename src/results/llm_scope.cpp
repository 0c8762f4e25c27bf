#include "replay/results/result_doc.hpp"

namespace replay::results {

std::string LlmScope::token_source() const {
  std::string out = "none";
  for (size_t i = 0; i < tokens_from.size(); ++i) {
    if (tokens_from[i] == 0) continue;
    if (out != "none") return "mixed";
    out = std::string(kTokenSourceNames[i]);
  }
  return out;
}

double LlmScope::tokens_per_event() const noexcept {
  return content_events ? static_cast<double>(output_tokens) / static_cast<double>(content_events)
                        : 0.0;
}

void LlmScope::merge(const LlmScope& other) {
  ttft_us.merge(other.ttft_us);
  ttft_sent_us.merge(other.ttft_sent_us);
  itl_us.merge(other.itl_us);
  tpot_us.merge(other.tpot_us);
  e2e_us.merge(other.e2e_us);
  stream_tokens_per_s.merge(other.stream_tokens_per_s);
  streams += other.streams;
  output_tokens += other.output_tokens;
  content_events += other.content_events;
  single_token_streams += other.single_token_streams;
  empty_streams += other.empty_streams;
  malformed_events += other.malformed_events;
  multi_event_streams += other.multi_event_streams;
  buffered_streams += other.buffered_streams;
  for (size_t i = 0; i < tokens_from.size(); ++i) tokens_from[i] += other.tokens_from[i];
  goodput_met += other.goodput_met;
}

double Scope::goodput_ratio() const noexcept {
  const uint64_t ended = completed + failed;
  if (!llm || ended == 0) return 0.0;
  return static_cast<double>(llm->goodput_met) / static_cast<double>(ended);
}

double ResultDoc::output_tokens_per_s(const Scope& scope) const noexcept {
  if (!scope.llm || elapsed_us <= 0) return 0.0;
  return static_cast<double>(scope.llm->output_tokens) * 1e6 / static_cast<double>(elapsed_us);
}

double ResultDoc::goodput_per_s(const Scope& scope) const noexcept {
  if (!scope.llm || elapsed_us <= 0) return 0.0;
  return static_cast<double>(scope.llm->goodput_met) * 1e6 / static_cast<double>(elapsed_us);
}

}  // namespace replay::results
