// `replay import har FILE.har -o trace.zst` and `replay import access-log FILE -o trace.zst`:
// turn what users already have into traces.

#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "exit_codes.hpp"
#include "replay/client/target.hpp"
#include "replay/importers/access_log_importer.hpp"
#include "replay/importers/har_importer.hpp"
#include "replay/trace/trace_writer.hpp"

namespace replay::cli {
namespace {

struct ImportFlags {
  std::string input;
  std::string output;
  std::string session_by;
  std::vector<std::string> tag_by;
  std::vector<std::string> redact;
  bool keep_secrets = false;
  bool skip_bad = false;
  // access-log only
  std::string format = "combined";
  std::string base_url;
  bool all_methods = false;
};

Result<policy::RecordPolicy> make_policy(const ImportFlags& f, bool client_ip_allowed) {
  policy::RecordPolicy policy;
  if (!f.session_by.empty()) {
    auto rule = policy::parse_session_rule(f.session_by);
    if (!rule) return rule.error().within("--session-by");
    if (rule->kind == policy::SessionRule::Kind::client_ip && !client_ip_allowed) {
      return make_error(Errc::invalid_argument,
                        "--session-by client-ip: a HAR file has no client addresses");
    }
    policy.session = rule.value();
  }
  for (const auto& rules : f.tag_by) {
    if (auto added = policy.tags.add(rules); !added) return added.error().within("--tag-by");
  }
  policy.redactor = policy::Redactor(f.keep_secrets);
  for (const auto& name : f.redact) policy.redactor.add(name);
  return policy;
}

Result<std::string> read_file(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    return make_error(errno == ENOENT ? Errc::not_found : Errc::io,
                      "'" + path + "': " + std::strerror(errno));
  }
  std::string text;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return make_error(Errc::io, "'" + path + "': read failed");
  return text;
}

// The trace an import writes: a temporary file beside `path` (same directory, so the rename is
// atomic), renamed to `path` by commit() and removed otherwise, so a failed import leaves no
// partial trace behind and an existing `path` unchanged.
class PendingTrace {
 public:
  static Result<std::unique_ptr<PendingTrace>> create(const std::string& path,
                                                      const trace::TraceHeader& header) {
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    std::string temp = dir + "." + base + ".partial.XXXXXX";
    const int fd = mkstemp(temp.data());  // mode 0600, like TraceWriter::create
    if (fd < 0) return make_error(Errc::io, "'" + path + "': " + std::strerror(errno));
    std::unique_ptr<PendingTrace> pending(new PendingTrace(path, temp));
    auto writer = trace::TraceWriter::create_from_fd(fd, path, header);
    if (!writer) return writer.error();
    pending->writer_ = std::move(writer).value();
    return pending;
  }
  PendingTrace(const PendingTrace&) = delete;
  PendingTrace& operator=(const PendingTrace&) = delete;
  ~PendingTrace() {
    writer_.reset();
    if (!temp_.empty()) std::remove(temp_.c_str());
  }

  Result<void> write(const trace::Record& record) { return writer_->write(record); }

  // Closes the trace and puts it in place.
  Result<void> commit() {
    if (auto closed = writer_->close(); !closed) return closed;
    if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
      return make_error(Errc::io, "'" + path_ + "': " + std::strerror(errno));
    }
    temp_.clear();
    return {};
  }

 private:
  PendingTrace(std::string path, std::string temp)
      : path_(std::move(path)), temp_(std::move(temp)) {}

  std::string path_;
  std::string temp_;  // empty once renamed
  std::unique_ptr<trace::TraceWriter> writer_;
};

int exit_for(const Error& e) {
  return e.code == Errc::io ? kExitRunFailed : kExitUsage;
}

std::string skipped_note(uint64_t skipped, const std::optional<Error>& first, const char* what) {
  if (skipped == 0) return "";
  return ", " + std::to_string(skipped) + " bad " + what +
         " skipped (first: " + (first ? first->context : std::string("?")) + ")";
}

int run_har(const ImportFlags& f) {
  auto policy = make_policy(f, false);
  if (!policy) return report_error(policy.error().within("import har"), kExitUsage);
  auto text = read_file(f.input);
  if (!text) return report_error(text.error().within("import har"), exit_for(text.error()));
  importers::HarOptions options{std::move(policy).value(), f.skip_bad};
  auto imported = importers::import_har(text.value(), options);
  if (!imported) {
    return report_error(imported.error().within("import har: '" + f.input + "'" +
                                                (f.skip_bad ? "" : " (--skip-bad to go on)")),
                        kExitUsage);
  }
  trace::TraceHeader header;
  header.source = "import har";
  header.base_url = imported->base_url;
  auto writer = PendingTrace::create(f.output, header);
  if (!writer) return report_error(writer.error().within("import har: -o"), kExitRunFailed);
  for (const auto& record : imported->records) {
    if (auto w = writer.value()->write(record); !w) {
      return report_error(w.error().within("import har"), kExitRunFailed);
    }
  }
  if (auto closed = writer.value()->commit(); !closed) {
    return report_error(closed.error().within("import har"), kExitRunFailed);
  }
  std::string hosts;
  if (imported->hosts > 1) {
    hosts = ", " + std::to_string(imported->hosts) + " hosts (all replay against one --target)";
  }
  std::printf("imported %zu requests from %s to %s (base url %s)%s%s\n", imported->records.size(),
              f.input.c_str(), f.output.c_str(),
              imported->base_url.empty() ? "none" : imported->base_url.c_str(), hosts.c_str(),
              skipped_note(imported->skipped, imported->first_skipped, "entries").c_str());
  return kExitOk;
}

int run_access_log(const ImportFlags& f) {
  if (f.format != "combined" && f.format != "common") {
    return report_error(
        make_error(Errc::invalid_argument,
                   "import access-log: --format '" + f.format + "': expected combined or common"),
        kExitUsage);
  }
  if (!f.base_url.empty()) {
    if (auto target = client::parse_target(f.base_url); !target) {
      return report_error(target.error().within("import access-log: --base-url"), kExitUsage);
    }
  }
  auto policy = make_policy(f, true);
  if (!policy) return report_error(policy.error().within("import access-log"), kExitUsage);
  FILE* input = std::fopen(f.input.c_str(), "rb");
  if (!input) {
    Error e = make_error(errno == ENOENT ? Errc::not_found : Errc::io,
                         "'" + f.input + "': " + std::strerror(errno));
    return report_error(e.within("import access-log"), exit_for(e));
  }
  std::unique_ptr<FILE, int (*)(FILE*)> closer(input, &std::fclose);
  trace::TraceHeader header;
  header.source = "import access-log";
  header.base_url = f.base_url;
  while (!header.base_url.empty() && header.base_url.back() == '/') header.base_url.pop_back();
  auto writer = PendingTrace::create(f.output, header);
  if (!writer) return report_error(writer.error().within("import access-log: -o"), kExitRunFailed);
  importers::AccessLogImporter importer({std::move(policy).value(), f.skip_bad, f.all_methods});
  std::vector<trace::Record> ready;
  auto write_ready = [&]() -> Result<void> {
    for (const auto& record : ready) {
      if (auto w = writer.value()->write(record); !w) return w;
    }
    ready.clear();
    return {};
  };
  std::string line;
  uint64_t line_number = 0;
  char buffer[1 << 16];
  bool more = true;
  while (more) {
    line.clear();
    // One line, however long: fgets fills the buffer piece by piece.
    while (true) {
      if (!std::fgets(buffer, sizeof buffer, input)) {
        more = false;
        break;
      }
      line += buffer;
      if (!line.empty() && line.back() == '\n') break;
    }
    if (line.empty() && !more) break;
    if (!line.empty() && line.back() == '\n') line.pop_back();
    ++line_number;
    if (auto added = importer.add_line(line, line_number, ready); !added) {
      return report_error(
          added.error().within("import access-log: '" + f.input + "' (--skip-bad to go on)"),
          kExitUsage);
    }
    if (auto w = write_ready(); !w)
      return report_error(w.error().within("import access-log"), kExitRunFailed);
  }
  if (std::ferror(input)) {
    return report_error(make_error(Errc::io, "import access-log: '" + f.input + "': read failed"),
                        kExitRunFailed);
  }
  importer.finish(ready);
  if (auto w = write_ready(); !w)
    return report_error(w.error().within("import access-log"), kExitRunFailed);
  if (auto closed = writer.value()->commit(); !closed) {
    return report_error(closed.error().within("import access-log"), kExitRunFailed);
  }
  std::string ignored;
  if (importer.ignored_methods()) {
    ignored = ", " + std::to_string(importer.ignored_methods()) +
              " left out (methods other than GET and HEAD: logs have no bodies; --all-methods "
              "keeps them)";
  }
  std::printf("imported %llu requests from %s to %s%s%s\n",
              static_cast<unsigned long long>(importer.records()), f.input.c_str(),
              f.output.c_str(), ignored.c_str(),
              skipped_note(importer.skipped(), importer.first_skipped(), "lines").c_str());
  return kExitOk;
}

void add_common_flags(CLI::App* sub, ImportFlags& f) {
  sub->add_option("-o,--output", f.output, "Trace file to write (.zst, created mode 0600)")
      ->required();
  sub->add_option("--tag-by", f.tag_by,
                  "Tag rules: '/api/v1/chat=chat,/webhooks=webhook', 'header:X-Tag', '*=other'");
  sub->add_option("--redact", f.redact,
                  "Also redact this header's value (Authorization, Cookie, Set-Cookie, "
                  "Proxy-Authorization and X-Api-Key always are)");
  sub->add_flag("--keep-secrets", f.keep_secrets, "Keep secret header values as they are");
  sub->add_flag("--skip-bad", f.skip_bad,
                "Skip malformed entries or lines (counted) instead of stopping at the first");
}

}  // namespace

Command add_import_command(CLI::App& app) {
  auto f = std::make_shared<ImportFlags>();
  auto* sub = app.add_subcommand("import", "Turn a HAR file or an access log into a trace");
  sub->require_subcommand(1);
  auto* har = sub->add_subcommand("har", "Import a HAR 1.2 file (devtools, mitmproxy, Charles)");
  har->add_option("file", f->input, "HAR file")->required();
  add_common_flags(har, *f);
  har->add_option("--session-by", f->session_by, "Session key: header:NAME or cookie:NAME");
  auto* log = sub->add_subcommand(
      "access-log", "Import an nginx/Apache access log (GET and HEAD replay from timestamps)");
  log->add_option("file", f->input, "Access log file")->required();
  add_common_flags(log, *f);
  log->add_option("--format", f->format, "combined or common");
  log->add_option("--base-url", f->base_url,
                  "Where the logged requests went, e.g. http://127.0.0.1:8000 (else use "
                  "replay run --target)");
  log->add_option("--session-by", f->session_by, "Session key: client-ip, header:User-Agent, ...");
  log->add_flag("--all-methods", f->all_methods,
                "Keep other methods too, with empty bodies (a log has no bodies)");
  return {sub, [f, har, log] {
            if (har->parsed()) return run_har(*f);
            if (log->parsed()) return run_access_log(*f);
            return kExitUsage;
          }};
}

}  // namespace replay::cli
