// Custom metrics: values captured from responses, fanned out like every other measurement.

#include "recorder.hpp"
#include "replay/engine/session.hpp"

namespace replay::engine {

void Recorder::record_metric(ScopeIds ids, const trace::Capture& capture,
                             const std::string* value) {
  const auto kind = histogram::parse_metric_kind(capture.metric);
  if (!kind) return;
  for (ScopeStats* s : {&results_.overall, &tag(ids.tag_id), &endpoint(ids.endpoint_id)}) {
    histogram::MetricTally& m = s->metrics.get(capture.name, *kind);
    if (value) {
      m.add_text(*value);
    } else {
      ++m.missing;
    }
  }
}

void record_capture_metrics(Recorder& recorder, ScopeIds ids,
                            const std::vector<trace::Capture>& captures, std::string_view body,
                            const client::HeaderList& headers) {
  for (const trace::Capture& capture : captures) {
    if (capture.metric.empty()) continue;
    const std::optional<std::string> value = extract_capture(capture.source, body, headers);
    recorder.record_metric(ids, capture, value ? &*value : nullptr);
  }
}

}  // namespace replay::engine
