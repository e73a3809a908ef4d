// One function per subcommand; each parses its flags, calls the library
// and prints. They return the exit code and throw Error / UsageError.
#ifndef SYNTHUB_TOOLS_COMMANDS_H_
#define SYNTHUB_TOOLS_COMMANDS_H_

#include <functional>
#include <string>

#include "util/mpi_world.h"

namespace synthub::cli {

int RunSearch(int argc, char** argv, World& world);
int RunGenerate(int argc, char** argv, World& world);
int RunVerify(int argc, char** argv);
int RunInspect(int argc, char** argv);
int RunIndex(int argc, char** argv);
int RunPack(int argc, char** argv);
int RunLoad(int argc, char** argv);
int RunBenchLoad(int argc, char** argv);
int RunPlot(int argc, char** argv);
int RunProject(int argc, char** argv);
// hub init | add | list | search | show | tag | token | materialize | serve | pull.
int RunHub(int argc, char** argv, World& world);
// pretrain | finetune | eval: in the synthub-train program (tools/train_main.cc),
// which `synthub` runs for them so that its other commands never load libtorch.
int RunTrainCommand(const std::string& cmd, int argc, char** argv, World& world);

// Runs one command and turns its exceptions into the messages and exit codes
// of every synthub program: UsageError -> 2, anything else -> 1.
int RunReportingErrors(const std::string& cmd, const std::function<int()>& body);

// "i/N" -> (i, N); throws UsageError naming the flag.
void ParsePart(const std::string& flag, const std::string& value, int* index, int* count);
// "A..B" (inclusive) -> (A, B).
void ParseIntRange(const std::string& flag, const std::string& value, int* lo, int* hi);

}  // namespace synthub::cli

#endif  // SYNTHUB_TOOLS_COMMANDS_H_
