#include "recipe/params.h"

#include <cstdio>
#include <set>

#include "shard/tar_reader.h"
#include "shard/tar_writer.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/parallel.h"
#include "util/progress.h"

namespace synthub::recipe {

std::string ParamsFileName(int category) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%05d.csv", category);
  return buf;
}

void ForEachNumberedCsvInFolder(const std::string& dir, int categories,
                                const std::function<void(const std::string& text,
                                                         const std::string& where)>& each) {
  if (!IsDirectory(dir)) throw Error(dir + ": parameter folder not found");
  if (categories <= 0) {
    std::set<int> present;
    for (const std::string& name : ListDirectory(dir, ListFailure::kThrow)) {
      if (name.size() == 9 && name.compare(5, 4, ".csv") == 0 &&
          name.find_first_not_of("0123456789") == 5) {
        present.insert(std::stoi(name.substr(0, 5)));
      }
    }
    if (present.empty()) throw Error(dir + ": no NNNNN.csv parameter files");
    categories = *present.rbegin() + 1;
    for (int i = 0; i < categories; ++i) {
      if (!present.count(i)) {
        throw Error(JoinPath(dir, ParamsFileName(i)) + ": missing (the folder has a gap; "
                    "categories must be numbered 0.." + std::to_string(categories - 1) + ")");
      }
    }
  }
  for (int i = 0; i < categories; ++i) {
    const std::string path = JoinPath(dir, ParamsFileName(i));
    if (!PathExists(path)) throw Error(path + ": missing parameter file");
    each(ReadFile(path), path);
  }
}

std::vector<fractal::Ifs> LoadParamsFolder(const std::string& dir, int categories) {
  std::vector<fractal::Ifs> params;
  ForEachNumberedCsvInFolder(dir, categories, [&](const std::string& text, const std::string& where) {
    params.push_back(fractal::ParseIfsCsv(text, where));
  });
  return params;
}

std::string WriteParamsTar(const std::string& path, const std::vector<fractal::Ifs>& params) {
  shard::TarWriter tar(path);
  for (size_t i = 0; i < params.size(); ++i) {
    tar.AddFile(ParamsFileName(static_cast<int>(i)), fractal::FormatIfsCsv(params[i]));
  }
  tar.Finish();
  return tar.sha256();
}

void ForEachNumberedCsv(shard::TarReader& reader, const std::string& path,
                        const std::function<void(const std::string& text,
                                                 const std::string& where)>& each) {
  shard::TarEntry e;
  for (int i = 0; reader.Next(&e); ++i) {
    if (e.name != ParamsFileName(i)) {
      throw Error(path + ": expected member " + ParamsFileName(i) + ", found '" + e.name + "'");
    }
    each(e.data, path + ":" + e.name);
  }
}

std::vector<fractal::Ifs> ReadParamsTar(const std::string& path) {
  shard::TarReader reader(path);
  std::vector<fractal::Ifs> params;
  ForEachNumberedCsv(reader, path, [&](const std::string& text, const std::string& where) {
    params.push_back(fractal::ParseIfsCsv(text, where));
  });
  return params;
}

std::vector<fractal::Ifs> SearchAll(const fractal::SearchOptions& o, int categories,
                                    int threads, bool progress) {
  if (categories < 0) throw UsageError("--categories must be >= 0");
  std::vector<fractal::Ifs> params(categories);
  Progress bar("search", categories, "categories", progress);
  if (o.mode == fractal::SearchMode::kNumpy) {
    fractal::SearchNumpy(o, categories, threads, [&](int c, const fractal::Ifs& ifs, uint64_t) {
      params[c] = ifs;
      bar.Add(1);
    });
    return params;
  }
  ParallelFor(categories, threads, [&](size_t c) {
    params[c] = fractal::SearchKeyed(o, static_cast<int>(c), nullptr);
    bar.Add(1);
  });
  return params;
}

}  // namespace synthub::recipe
