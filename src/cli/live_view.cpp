#include "live_view.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <vector>

namespace replay::cli {
namespace {

// Columns the line leaves free at the right: the ^C echo (two) and the last column.
constexpr size_t kRightMargin = 3;
constexpr size_t kDefaultColumns = 80;

std::string printed(const char* fmt, auto... args) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, fmt, args...);
  return std::string(buf, n > 0 ? std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1) : 0);
}

// Elapsed time: "12.0s", "5m07s", "1h02m".
std::string elapsed_text(double s) {
  if (s < 59.95) return printed("%.1fs", std::max(0.0, s));
  const auto whole = static_cast<long long>(s);
  if (whole < 3600) return printed("%lldm%02llds", whole / 60, whole % 60);
  return printed("%lldh%02lldm", whole / 3600, whole / 60 % 60);
}

// A length in whole seconds, rounded up: "48s", "5m", "2m30s", "1h", "1h05m".
std::string length_text(double s) {
  const auto whole = static_cast<long long>(std::ceil(std::max(0.0, s) - 1e-9));
  if (whole < 60) return printed("%llds", whole);
  if (whole < 3600) {
    return whole % 60 ? printed("%lldm%02llds", whole / 60, whole % 60)
                      : printed("%lldm", whole / 60);
  }
  return whole / 60 % 60 ? printed("%lldh%02lldm", whole / 3600, whole / 60 % 60)
                         : printed("%lldh", whole / 3600);
}

// A rate per second: "7.5/s", "200/s", "20.0k/s".
std::string rate_text(double per_s) {
  if (per_s < 99.95) return printed("%.1f/s", std::max(0.0, per_s));
  if (per_s < 9999.5) return printed("%.0f/s", per_s);
  if (per_s < 999950) return printed("%.1fk/s", per_s / 1e3);
  return printed("%.1fM/s", per_s / 1e6);
}

// A latency: "0.42ms", "3.1ms", "250ms", "1.20s", "-" for none.
std::string latency_text(const engine::Progress& p, int64_t us) {
  if (p.latency_second < 0 || p.latency_count == 0) return "-";
  const double ms = static_cast<double>(us) / 1e3;
  if (ms < 0.995) return printed("%.2fms", ms);
  if (ms < 99.95) return printed("%.1fms", ms);
  if (ms < 999.5) return printed("%.0fms", ms);
  return printed("%.2fs", ms / 1e3);
}

// `label` then `value`; appends, as GCC 12 warns falsely (-Wrestrict) on "literal" + string.
std::string labelled(const char* label, const std::string& value) {
  std::string out(label);
  out += value;
  return out;
}

struct Field {
  std::string text;
  int keep;   // the higher, the later it is left out
  int group;  // fields of one group are one space apart, groups two
};

}  // namespace

std::optional<double> eta_s(const engine::Progress& p) {
  if (p.planned_s <= 0) return std::nullopt;
  return std::max(0.0, p.planned_s - p.elapsed_s);
}

std::string format_live_line(const engine::Progress& p, size_t columns) {
  const size_t width = columns > kRightMargin ? columns - kRightMargin : 1;
  std::vector<Field> fields;
  std::string time = elapsed_text(p.elapsed_s);
  if (p.planned_s > 0) time += labelled("/", length_text(p.planned_s));
  fields.push_back({std::move(time), 100, 0});
  const auto eta = eta_s(p);
  fields.push_back({!eta       ? "ETA ?"
                    : *eta > 0 ? labelled("ETA ", length_text(*eta))
                               : "draining",
                    50, 0});
  fields.push_back({rate_text(p.offered_per_s), 60, 1});
  fields.push_back({labelled("done ", rate_text(p.completed_per_s)), 80, 1});
  fields.push_back({labelled("in-flight ", std::to_string(p.in_flight)), 30, 2});
  if (p.backlog > 0) fields.push_back({labelled("backlog ", std::to_string(p.backlog)), 65, 3});
  fields.push_back({labelled("p50 ", latency_text(p, p.p50_us)), 20, 4});
  fields.push_back({labelled("p99 ", latency_text(p, p.p99_us)), 90, 4});
  fields.push_back({labelled("err ", std::to_string(p.errors)), 70, 5});
  if (p.seconds_dropped > 0) {
    fields.push_back({labelled("lost ", std::to_string(p.seconds_dropped)) + 's', 10, 6});
  }
  auto render = [&] {
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) line += fields[i].group == fields[i - 1].group ? " " : "  ";
      line += fields[i].text;
    }
    return line;
  };
  std::string line = render();
  while (line.size() > width && fields.size() > 1) {
    size_t least = 0;
    for (size_t i = 1; i < fields.size(); ++i) {
      if (fields[i].keep < fields[least].keep) least = i;
    }
    fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(least));
    line = render();
  }
  if (line.size() > width) line.resize(width);
  return line;
}

size_t terminal_columns(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0) return kDefaultColumns;
  return size.ws_col;
}

LiveView::LiveView(std::function<std::string(const engine::Progress&)> plan, FILE* header_out,
                   FILE* line_out, int line_fd, const std::atomic<bool>& interrupted)
    : plan_(std::move(plan)),
      header_out_(header_out),
      line_out_(line_out),
      line_fd_(line_fd),
      interrupted_(interrupted) {}

void LiveView::show(const engine::Progress& p) {
  if (p.first) {
    if (!header_out_ || !header_.empty()) return;
    header_ = plan_(p);
    std::fputs(header_.c_str(), header_out_);
    std::fflush(header_out_);
    return;
  }
  if (p.last || !line_out_ || interrupted_.load(std::memory_order_relaxed)) return;
  // One write per redraw, so that Ctrl-C's clearing never lands inside a line.
  std::string text = labelled("\r", format_live_line(p, terminal_columns(line_fd_)));
  text += "\033[K";
  std::fwrite(text.data(), 1, text.size(), line_out_);
  std::fflush(line_out_);
  drawn_ = true;
}

void LiveView::clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", line_out_);
  std::fflush(line_out_);
  drawn_ = false;
}

}  // namespace replay::cli
