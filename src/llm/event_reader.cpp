#include "replay/llm/event_reader.hpp"

namespace replay::llm {

void EventReader::reset() {
  line_.clear();
  data_.clear();
  name_.clear();
  after_cr_ = false;
  has_data_ = false;
  truncated_ = false;
}

void EventReader::read(std::string_view body, EventSink& sink) {
  size_t i = 0;
  while (i < body.size()) {
    if (after_cr_) {
      after_cr_ = false;
      if (body[i] == '\n') {
        ++i;
        continue;
      }
    }
    const size_t end = body.find_first_of("\r\n", i);
    const size_t stop = end == std::string_view::npos ? body.size() : end;
    const size_t room = kMaxEventBytes > line_.size() ? kMaxEventBytes - line_.size() : 0;
    if (stop - i > room) truncated_ = true;
    line_.append(body.substr(i, std::min(stop - i, room)));
    if (end == std::string_view::npos) return;
    after_cr_ = body[end] == '\r';
    i = end + 1;
    end_line(sink);
  }
}

void EventReader::end_line(EventSink& sink) {
  std::string_view line = line_;
  if (line.empty()) {
    if (has_data_) {
      std::string_view data = data_;
      if (!data.empty() && data.back() == '\n') data.remove_suffix(1);
      sink.on_event(name_, data, truncated_);
    }
    data_.clear();
    name_.clear();
    has_data_ = false;
    truncated_ = false;
    return;
  }
  if (line.front() != ':') {  // a line starting with ':' is a comment
    const size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      has_data_ = true;
      const size_t room = kMaxEventBytes > data_.size() ? kMaxEventBytes - data_.size() : 0;
      if (value.size() + 1 > room) truncated_ = true;
      data_.append(value.substr(0, room));
      if (data_.size() < kMaxEventBytes) data_.push_back('\n');
    } else if (field == "event") {
      name_.assign(value.substr(0, 64));
    }
  }
  line_.clear();
}

}  // namespace replay::llm
