#include "recipe/contour_family.h"

#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "shard/tar_reader.h"
#include "shard/tar_writer.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/json_get.h"
#include "util/progress.h"

namespace synthub::recipe {
namespace {

using contour::ContourCategory;
using contour::ContourStyle;
using nlohmann::json;

std::string Span(const IntRange& r) {
  return std::to_string(r.min) + ".." + std::to_string(r.max);
}

void CheckIntRange(const IntRange& r, const char* flag, int lo, int hi) {
  if (r.min > r.max) {
    throw UsageError(std::string("--") + flag + " " + Span(r) + ": empty range (A > B)");
  }
  if (r.min < lo || r.max > hi) {
    throw UsageError(std::string("--") + flag + " " + Span(r) + ": must lie within " +
                     std::to_string(lo) + ".." + std::to_string(hi));
  }
}

void CheckRealRange(const RealRange& r, const char* flag) {
  char text[80];
  std::snprintf(text, sizeof(text), "%.17g,%.17g", r.min, r.max);
  if (!std::isfinite(r.min) || !std::isfinite(r.max)) {
    throw UsageError(std::string("--") + flag + " " + text + ": not a finite range");
  }
  if (r.min > r.max) {
    throw UsageError(std::string("--") + flag + " " + text + ": empty range (A > B)");
  }
}

json IntPair(const IntRange& r) { return json::array({r.min, r.max}); }
json RealPair(const RealRange& r) { return json::array({r.min, r.max}); }

IntRange ReadIntPair(const json& j, const char* key, const std::string& where) {
  const json v = JsonGet<json>(j, key, where);
  const auto in_int = [](const json& e) {
    return e.is_number_integer() && e.get<int64_t>() >= INT_MIN && e.get<int64_t>() <= INT_MAX &&
           !(e.is_number_unsigned() && e.get<uint64_t>() > INT_MAX);
  };
  if (!v.is_array() || v.size() != 2 || !in_int(v[0]) || !in_int(v[1])) {
    throw Error(where + ": field 'contour." + key + "' must be [min, max] (32-bit integers)");
  }
  return {v[0].get<int>(), v[1].get<int>()};
}

RealRange ReadRealPair(const json& j, const char* key, const std::string& where) {
  const json v = JsonGet<json>(j, key, where);
  if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number()) {
    throw Error(where + ": field 'contour." + key + "' must be [min, max] (numbers)");
  }
  return {v[0].get<double>(), v[1].get<double>()};
}

// RCDB's vertex count is int(expovariate(1/100)), redrawn until it lies in
// [lo, hi]: the chance that one draw does.
double RcdbVertexAcceptance(const IntRange& v) {
  return std::exp(-v.min / 100.0) - std::exp(-(v.max + 1.0) / 100.0);
}

// One sample of a contour dataset: keyed (any sample alone) or walking the
// published stream (a cursor that moves forward; SequentialPlan hands it
// the samples in order).
class ContourRenderer final : public SampleRenderer {
 public:
  ContourRenderer(const Recipe& recipe, const CategoryParams& params, contour::ContourSpec spec)
      : recipe_(recipe), params_(params), spec_(spec), painter_(spec_) {}

  void Render(const SampleId& id, codec::Image* out) override {
    const std::vector<ContourCategory>& cats = params_.contour;
    if (id.category >= cats.size()) {
      throw Error(recipe_.family + ": category " + std::to_string(id.category) + " of " +
                  std::to_string(cats.size()));
    }
    if (id.row != 0 || id.flip != 0 || id.draw >= static_cast<uint32_t>(recipe_.draws)) {
      throw Error(recipe_.family + ": no sample " + DatasetPlan::SampleKey(id) + " (1 row, " +
                  std::to_string(recipe_.draws) + " images, no flips)");
    }
    const int size = spec_.size;
    out->width = out->height = size;
    out->channels = 1;
    out->pixels.resize(static_cast<size_t>(size) * size);
    uint16_t* mask = nullptr;
    if (recipe_.contour.masks) {
      mask_.resize(out->pixels.size());
      mask = mask_.data();
    }
    const ContourCategory& cat = cats[id.category];
    const uint16_t class_id = static_cast<uint16_t>(id.category + 1);
    if (recipe_.contour.reference_layout == 0) {
      painter_.PaintKeyed(recipe_.seed, id.category, cat, id.draw, out->pixels.data(), mask,
                          class_id);
      return;
    }
    if (!cursor_) {
      const int layout = recipe_.contour.reference_layout;
      if (cats.size() % layout != 0) {
        throw Error(recipe_.family + ": " + std::to_string(cats.size()) +
                    " categories do not split into " + std::to_string(layout) +
                    " process blocks");
      }
      cursor_.emplace(spec_, cats, layout, recipe_.draws);
    }
    try {
      contour::Placement placement;
      contour::PublishedStream& stream = cursor_->Seek(id.category, id.draw, &placement);
      painter_.PaintPublished(id.category, cat, placement, stream, out->pixels.data(), mask,
                              class_id);
      cursor_->Advance();
    } catch (...) {
      cursor_.reset();  // its position is unknown now
      throw;
    }
  }

  const std::vector<uint16_t>* LastMask() const override {
    return recipe_.contour.masks ? &mask_ : nullptr;
  }

 private:
  const Recipe& recipe_;
  const CategoryParams& params_;
  const contour::ContourSpec spec_;
  contour::ContourPainter painter_;
  std::optional<contour::PublishedCursor> cursor_;
  std::vector<uint16_t> mask_;
};

// CSV fields.
// The shortest text that reads back as the same double (Python's repr).
std::string FormatReal(double v) {
  char buf[40];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

int64_t ParseInt(const std::string& text, const std::string& where) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) throw Error(where + ": bad integer '" + text + "'");
  return v;
}

double ParseReal(const std::string& text, const std::string& where) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v)) {
    throw Error(where + ": bad number '" + text + "'");
  }
  return v;
}

}  // namespace

Recipe ContourDefaults(const std::string& family) {
  Recipe r;
  r.family = family;
  r.name = family;
  r.categories = 1000;
  r.draws = 1000;  // images per category
  r.flips = 1;
  // Dense 512 x 512 line art: zlib level 1 is smaller than Z_RLE (VisualAtom
  // 50 vs 57 KB, RCDB 37 vs 51 KB per image) at the same or better speed
  // (docs/benchmarks.md, "Families"); shards of about 250 MB.
  r.encode.png_level = 1;
  r.shard_size = 5000;
  ContourOptions& o = r.contour;
  o.size = 512;
  o.orbits = {1, 200};
  o.noise = {0, 4};
  o.line_width = {0, 0.1};
  o.ellipse = {1, 2};
  return r;
}

ContourFamily::ContourFamily(std::string name, ContourStyle style, Recipe defaults,
                             std::vector<ContourPreset> presets)
    : name_(std::move(name)),
      style_(style),
      defaults_(std::move(defaults)),
      presets_(std::move(presets)) {}

std::vector<std::string> ContourFamily::PresetNames() const {
  std::vector<std::string> names;
  for (const ContourPreset& p : presets_) names.push_back(p.name);
  return names;
}

bool ContourFamily::Preset(const std::string& name, Recipe* out) const {
  for (const ContourPreset& p : presets_) {
    if (name != p.name) continue;
    *out = defaults_;
    out->name = p.name;
    out->categories = p.categories;
    return true;
  }
  return false;
}

contour::ContourSpec ContourFamily::Spec(const Recipe& r) const {
  const ContourOptions& o = r.contour;
  contour::ContourSpec s;
  s.style = style_;
  s.size = o.size;
  s.vertices = {o.vertices.min, o.vertices.max};
  s.orbits = {o.orbits.min, o.orbits.max};
  s.noise = {o.noise.min, o.noise.max};
  s.frequency = {o.frequency.min, o.frequency.max};
  s.line_width = {o.line_width.min, o.line_width.max};
  s.radius = {o.radius.min, o.radius.max};
  s.ellipse = {o.ellipse.min, o.ellipse.max};
  s.centre = {o.centre.min, o.centre.max};
  s.gray = {o.gray.min, o.gray.max};
  return s;
}

void ContourFamily::Validate(const Recipe& r) const {
  const ContourOptions& o = r.contour;
  if (o.size < 8 || o.size > 16384) throw UsageError("--size must be in [8, 16384]");
  if (r.draws < 1 || r.draws > 1000000) throw UsageError("--images must be in [1, 1000000]");
  if (r.flips != 1) throw UsageError("--flips applies to fractaldb; " + name_ + " has no flips");
  if (o.reference_layout < 0) throw UsageError("--reference-layout must be >= 0 (0: keyed)");
  if (o.reference_layout > 0 && r.categories % o.reference_layout != 0) {
    throw UsageError("--reference-layout " + std::to_string(o.reference_layout) +
                     " must divide --categories " + std::to_string(r.categories) +
                     " (the published script splits the classes into that many equal "
                     "process blocks and never renders a remainder)");
  }
  if (o.vertices.min < 3) {
    throw UsageError("--vertices " + Span(o.vertices) + ": a polygon needs at least 3 vertices");
  }
  CheckIntRange(o.vertices, "vertices", 3, 100000);
  if (style_ == ContourStyle::kRcdb && RcdbVertexAcceptance(o.vertices) < 1e-4) {
    throw UsageError("--vertices " + Span(o.vertices) +
                     ": RCDB draws int(expovariate(1/100)) until it lands in the range, "
                     "which almost never happens there (choose a range below ~900)");
  }
  CheckIntRange(o.orbits, "orbits", 1, 10000);
  CheckRealRange(o.noise, "noise");
  if (style_ == ContourStyle::kVisualAtom) {
    CheckIntRange(o.frequency, "frequency", -10000, 10000);
    if (o.frequency.min == o.frequency.max && o.frequency.min != 0) {
      throw UsageError("--frequency " + Span(o.frequency) +
                       ": n2 is redrawn until it differs from n1, which one value other than "
                       "0 never does");
    }
  }
  CheckRealRange(o.line_width, "line-width");
  CheckIntRange(o.radius, "radius", 0, 1000000);
  CheckRealRange(o.ellipse, "ellipse");
  CheckIntRange(o.centre, "centre", -1000000, 1000000);
  CheckIntRange(o.gray, "gray", 0, 256);
  if (o.masks && style_ != ContourStyle::kRcdb) {
    throw UsageError("--masks applies to rcdb, not " + name_);
  }
  if (o.masks && r.categories > 65535) {
    throw UsageError("--masks: the class-id masks are 16-bit, so at most 65535 categories");
  }
}

void ContourFamily::WriteJson(const Recipe& r, json* out) const {
  const ContourOptions& o = r.contour;
  json c = {
      {"size", o.size},
      {"reference_layout", o.reference_layout},
      {"vertices", IntPair(o.vertices)},
      {"orbits", IntPair(o.orbits)},
      {"noise", RealPair(o.noise)},
      {"line_width", RealPair(o.line_width)},
      {"radius", IntPair(o.radius)},
      {"ellipse", RealPair(o.ellipse)},
      {"centre", IntPair(o.centre)},
      {"gray", IntPair(o.gray)},
  };
  if (style_ == ContourStyle::kVisualAtom) c["frequency"] = IntPair(o.frequency);
  if (style_ == ContourStyle::kRcdb) c["masks"] = o.masks;
  (*out)["contour"] = c;
  (*out)["draws"] = r.draws;
}

void ContourFamily::ReadJson(const json& j, const std::string& where, Recipe* r) const {
  const json c = JsonGet<json>(j, "contour", where);
  ContourOptions& o = r->contour;
  o.size = JsonGet<int>(c, "size", where);
  o.reference_layout = JsonGet<int>(c, "reference_layout", where);
  o.vertices = ReadIntPair(c, "vertices", where);
  o.orbits = ReadIntPair(c, "orbits", where);
  o.noise = ReadRealPair(c, "noise", where);
  o.line_width = ReadRealPair(c, "line_width", where);
  o.radius = ReadIntPair(c, "radius", where);
  o.ellipse = ReadRealPair(c, "ellipse", where);
  o.centre = ReadIntPair(c, "centre", where);
  o.gray = ReadIntPair(c, "gray", where);
  if (style_ == ContourStyle::kVisualAtom) o.frequency = ReadIntPair(c, "frequency", where);
  o.masks = style_ == ContourStyle::kRcdb && JsonGet<bool>(c, "masks", where);
  r->draws = JsonGet<int>(j, "draws", where);
  r->flips = 1;
}

CategoryParams ContourFamily::MakeParams(const Recipe& r, int threads, bool progress) const {
  const contour::ContourSpec spec = Spec(r);
  CategoryParams params;
  Progress bar(r.contour.reference_layout > 0 ? "replaying the published streams" : "categories",
               r.categories, "categories", progress);
  const auto done = [&](int) { bar.Add(1); };
  if (r.contour.reference_layout > 0) {
    params.contour = contour::MakePublishedCategories(spec, r.categories,
                                                      r.contour.reference_layout, r.draws,
                                                      threads, done);
  } else {
    params.contour = contour::MakeKeyedCategories(spec, r.seed, r.categories, threads, done);
  }
  return params;
}

std::string ContourFamily::FormatCsv(const std::vector<ContourCategory>& cats) const {
  const bool va = style_ == ContourStyle::kVisualAtom;
  std::string out = va ? "category,vertices,orbits,noise,line_width,frequency1,frequency2,"
                       : "category,vertices,orbits,noise,line_width,";
  out += "radius,ellipse_x,ellipse_y,centre_x,centre_y,stream_word\n";
  for (size_t i = 0; i < cats.size(); ++i) {
    const ContourCategory& c = cats[i];
    out += std::to_string(i) + "," + std::to_string(c.vertices) + "," +
           std::to_string(c.orbits) + "," + FormatReal(c.noise) + "," +
           FormatReal(c.line_width) + ",";
    if (va) out += std::to_string(c.frequency1) + "," + std::to_string(c.frequency2) + ",";
    out += std::to_string(c.first.radius) + "," + FormatReal(c.first.ellipse_x) + "," +
           FormatReal(c.first.ellipse_y) + "," + FormatReal(c.first.centre_x) + "," +
           FormatReal(c.first.centre_y) + "," + std::to_string(c.stream_word) + "\n";
  }
  return out;
}

std::vector<ContourCategory> ContourFamily::ParseCsv(const std::string& text,
                                                     const std::string& where) const {
  const bool va = style_ == ContourStyle::kVisualAtom;
  const std::string header = FormatCsv({});
  if (text.compare(0, header.size(), header) != 0) {
    throw Error(where + ": expected the header " + header.substr(0, header.size() - 1));
  }
  const size_t columns = va ? 13 : 11;
  std::vector<ContourCategory> cats;
  size_t pos = header.size();
  int line = 1;
  while (pos < text.size()) {
    ++line;
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string row = text.substr(pos, end - pos);
    pos = end + 1;
    const std::string at = where + ":" + std::to_string(line);
    std::vector<std::string> f;
    for (size_t a = 0;;) {
      const size_t b = row.find(',', a);
      f.push_back(row.substr(a, b == std::string::npos ? std::string::npos : b - a));
      if (b == std::string::npos) break;
      a = b + 1;
    }
    if (f.size() != columns) {
      throw Error(at + ": expected " + std::to_string(columns) + " fields, got " +
                  std::to_string(f.size()));
    }
    if (ParseInt(f[0], at) != static_cast<int64_t>(cats.size())) {
      throw Error(at + ": expected category " + std::to_string(cats.size()) + ", got '" + f[0] +
                  "'");
    }
    ContourCategory c;
    size_t k = 1;
    const auto int_in = [&](int64_t lo, int64_t hi, const char* what) {
      const int64_t v = ParseInt(f[k++], at);
      if (v < lo || v > hi) {
        throw Error(at + ": " + what + " " + std::to_string(v) + " outside " +
                    std::to_string(lo) + ".." + std::to_string(hi));
      }
      return static_cast<int>(v);
    };
    c.vertices = int_in(1, 1000000, "vertices");
    c.orbits = int_in(0, 1000000, "orbits");
    c.noise = ParseReal(f[k++], at);
    c.line_width = ParseReal(f[k++], at);
    if (va) {
      c.frequency1 = int_in(-1000000, 1000000, "frequency1");
      c.frequency2 = int_in(-1000000, 1000000, "frequency2");
    }
    c.first.radius = int_in(-1000000, 1000000, "radius");
    c.first.ellipse_x = ParseReal(f[k++], at);
    c.first.ellipse_y = ParseReal(f[k++], at);
    c.first.centre_x = ParseReal(f[k++], at);
    c.first.centre_y = ParseReal(f[k++], at);
    const int64_t word = ParseInt(f[k++], at);
    if (word < 0) throw Error(at + ": negative stream_word");
    c.stream_word = static_cast<uint64_t>(word);
    cats.push_back(c);
  }
  return cats;
}

CategoryParams ContourFamily::ReadParamsFolder(const std::string& dir, int categories) const {
  const std::string path = JoinPath(dir, kContourParamsFile);
  if (!PathExists(path)) {
    throw Error(path + ": missing (a " + name_ + " parameter folder holds " +
                kContourParamsFile + ")");
  }
  CategoryParams params;
  params.contour = ParseCsv(ReadFile(path), path);
  if (categories > 0) {
    if (static_cast<int>(params.contour.size()) < categories) {
      throw Error(path + ": holds " + std::to_string(params.contour.size()) +
                  " categories, " + std::to_string(categories) + " asked for");
    }
    params.contour.resize(categories);
  }
  if (params.contour.empty()) throw Error(path + ": no categories");
  return params;
}

std::string ContourFamily::WriteParamsArchive(const std::string& path,
                                              const CategoryParams& params) const {
  shard::TarWriter tar(path);
  tar.AddFile(kContourParamsFile, FormatCsv(params.contour));
  tar.Finish();
  return tar.sha256();
}

CategoryParams ContourFamily::ReadParamsArchive(const std::string& path) const {
  shard::TarReader reader(path);
  shard::TarEntry e;
  if (!reader.Next(&e) || e.name != kContourParamsFile) {
    throw Error(path + ": expected the member " + kContourParamsFile);
  }
  CategoryParams params;
  params.contour = ParseCsv(e.data, path + ":" + e.name);
  if (reader.Next(&e)) throw Error(path + ": unexpected member '" + e.name + "'");
  return params;
}

std::unique_ptr<SampleRenderer> ContourFamily::NewRenderer(const Recipe& r,
                                                           const CategoryParams& params) const {
  return std::make_unique<ContourRenderer>(r, params, Spec(r));
}

}  // namespace synthub::recipe
