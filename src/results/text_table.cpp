#include "text_table.hpp"

#include <algorithm>

namespace replay::results {
namespace {

// Display width of UTF-8 text: code points, not bytes.
size_t width_of(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void pad(std::string& out, const std::string& cell, size_t width, bool right) {
  const size_t fill = width > width_of(cell) ? width - width_of(cell) : 0;
  if (right) out.append(fill, ' ');
  out += cell;
  if (!right) out.append(fill, ' ');
}

}  // namespace

TextTable::TextTable(std::vector<std::string> headers, std::vector<bool> right)
    : headers_(std::move(headers)), right_(std::move(right)) {
  right_.resize(headers_.size(), false);
}

void TextTable::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::text(const std::string& indent) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) {
    widths[i] = width_of(headers_[i]);
    for (const auto& row : rows_) widths[i] = std::max(widths[i], width_of(row[i]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l = indent;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) l += "  ";
      pad(l, cells[i], widths[i], right_[i]);
    }
    l.erase(l.find_last_not_of(' ') + 1);
    out += l + "\n";
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
  return out;
}

std::string TextTable::markdown() const {
  std::string out = "|";
  for (const auto& h : headers_) out.append(" ").append(markdown_escape(h)).append(" |");
  out += "\n|";
  for (size_t i = 0; i < headers_.size(); ++i) out += right_[i] ? "---:|" : "---|";
  out += "\n";
  for (const auto& row : rows_) {
    out += "|";
    for (const auto& cell : row) out.append(" ").append(markdown_escape(cell)).append(" |");
    out += "\n";
  }
  return out;
}

std::string markdown_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '|':
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '#':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace replay::results
