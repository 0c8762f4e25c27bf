#pragma once
// The HTML report's LLM charts: streams' TTFT and output tokens per second over time.

#include "replay/results/result_doc.hpp"
#include "svg_chart.hpp"

namespace replay::results {

// TTFT p50 and p99 (from the intended time, ms) per second of completion, and ITL p50 and p99
// per second of the later event; empty without rows holding LLM streams.
LineChart ttft_chart(const ResultDoc& doc);
// Output tokens per second, by completion second; empty likewise.
LineChart tokens_chart(const ResultDoc& doc);

}  // namespace replay::results
