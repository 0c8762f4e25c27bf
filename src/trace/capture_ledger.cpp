#include "capture_ledger.hpp"

namespace replay::trace {
namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";

// FNV-1a 64 over session, a separator no name holds, and capture name.
uint64_t key_of(std::string_view session, std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::string_view text) {
    for (const char c : text) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
  };
  mix(session);
  h ^= 0xff;
  h *= 0x100000001b3ULL;
  mix(name);
  return h;
}

}  // namespace

// Placeholders are found as replay substitutes them: "{{", then the first "}}" after it.
std::optional<std::string> CaptureLedger::check_text(const Record& record, std::string_view field,
                                                     std::string_view text) const {
  size_t at = 0;
  while (true) {
    const size_t open = text.find(kOpen, at);
    if (open == std::string_view::npos) return std::nullopt;
    const size_t close = text.find(kClose, open + 2);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view name = text.substr(open + 2, close - open - 2);
    const std::string prefix =
        "field \"" + std::string(field) + "\": capture '" + std::string(name) + "' ";
    if (record.session.empty()) {
      return prefix +
             "is used by a record with no session (captures are shared by the records "
             "of one session)";
    }
    if (!defined_.count(key_of(record.session, name))) {
      return prefix + "is not defined by an earlier record of session '" + record.session + "'";
    }
    at = close + 2;
  }
}

std::optional<std::string> CaptureLedger::check_uses(const Record& record) const {
  if (auto why = check_text(record, "target", record.target)) return why;
  for (size_t i = 0; i < record.headers.size(); ++i) {
    if (record.headers[i].value.find(kOpen) == std::string::npos) continue;
    const std::string field = "headers[" + std::to_string(i) + "]";
    if (auto why = check_text(record, field, record.headers[i].value)) return why;
  }
  return check_text(record, "body", record.body);
}

void CaptureLedger::add_definitions(const Record& record) {
  if (record.session.empty()) return;
  for (const Capture& c : record.captures) defined_.insert(key_of(record.session, c.name));
}

}  // namespace replay::trace
