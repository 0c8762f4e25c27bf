#pragma once
// Column-aligned plain-text and markdown tables for the comparison reports.

#include <string>
#include <vector>

namespace replay::results {

class TextTable {
 public:
  // `right[i]` right-aligns column i (numbers); headers name the columns.
  TextTable(std::vector<std::string> headers, std::vector<bool> right);

  void add_row(std::vector<std::string> cells);

  // Rows indented by `indent`, columns two spaces apart, trailing spaces trimmed.
  std::string text(const std::string& indent = "  ") const;
  // A GitHub-flavoured markdown table; every cell is escaped with markdown_escape.
  std::string markdown() const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// Escapes text for a markdown table cell: '|', '\\', markdown punctuation and HTML's '<', '>',
// '&'; line breaks become spaces.
std::string markdown_escape(const std::string& text);

}  // namespace replay::results
