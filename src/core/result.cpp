#include "replay/core/result.hpp"

namespace replay {

const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument:
      return "invalid argument";
    case Errc::not_found:
      return "not found";
    case Errc::io:
      return "i/o error";
    case Errc::corrupt:
      return "corrupt input";
    case Errc::unsupported:
      return "unsupported";
    case Errc::network:
      return "network error";
    case Errc::internal:
      return "internal error";
  }
  return "unknown error";
}

}  // namespace replay
