#pragma once
// The captures a trace's sessions have defined so far, to refuse a {{name}} no earlier record
// of its session captures while the trace loads instead of failing that request at run time.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>

#include "replay/trace/record.hpp"

namespace replay::trace {

// Not thread-safe; one per reader. Memory: one hash per distinct (session, capture name).
class CaptureLedger {
 public:
  // The first {{name}} in `record`'s target, header values or body that no earlier record of
  // its session captures (a record's own captures come from its response, so they do not
  // count): "field \"target\": capture 'plan_id' is not defined by an earlier record of
  // session 's-1'". nullopt when every name is defined.
  std::optional<std::string> check_uses(const Record& record) const;

  // Notes the captures `record` defines for the later records of its session.
  void add_definitions(const Record& record);

 private:
  std::optional<std::string> check_text(const Record& record, std::string_view field,
                                        std::string_view text) const;
  std::unordered_set<uint64_t> defined_;
};

}  // namespace replay::trace
