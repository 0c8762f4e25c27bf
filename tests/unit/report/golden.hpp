#pragma once
// Golden files for the report views' text (vegeta's plot test -update, STYLE.md).

#include <string>

namespace replay::testing {

// Checks `actual` byte for byte against tests/unit/results/golden/`name`, naming the first line
// that differs; with REPLAY_UPDATE_GOLDEN=1 in the environment it rewrites the file instead.
void check_golden(const std::string& name, const std::string& actual);

}  // namespace replay::testing
