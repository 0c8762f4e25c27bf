#pragma once
// The stage list both rate and user schedules are written in: "V:DURATION, V->V:DURATION, V",
// with the values read by the caller's parser. Private to src/schedule.

#include <string_view>
#include <vector>

#include "replay/core/result.hpp"
#include "replay/schedule/rate.hpp"

namespace replay::schedule {

using ValueParser = Result<double> (*)(std::string_view);

// Parses `text` into stages, each value by `value`. Errors name the stage ("stage 2 of '...'")
// and what is wrong; a bare value is an open-ended stage, allowed only last; a ramp needs a
// duration. `what` names the schedule in messages ("rate"); the examples show a stage with a
// duration ("RATE:DURATION") and a ramp ("10/s->200/s:30s").
Result<std::vector<Stage>> parse_stages(std::string_view text, ValueParser value,
                                        std::string_view what, std::string_view stage_example,
                                        std::string_view ramp_example);

std::string_view trim_spaces(std::string_view s);

}  // namespace replay::schedule
