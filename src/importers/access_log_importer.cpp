#include "replay/importers/access_log_importer.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "digits.hpp"
#include "replay/core/wire_check.hpp"

namespace replay::importers {
namespace {

constexpr int64_t kUsPerS = 1'000'000;

// A cursor over one log line.
struct Cursor {
  std::string_view rest;

  void skip_spaces() {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  }
  // The next space-delimited token.
  std::string_view token() {
    skip_spaces();
    size_t end = 0;
    while (end < rest.size() && rest[end] != ' ' && rest[end] != '\t') ++end;
    std::string_view t = rest.substr(0, end);
    rest.remove_prefix(end);
    return t;
  }
  // The text between `open` and `close` (a '"' field honours backslash escapes).
  std::optional<std::string_view> delimited(char open, char close) {
    skip_spaces();
    if (rest.empty() || rest.front() != open) return std::nullopt;
    size_t i = 1;
    while (i < rest.size() && rest[i] != close) {
      if (close == '"' && rest[i] == '\\' && i + 1 < rest.size()) ++i;
      ++i;
    }
    if (i >= rest.size()) return std::nullopt;
    std::string_view inside = rest.substr(1, i - 1);
    rest.remove_prefix(i + 1);
    return inside;
  }
};

Error bad_line(std::string what) {
  return make_error(Errc::corrupt, std::move(what));
}

// Non-printable bytes as \xNN, so that binary junk (a TLS hello) shows up readably.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 60)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > 60) out += "...";
  return out;
}

// "10/Oct/2000:13:55:36 -0700" -> seconds since the epoch.
std::optional<int64_t> parse_log_time(std::string_view t) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int day, year, hour, minute, second, zh, zm;
  if (t.size() != 26 || !parse_digits(t, 0, 2, day) || t[2] != '/' || t[6] != '/' ||
      !parse_digits(t, 7, 4, year) || t[11] != ':' || !parse_digits(t, 12, 2, hour) ||
      t[14] != ':' || !parse_digits(t, 15, 2, minute) || t[17] != ':' ||
      !parse_digits(t, 18, 2, second) || t[20] != ' ' || (t[21] != '+' && t[21] != '-') ||
      !parse_digits(t, 22, 2, zh) || !parse_digits(t, 24, 2, zm)) {
    return std::nullopt;
  }
  int month = -1;
  for (int m = 0; m < 12; ++m) {
    if (t.substr(3, 3) == kMonths[m]) month = m;
  }
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const int64_t offset_s = (t[21] == '-' ? -1 : 1) * (zh * 3600 + zm * 60);
  return static_cast<int64_t>(timegm(&tm)) - offset_s;
}

// "0.123" or "12" (seconds) -> microseconds.
std::optional<int64_t> parse_seconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t whole = 0;
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    // Past a day the value is refused below: stop growing it before it could overflow.
    if (whole <= 86'400'000) whole = whole * 10 + (text[i] - '0');
    ++i;
  }
  if (i == 0 || whole > 86'400'000) return std::nullopt;
  int64_t fraction_us = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int64_t scale = 100000;
    const size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      fraction_us += (text[i++] - '0') * scale;
      scale /= 10;
    }
    if (i == start) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  return whole * kUsPerS + fraction_us;
}

std::string_view dash_is_empty(std::string_view s) {
  return s == "-" ? std::string_view() : s;
}

}  // namespace

Result<AccessLogLine> parse_access_log_line(std::string_view text) {
  AccessLogLine line;
  Cursor c{text};
  line.client = c.token();
  if (line.client.empty()) return bad_line("empty line");
  const std::string_view ident = c.token();
  line.user = c.token();
  if (ident.empty() || line.user.empty()) return bad_line("expected 'client ident user [time]'");
  auto time = c.delimited('[', ']');
  if (!time) return bad_line("expected '[' before the time, and ']' after it");
  auto seconds = parse_log_time(*time);
  if (!seconds) {
    return bad_line("time '" + printable(*time) + "' is not like 10/Oct/2000:13:55:36 -0700");
  }
  line.time_s = *seconds;
  auto request = c.delimited('"', '"');
  if (!request) return bad_line("expected the quoted request line after the time");
  Cursor r{*request};
  line.method = r.token();
  line.target = r.token();
  const std::string_view version = r.token();
  r.skip_spaces();
  const bool method_ok =
      !line.method.empty() &&
      line.method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string_view::npos;
  if (!method_ok || line.target.empty() || !r.rest.empty() ||
      (!version.empty() && version.rfind("HTTP/", 0) != 0)) {
    return bad_line("malformed request line \"" + printable(*request) + "\"");
  }
  if (line.target.front() != '/' && line.target.find("://") == std::string_view::npos &&
      line.target != "*") {
    return bad_line("request target '" + printable(line.target) + "' is neither a path nor a URL");
  }
  // What replay would put on the wire is checked here: a CR or LF would split the request.
  if (auto why = check_wire_text(WireField::target, line.target)) {
    return bad_line("request target '" + printable(line.target) + "' " + *why);
  }
  const std::string_view status = c.token();
  if (status.size() != 3 ||
      std::from_chars(status.data(), status.data() + 3, line.status).ec != std::errc()) {
    return bad_line("expected a 3-digit status after the request, got '" + printable(status) + "'");
  }
  const std::string_view bytes = c.token();
  if (bytes.empty()) return bad_line("expected the response size after the status");
  if (bytes != "-") {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(bytes.data(), bytes.data() + bytes.size(), n);
    if (ec != std::errc() || end != bytes.data() + bytes.size()) {
      return bad_line("response size '" + printable(bytes) + "' is not a number");
    }
    line.bytes = n;
  }
  // Combined format: "referer" "user agent"; common format stops here.
  if (auto referer = c.delimited('"', '"')) {
    line.referer = dash_is_empty(*referer);
    auto agent = c.delimited('"', '"');
    if (!agent) return bad_line("expected the quoted user agent after the referer");
    line.user_agent = dash_is_empty(*agent);
    if (auto why = check_wire_text(WireField::header_value, line.referer)) {
      return bad_line("referer " + *why);
    }
    if (auto why = check_wire_text(WireField::header_value, line.user_agent)) {
      return bad_line("user agent " + *why);
    }
  }
  // Extra fields (nginx log_format additions): a trailing number is $request_time.
  std::string_view last;
  while (true) {
    c.skip_spaces();
    if (c.rest.empty()) break;
    if (c.rest.front() == '"') {
      if (!c.delimited('"', '"')) return bad_line("unterminated quoted field");
      last = {};
      continue;
    }
    last = c.token();
  }
  if (!last.empty()) {
    if (auto us = parse_seconds(last)) line.request_time_us = *us;
  }
  return line;
}

Result<void> AccessLogImporter::add_line(std::string_view text, uint64_t line_number,
                                         std::vector<trace::Record>& out) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.find_first_not_of(" \t") == std::string_view::npos) return {};
  auto parsed = parse_access_log_line(text);
  if (!parsed) {
    Error error = parsed.error().within("line " + std::to_string(line_number));
    if (!options_.skip_bad) return error;
    ++skipped_;
    if (!first_skipped_) first_skipped_ = std::move(error);
    return {};
  }
  const AccessLogLine& line = parsed.value();
  if (!options_.all_methods && line.method != "GET" && line.method != "HEAD") {
    ++ignored_methods_;
    return {};
  }
  // Known before the second closes: this request may have started before the ones held.
  if (line.request_time_us) {
    max_request_time_us_ = std::max(max_request_time_us_, *line.request_time_us);
  }
  if (have_second_ && line.time_s > current_s_) close_second(out);
  if (!have_second_) {
    have_second_ = true;
    current_s_ = line.time_s;
  }
  // A line older than the second being collected (logs are nearly sorted) joins it.
  Pending pending;
  trace::Record& r = pending.record;
  r.method = std::string(line.method);
  std::string_view target = line.target;
  if (target.front() != '/' && target != "*") {
    const size_t path = target.find('/', target.find("://") + 3);
    target = path == std::string_view::npos ? std::string_view("/") : target.substr(path);
  }
  r.target = std::string(target);
  if (!line.user_agent.empty()) r.headers.push_back({"User-Agent", std::string(line.user_agent)});
  if (!line.referer.empty()) r.headers.push_back({"Referer", std::string(line.referer)});
  trace::ObservedResponse observed;
  observed.status = line.status;
  observed.bytes = line.bytes.value_or(0);
  if (line.request_time_us) {
    observed.duration_us = *line.request_time_us;
    pending.request_time_us = *line.request_time_us;
  }
  r.response = observed;
  options_.policy.apply(r, line.client);
  second_.push_back(std::move(pending));
  return {};
}

void AccessLogImporter::close_second(std::vector<trace::Record>& out) {
  const int64_t n = static_cast<int64_t>(second_.size());
  for (int64_t i = 0; i < n; ++i) {
    Pending& p = second_[static_cast<size_t>(i)];
    const int64_t logged_us = current_s_ * kUsPerS + i * kUsPerS / n;
    held_.push({logged_us - p.request_time_us, sequence_++, std::move(p.record)});
  }
  second_.clear();
  have_second_ = false;
  // Later lines are logged at or after the next second; the earliest they can have started
  // is that minus the longest request time seen.
  emit_until((current_s_ + 1) * kUsPerS - max_request_time_us_, out);
}

void AccessLogImporter::emit_until(int64_t start_us, std::vector<trace::Record>& out) {
  while (!held_.empty() && held_.top().start_us < start_us) {
    Held held = std::move(const_cast<Held&>(held_.top()));
    held_.pop();
    if (!have_base_) {
      have_base_ = true;
      base_us_ = held.start_us;
    }
    last_offset_us_ = std::max(last_offset_us_, held.start_us - base_us_);
    held.record.offset_us = last_offset_us_;
    out.push_back(std::move(held.record));
    ++records_;
  }
}

void AccessLogImporter::finish(std::vector<trace::Record>& out) {
  if (have_second_) close_second(out);
  emit_until(INT64_MAX, out);
}

}  // namespace replay::importers
