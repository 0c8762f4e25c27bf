#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "replay/report/result_views.hpp"
#include "replay/results/result_writer.hpp"

namespace replay::report {

using histogram::Histogram;

Result<std::vector<std::string>> write_hgrm_files(const results::ResultDoc& doc,
                                                  const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return make_error(Errc::io, "--hgrm '" + dir + "': " + std::strerror(errno));
  }
  std::vector<std::pair<std::string, const Histogram*>> files = {
      {"corrected.hgrm", &doc.overall.corrected},
      {"service.hgrm", &doc.overall.service},
  };
  for (const auto& t : doc.by_tag) {
    std::string name = "corrected-";
    for (char ch : t.name) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    files.emplace_back(name + ".hgrm", &t.scope.corrected);
  }
  std::vector<std::string> written;
  for (const auto& [name, h] : files) {
    std::string text;
    h->write_hgrm(text, 1000.0);
    const std::string path = dir + "/" + name;
    if (auto w = results::write_text_file(path, text, "--hgrm"); !w) return w.error();
    written.push_back(path);
  }
  return written;
}

}  // namespace replay::report
