// Python binding of synthub's loader (pybind11): batches come out as numpy
// arrays that own the loader's buffers (no copy); python/synthub/__init__.py
// wraps them as torch tensors when torch is importable.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

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

// A batch's image buffer lent to Python: the base object of the numpy array
// (and so of every view and torch.from_numpy tensor of it). When the last of
// them is released, the buffer goes back to the loader's pool
// (Loader::Recycle) for a later batch, or is freed if the loader is gone.
// Until then the loader never writes to it. Released with the GIL held, as
// every Python object.
struct LentImages {
  std::weak_ptr<Loader> loader;
  Batch batch;  // its f32 or u8 only
};

py::array LendImages(const std::shared_ptr<Loader>& loader, Batch& b) {
  auto* lent = new LentImages{loader, {}};
  lent->batch.f32.swap(b.f32);
  lent->batch.u8.swap(b.u8);
  py::capsule base(lent, [](void* p) {
    auto* lent = static_cast<LentImages*>(p);
    if (const std::shared_ptr<Loader> owner = lent->loader.lock()) {
      try {
        owner->Recycle(std::move(lent->batch));
      } catch (...) {  // a release never raises: the buffer is freed instead
      }
    }
    delete lent;
  });
  const Batch& k = lent->batch;
  if (b.layout == synthub::OutputLayout::kFloat32Nchw) {
    return py::array_t<float>({b.size, b.channels, b.height, b.width}, k.f32.data(), base);
  }
  return py::array_t<uint8_t>({b.size, b.height, b.width, b.channels}, k.u8.data(), base);
}

// The keywords of synthub.Loader: LoaderOptions' fields (scale and ratio as
// (min, max) pairs); the enums take the library's spellings.
const char* const kKeywords[] = {
    "batch_size", "rank", "world_size", "workers", "prefetch", "seed", "shuffle",
    "shuffle_buffer", "uneven", "drop_last", "on_error", "image_size", "random_resized_crop",
    "scale", "ratio", "hflip", "vflip", "interpolation", "layout", "mean", "std",
    "rand_augment", "color_jitter", "random_erasing", "one_view_per_category", "nice"};

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// A typo must not train silently with a default: TypeError, as Python's own
// functions, with the nearest keyword.
void RejectUnknownKeywords(const py::kwargs& kw) {
  for (const auto& item : kw) {
    const std::string key = py::str(item.first);
    std::string nearest;
    size_t best = 3;  // suggest only close ones
    bool known = false;
    for (const char* k : kKeywords) {
      if (key == k) known = true;
      const size_t d = EditDistance(key, k);
      if (d < best) best = d, nearest = k;
    }
    if (known) continue;
    std::string all;
    for (const char* k : kKeywords) all += (all.empty() ? "" : ", ") + std::string(k);
    throw py::type_error("Loader() got an unexpected keyword argument '" + key + "'" +
                         (nearest.empty() ? "" : " (did you mean '" + nearest + "'?)") +
                         "; the keywords are: as_numpy, with_keys, " + all);
  }
}

LoaderOptions MakeOptions(const std::string& spec, const py::kwargs& kw) {
  RejectUnknownKeywords(kw);
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
  get("nice", o.nice);
  get("seed", o.seed);
  get("shuffle_buffer", o.shuffle_buffer);
  get("drop_last", o.drop_last);
  get("image_size", o.image_size);
  get("random_resized_crop", o.random_resized_crop);
  get("hflip", o.hflip);
  get("vflip", o.vflip);
  get("rand_augment", o.rand_augment);
  get("color_jitter", o.color_jitter);
  get("random_erasing", o.random_erasing);
  get("one_view_per_category", o.one_view_per_category);
  if (kw.contains("scale")) std::tie(o.scale_min, o.scale_max) = kw["scale"].cast<std::pair<double, double>>();
  if (kw.contains("ratio")) std::tie(o.ratio_min, o.ratio_max) = kw["ratio"].cast<std::pair<double, double>>();
  auto text = [&](const char* name) { return kw[name].cast<std::string>(); };
  if (kw.contains("shuffle")) o.shuffle = synthub::ParseShuffleMode(text("shuffle"));
  if (kw.contains("uneven")) o.uneven = synthub::ParseUnevenPolicy(text("uneven"));
  if (kw.contains("on_error")) o.on_error = synthub::ParseErrorPolicy(text("on_error"));
  if (kw.contains("layout")) o.layout = synthub::ParseOutputLayout(text("layout"));
  if (kw.contains("interpolation")) o.interpolation = synthub::ParseInterpolation(text("interpolation"));
  for (const char* name : {"mean", "std"}) {
    if (!kw.contains(name)) continue;
    const auto v = kw[name].cast<std::vector<float>>();
    if (v.size() != 3) throw synthub::UsageError(std::string(name) + " needs 3 values");
    for (int c = 0; c < 3; ++c) (name[0] == 'm' ? o.mean : o.std)[c] = v[c];
  }
  return o;
}

// {keyword: choices} of the enum keywords, from the library's tables.
py::dict Choices() {
  py::dict d;
  d["shuffle"] = synthub::ShuffleModeNames();
  d["uneven"] = synthub::UnevenPolicyNames();
  d["on_error"] = synthub::ErrorPolicyNames();
  d["layout"] = synthub::OutputLayoutNames();
  d["interpolation"] = synthub::InterpolationNames();
  return d;
}

}  // namespace

PYBIND11_MODULE(_synthub, m) {
  m.doc() = "synthub's streaming loader (C++)";
  py::register_exception<synthub::Error>(m, "Error", PyExc_RuntimeError);
  m.attr("KEYWORDS") = std::vector<std::string>(std::begin(kKeywords), std::end(kKeywords));
  m.attr("CHOICES") = Choices();
  py::class_<Loader, std::shared_ptr<Loader>>(m, "_Loader")
      .def(py::init([](const std::string& spec, py::kwargs kw) {
             const LoaderOptions o = MakeOptions(spec, kw);
             py::gil_scoped_release release;
             return std::make_shared<Loader>(o);
           }),
           py::arg("spec"))
      .def("__len__", &Loader::BatchesPerEpoch)
      .def("samples_per_epoch", &Loader::SamplesPerEpoch)
      .def("total_samples", &Loader::TotalSamples)
      .def("num_classes", &Loader::num_classes)
      .def("set_epoch", &Loader::SetEpoch)
      .def("next_batch",
           // No copy and no conversion: the arrays own the loader's buffers
           // (the images' one goes back to the loader when released).
           [](const std::shared_ptr<Loader>& self) -> py::object {
             Batch b;
             bool more;
             {
               py::gil_scoped_release release;
               more = self->Next(&b);
             }
             if (!more) return py::none();
             py::array images = LendImages(self, b);
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
        d["buffers_reused"] = s.buffers_reused;
        return d;
      });
}
