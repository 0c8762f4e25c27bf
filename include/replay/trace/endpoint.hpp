#pragma once
// Endpoint names for per-endpoint statistics: method + path template, ids folded to {id}.

#include <string>
#include <string_view>

namespace replay::trace {

// Returns "METHOD /path/template": the query and fragment dropped, an absolute-form target's
// scheme and authority dropped, and each path segment that looks like an id replaced by {id}
// (all digits; a UUID; >= 16 hex digits; >= 16 characters mixing letters and digits; a
// random-looking token of >= 20 characters). "GET /api/v1/plans/42/status?x=1" gives
// "GET /api/v1/plans/{id}/status"; words such as "v1", "api" or "servicedesk" stay.
std::string endpoint_template(std::string_view method, std::string_view target);

// True when one path segment (no '/') would be folded to {id} by endpoint_template.
bool is_id_segment(std::string_view segment) noexcept;

}  // namespace replay::trace
