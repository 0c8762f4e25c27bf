#include "replay/engine/probe.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <charconv>
#include <chrono>
#include <cstdlib>

#include "clock.hpp"

namespace replay::engine {
namespace {

constexpr int kProbeTimeoutMs = 500;
constexpr size_t kMaxMetricsBytes = 4 << 20;

bool wait_fd(int fd, short events, int64_t deadline_ns) {
  const auto now = static_cast<int64_t>(uv_hrtime());
  if (now >= deadline_ns) return false;
  pollfd p{fd, events, 0};
  return poll(&p, 1, static_cast<int>((deadline_ns - now) / 1'000'000) + 1) > 0;
}

// GETs `spec.path` with HTTP/1.0 (the server closes, so the body ends at EOF). nullopt on any
// failure or timeout.
std::optional<std::string> fetch(const ProbeSpec& spec) {
  const int64_t deadline = static_cast<int64_t>(uv_hrtime()) + kProbeTimeoutMs * 1'000'000LL;
  const auto* addr = reinterpret_cast<const sockaddr*>(&spec.target.addr);
  int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  const socklen_t len = addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  std::optional<std::string> result;
  do {
    if (connect(fd, addr, len) != 0 && errno != EINPROGRESS) break;
    if (!wait_fd(fd, POLLOUT, deadline)) break;
    int err = 0;
    socklen_t err_len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0) break;
    const std::string request = "GET " + spec.path +
                                " HTTP/1.0\r\nHost: " + spec.target.host_header +
                                "\r\nAccept: text/plain\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      break;
    }
    std::string response;
    char buf[16384];
    bool eof = false;
    while (!eof && response.size() < kMaxMetricsBytes && wait_fd(fd, POLLIN, deadline)) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EAGAIN) continue;
      if (n <= 0) {
        eof = n == 0;
        break;
      }
      response.append(buf, static_cast<size_t>(n));
    }
    if (!eof || response.rfind("HTTP/1.", 0) != 0 || response.size() < 12 ||
        response.compare(9, 3, "200") != 0) {
      break;
    }
    auto body = response.find("\r\n\r\n");
    if (body != std::string::npos) result = response.substr(body + 4);
  } while (false);
  close(fd);
  return result;
}

}  // namespace

Result<ProbeSpec> parse_probe(std::string_view text) {
  auto bad = [&](const char* why) {
    return make_error(Errc::invalid_argument, "probe '" + std::string(text) + "': " + why +
                                                  " (NAME=http://host:port/metrics#metric_name)");
  };
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return bad("expected NAME=URL#metric");
  const auto hash = text.rfind('#');
  if (hash == std::string_view::npos || hash < eq || hash + 1 == text.size()) {
    return bad("expected '#metric' after the URL");
  }
  ProbeSpec spec;
  spec.name = std::string(text.substr(0, eq));
  spec.url = std::string(text.substr(eq + 1, hash - eq - 1));
  spec.metric = std::string(text.substr(hash + 1));
  const auto scheme_end = spec.url.find("://");
  if (scheme_end == std::string::npos || spec.url.compare(0, scheme_end, "http") != 0) {
    return bad("only http:// URLs can be probed");
  }
  const auto path_at = spec.url.find('/', scheme_end + 3);
  spec.path = path_at == std::string::npos ? "/" : spec.url.substr(path_at);
  auto target = client::parse_target(spec.url.substr(0, path_at));
  if (!target) return target.error().within("probe '" + spec.name + "'");
  spec.target = std::move(target).value();
  return spec;
}

std::optional<double> find_metric(std::string_view text, std::string_view metric) {
  const bool with_labels = metric.find('{') != std::string_view::npos;
  size_t at = 0;
  while (at < text.size()) {
    auto end = text.find('\n', at);
    std::string_view line = text.substr(at, end == std::string_view::npos ? end : end - at);
    at = end == std::string_view::npos ? text.size() : end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, metric.size()) != metric) continue;
    std::string_view rest = line.substr(metric.size());
    if (!with_labels && !rest.empty() && rest.front() == '{') {
      rest = rest.substr(std::min(rest.size(), rest.find('}') + 1));
    }
    if (rest.empty() || (rest.front() != ' ' && rest.front() != '\t')) continue;
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    const std::string number(rest.substr(0, rest.find_first_of(" \t\r")));
    char* parsed_end = nullptr;
    const double value = std::strtod(number.c_str(), &parsed_end);
    if (parsed_end == number.c_str()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

void Prober::start(int64_t run_start_ns) {
  series_.clear();
  for (const auto& p : probes_) series_.push_back({p.name, p.metric, {}});
  latest_.assign(probes_.size(), std::nan(""));
  if (probes_.empty()) return;
  thread_ = start_thread_without_stop_signals([this, run_start_ns] {
    for (int64_t second = 0; !stop_.load(); ++second) {
      // Sample in the middle of each second.
      const int64_t at = run_start_ns + second * 1'000'000'000 + 500'000'000;
      while (!stop_.load() && static_cast<int64_t>(uv_hrtime()) < at) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (stop_.load()) break;
      for (size_t i = 0; i < probes_.size(); ++i) {
        auto body = fetch(probes_[i]);
        auto value = body ? find_metric(*body, probes_[i].metric) : std::nullopt;
        auto& values = series_[i].by_second;
        values.resize(static_cast<size_t>(second), std::nan(""));
        values.push_back(value.value_or(std::nan("")));
        const std::lock_guard lock(latest_mutex_);
        latest_[i] = values.back();
      }
    }
  });
}

void Prober::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

std::vector<std::pair<std::string, double>> Prober::latest() const {
  const std::lock_guard lock(latest_mutex_);
  std::vector<std::pair<std::string, double>> out;
  for (size_t i = 0; i < probes_.size(); ++i) {
    out.emplace_back(probes_[i].name, i < latest_.size() ? latest_[i] : std::nan(""));
  }
  return out;
}

std::vector<ProbeSeries> Prober::take_series() {
  return std::move(series_);
}

}  // namespace replay::engine
