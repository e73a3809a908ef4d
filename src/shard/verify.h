// Checks a dataset folder against its manifest: every shard's size and
// SHA-256, every tar header, the sample count (webdataset grouping) and the
// end-of-archive blocks; the manifest's other files by size and SHA-256.
#ifndef SYNTHUB_SHARD_VERIFY_H_
#define SYNTHUB_SHARD_VERIFY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace synthub::shard {

struct VerifyProblem {
  std::string file;     // shard or file name
  std::string message;  // what is wrong
};

struct VerifyReport {
  uint64_t shards_checked = 0;
  uint64_t samples = 0;
  uint64_t bytes = 0;
  std::vector<VerifyProblem> problems;  // empty: the dataset is intact
};

// Throws Error only when the manifest itself is missing or unreadable.
VerifyReport VerifyDataset(const std::string& dir, int threads);

// Samples in one shard by the loader's grouping (shard/sample_group.h), data
// read in full; throws Error on a corrupt tar or an extension repeated
// within a sample.
uint64_t CountSamples(const std::string& path, bool* saw_end);

}  // namespace synthub::shard

#endif  // SYNTHUB_SHARD_VERIFY_H_
