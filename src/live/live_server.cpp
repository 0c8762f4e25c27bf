#include "replay/live/live_server.hpp"

#include <uv.h>

#include <deque>
#include <future>
#include <list>
#include <mutex>
#include <thread>

#include "replay/http/server.hpp"

namespace replay::live {
namespace {

constexpr http::HeaderField kNoStore{"Cache-Control", "no-store"};

}  // namespace

struct LiveServer::State {
  // Shared with the main thread, under `mutex`.
  std::mutex mutex;
  std::string metrics;
  std::string page = "<!DOCTYPE html><title>replay live</title><p>the run is starting</p>\n";
  std::string charts;
  std::string report;
  std::deque<std::string> events;  // the newest kMaxEvents SSE event texts
  uint64_t first_event = 0;        // index of events.front() since the run began
  bool ended = false;
  bool stopping = false;

  // Loop thread only.
  uv_loop_t loop{};
  uv_async_t wake{};
  std::unique_ptr<http::Server> metrics_server;
  std::unique_ptr<http::Server> dashboard_server;
  struct Stream {
    http::ResponseWriter writer;
    uint64_t next = 0;  // index of the next event to send it
  };
  std::list<Stream> streams;
  bool streams_ended = false;

  std::thread thread;
  net::SocketAddress metrics_address;
  net::SocketAddress dashboard_address;
  bool stopped = false;
  bool closed_cleanly = false;  // written by the loop thread before it ends

  void handle(http::Request& request, const http::ResponseWriter& writer, bool metrics_paths,
              bool dashboard_paths);
  void serve_text(const http::ResponseWriter& writer, const std::string& text,
                  std::string_view content_type);
  // Sends each stream the events it has not had; "end" and the end of it once the run ended.
  void pump();
  void close_all();
};

void LiveServer::State::serve_text(const http::ResponseWriter& writer, const std::string& text,
                                   std::string_view content_type) {
  writer.respond(200, {{"Content-Type", content_type}, kNoStore}, text);
}

void LiveServer::State::handle(http::Request& request, const http::ResponseWriter& writer,
                               bool metrics_paths, bool dashboard_paths) {
  const std::string_view path = request.path();
  if (request.method != "GET" && request.method != "HEAD") {
    writer.respond(405, {{"Allow", "GET, HEAD"}}, "only GET\n");
    return;
  }
  std::unique_lock lock(mutex);
  if (metrics_paths && path == "/metrics") {
    const std::string text = metrics;
    lock.unlock();
    serve_text(writer, text, "text/plain; version=0.0.4; charset=utf-8");
    return;
  }
  if (dashboard_paths && path == "/") {
    const std::string text = ended ? report : page;
    lock.unlock();
    serve_text(writer, text, "text/html; charset=utf-8");
    return;
  }
  if (dashboard_paths && path == "/charts") {
    const std::string text = charts;
    lock.unlock();
    serve_text(writer, text, "text/html; charset=utf-8");
    return;
  }
  if (dashboard_paths && path == "/report" && ended) {
    const std::string text = report;
    lock.unlock();
    serve_text(writer, text, "text/html; charset=utf-8");
    return;
  }
  if (dashboard_paths && path == "/favicon.ico") {  // browsers ask; none, and no 404 logged
    lock.unlock();
    writer.respond(204, {kNoStore}, "");
    return;
  }
  if (dashboard_paths && path == "/events") {
    const uint64_t from = first_event;
    lock.unlock();
    writer.write_head(200, {{"Content-Type", "text/event-stream"}, kNoStore}, std::nullopt);
    streams.push_back(Stream{writer, from});
    pump();
    return;
  }
  lock.unlock();
  writer.respond(404, {{"Content-Type", "text/plain; charset=utf-8"}},
                 "not found: " + std::string(path) + "\n");
}

void LiveServer::State::pump() {
  std::string pending_end;
  std::unique_lock lock(mutex);
  const bool end_now = ended;
  for (auto& s : streams) {
    if (!s.writer.connected()) continue;
    s.next = std::max(s.next, first_event);
    std::string out;
    for (; s.next < first_event + events.size(); ++s.next) out += events[s.next - first_event];
    if (end_now) out += "event: end\ndata: {}\n\n";
    if (!out.empty()) s.writer.write_body(out);
    if (end_now) s.writer.end();
  }
  lock.unlock();
  if (end_now) streams.clear();
  streams.remove_if([](const Stream& s) { return !s.writer.connected(); });
}

void LiveServer::State::close_all() {
  streams.clear();
  if (metrics_server) metrics_server->close();
  if (dashboard_server) dashboard_server->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&wake), nullptr);
}

LiveServer::LiveServer() : state_(std::make_unique<State>()) {}

LiveServer::~LiveServer() {
  stop();
}

Result<std::unique_ptr<LiveServer>> LiveServer::start(const LiveServerOptions& options) {
  std::unique_ptr<LiveServer> server(new LiveServer());
  State& st = *server->state_;
  std::promise<std::optional<Error>> bound;
  auto started = bound.get_future();
  st.thread = std::thread([&st, &options, &bound] {
    uv_loop_init(&st.loop);
    uv_async_init(&st.loop, &st.wake, [](uv_async_t* h) {
      auto& s = *static_cast<State*>(h->data);
      bool stopping = false;
      {
        const std::lock_guard lock(s.mutex);
        stopping = s.stopping;
      }
      if (stopping) {
        s.close_all();
      } else {
        s.pump();
      }
    });
    st.wake.data = &st;
    // Port 0 asks for a free port each: two of them are two listeners.
    const bool same = options.metrics && options.dashboard && options.metrics->port() != 0 &&
                      options.metrics->to_string() == options.dashboard->to_string();
    std::optional<Error> failed;
    auto open = [&](const net::SocketAddress& at, const char* flag, bool metrics_paths,
                    bool dashboard_paths) -> std::unique_ptr<http::Server> {
      auto server = std::make_unique<http::Server>(
          &st.loop,
          [&st, metrics_paths, dashboard_paths](http::Request& r, http::ResponseWriter w) {
            st.handle(r, w, metrics_paths, dashboard_paths);
          });
      if (auto listening = server->listen(at); !listening) {
        failed = listening.error().within(flag);
      }
      return server;
    };
    if (options.metrics) {
      st.metrics_server = open(*options.metrics, "--metrics-listen", true, same);
      if (!failed) st.metrics_address = st.metrics_server->local_address();
    }
    if (options.dashboard && !same && !failed) {
      st.dashboard_server = open(*options.dashboard, "--dashboard", false, true);
      if (!failed) st.dashboard_address = st.dashboard_server->local_address();
    }
    if (same) st.dashboard_address = st.metrics_address;
    if (failed) st.close_all();
    bound.set_value(failed);
    uv_run(&st.loop, UV_RUN_DEFAULT);
    st.metrics_server.reset();
    st.dashboard_server.reset();
    uv_run(&st.loop, UV_RUN_DEFAULT);
    st.closed_cleanly = uv_loop_close(&st.loop) == 0;
  });
  if (auto failed = started.get()) {
    st.thread.join();
    st.stopped = true;
    return *failed;
  }
  return server;
}

net::SocketAddress LiveServer::metrics_address() const {
  return state_->metrics_address;
}

net::SocketAddress LiveServer::dashboard_address() const {
  return state_->dashboard_address;
}

bool LiveServer::closed_cleanly() const {
  return state_->stopped && state_->closed_cleanly;
}

void LiveServer::set_metrics(std::string text) {
  const std::lock_guard lock(state_->mutex);
  state_->metrics = std::move(text);
}

void LiveServer::add_second(std::string event_json, std::string page_html,
                            std::string charts_html) {
  {
    const std::lock_guard lock(state_->mutex);
    State& st = *state_;
    if (!event_json.empty()) st.events.push_back("event: second\ndata: " + event_json + "\n\n");
    if (st.events.size() > kMaxEvents) {
      st.events.pop_front();
      ++st.first_event;
    }
    st.page = std::move(page_html);
    st.charts = std::move(charts_html);
    if (st.stopping) return;
  }
  uv_async_send(&state_->wake);
}

void LiveServer::end(std::string report_html) {
  {
    const std::lock_guard lock(state_->mutex);
    state_->report = std::move(report_html);
    state_->ended = true;
    if (state_->stopping) return;
  }
  uv_async_send(&state_->wake);
}

void LiveServer::stop() {
  State& st = *state_;
  if (st.stopped) return;
  st.stopped = true;
  {
    const std::lock_guard lock(st.mutex);
    st.stopping = true;
  }
  uv_async_send(&st.wake);
  if (st.thread.joinable()) st.thread.join();
}

}  // namespace replay::live
