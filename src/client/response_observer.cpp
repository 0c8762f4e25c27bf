#include "replay/client/response_observer.hpp"

namespace replay::client {

const char* failure_cause_name(FailureCause cause) noexcept {
  switch (cause) {
    case FailureCause::connect_refused:
      return "connect_refused";
    case FailureCause::connect_timeout:
      return "connect_timeout";
    case FailureCause::connect_error:
      return "connect_error";
    case FailureCause::reset:
      return "reset";
    case FailureCause::timeout:
      return "timeout";
    case FailureCause::tls:
      return "tls";
    case FailureCause::http_parse:
      return "http_parse";
    case FailureCause::abandoned:
      return "abandoned";
    case FailureCause::unsafe_value:
      return "unsafe_value";
    case FailureCause::h2_reset:
      return "h2_reset";
    case FailureCause::h2_goaway:
      return "h2_goaway";
    case FailureCause::h2_protocol:
      return "h2_protocol";
    case FailureCause::closed_early:
      return "closed_early";
  }
  return "unknown";
}

}  // namespace replay::client
