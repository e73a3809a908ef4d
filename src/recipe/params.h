// Category parameters: the folder of NNNNN.csv files the search writes, the
// parameter file a dataset carries (params.ustar; params.tar in datasets of
// the old layout), and running the search for a generator.
#ifndef SYNTHUB_RECIPE_PARAMS_H_
#define SYNTHUB_RECIPE_PARAMS_H_

#include <functional>
#include <string>
#include <vector>

#include "fractal/ifs.h"
#include "fractal/search.h"

namespace synthub::shard {
class TarReader;
}

namespace synthub::recipe {

std::string ParamsFileName(int category);  // "00012.csv"

// Reads the members of a parameter archive from where `reader` stands to its
// end: they must be 00000.csv, 00001.csv, ... in order; calls each(text,
// where) for every one ("params.ustar:00012.csv"). Throws Error naming the
// archive for a member out of order. Every family's archive uses it.
void ForEachNumberedCsv(shard::TarReader& reader, const std::string& path,
                        const std::function<void(const std::string& text,
                                                 const std::string& where)>& each);

// Reads DIR/00000.csv .. (n-1).csv, calling each(text, path) for every one.
// With categories = 0, n is the number of NNNNN.csv files present (a gap is
// an error). Throws Error naming the folder or the first missing file.
void ForEachNumberedCsvInFolder(const std::string& dir, int categories,
                                const std::function<void(const std::string& text,
                                                         const std::string& where)>& each);

// Reads 00000.csv .. (n-1).csv. With categories = 0, n is the number of
// NNNNN.csv files present. Throws Error naming the first missing or bad file.
std::vector<fractal::Ifs> LoadParamsFolder(const std::string& dir, int categories);

// Writes the categories into a strict ustar file (NNNNN.csv members);
// returns its SHA-256.
std::string WriteParamsTar(const std::string& path, const std::vector<fractal::Ifs>& params);
std::vector<fractal::Ifs> ReadParamsTar(const std::string& path);

// Runs the search for categories [0, categories) in this process (numpy
// mode: sequential stream; keyed mode: all threads).
std::vector<fractal::Ifs> SearchAll(const fractal::SearchOptions& options, int categories,
                                    int threads, bool progress);

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_PARAMS_H_
