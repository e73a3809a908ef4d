// Training curves as a self-contained SVG: reads the metrics.jsonl a
// training run writes (one JSON object per line, "kind": "train" or "eval")
// and draws training loss against step and eval top-1 against epoch, one
// colour per run. No external libraries; pure functions, thread-safe.
#ifndef SYNTHUB_REPORT_PLOT_H_
#define SYNTHUB_REPORT_PLOT_H_

#include <string>
#include <vector>

namespace synthub::report {

constexpr const char* kMetricsName = "metrics.jsonl";

struct TrainPoint {
  double epoch = 0, step = 0, loss = 0;
};

struct EvalPoint {
  double epoch = 0, step = 0, loss = 0, top1 = 0, top5 = 0;  // top-k in percent
};

struct RunMetrics {
  std::string path;   // the metrics file read
  std::string label;  // legend text: the run folder's name
  std::vector<TrainPoint> train;
  std::vector<EvalPoint> eval;
  int skipped = 0;    // records with a null loss / top1 (a NaN when written)
};

// Reads RUN_DIR/metrics.jsonl (or the file itself when `run` is a file).
// Lines of other kinds, and lines without "kind", are ignored. Throws Error
// naming file:line for a line that is not a JSON object or a train/eval
// record missing a number ("step" and "loss" / "epoch" and "top1"), and for
// a missing file or one without any train or eval record.
RunMetrics ReadMetrics(const std::string& run);

struct PlotOptions {
  std::string title = "training curves";
  int width = 1100;   // SVG user units (pixels)
  int height = 460;
};

// The SVG document: panel 1 training loss vs step (raw, light, and a
// trailing moving average), panel 2 eval top-1 vs epoch, a legend.
std::string PlotSvg(const std::vector<RunMetrics>& runs, const PlotOptions& options);

// Axis helpers, exposed for tests: "nice" tick positions (1, 2, 5 x 10^k)
// covering [lo, hi], and a tick's label for the given tick spacing.
std::vector<double> NiceTicks(double lo, double hi, int target);
std::string TickLabel(double value, double spacing);

}  // namespace synthub::report

#endif  // SYNTHUB_REPORT_PLOT_H_
