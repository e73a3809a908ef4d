// The loader's flags, declared once for every command that runs a Loader
// (load, bench-load, pretrain, finetune, eval): one name and one meaning per
// flag, defaults taken from LoaderOptions, values parsed with the library's
// spellings (synthub/loader.h), and the library's field names in its errors
// mapped back to these flags.
#ifndef SYNTHUB_TOOLS_LOADER_FLAGS_H_
#define SYNTHUB_TOOLS_LOADER_FLAGS_H_

#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "synthub/error.h"
#include "synthub/loader.h"

namespace synthub::cli {

// The loader flags named in `only` (every one when empty), in one fixed
// order, with LoaderOptions' defaults. Throws on a name that is not one.
std::vector<FlagSpec> LoaderFlags(const std::vector<std::string>& only = {});

// Sets the fields of `o` whose flags `args`' command declares; the others
// keep their values. Throws UsageError naming the flag.
void FillLoaderOptions(const Args& args, LoaderOptions* o);

// A library message with its LoaderOptions field names ("batch_size must be
// >= 1") in the words of the command line ("--batch-size must be >= 1"):
// fields whose flag the command declares; text in quotes is left alone.
std::string WithFlagNames(const std::string& message, const Args& args);

// Runs `body`, rethrowing a UsageError with WithFlagNames.
template <class F>
auto MappingLoaderErrors(const Args& args, F body) -> decltype(body()) {
  try {
    return body();
  } catch (const UsageError& e) {
    throw UsageError(WithFlagNames(e.what(), args));
  }
}

// "MIN,MAX", "MIN..MAX" or "MIN" (MAX = 1) -> the crop's area fraction range.
void ParseScale(const std::string& value, double* min, double* max);

}  // namespace synthub::cli

#endif  // SYNTHUB_TOOLS_LOADER_FLAGS_H_
