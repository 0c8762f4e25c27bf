// `replay report RESULT --html FILE --hlog FILE`: renders the HTML report of a saved run, and its
// timeline as an HdrHistogram interval log.

#include <cstdio>

#include "command.hpp"
#include "exit_codes.hpp"
#include "replay/results/hlog_export.hpp"
#include "replay/results/html_report.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/result_writer.hpp"

namespace replay::cli {
namespace {

struct ReportFlags {
  std::string result_path;
  std::string html_path;
  std::string hlog_path;
};

int run_report(const ReportFlags& f) {
  if (f.html_path.empty() && f.hlog_path.empty()) {
    return report_error(
        make_error(Errc::invalid_argument, "report: give --html FILE, --hlog FILE or both"),
        kExitUsage);
  }
  auto doc = results::read_result_file(f.result_path);
  if (!doc) return report_error(doc.error(), kExitUsage);
  if (!f.hlog_path.empty()) {
    if (auto w = results::write_hlog_file(doc.value(), f.hlog_path); !w) {
      return report_error(w.error(), w.error().code == Errc::io ? kExitRunFailed : kExitUsage);
    }
    std::printf("hlog       %s\n", f.hlog_path.c_str());
  }
  if (f.html_path.empty()) return kExitOk;
  if (auto w =
          results::write_text_file(f.html_path, results::render_html_report(doc.value()), "--html");
      !w) {
    return report_error(w.error(), kExitRunFailed);
  }
  std::printf("report     %s\n", f.html_path.c_str());
  return kExitOk;
}

}  // namespace

Command add_report_command(CLI::App& app) {
  auto f = std::make_shared<ReportFlags>();
  auto* sub = app.add_subcommand(
      "report", "Render a saved run (result.json) as an HTML report, an HdrHistogram log or both");
  sub->add_option("result", f->result_path, "Result of 'replay run --out' (or 'replay merge')")
      ->required();
  sub->add_option("--html", f->html_path,
                  "Write the report here: one self-contained HTML file (inline SVG, no network)");
  sub->add_option("--hlog", f->hlog_path,
                  "Write the timeline here as an HdrHistogram interval log (.hlog): corrected "
                  "latency and Tag=service lines, one a second, in microseconds");
  sub->footer(
      "Exit codes: 0 ok, 1 neither --html nor --hlog, or an unreadable or invalid result, 2 the "
      "report could not be written.");
  return {sub, [f] { return run_report(*f); }};
}

}  // namespace replay::cli
