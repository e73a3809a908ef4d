// synthub verify: re-hash every shard and walk every tar member.
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "generate/generator.h"
#include "shard/verify.h"
#include "synthub/error.h"

namespace synthub::cli {
namespace {

const CommandSpec kSpec = {
    "verify",
    "synthub verify DIR [--threads T]",
    "Checks every shard (and params.tar) of a dataset against manifest.json: size,\n"
    "SHA-256, every tar header checksum, the sample count, the end-of-archive blocks.\n"
    "Exits 1 naming each bad shard.",
    {{"threads", "0", "threads (0 = all cores)"}}};

}  // namespace

int RunVerify(int argc, char** argv) {
  Args args(kSpec, argc, argv);
  if (args.help()) {
    std::fputs(HelpText(kSpec).c_str(), stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError("expected one dataset folder");
  const int threads = args.Int("threads") > 0 ? args.Int("threads") : generate::DefaultThreads();
  const shard::VerifyReport r = shard::VerifyDataset(args.positional()[0], threads);
  for (const shard::VerifyProblem& p : r.problems) {
    std::printf("BAD %s: %s\n", p.file.c_str(), p.message.c_str());
  }
  std::printf("%s: %llu shards checked, %llu samples, %llu bytes, %zu problem(s)\n",
              args.positional()[0].c_str(), static_cast<unsigned long long>(r.shards_checked),
              static_cast<unsigned long long>(r.samples), static_cast<unsigned long long>(r.bytes),
              r.problems.size());
  return r.problems.empty() ? 0 : 1;
}

}  // namespace synthub::cli
