#include "loader_flags.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "synthub/error.h"

namespace synthub::cli {
namespace {

// Each LoaderOptions field set from the command line, and its flag.
struct FieldFlag {
  const char* field;
  const char* flag;
};
const FieldFlag kFieldFlags[] = {
    {"batch_size", "batch-size"},   {"workers", "workers"},
    {"prefetch", "prefetch"},       {"rank", "rank"},
    {"world_size", "world-size"},   {"seed", "seed"},
    {"shuffle", "shuffle"},         {"shuffle_buffer", "shuffle-buffer"},
    {"uneven", "uneven"},           {"drop_last", "keep-last"},
    {"on_error", "on-error"},       {"image_size", "image-size"},
    {"random_resized_crop", "no-crop"}, {"scale", "scale"},
    {"hflip", "hflip"},             {"vflip", "vflip"},
    {"interpolation", "interpolation"}, {"layout", "layout"},
    {"mean", "mean"},               {"std", "std"},
    {"rand_augment", "rand-augment"}, {"color_jitter", "color-jitter"},
    {"random_erasing", "random-erasing"},
    {"one_view_per_category", "one-view-per-category"},
    {"nice", "loader-nice"},
};

std::string Choices(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : " | ") + n;
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

double ParseNumber(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') {
    throw UsageError("--" + flag + ": expected a number, got '" + text + "'");
  }
  return x;
}

// "V" (all three channels) or "R,G,B".
void ParseChannels(const Args& args, const std::string& flag, float* out) {
  const std::string v = args.Str(flag);
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t comma; (comma = v.find(',', start)) != std::string::npos; start = comma + 1) {
    parts.push_back(v.substr(start, comma - start));
  }
  parts.push_back(v.substr(start));
  if (parts.size() != 1 && parts.size() != 3) {
    throw UsageError("--" + flag + ": expected one value or three (R,G,B), got '" + v + "'");
  }
  for (int c = 0; c < 3; ++c) {
    out[c] = static_cast<float>(ParseNumber(flag, parts[parts.size() == 1 ? 0 : c]));
  }
}

// FillLoaderOptions without the mapping of field names to flags.
void FillDeclared(const Args& args, LoaderOptions* o) {
  auto has = [&](const char* flag) { return args.Declares(flag); };
  if (has("batch-size")) o->batch_size = args.Int("batch-size");
  if (has("workers")) o->workers = args.Int("workers");
  if (has("prefetch")) o->prefetch = args.Int("prefetch");
  if (has("loader-nice")) o->nice = args.Int("loader-nice");
  if (has("rank")) o->rank = args.Int("rank");
  if (has("world-size")) o->world_size = args.Int("world-size");
  if (has("seed")) o->seed = args.U64("seed");
  if (has("shuffle")) o->shuffle = ParseShuffleMode(args.Str("shuffle"));
  if (has("shuffle-buffer")) o->shuffle_buffer = args.Int("shuffle-buffer");
  if (has("uneven")) o->uneven = ParseUnevenPolicy(args.Str("uneven"));
  if (has("keep-last")) o->drop_last = !args.Switch("keep-last");
  if (has("on-error")) o->on_error = ParseErrorPolicy(args.Str("on-error"));
  if (has("image-size")) o->image_size = args.Int("image-size");
  if (has("no-crop")) o->random_resized_crop = !args.Switch("no-crop");
  if (has("scale")) ParseScale(args.Str("scale"), &o->scale_min, &o->scale_max);
  if (has("hflip")) o->hflip = args.Switch("hflip");
  if (has("vflip")) o->vflip = args.Switch("vflip");
  if (has("interpolation")) o->interpolation = ParseInterpolation(args.Str("interpolation"));
  if (has("layout")) o->layout = ParseOutputLayout(args.Str("layout"));
  if (has("mean")) ParseChannels(args, "mean", o->mean);
  if (has("std")) ParseChannels(args, "std", o->std);
  if (has("rand-augment")) o->rand_augment = args.Str("rand-augment");
  if (has("color-jitter")) o->color_jitter = args.Double("color-jitter");
  if (has("random-erasing")) o->random_erasing = args.Double("random-erasing");
  if (has("one-view-per-category")) o->one_view_per_category = args.Switch("one-view-per-category");
}

}  // namespace

std::vector<FlagSpec> LoaderFlags(const std::vector<std::string>& only) {
  const LoaderOptions d;
  std::vector<FlagSpec> all = {
      {"batch-size", std::to_string(d.batch_size), "samples per batch (per rank)"},
      {"workers", std::to_string(d.workers), "loader decode/augment threads (per rank)"},
      {"prefetch", std::to_string(d.prefetch), "batches in flight ahead of the consumer"},
      {"loader-nice", std::to_string(d.nice),
       "added to the loader threads' niceness, 0-19 (training: 10, so they use the cores its threads leave idle)"},
      {"rank", std::to_string(d.rank), "this process's rank"},
      {"world-size", std::to_string(d.world_size), "number of ranks"},
      {"seed", std::to_string(d.seed), "seed of shuffling and augmentation"},
      {"shuffle", ShuffleModeName(d.shuffle),
       Choices(ShuffleModeNames()) + ": reading order | shard order + buffer per rank (render: whole canvases, a buffer's worth at a time) | all samples"},
      {"shuffle-buffer", std::to_string(d.shuffle_buffer), "local shuffle buffer, in samples (render: a window of buffer/4 canvases, cached)"},
      {"uneven", UnevenPolicyName(d.uneven),
       "samples per rank when they do not divide: " + Choices(UnevenPolicyNames())},
      {"keep-last", d.drop_last ? "false" : "true", "keep a partial last batch", true},
      {"on-error", ErrorPolicyName(d.on_error),
       "on a corrupt shard or image: " + Choices(ErrorPolicyNames()) + " (skips are counted)"},
      {"image-size", std::to_string(d.image_size), "output size (square)"},
      {"no-crop", d.random_resized_crop ? "false" : "true",
       "resize the whole image instead of a random resized crop", true},
      {"scale", Num(d.scale_min) + "," + Num(d.scale_max),
       "random resized crop: MIN,MAX area fraction (MIN alone: MAX 1)"},
      {"hflip", d.hflip ? "true" : "false", "random horizontal flip", true},
      {"vflip", d.vflip ? "true" : "false", "random vertical flip", true},
      {"interpolation", InterpolationName(d.interpolation), Choices(InterpolationNames())},
      {"layout", OutputLayoutName(d.layout), Choices(OutputLayoutNames()) +
                                                 ": uint8 NHWC | float NCHW, normalised"},
      {"mean", Num(d.mean[0]), "normalisation mean: V (every channel) or R,G,B"},
      {"std", Num(d.std[0]), "normalisation std: V or R,G,B"},
      {"rand-augment", d.rand_augment,
       "timm RandAugment on the resized image, e.g. rand-m9-mstd0.5-inc1 (empty = off)"},
      {"color-jitter", Num(d.color_jitter),
       "brightness/contrast/saturation jitter (torchvision ColorJitter; 0 = off; as timm, "
       "not applied with --rand-augment)"},
      {"random-erasing", Num(d.random_erasing),
       "probability of erasing one box with per-pixel noise (timm RandomErasing, mode pixel)"},
      {"one-view-per-category", d.one_view_per_category ? "true" : "false",
       "each epoch one sample per category, a new one each epoch (3D-OFDB's 12 views; "
       "needs --shuffle global)",
       true},
  };
  if (only.empty()) return all;
  std::vector<FlagSpec> picked;
  for (const FlagSpec& f : all) {
    for (const std::string& name : only) {
      if (f.name == name) picked.push_back(f);
    }
  }
  SYNTHUB_CHECK(picked.size() == only.size());  // every name is a loader flag
  return picked;
}

void ParseScale(const std::string& value, double* min, double* max) {
  size_t sep = value.find(',');
  size_t width = 1;
  if (sep == std::string::npos && (sep = value.find("..")) != std::string::npos) width = 2;
  if (sep == std::string::npos) {
    *min = ParseNumber("scale", value);
    *max = 1.0;
  } else {
    *min = ParseNumber("scale", value.substr(0, sep));
    *max = ParseNumber("scale", value.substr(sep + width));
  }
  if (!(*min > 0 && *min <= *max && *max <= 1.0)) {
    throw UsageError("--scale: need 0 < MIN <= MAX <= 1, got '" + value + "'");
  }
}

void FillLoaderOptions(const Args& args, LoaderOptions* o) {
  MappingLoaderErrors(args, [&] { FillDeclared(args, o); });
}

std::string WithFlagNames(const std::string& message, const Args& args) {
  // A field is a whole word between spaces or punctuation, outside quotes (so
  // that paths and values such as 'data/seed/x.tar' are never rewritten).
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  auto before_ok = [](char c) { return c == ' ' || c == '(' || c == '[' || c == ','; };
  auto after_ok = [](char c) { return c == ' ' || c == ':' || c == ',' || c == ')' || c == ']'; };
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < message.size();) {
    if (message[i] == '\'') quoted = !quoted;
    if (quoted || !is_word(message[i]) || (i > 0 && !before_ok(message[i - 1]))) {
      out += message[i++];
      continue;
    }
    size_t end = i;
    while (end < message.size() && is_word(message[end])) ++end;
    const std::string word = message.substr(i, end - i);
    std::string replaced = word;
    if (end == message.size() || after_ok(message[end])) {
      for (const FieldFlag& m : kFieldFlags) {
        if (word == m.field && args.Declares(m.flag)) replaced = std::string("--") + m.flag;
      }
    }
    out += replaced;
    i = end;
  }
  return out;
}

}  // namespace synthub::cli
