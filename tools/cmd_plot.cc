// synthub plot: training curves of one or more runs as one SVG.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "report/plot.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::cli {
namespace {

const CommandSpec kSpec = {
    "plot",
    "synthub plot RUN_DIR... [--out FILE.svg] [--title T]",
    "Reads RUN_DIR/metrics.jsonl of each training run and writes one self-contained\n"
    "SVG: training loss vs step (raw, light, and a moving average) and eval top-1 vs\n"
    "epoch, one colour per run, the legend naming the run folders. Several runs\n"
    "share the panels, to compare them.",
    {{"out", "", "output SVG (default RUN_DIR/curves.svg; required for several runs)"},
     {"title", "training curves", "title above the panels"},
     {"width", "1100", "SVG width in pixels"},
     {"height", "460", "SVG height in pixels"}}};

}  // namespace

int RunPlot(int argc, char** argv) {
  Args args(kSpec, argc, argv);
  const std::vector<std::string>& runs = args.positional();
  if (runs.empty()) throw UsageError("expected at least one RUN_DIR");
  std::string out = args.Str("out");
  if (out.empty() && runs.size() > 1) throw UsageError("--out is required with several run folders");
  report::PlotOptions o;
  o.title = args.Str("title");
  o.width = args.Int("width");
  o.height = args.Int("height");
  if (o.width < 400 || o.height < 250) throw UsageError("--width must be >= 400 and --height >= 250");

  std::vector<report::RunMetrics> metrics;
  size_t train = 0, eval = 0, skipped = 0;
  for (const std::string& run : runs) {
    metrics.push_back(report::ReadMetrics(run));
    train += metrics.back().train.size();
    eval += metrics.back().eval.size();
    skipped += metrics.back().skipped;
  }
  if (out.empty()) {
    if (!IsDirectory(runs[0])) throw UsageError("--out is required when the run is a file");
    out = JoinPath(runs[0], "curves.svg");
  }
  // Runs whose folders share a name are told apart by the path given.
  std::set<std::string> seen, repeated;
  for (const report::RunMetrics& m : metrics) {
    if (!seen.insert(m.label).second) repeated.insert(m.label);
  }
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (repeated.count(metrics[i].label)) metrics[i].label = runs[i];
  }
  WriteFileAtomic(out, report::PlotSvg(metrics, o));
  std::printf("%s: %zu run%s, %zu train and %zu eval records", out.c_str(), metrics.size(),
              metrics.size() == 1 ? "" : "s", train, eval);
  if (skipped > 0) std::printf(" (%zu with a null value left out)", skipped);
  std::printf("\n");
  return 0;
}

}  // namespace synthub::cli
