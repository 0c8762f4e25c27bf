// Scenario files as `replay synth` reads them.
#include "fuzz_input.hpp"
#include "replay/synth/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static_cast<void>(replay::synth::parse_scenario(replay::fuzz::as_text(data, size), "fuzz.json"));
  return 0;
}
