// Renderers of a training step's timeline (train/timeline.h): the Chrome trace-event JSON that
// chrome://tracing and ui.perfetto.dev load (one process per sampled DP replica, one thread per
// pipeline rank, one complete event per span, its category the StepBreakdown term), and the
// one-line summary `train --trace` prints. Pure functions; thread-safe.
//
// Example:
//   std::ofstream("step.json") << StepTimelineTraceJson(BuildStepTimeline(ctx, model, result));
#ifndef TOKENFAB_REPORT_TIMELINE_REPORT_H_
#define TOKENFAB_REPORT_TIMELINE_REPORT_H_

#include <string>

#include "tokenfab/train/timeline.h"

namespace tokenfab {

std::string StepTimelineTraceJson(const StepTimeline& t);

// "trace            wrote PATH: ..." (the text report's last line).
std::string RenderStepTimelineSummary(const StepTimeline& t, const std::string& path);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_TIMELINE_REPORT_H_
