// Python binding of synthub's loader (pybind11): batches come out as numpy
// arrays that own the loader's buffers (no copy); python/synthub/__init__.py
// wraps them as torch tensors when torch is importable.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>

#include "synthub/error.h"
#include "synthub/loader.h"

namespace py = pybind11;
using synthub::Batch;
using synthub::Loader;
using synthub::LoaderOptions;

namespace {

template <class T>
py::array Owned(std::vector<T>&& data, std::vector<py::ssize_t> shape) {
  auto* owner = new std::vector<T>(std::move(data));
  py::capsule base(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owner->data(), base);
}

LoaderOptions MakeOptions(const std::string& spec, py::kwargs kw) {
  LoaderOptions o;
  o.spec = spec;
  auto get = [&](const char* name, auto& field) {
    if (kw.contains(name)) field = kw[name].cast<std::decay_t<decltype(field)>>();
  };
  get("batch_size", o.batch_size);
  get("rank", o.rank);
  get("world_size", o.world_size);
  get("workers", o.workers);
  get("prefetch", o.prefetch);
  get("seed", o.seed);
  get("shuffle_buffer", o.shuffle_buffer);
  get("drop_last", o.drop_last);
  get("image_size", o.image_size);
  get("random_resized_crop", o.random_resized_crop);
  get("hflip", o.hflip);
  get("vflip", o.vflip);
  if (kw.contains("scale")) std::tie(o.scale_min, o.scale_max) = kw["scale"].cast<std::pair<double, double>>();
  if (kw.contains("ratio")) std::tie(o.ratio_min, o.ratio_max) = kw["ratio"].cast<std::pair<double, double>>();
  auto choice = [&](const char* name, std::vector<std::string> values) -> int {
    if (!kw.contains(name)) return -1;
    const std::string v = kw[name].cast<std::string>();
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] == v) return static_cast<int>(i);
    }
    throw synthub::UsageError(std::string(name) + ": unknown value '" + v + "'");
  };
  if (int c = choice("shuffle", {"none", "local", "global"}); c >= 0) o.shuffle = static_cast<synthub::ShuffleMode>(c);
  if (int c = choice("uneven", {"drop", "wrap", "pad"}); c >= 0) o.uneven = static_cast<synthub::UnevenPolicy>(c);
  if (int c = choice("on_error", {"error", "skip"}); c >= 0) o.on_error = static_cast<synthub::ErrorPolicy>(c);
  if (int c = choice("layout", {"u8", "f32"}); c >= 0) {
    o.layout = c == 0 ? synthub::OutputLayout::kUint8Nhwc : synthub::OutputLayout::kFloat32Nchw;
  }
  if (int c = choice("interpolation", {"bilinear", "bicubic"}); c >= 0) {
    o.interpolation = static_cast<synthub::Interpolation>(c);
  }
  for (const char* name : {"mean", "std"}) {
    if (!kw.contains(name)) continue;
    const auto v = kw[name].cast<std::vector<float>>();
    if (v.size() != 3) throw synthub::UsageError(std::string(name) + " needs 3 values");
    for (int c = 0; c < 3; ++c) (name[0] == 'm' ? o.mean : o.std)[c] = v[c];
  }
  return o;
}

}  // namespace

PYBIND11_MODULE(_synthub, m) {
  m.doc() = "synthub's streaming loader (C++)";
  py::register_exception<synthub::Error>(m, "Error", PyExc_RuntimeError);
  py::class_<Loader>(m, "_Loader")
      .def(py::init([](const std::string& spec, py::kwargs kw) {
             const LoaderOptions o = MakeOptions(spec, kw);
             py::gil_scoped_release release;
             return std::make_unique<Loader>(o);
           }),
           py::arg("spec"))
      .def("__len__", &Loader::BatchesPerEpoch)
      .def("samples_per_epoch", &Loader::SamplesPerEpoch)
      .def("total_samples", &Loader::TotalSamples)
      .def("num_classes", &Loader::num_classes)
      .def("set_epoch", &Loader::SetEpoch)
      .def("next_batch",
           [](Loader& self) -> py::object {
             Batch b;
             bool more;
             {
               py::gil_scoped_release release;
               more = self.Next(&b);
             }
             if (!more) return py::none();
             py::array images =
                 b.layout == synthub::OutputLayout::kFloat32Nchw
                     ? Owned(std::move(b.f32), {b.size, b.channels, b.height, b.width})
                     : Owned(std::move(b.u8), {b.size, b.height, b.width, b.channels});
             py::array labels = Owned(std::move(b.labels), {b.size});
             return py::make_tuple(images, labels, b.keys, b.epoch, b.index);
           })
      .def("state_dict",
           [](const Loader& self) {
             const synthub::LoaderState s = self.State();
             py::dict d;
             d["seed"] = s.seed;
             d["epoch"] = s.epoch;
             d["batches"] = s.batches;
             return d;
           })
      .def("load_state_dict",
           [](Loader& self, py::dict d) {
             synthub::LoaderState s;
             s.seed = d["seed"].cast<uint64_t>();
             s.epoch = d["epoch"].cast<uint64_t>();
             s.batches = d["batches"].cast<uint64_t>();
             self.Restore(s);
           })
      .def("stats", [](const Loader& self) {
        const synthub::LoaderStats s = self.Stats();
        py::dict d;
        d["read_s"] = s.read_s;
        d["decode_s"] = s.decode_s;
        d["augment_s"] = s.augment_s;
        d["collate_s"] = s.collate_s;
        d["wait_s"] = s.wait_s;
        d["samples"] = s.samples;
        d["batches"] = s.batches;
        d["bytes_read"] = s.bytes_read;
        d["files_opened"] = s.files_opened;
        d["skipped"] = s.skipped;
        d["mean_ready_batches"] = s.mean_ready_batches;
        return d;
      });
}
