#include "metric_json.hpp"

#include "llm_json.hpp"

namespace replay::results {

void write_metrics(JsonWriter& w, const histogram::MetricTallies& metrics) {
  w.begin_array();
  for (const histogram::MetricTally& m : metrics.items) {
    w.begin_object()
        .key("name")
        .value(m.name)
        .key("kind")
        .value(histogram::metric_kind_name(m.kind))
        .key("count")
        .value(m.count)
        .key("sum")
        .value(m.sum)
        .key("min")
        .value(m.min)
        .key("max")
        .value(m.max)
        .key("mean")
        .value(m.mean())
        .key("non_numeric")
        .value(m.non_numeric)
        .key("missing")
        .value(m.missing);
    if (m.kind == histogram::MetricKind::histogram) {
      w.key("values");
      write_histogram(w, m.values ? *m.values : Histogram());
    }
    w.end_object();
  }
  w.end_array();
}

histogram::MetricTallies read_metrics(ObjectReader& r, std::string_view key, ErrorSink& sink) {
  histogram::MetricTallies out;
  r.each_object(key, [&](ObjectReader& item) {
    histogram::MetricTally m;
    m.name = item.str("name");
    const std::string kind = item.str("kind");
    const auto parsed = histogram::parse_metric_kind(kind);
    if (!parsed) {
      sink.fail(item.path_of("kind"), "expected \"sum\" or \"histogram\"");
      return false;
    }
    m.kind = *parsed;
    m.count = item.u64("count");
    m.sum = item.f64("sum");
    m.min = item.f64("min");
    m.max = item.f64("max");
    m.non_numeric = item.u64("non_numeric");
    m.missing = item.u64("missing");
    if (m.kind == histogram::MetricKind::histogram) {
      Histogram values = read_histogram(item, "values", sink);
      if (values.count() > 0) m.values = std::move(values);
    }
    out.items.push_back(std::move(m));
    return !sink.failed();
  });
  return out;
}

}  // namespace replay::results
