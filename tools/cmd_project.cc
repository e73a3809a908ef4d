// synthub project: a point cloud (.npy, float32 N x 3) drawn through the
// published 3D renderer's camera on the CPU (fractal3d/project.h): to look
// at a cloud from a dataset's <key>.npy, or to check the projection
// against another renderer.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "args.h"
#include "codec/image.h"
#include "codec/npy.h"
#include "commands.h"
#include "fractal3d/project.h"
#include "recipe/fractal3d_family.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::cli {
namespace {

const CommandSpec kSpec = {
    "project",
    "synthub project --cloud FILE.npy --out DIR [--views N | --angles A,B,...] [flags]",
    "Draws a float32 N x 3 point cloud as the published MV-FractalDB/ExFractalDB\n"
    "renderer does (perspective 45 deg, near 1, far 100, camera at distance 4\n"
    "looking at the origin, rotating about y; white points of size 1 on black),\n"
    "with the OpenGL point rules computed on the CPU (docs/families.md,\n"
    "\"Projection\"). Writes DIR/view_000.png, view_001.png, ... Rows are in\n"
    "glReadPixels order (row 0 = the bottom of the GL window), as the published\n"
    "images store them.",
    {{"cloud", "", "the cloud: .npy, float32, shape (N, 3)"},
     {"out", "", "output folder"},
     {"views", "12", "fixed views k * 360 / N + 30 degrees (+ --jitter), as render.py"},
     {"jitter", "0", "degrees added to every fixed view (render.py draws uniform(-pi, pi))"},
     {"angles", "", "instead of --views: one view per angle (degrees, one y rotation each)"},
     {"size", "224", "image size in pixels (square)"},
     {"point-size", "1", "GL point size in pixels"},
     {"subpixel-bits", "8", "window coordinates snap to 1/2^bits pixel (0: no snapping)"},
     {"point-rule", "compat",
      "GL's point rule: compat (a compatibility context, as the published renderer) | core "
      "(point sprites)"},
     {"point-color", "ffffff", "point colour RRGGBB"},
     {"background", "000000", "background colour RRGGBB"}}};

std::vector<float> ReadCloud(const std::string& path) {
  size_t rows = 0, cols = 0;
  std::vector<float> xyz = codec::DecodeNpyF32(ReadFile(path), path, &rows, &cols);
  if (cols != 3) {
    throw Error(path + ": shape (" + std::to_string(rows) + ", " + std::to_string(cols) +
                "), expected (N, 3) points");
  }
  for (size_t i = 0; i < xyz.size(); ++i) {
    if (!std::isfinite(xyz[i])) {
      throw Error(path + ": point " + std::to_string(i / 3) + " (row " + std::to_string(i / 3) +
                  ", column " + std::to_string(i % 3) + ") is " +
                  (std::isnan(xyz[i]) ? "NaN" : "infinite") +
                  "; a cloud must hold finite coordinates");
    }
  }
  return xyz;
}

std::vector<double> ParseAngles(const std::string& text) {
  std::vector<double> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(at, end - at);
    char* stop = nullptr;
    const double v = std::strtod(item.c_str(), &stop);
    if (item.empty() || *stop != '\0' || !std::isfinite(v)) {
      throw UsageError("--angles: expected degrees A,B,..., got '" + text + "'");
    }
    out.push_back(v);
    at = end + 1;
  }
  return out;
}

}  // namespace

int RunProject(int argc, char** argv) {
  Args args(kSpec, argc, argv);
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
  const std::string cloud_path = args.Str("cloud"), out = args.Str("out");
  if (cloud_path.empty()) throw UsageError("--cloud is required");
  if (out.empty()) throw UsageError("--out is required");

  fractal3d::RasterOptions raster;
  raster.size = args.Int("size");
  raster.point_size = args.Int("point-size");
  raster.subpixel_bits = args.Int("subpixel-bits");
  raster.rule = fractal3d::ParsePointRule(args.Str("point-rule"));
  recipe::ParseColor("point-color", args.Str("point-color"), raster.color);
  recipe::ParseColor("background", args.Str("background"), raster.background);
  raster.channels = fractal3d::ColorChannels(raster.color, raster.background);
  if (raster.size < 1 || raster.size > 16384) throw UsageError("--size must be in [1, 16384]");

  // Every view as its list of y rotations (radians, float32).
  std::vector<std::vector<float>> views;
  if (args.Given("angles")) {
    if (args.Given("views") || args.Given("jitter")) {
      throw UsageError("--angles replaces --views and --jitter; give one or the other");
    }
    for (double a : ParseAngles(args.Str("angles"))) {
      views.push_back({fractal3d::Radians(static_cast<float>(a))});
    }
  } else {
    const int n = args.Int("views");
    if (n < 1 || n > 3600) throw UsageError("--views must be in [1, 3600], got " + std::to_string(n));
    for (int k = 0; k < n; ++k) {
      views.push_back(recipe::FixedViewRotations(k, n, args.Double("jitter")));
    }
  }

  const std::vector<float> xyz = ReadCloud(cloud_path);
  MakeDirs(out);
  codec::EncodeOptions png;
  codec::Image image;
  for (size_t v = 0; v < views.size(); ++v) {
    const fractal3d::ViewTransform transform =
        fractal3d::PublishedView(fractal3d::Camera{}, views[v], raster.size, raster.size);
    fractal3d::ProjectPoints(xyz.data(), xyz.size() / 3, transform, raster, &image);
    char name[32];
    std::snprintf(name, sizeof(name), "view_%03zu.png", v);
    WriteFileAtomic(JoinPath(out, name),
                    codec::EncodeImage(image.pixels.data(), image.width, image.height,
                                       image.channels, png));
  }
  std::printf("project: %zu points, %zu views -> %s\n", xyz.size() / 3, views.size(), out.c_str());
  return 0;
}

}  // namespace synthub::cli
