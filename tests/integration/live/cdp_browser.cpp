#include "cdp_browser.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

namespace replay::testing {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

CdpBrowser::CdpBrowser(const std::string& binary, const std::string& profile_dir) {
  int to[2];
  int from[2];
  if (::pipe2(to, O_CLOEXEC) != 0) return;
  if (::pipe2(from, O_CLOEXEC) != 0) return;
  const std::string log = profile_dir + "/chromium.log";
  std::vector<std::string> argv = {binary,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--no-first-run",
                                   "--remote-debugging-pipe",
                                   "--user-data-dir=" + profile_dir + "/profile",
                                   "about:blank"};
  pid_ = ::fork();
  if (pid_ == 0) {
    // Move the pipe ends out of the way first: 3 and 4 may be among them.
    const int in = ::fcntl(to[0], F_DUPFD, 10);
    const int out = ::fcntl(from[1], F_DUPFD, 10);
    ::dup2(in, 3);
    ::dup2(out, 4);
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(log_fd, 2);
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(to[0]);
  ::close(from[1]);
  to_browser_ = to[1];
  from_browser_ = from[0];
  if (pid_ < 0) {
    ::close(to_browser_);
    ::close(from_browser_);
  }
}

CdpBrowser::~CdpBrowser() {
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void CdpBrowser::take(const std::string& message) {
  simdjson::dom::parser parser;
  simdjson::dom::element m;
  if (parser.parse(message).get(m) != simdjson::SUCCESS) return;
  int64_t id = 0;
  if (m["id"].get(id) == simdjson::SUCCESS) {
    simdjson::dom::element result;
    if (m["result"].get(result) == simdjson::SUCCESS) {
      answers_[static_cast<int>(id)] = simdjson::to_string(result);
    } else {
      answers_[static_cast<int>(id)] = std::nullopt;
    }
    return;
  }
  std::string_view method;
  if (m["method"].get(method) != simdjson::SUCCESS) return;
  simdjson::dom::element params = m["params"];
  if (method == "Runtime.consoleAPICalled") {
    std::string text = std::string(std::string_view(params["type"])) + ":";
    simdjson::dom::array args;
    if (params["args"].get(args) == simdjson::SUCCESS) {
      for (simdjson::dom::element a : args) text += " " + simdjson::to_string(a);
    }
    console_.push_back(text);
  } else if (method == "Runtime.exceptionThrown") {
    console_.push_back("exception: " + simdjson::to_string(params["exceptionDetails"]));
  } else if (method == "Log.entryAdded") {
    simdjson::dom::element entry = params["entry"];
    console_.push_back(std::string(std::string_view(entry["level"])) + ": " +
                       std::string(std::string_view(entry["text"])));
  }
}

void CdpBrowser::read(int timeout_ms) {
  pollfd p{from_browser_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return;
  char chunk[65536];
  const ssize_t n = ::read(from_browser_, chunk, sizeof chunk);
  if (n <= 0) return;
  buffer_.append(chunk, static_cast<size_t>(n));
  for (size_t end = buffer_.find('\0'); end != std::string::npos; end = buffer_.find('\0')) {
    take(buffer_.substr(0, end));
    buffer_.erase(0, end + 1);
  }
}

std::optional<std::string> CdpBrowser::call(const std::string& method, const std::string& params,
                                            bool in_session, int timeout_ms) {
  if (pid_ <= 0) return std::nullopt;
  const int id = next_id_++;
  std::string message =
      "{\"id\":" + std::to_string(id) + ",\"method\":\"" + method + "\",\"params\":" + params;
  if (in_session) message += ",\"sessionId\":" + json_string(session_);
  message += "}";
  message.push_back('\0');
  if (::write(to_browser_, message.data(), message.size()) !=
      static_cast<ssize_t>(message.size())) {
    return std::nullopt;
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < until) {
    auto at = answers_.find(id);
    if (at != answers_.end()) {
      auto answer = at->second;
      answers_.erase(at);
      return answer;
    }
    read(50);
  }
  return std::nullopt;
}

bool CdpBrowser::open(const std::string& url, int timeout_ms) {
  auto created = call("Target.createTarget", "{\"url\":\"about:blank\"}", false, timeout_ms);
  if (!created) return false;
  simdjson::dom::parser parser;
  const std::string target(std::string_view(parser.parse(*created)["targetId"]));
  auto attached =
      call("Target.attachToTarget", "{\"targetId\":" + json_string(target) + ",\"flatten\":true}",
           false, timeout_ms);
  if (!attached) return false;
  session_ = std::string(std::string_view(parser.parse(*attached)["sessionId"]));
  for (const char* domain : {"Runtime.enable", "Log.enable", "Page.enable"}) {
    if (!call(domain, "{}", true, timeout_ms)) return false;
  }
  return call("Page.navigate", "{\"url\":" + json_string(url) + "}", true, timeout_ms).has_value();
}

std::optional<std::string> CdpBrowser::eval(const std::string& expression, int timeout_ms) {
  auto answer = call(
      "Runtime.evaluate",
      "{\"expression\":" + json_string("String(" + expression + ")") + ",\"returnByValue\":true}",
      true, timeout_ms);
  if (!answer) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element r = parser.parse(*answer);
  simdjson::dom::element thrown;
  if (r["exceptionDetails"].get(thrown) == simdjson::SUCCESS) return std::nullopt;
  std::string_view value;
  if (r["result"]["value"].get(value) != simdjson::SUCCESS) return std::nullopt;
  return std::string(value);
}

}  // namespace replay::testing
