#pragma once
// Headless Chromium driven over the DevTools protocol on --remote-debugging-pipe (JSON
// messages separated by NUL bytes on file descriptors 3 and 4): open a page, evaluate script
// in it while it runs, and collect every console message and uncaught exception. Every wait is
// bounded; the browser is killed with the object.

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace replay::testing {

class CdpBrowser {
 public:
  // Starts `binary` headless with a fresh profile under `profile_dir`; stderr goes to
  // `profile_dir`/chromium.log.
  CdpBrowser(const std::string& binary, const std::string& profile_dir);
  ~CdpBrowser();
  CdpBrowser(const CdpBrowser&) = delete;
  CdpBrowser& operator=(const CdpBrowser&) = delete;

  bool started() const { return pid_ > 0; }
  // Opens `url` in a new tab, which later calls act on; false on failure.
  bool open(const std::string& url, int timeout_ms = 15000);
  // The value of `expression` in the current tab, converted to a string by String(...);
  // nullopt when it threw or the browser did not answer.
  std::optional<std::string> eval(const std::string& expression, int timeout_ms = 10000);
  // Console messages ("error: ...", "log: ...") and exceptions seen so far in any tab.
  const std::vector<std::string>& console() const { return console_; }

 private:
  // Sends a command (to the current tab's session when `in_session`); its "result" object as
  // JSON text, nullopt on an error answer or timeout.
  std::optional<std::string> call(const std::string& method, const std::string& params,
                                  bool in_session, int timeout_ms);
  // Reads what the browser sent, up to `timeout_ms`, keeping answers and console messages.
  void read(int timeout_ms);
  void take(const std::string& message);

  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  std::string buffer_;
  int next_id_ = 1;
  std::string session_;
  std::map<int, std::optional<std::string>> answers_;
  std::vector<std::string> console_;
};

}  // namespace replay::testing
