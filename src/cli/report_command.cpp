// `replay report RESULT [--format text|markdown] [--csv FILE] [--hgrm DIR] [--hlog FILE]
// [--html FILE]`: renders a saved run (result.json) the way `replay run` rendered it: the
// terminal summary (the same bytes), a markdown summary, the timeline CSV, the .hgrm files, an
// HdrHistogram interval log and the HTML report.

#include <cstdio>

#include "command.hpp"
#include "exit_codes.hpp"
#include "replay/report/result_views.hpp"
#include "replay/results/hlog_export.hpp"
#include "replay/results/html_report.hpp"
#include "replay/results/result_reader.hpp"
#include "replay/results/result_writer.hpp"

namespace replay::cli {
namespace {

struct ReportFlags {
  std::string result_path;
  std::string format;  // "" = text unless a file is asked for
  std::string csv_path;
  std::string hgrm_dir;
  std::string hlog_path;
  std::string html_path;
};

int write_error(const Error& e) {
  return report_error(e, e.code == Errc::io ? kExitRunFailed : kExitUsage);
}

int run_report(const ReportFlags& f) {
  if (!f.format.empty() && f.format != "text" && f.format != "markdown") {
    return report_error(
        make_error(Errc::invalid_argument, "report: --format '" + f.format + "': text or markdown"),
        kExitUsage);
  }
  auto read = results::read_result_file(f.result_path);
  if (!read) return report_error(read.error(), kExitUsage);
  const results::ResultDoc& doc = read.value();
  const bool any_file =
      !f.csv_path.empty() || !f.hgrm_dir.empty() || !f.hlog_path.empty() || !f.html_path.empty();
  // The summary on stdout, unless only files were asked for; their names follow it.
  if (f.format == "markdown") {
    std::fputs(report::format_summary_markdown(doc).c_str(), stdout);
  } else if (f.format == "text" || !any_file) {
    std::fputs(report::format_summary(doc).c_str(), stdout);
  }
  if (!f.format.empty() && any_file) std::fputs("\n", stdout);
  if (!f.csv_path.empty()) {
    if (auto w = results::write_text_file(f.csv_path, report::format_timeline_csv(doc), "--csv");
        !w) {
      return write_error(w.error());
    }
    std::printf("csv        %s\n", f.csv_path.c_str());
  }
  if (!f.hgrm_dir.empty()) {
    auto files = report::write_hgrm_files(doc, f.hgrm_dir);
    if (!files) return write_error(files.error());
    std::printf("hgrm       %s/*.hgrm (%zu files)\n", f.hgrm_dir.c_str(), files->size());
  }
  if (!f.hlog_path.empty()) {
    if (auto w = results::write_hlog_file(doc, f.hlog_path); !w) return write_error(w.error());
    std::printf("hlog       %s\n", f.hlog_path.c_str());
  }
  if (!f.html_path.empty()) {
    if (auto w = results::write_text_file(f.html_path, results::render_html_report(doc), "--html");
        !w) {
      return write_error(w.error());
    }
    std::printf("report     %s\n", f.html_path.c_str());
  }
  return kExitOk;
}

}  // namespace

Command add_report_command(CLI::App& app) {
  auto f = std::make_shared<ReportFlags>();
  auto* sub = app.add_subcommand(
      "report",
      "Render a saved run (result.json): its terminal or markdown summary, timeline CSV, .hgrm "
      "files, HdrHistogram log or HTML report");
  sub->add_option("result", f->result_path, "Result of 'replay run --out' (or 'replay merge')")
      ->required();
  sub->add_option("--format", f->format,
                  "Summary on stdout: text (what 'replay run' printed; the default without a "
                  "file flag) or markdown (for a CI job summary or a pull-request comment)");
  sub->add_option("--csv", f->csv_path,
                  "Write the per-second timeline (overall and per tag) as CSV here");
  sub->add_option("--hgrm", f->hgrm_dir, "Write HdrHistogram percentile files into this folder");
  sub->add_option("--hlog", f->hlog_path,
                  "Write the timeline here as an HdrHistogram interval log (.hlog): corrected "
                  "latency and Tag=service lines, one a second, in microseconds");
  sub->add_option("--html", f->html_path,
                  "Write the report here: one self-contained HTML file (inline SVG, no network)");
  sub->footer(
      "Without a file flag the terminal summary is printed, as 'replay run' printed it; with "
      "one, only the files are written unless --format is given.\n"
      "Exit codes: 0 ok, 1 a bad --format, or an unreadable or invalid result, 2 an output "
      "could not be written.");
  return {sub, [f] { return run_report(*f); }};
}

}  // namespace replay::cli
