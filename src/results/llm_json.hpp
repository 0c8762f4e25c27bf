#pragma once
// The "llm" object of a scope in result.json, and the histogram objects every scope writes.

#include "json_fields.hpp"
#include "replay/core/json_writer.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// {"count", "min", ..., "hdr"} (result_writer.cpp).
void write_histogram(JsonWriter& w, const Histogram& h);
// The histogram object at `key`; its hdr must hold `count` values (result_reader.cpp).
Histogram read_histogram(ObjectReader& parent, std::string_view key, ErrorSink& sink);

// Writes the scope's "llm" key and object (nothing when it has none); the rates are per second
// of doc.elapsed_us.
void write_llm_scope(JsonWriter& w, const ResultDoc& doc, const Scope& scope);
// Reads the "llm" object of `scope_reader` into `scope` when there is one.
void read_llm_scope(ObjectReader& scope_reader, Scope& scope, ErrorSink& sink);

}  // namespace replay::results
