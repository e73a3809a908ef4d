#include "report/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "synthub/error.h"
#include "util/file.h"

namespace synthub::report {
namespace {

const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr int kNumColors = sizeof(kColors) / sizeof(kColors[0]);
constexpr size_t kMaxPolylinePoints = 2000;  // per curve; longer ones are strided

std::string BaseName(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Fmt(const char* format, double a) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, a);
  return buf;
}

// A number field: false for null (a NaN written by nlohmann), throws
// naming where for a missing or non-numeric field.
bool Number(const nlohmann::json& j, const char* key, const std::string& where, double* out) {
  const auto it = j.find(key);
  if (it == j.end()) throw Error(where + ": \"" + key + "\" missing");
  if (it->is_null()) return false;
  if (!it->is_number()) throw Error(where + ": \"" + key + "\" is not a number");
  *out = it->get<double>();
  return std::isfinite(*out);
}

double Optional(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

// A linear map from data to SVG coordinates over one axis.
struct Axis {
  double lo = 0, hi = 1;       // data range (nice bounds)
  double from = 0, to = 1;     // pixels
  std::vector<double> ticks;
  double spacing = 1;
  double Map(double v) const { return from + (v - lo) / (hi - lo) * (to - from); }
};

Axis MakeAxis(double lo, double hi, double from, double to, int target) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  Axis a;
  a.ticks = NiceTicks(lo, hi, target);
  a.spacing = a.ticks.size() > 1 ? a.ticks[1] - a.ticks[0] : hi - lo;
  a.lo = std::min(lo, a.ticks.front());
  a.hi = std::max(hi, a.ticks.back());
  a.from = from;
  a.to = to;
  return a;
}

// Every `stride`-th point plus the last one.
std::string Polyline(const std::vector<double>& xs, const std::vector<double>& ys,
                     const Axis& x, const Axis& y) {
  const size_t n = xs.size();
  const size_t stride = std::max<size_t>(1, (n + kMaxPolylinePoints - 1) / kMaxPolylinePoints);
  std::string pts;
  for (size_t i = 0; i < n; i += stride) {
    pts += Fmt("%.1f", x.Map(xs[i])) + "," + Fmt("%.1f", y.Map(ys[i])) + " ";
  }
  if ((n - 1) % stride != 0) pts += Fmt("%.1f", x.Map(xs[n - 1])) + "," + Fmt("%.1f", y.Map(ys[n - 1]));
  return pts;
}

// Trailing moving average over `window` points.
std::vector<double> Smooth(const std::vector<double>& v, size_t window) {
  std::vector<double> out(v.size());
  double sum = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    if (i >= window) sum -= v[i - window];
    out[i] = sum / static_cast<double>(std::min(i + 1, window));
  }
  return out;
}

// Frame, grid, tick labels, axis titles of one panel.
std::string Frame(const Axis& x, const Axis& y, const std::string& title,
                  const std::string& xlabel, const std::string& ylabel) {
  std::string s;
  const double left = x.from, right = x.to, top = y.to, bottom = y.from;
  for (double t : y.ticks) {
    const double py = y.Map(t);
    s += "<line x1=\"" + Fmt("%.1f", left) + "\" y1=\"" + Fmt("%.1f", py) + "\" x2=\"" +
         Fmt("%.1f", right) + "\" y2=\"" + Fmt("%.1f", py) + "\" class=\"grid\"/>\n";
    s += "<text x=\"" + Fmt("%.1f", left - 6) + "\" y=\"" + Fmt("%.1f", py + 4) +
         "\" text-anchor=\"end\">" + TickLabel(t, y.spacing) + "</text>\n";
  }
  for (double t : x.ticks) {
    const double px = x.Map(t);
    s += "<line x1=\"" + Fmt("%.1f", px) + "\" y1=\"" + Fmt("%.1f", bottom) + "\" x2=\"" +
         Fmt("%.1f", px) + "\" y2=\"" + Fmt("%.1f", bottom + 5) + "\" class=\"axis\"/>\n";
    s += "<text x=\"" + Fmt("%.1f", px) + "\" y=\"" + Fmt("%.1f", bottom + 18) +
         "\" text-anchor=\"middle\">" + TickLabel(t, x.spacing) + "</text>\n";
  }
  s += "<rect x=\"" + Fmt("%.1f", left) + "\" y=\"" + Fmt("%.1f", top) + "\" width=\"" +
       Fmt("%.1f", right - left) + "\" height=\"" + Fmt("%.1f", bottom - top) +
       "\" class=\"axis\" fill=\"none\"/>\n";
  s += "<text x=\"" + Fmt("%.1f", (left + right) / 2) + "\" y=\"" + Fmt("%.1f", top - 8) +
       "\" text-anchor=\"middle\" class=\"panel\">" + Escape(title) + "</text>\n";
  s += "<text x=\"" + Fmt("%.1f", (left + right) / 2) + "\" y=\"" + Fmt("%.1f", bottom + 36) +
       "\" text-anchor=\"middle\">" + Escape(xlabel) + "</text>\n";
  const std::string cy = Fmt("%.1f", (top + bottom) / 2), cx = Fmt("%.1f", left - 46);
  s += "<text x=\"" + cx + "\" y=\"" + cy + "\" text-anchor=\"middle\" transform=\"rotate(-90 " +
       cx + " " + cy + ")\">" + Escape(ylabel) + "</text>\n";
  return s;
}

// The panel plus a margin of a marker's radius, so a point on an axis's
// bound is drawn whole.
std::string ClipRect(const std::string& id, const Axis& x, const Axis& y) {
  constexpr double kMargin = 4;
  return "<clipPath id=\"" + id + "\"><rect x=\"" + Fmt("%.1f", x.from - kMargin) + "\" y=\"" +
         Fmt("%.1f", y.to - kMargin) + "\" width=\"" + Fmt("%.1f", x.to - x.from + 2 * kMargin) +
         "\" height=\"" + Fmt("%.1f", y.from - y.to + 2 * kMargin) + "\"/></clipPath>\n";
}

std::string NoData(const Axis& x, const Axis& y, const std::string& what) {
  return "<text x=\"" + Fmt("%.1f", (x.from + x.to) / 2) + "\" y=\"" +
         Fmt("%.1f", (y.from + y.to) / 2) + "\" text-anchor=\"middle\" class=\"note\">" +
         Escape(what) + "</text>\n";
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int target) {
  if (!(hi > lo) || target < 1) return {lo};
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  std::vector<double> ticks;
  const double first = std::floor(lo / step + 1e-9) * step;
  for (int i = 0; i < 100; ++i) {
    const double t = first + i * step;
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    if (t >= hi - step * 1e-9) break;
  }
  return ticks;
}

std::string TickLabel(double v, double spacing) {
  const double a = std::fabs(v);
  if (a >= 1e6 && std::fmod(a, 1e5) < 1e-6) return Fmt("%g", v / 1e6) + "M";
  if (a >= 1e4 && std::fmod(a, 1e3) < 1e-6) return Fmt("%g", v / 1e3) + "k";
  const int decimals = spacing >= 1 ? 0 : std::min(6, static_cast<int>(std::ceil(-std::log10(spacing) - 1e-9)));
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

RunMetrics ReadMetrics(const std::string& run) {
  RunMetrics m;
  const bool is_file = PathExists(run) && !IsDirectory(run);
  m.path = is_file ? run : JoinPath(run, kMetricsName);
  if (!PathExists(m.path)) throw Error(m.path + ": no such file (not a training run folder?)");
  std::string dir = run;
  if (is_file) {
    const size_t slash = run.rfind('/');
    dir = slash == std::string::npos ? "." : run.substr(0, slash);
  }
  m.label = BaseName(dir == "." ? std::string(".") : dir);
  const std::string text = ReadFile(m.path);
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = m.path + ":" + std::to_string(line_no);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) throw Error(where + ": not valid JSON");
    if (!j.is_object()) throw Error(where + ": not a JSON object");
    const auto kind = j.find("kind");
    if (kind == j.end()) continue;
    if (!kind->is_string()) throw Error(where + ": \"kind\" is not a string");
    if (*kind == "train") {
      TrainPoint p;
      const bool step_ok = Number(j, "step", where, &p.step);
      const bool loss_ok = Number(j, "loss", where, &p.loss);
      if (!step_ok || !loss_ok) {
        ++m.skipped;
        continue;
      }
      p.epoch = Optional(j, "epoch");
      m.train.push_back(p);
    } else if (*kind == "eval") {
      EvalPoint p;
      const bool epoch_ok = Number(j, "epoch", where, &p.epoch);
      const bool top1_ok = Number(j, "top1", where, &p.top1);
      if (!epoch_ok || !top1_ok) {
        ++m.skipped;
        continue;
      }
      p.step = Optional(j, "step");
      p.loss = Optional(j, "loss");
      p.top5 = Optional(j, "top5");
      m.eval.push_back(p);
    }
  }
  if (m.train.empty() && m.eval.empty()) {
    throw Error(m.path + ": no \"kind\": \"train\" or \"eval\" records" +
                (line_no == 0 ? std::string(" (empty file)") : ""));
  }
  return m;
}

std::string PlotSvg(const std::vector<RunMetrics>& runs, const PlotOptions& o) {
  const double W = o.width, H = o.height;
  // Legend entries flow left to right, wrapping.
  std::string legend;
  double lx = 20, ly = 52;
  for (size_t r = 0; r < runs.size(); ++r) {
    std::string text = runs[r].label;
    if (!runs[r].eval.empty()) {
      double best = 0;
      for (const EvalPoint& e : runs[r].eval) best = std::max(best, e.top1);
      text += Fmt(" (best top-1 %.2f%%)", best);
    }
    const double w = 36 + 7.0 * text.size();
    if (lx + w > W - 20 && lx > 20) {
      lx = 20;
      ly += 18;
    }
    const char* color = kColors[r % kNumColors];
    legend += "<line x1=\"" + Fmt("%.1f", lx) + "\" y1=\"" + Fmt("%.1f", ly - 4) + "\" x2=\"" +
              Fmt("%.1f", lx + 22) + "\" y2=\"" + Fmt("%.1f", ly - 4) + "\" stroke=\"" + color +
              "\" stroke-width=\"3\"/>\n";
    legend += "<text x=\"" + Fmt("%.1f", lx + 28) + "\" y=\"" + Fmt("%.1f", ly) + "\">" +
              Escape(text) + "</text>\n";
    lx += w + 16;
  }
  const double top = ly + 34, bottom = H - 50;
  const double gap = 90, left1 = 70, right2 = W - 20;
  const double panel_w = (right2 - left1 - gap) / 2;

  // Panel 1: training loss vs step.
  double smin = INFINITY, smax = -INFINITY, lmin = INFINITY, lmax = -INFINITY;
  for (const RunMetrics& run : runs) {
    for (const TrainPoint& p : run.train) {
      smin = std::min(smin, p.step);
      smax = std::max(smax, p.step);
      lmin = std::min(lmin, p.loss);
      lmax = std::max(lmax, p.loss);
    }
  }
  const bool have_train = smin <= smax;
  if (!have_train) smin = 0, smax = 1, lmin = 0, lmax = 1;
  const Axis x1 = MakeAxis(std::min(0.0, smin), smax, left1, left1 + panel_w, 6);
  const Axis y1 = MakeAxis(lmin, lmax, bottom, top, 6);

  // Panel 2: eval top-1 vs epoch.
  double emin = INFINITY, emax = -INFINITY, tmin = INFINITY, tmax = -INFINITY;
  for (const RunMetrics& run : runs) {
    for (const EvalPoint& p : run.eval) {
      emin = std::min(emin, p.epoch);
      emax = std::max(emax, p.epoch);
      tmin = std::min(tmin, p.top1);
      tmax = std::max(tmax, p.top1);
    }
  }
  const bool have_eval = emin <= emax;
  if (!have_eval) emin = 0, emax = 1, tmin = 0, tmax = 100;
  const double left2 = left1 + panel_w + gap;
  const Axis x2 = MakeAxis(std::min(0.0, emin), emax, left2, right2, 6);
  // A flat or nearly flat curve (a constant top-1) gets 10 points around it,
  // within 0-100, so it is drawn inside the panel rather than on its edge.
  double ylo = std::max(0.0, tmin), yhi = std::min(100.0, tmax);
  if (yhi - ylo < 2) {
    const double mid = std::clamp((ylo + yhi) / 2, 5.0, 95.0);
    ylo = mid - 5;
    yhi = mid + 5;
  }
  const Axis y2 = MakeAxis(ylo, yhi, bottom, top, 6);

  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Fmt("%.0f", W) + "\" height=\"" +
       Fmt("%.0f", H) + "\" viewBox=\"0 0 " + Fmt("%.0f", W) + " " + Fmt("%.0f", H) +
       "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<style>.grid{stroke:#e4e4e4;stroke-width:1}.axis{stroke:#444;stroke-width:1}"
       ".panel{font-size:14px;font-weight:bold}.note{fill:#888}"
       ".title{font-size:17px;font-weight:bold}</style>\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<defs>" + ClipRect("clip-loss", x1, y1) + ClipRect("clip-top1", x2, y2) + "</defs>\n";
  s += "<text x=\"" + Fmt("%.1f", W / 2) + "\" y=\"26\" text-anchor=\"middle\" class=\"title\">" +
       Escape(o.title) + "</text>\n";
  s += legend;
  s += Frame(x1, y1, "training loss", "step", "loss");
  s += Frame(x2, y2, "eval top-1", "epoch", "top-1 (%)");
  if (!have_train) s += NoData(x1, y1, "no train records");
  if (!have_eval) s += NoData(x2, y2, "no eval records");

  s += "<g clip-path=\"url(#clip-loss)\" fill=\"none\" stroke-linejoin=\"round\">\n";
  for (size_t r = 0; r < runs.size(); ++r) {
    const std::vector<TrainPoint>& t = runs[r].train;
    if (t.empty()) continue;
    std::vector<double> xs, ys;
    for (const TrainPoint& p : t) xs.push_back(p.step), ys.push_back(p.loss);
    const char* color = kColors[r % kNumColors];
    const size_t window = std::clamp<size_t>(t.size() / 25, 1, 200);
    s += "<polyline class=\"raw\" stroke=\"" + std::string(color) +
         "\" stroke-opacity=\"0.25\" stroke-width=\"1\" points=\"" + Polyline(xs, ys, x1, y1) +
         "\"/>\n";
    s += "<polyline class=\"smooth\" stroke=\"" + std::string(color) +
         "\" stroke-width=\"2\" points=\"" + Polyline(xs, Smooth(ys, window), x1, y1) + "\"/>\n";
  }
  s += "</g>\n<g clip-path=\"url(#clip-top1)\" fill=\"none\" stroke-linejoin=\"round\">\n";
  for (size_t r = 0; r < runs.size(); ++r) {
    const std::vector<EvalPoint>& e = runs[r].eval;
    if (e.empty()) continue;
    std::vector<double> xs, ys;
    for (const EvalPoint& p : e) xs.push_back(p.epoch), ys.push_back(p.top1);
    const char* color = kColors[r % kNumColors];
    s += "<polyline class=\"top1\" stroke=\"" + std::string(color) +
         "\" stroke-width=\"2\" points=\"" + Polyline(xs, ys, x2, y2) + "\"/>\n";
    if (e.size() <= 200) {
      for (const EvalPoint& p : e) {
        s += "<circle cx=\"" + Fmt("%.1f", x2.Map(p.epoch)) + "\" cy=\"" +
             Fmt("%.1f", y2.Map(p.top1)) + "\" r=\"3\" fill=\"" + color + "\"><title>" +
             Escape(runs[r].label) + Fmt(": epoch %g", p.epoch) + Fmt(", top-1 %.2f%%", p.top1) +
             Fmt(", top-5 %.2f%%", p.top5) + "</title></circle>\n";
      }
    }
  }
  s += "</g>\n</svg>\n";
  return s;
}

}  // namespace synthub::report
