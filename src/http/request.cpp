#include "replay/http/request.hpp"

namespace replay::http {

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void HeaderList::add(std::string_view name, std::string_view value) {
  Entry entry;
  entry.name_offset = static_cast<uint32_t>(bytes_.size());
  entry.name_size = static_cast<uint32_t>(name.size());
  bytes_.append(name);
  entry.value_offset = static_cast<uint32_t>(bytes_.size());
  entry.value_size = static_cast<uint32_t>(value.size());
  bytes_.append(value);
  entries_.push_back(entry);
}

HeaderField HeaderList::operator[](size_t index) const {
  const Entry& e = entries_[index];
  std::string_view all(bytes_);
  return {all.substr(e.name_offset, e.name_size), all.substr(e.value_offset, e.value_size)};
}

std::optional<std::string_view> HeaderList::find(std::string_view name) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    HeaderField field = (*this)[i];
    if (iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

void HeaderList::clear() {
  bytes_.clear();
  entries_.clear();
}

std::string_view Request::path() const {
  std::string_view t(target);
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  std::string_view t(target);
  size_t q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

void Request::clear() {
  method = {};
  target.clear();
  version_major = 1;
  version_minor = 1;
  headers.clear();
  body.clear();
  keep_alive = true;
  upgrade = false;
  started_at_ns = 0;
  peer = {};
}

}  // namespace replay::http
