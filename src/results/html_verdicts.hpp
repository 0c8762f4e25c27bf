#pragma once
// How the report says the way a run went: notices above the figures (an interrupted run, the
// run's warnings), the verdict card, and the section naming every verdict that holds
// (generator-limited, client-limited, saturated) with what each means.

#include <string>

#include "html_page.hpp"
#include "replay/results/result_doc.hpp"

namespace replay::results {

// Notice boxes for an interrupted run and for the run's warnings ("" when neither); escaped.
std::string run_notices_html(const ResultDoc& doc);

// The summary card of the verdicts: the service's saturation first, else replay's limit, the
// other verdicts that hold in its detail.
Card verdict_card(const Saturation& s);

// The saturation-and-limits section's body: a badge per verdict that holds (or "not saturated",
// "not judged"), the verdict line, what each limit means with its p99, and the analysed window.
std::string saturation_html(const ResultDoc& doc);

}  // namespace replay::results
