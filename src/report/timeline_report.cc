#include "tokenfab/report/timeline_report.h"

#include <fmt/format.h>

#include <cmath>

namespace tokenfab {
namespace {

size_t Replicas(const StepTimeline& t) {
  size_t n = 0;
  int last = -1;
  for (const TimelineRow& r : t.rows) {
    if (r.replica != last) ++n;
    last = r.replica;
  }
  return n;
}

}  // namespace

std::string StepTimelineTraceJson(const StepTimeline& t) {
  const TrainingConfig& c = t.config;
  std::string out = fmt::format(
      "{{\"displayTimeUnit\": \"ms\", \"otherData\": {{\"schedule\": \"{}\", \"step_s\": {:.9f}, "
      "\"analytical_step_s\": {:.9f}, \"pipeline_s\": {:.9f}, \"critical_pp_rank\": {}, "
      "\"replicas_drawn\": \"{} of DP {}\", \"gpus_per_row\": {}}},\n\"traceEvents\": [\n",
      t.schedule, ToSeconds(t.step), ToSeconds(t.analytical_step), ToSeconds(t.pipeline),
      t.critical_rank, Replicas(t), c.dp, c.tp * c.cp);
  int last_replica = -1;
  for (const TimelineRow& r : t.rows) {
    if (r.replica != last_replica) {
      out += fmt::format(
          "  {{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": {0}, \"args\": {{\"name\": "
          "\"DP replica {0}\"}}}},\n  {{\"name\": \"process_sort_index\", \"ph\": \"M\", "
          "\"pid\": {0}, \"args\": {{\"sort_index\": {0}}}}},\n",
          r.replica);
      last_replica = r.replica;
    }
    const std::string gpus = r.gpus == 1
                                 ? fmt::format("GPU {}", r.first_gpu)
                                 : fmt::format("GPUs {}-{}", r.first_gpu, r.first_gpu + r.gpus - 1);
    // Short enough for the page's row labels; the group's size is in otherData.gpus_per_row.
    const int tid = 2 * r.pp_rank + (r.comm_stream ? 1 : 0);
    const std::string name = r.comm_stream
                                 ? fmt::format("DP {} PP {} comm stream", r.replica, r.pp_rank)
                                 : fmt::format("DP {} PP {} {}{}", r.replica, r.pp_rank, gpus,
                                               r.pp_rank == t.critical_rank ? " critical" : "");
    out += fmt::format(
        "  {{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": {0}, \"tid\": {1}, \"args\": "
        "{{\"name\": \"{2}\"}}}},\n"
        "  {{\"name\": \"thread_sort_index\", \"ph\": \"M\", \"pid\": {0}, \"tid\": {1}, "
        "\"args\": {{\"sort_index\": {1}}}}},\n",
        r.replica, tid, name);
  }
  for (size_t i = 0; i < t.spans.size(); ++i) {
    const TimelineSpan& s = t.spans[i];
    const TimelineRow& r = t.rows[static_cast<size_t>(s.row)];
    out += fmt::format(
        "  {{\"name\": \"{}\", \"cat\": \"{}\", \"ph\": \"X\", \"pid\": {}, \"tid\": {}, \"ts\": "
        "{:.3f}, \"dur\": {:.3f}}}{}\n",
        s.name, TimelineCategoryName(s.category), r.replica,
        2 * r.pp_rank + (r.comm_stream ? 1 : 0), s.start * 1e-3, (s.end - s.start) * 1e-3,
        i + 1 < t.spans.size() ? "," : "");
  }
  return out + "]}\n";
}

std::string RenderStepTimelineSummary(const StepTimeline& t, const std::string& path) {
  const double off = ToSeconds(t.step) / ToSeconds(t.analytical_step) - 1.0;
  return fmt::format(
      "trace            wrote {}: {} timeline of one step, {} rows ({} of {} DP replicas x PP {}, "
      "compute and communication streams), {} spans; {:.3f} s on the event engine vs {:.3f} s "
      "analytical ({:+.2f}%)\n",
      path, t.schedule, t.rows.size(), Replicas(t), t.config.dp, t.config.pp, t.spans.size(),
      ToSeconds(t.step), ToSeconds(t.analytical_step), 100 * off);
}

}  // namespace tokenfab
