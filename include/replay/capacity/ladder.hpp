#pragma once
// A fixed ladder of capacity steps, for a capacity measurement beyond one machine without a
// coordinator: every shard runs the same rungs in lockstep (rung k starts at the same wall-clock
// second on every machine), each at 1/N of the rung's rate, and `replay merge` of the shards'
// capacity.json files judges each rung on the shards' merged results. Pure: no clock, no I/O.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "replay/capacity/capacity_report.hpp"
#include "replay/core/result.hpp"

namespace replay::capacity {

// "100/s..2000/s:12": `steps` rates from `from_per_s` to `to_per_s`, in equal ratios (as the
// search's exponential phase grows): 100, 131, 173, ..., 2000.
struct Ladder {
  double from_per_s = 0;
  double to_per_s = 0;
  size_t steps = 0;
  std::string text;  // as typed
};

// Parses "FROM..TO:STEPS" (rates as --rate spells them: 100/s, 6000/m). FROM > 0, TO > FROM,
// 2 <= STEPS <= 100 (or FROM == TO with STEPS == 1). Errors: Errc::invalid_argument naming the
// part that is wrong.
Result<Ladder> parse_ladder(std::string_view text);

// The rungs' rates, increasing; the first is from_per_s and the last to_per_s exactly.
std::vector<double> ladder_rates(const Ladder& ladder);

// How long one rung occupies on every shard, in whole seconds: its warm-up and judged window,
// the drain allowed after it, and 2 s for the drain's last completions and the next rung's
// start. Rung k starts at start + k * slot on every shard.
int64_t ladder_slot_s(const StepWindow& window, int64_t drain_ms);

// Sets end, highest_pass, lowest_fail and why from the rungs in order (report.steps, increasing
// rates): the capacity is the achieved rate of the rung below the first one that did not pass,
// when that one failed; a rung replay or its client limited ends the judgement with that
// verdict instead. Every rung passed: unbounded; the first failed: no_pass. A rung that passed
// above the first failure is named in `why` (the service did not fail monotonically).
void finish_ladder_report(CapacityReport& report);

// The shards' capacity reports (from parse_capacity_json) of one ladder, merged: each rung's
// results merged exactly (results::merge_shards) and judged again on `report.settings`' SLOs
// and window at the rung's full rate; the shards' settings must agree (ladder, SLOs, window,
// shard count, target, trace) and their indices differ. Errors: Errc::invalid_argument naming
// the file and what differs, or a report that is not a ladder's.
Result<CapacityReport> merge_ladders(const std::vector<CapacityReport>& shards);

}  // namespace replay::capacity
