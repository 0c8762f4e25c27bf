#pragma once
// result.json's exact status codes and failure samples, written and read in one place: the
// scope's "status.codes" and "samples", the timeline rows' "status_codes". All are optional on
// read (results written before them read empty).

#include <string_view>
#include <vector>

#include "json_fields.hpp"
#include "replay/core/json_writer.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// {"200": n, "429": m, ...} in increasing codes; {} when empty.
void write_status_codes(JsonWriter& w, const StatusCodeCounts& codes);
// [{"key": "429", "at_us": n, "text": "..."}, ...]
// A scope's "checks": {"passed", "failed", "ratio", "failures": [{condition, observed, count}]}.
void write_checks(JsonWriter& w, const CheckTally& checks);
CheckTally read_checks(ObjectReader& r, std::string_view key, ErrorSink& sink);

void write_failure_samples(JsonWriter& w, const std::vector<FailureSample>& samples);

// The object field `key` of `r` as status codes; empty when absent. A code that is not an
// integer in 100..599, or a count that is not a non-negative integer, is an error in `sink`.
StatusCodeCounts read_status_codes(ObjectReader& r, std::string_view key, ErrorSink& sink);
// The array field `key` of `r` as samples; empty when absent.
std::vector<FailureSample> read_failure_samples(ObjectReader& r, std::string_view key,
                                                ErrorSink& sink);

}  // namespace replay::results
