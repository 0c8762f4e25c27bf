#pragma once
// The "ws" object of a scope in result.json (WebSocket sessions).

#include "json_fields.hpp"
#include "replay/core/json_writer.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// Writes the scope's "ws" key and object (nothing when it has none).
void write_ws_scope(JsonWriter& w, const Scope& scope);
// Reads the "ws" object of `scope_reader` into `scope` when there is one.
void read_ws_scope(ObjectReader& scope_reader, Scope& scope, ErrorSink& sink);

}  // namespace replay::results
