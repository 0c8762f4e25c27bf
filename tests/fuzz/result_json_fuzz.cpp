// result.json as `replay report`, `compare` and `merge` read it; a document that parsed is
// written back and must parse again.
#include "fuzz_input.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/result_writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace replay::results;
  auto doc = parse_result_json(replay::fuzz::as_text(data, size), "fuzz.json");
  if (!doc) return 0;
  if (!parse_result_json(format_result_doc(doc.value()), "again.json").ok()) __builtin_trap();
  return 0;
}
