#include "replay/llm/stream_meter.hpp"

namespace replay::llm {

void StreamMeter::reset(ContentParser* parser, ContentSink* gaps) {
  reader_.reset();
  parser_ = parser;
  gaps_ = gaps;
  now_ns_ = 0;
  s_ = StreamSummary{};
  usage_tokens_ = pointer_tokens_ = -1;
}

void StreamMeter::read(int64_t now_ns, std::string_view body) {
  if (!parser_) return;
  now_ns_ = now_ns;
  reader_.read(body, *this);
}

void StreamMeter::on_event(std::string_view name, std::string_view data, bool truncated) {
  const EventReading r = parser_->read(name, data, truncated);
  if (r.malformed) ++s_.malformed_events;
  if (r.usage_tokens >= 0) usage_tokens_ = r.usage_tokens;
  if (r.pointer_tokens >= 0) pointer_tokens_ = r.pointer_tokens;
  if (!r.content) return;
  if (s_.content_events == 0) {
    s_.first_content_ns = now_ns_;
  } else {
    const int64_t gap = now_ns_ - s_.last_content_ns;
    if (gap > s_.max_gap_ns) s_.max_gap_ns = gap;
    if (gaps_) gaps_->on_content_gap(now_ns_, gap);
  }
  s_.last_content_ns = now_ns_;
  ++s_.content_events;
}

StreamSummary StreamMeter::summary() const {
  StreamSummary out = s_;
  if (usage_tokens_ >= 0) {
    out.output_tokens = usage_tokens_;
    out.source = TokenSource::usage;
  } else if (pointer_tokens_ >= 0) {
    out.output_tokens = pointer_tokens_;
    out.source = TokenSource::pointer;
  } else {
    out.output_tokens = s_.content_events;
    out.source = TokenSource::events;
  }
  return out;
}

}  // namespace replay::llm
