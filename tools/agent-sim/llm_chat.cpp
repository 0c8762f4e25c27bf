// POST /v1/chat/completions, OpenAI-compatible: a streamed reply (role chunk, content chunks of
// --llm-tokens-per-chunk tokens at --llm-tokens-per-s after --llm-first-token, a finish chunk,
// the usage chunk when stream_options.include_usage, then [DONE]) or one JSON completion.

#include <algorithm>
#include <cmath>

#include "agent_sim.hpp"
#include "replay/core/json_writer.hpp"

namespace replay::agent_sim {
namespace {

constexpr std::string_view kLlmModel = "sim-llm-1";

// One chat.completion.chunk event: `content` null writes an empty delta (with the role when
// `role`), `finish` the finish_reason.
void append_chunk(std::string& out, std::string_view id, const std::string* content, bool role,
                  bool finish) {
  out += "data: ";
  JsonWriter json(out);
  json.begin_object();
  json.key("id").value(id);
  json.key("object").value("chat.completion.chunk");
  json.key("model").value(kLlmModel);
  json.key("choices").begin_array().begin_object();
  json.key("index").value(0);
  json.key("delta").begin_object();
  if (role) json.key("role").value("assistant").key("content").value("");
  if (content) json.key("content").value(*content);
  json.end_object();
  json.key("finish_reason");
  if (finish) {
    json.value("stop");
  } else {
    json.raw("null");
  }
  json.end_object().end_array();
  json.end_object();
  out += "\n\n";
}

void append_usage(std::string& out, std::string_view id, uint32_t prompt, uint32_t completion) {
  out += "data: ";
  JsonWriter json(out);
  json.begin_object();
  json.key("id").value(id);
  json.key("object").value("chat.completion.chunk");
  json.key("model").value(kLlmModel);
  json.key("choices").begin_array().end_array();
  json.key("usage").begin_object();
  json.key("prompt_tokens").value(prompt);
  json.key("completion_tokens").value(completion);
  json.key("total_tokens").value(prompt + completion);
  json.end_object();
  json.end_object();
  out += "\n\n";
}

std::string tokens_text(uint32_t from, uint32_t count) {
  std::string out;
  for (uint32_t i = from; i < from + count; ++i) out += "tok" + std::to_string(i) + " ";
  return out;
}

}  // namespace

struct AgentSim::LlmStream {
  Call call;
  std::string id;
  uint32_t max_tokens = 0;
  uint32_t prompt_tokens = 0;
  uint32_t sent = 0;  // tokens
  bool include_usage = false;
  std::string held;  // --buffer-stream: everything so far, written at the end
};

void AgentSim::serve_llm_chat(Call& call) {
  auto body = parse_object(call.writer.request().body);
  if (!body) return reply_detail(call, 400, "Body must be a JSON object");
  simdjson::dom::array messages;
  if ((*body)["messages"].get(messages) != simdjson::SUCCESS || messages.size() == 0) {
    return reply_detail(call, 422, "'messages' is required");
  }
  auto s = std::make_shared<LlmStream>();
  s->id = "chatcmpl-" + new_uuid();
  uint64_t max_tokens = options_.llm_max_tokens;
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    uint64_t n = 0;
    if ((*body)[key].get(n) == simdjson::SUCCESS && n > 0)
      max_tokens = std::min<uint64_t>(n, 100'000);
  }
  s->max_tokens = static_cast<uint32_t>(max_tokens);
  for (simdjson::dom::element m : messages) {
    std::string_view text;
    if (m["content"].get(text) == simdjson::SUCCESS) {
      s->prompt_tokens += static_cast<uint32_t>(text.size() / 4 + 1);
    }
  }
  bool stream = false;
  if ((*body)["stream"].get(stream) != simdjson::SUCCESS) stream = false;
  bool usage = false;
  if ((*body).at_pointer("/stream_options/include_usage").get(usage) != simdjson::SUCCESS) {
    usage = false;
  }
  s->include_usage = usage;
  const uint64_t first_ms = options_.llm_first_token.sample_ms(rng_);
  if (!stream) {
    const auto gen_ms = static_cast<uint64_t>(
        std::llround(1000.0 * (s->max_tokens - 1) / options_.llm_tokens_per_s));
    after(first_ms + gen_ms, call, [this, s](Call& done) {
      std::string out;
      JsonWriter json(out);
      json.begin_object();
      json.key("id").value(s->id);
      json.key("object").value("chat.completion");
      json.key("model").value(kLlmModel);
      json.key("choices").begin_array().begin_object();
      json.key("index").value(0);
      json.key("message").begin_object();
      json.key("role").value("assistant").key("content").value(tokens_text(0, s->max_tokens));
      json.end_object();
      json.key("finish_reason").value("stop");
      json.end_object().end_array();
      json.key("usage").begin_object();
      json.key("prompt_tokens").value(s->prompt_tokens);
      json.key("completion_tokens").value(s->max_tokens);
      json.key("total_tokens").value(s->prompt_tokens + s->max_tokens);
      json.end_object();
      json.end_object();
      reply(done, 200, out);
    });
    return;
  }
  s->call = std::move(call);
  start_llm_stream(s);
  timers_.schedule(first_ms, [this, s] { emit_llm_chunk(s); });
}

void AgentSim::start_llm_stream(const std::shared_ptr<LlmStream>& s) {
  if (stalled()) {
    hold([this, s] { start_llm_stream(s); });
    return;
  }
  s->call.writer.write_head(200,
                            {{"Content-Type", "text/event-stream"},
                             {"Cache-Control", "no-cache"},
                             {"X-Accel-Buffering", "no"}},
                            std::nullopt);
  std::string role;
  append_chunk(role, s->id, nullptr, true, false);
  if (options_.buffer_stream) {
    s->held += role;
  } else {
    s->call.writer.write_body(role);
  }
}

void AgentSim::emit_llm_chunk(const std::shared_ptr<LlmStream>& s) {
  const http::ResponseWriter& writer = s->call.writer;
  if (!writer.connected()) {
    record(s->call, 200);  // the client left mid-stream
    return;
  }
  if (stalled()) {
    hold([this, s] { emit_llm_chunk(s); });
    return;
  }
  const uint32_t n = std::min(options_.llm_tokens_per_chunk, s->max_tokens - s->sent);
  std::string event;
  const std::string text = tokens_text(s->sent, n);
  append_chunk(event, s->id, &text, false, false);
  s->sent += n;
  const bool last = s->sent >= s->max_tokens;
  if (last) {
    append_chunk(event, s->id, nullptr, false, true);
    if (s->include_usage) append_usage(event, s->id, s->prompt_tokens, s->sent);
    event += "data: [DONE]\n\n";
  }
  if (options_.buffer_stream) {
    s->held += event;
    if (last) writer.write_body(s->held);
  } else {
    writer.write_body(event);
  }
  if (!last) {
    const uint32_t next = std::min(options_.llm_tokens_per_chunk, s->max_tokens - s->sent);
    const auto gap_ms =
        static_cast<uint64_t>(std::llround(1000.0 * next / options_.llm_tokens_per_s));
    timers_.schedule(gap_ms, [this, s] { emit_llm_chunk(s); });
    return;
  }
  record(s->call, 200);
  writer.end();
}

}  // namespace replay::agent_sim
