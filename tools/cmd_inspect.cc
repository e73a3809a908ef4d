// synthub inspect: a dataset's summary and a contact sheet.
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "pack/inspect.h"
#include "synthub/error.h"

namespace synthub::cli {
namespace {

const CommandSpec kSpec = {
    "inspect",
    "synthub inspect DIR [--contact-sheet sheet.png]",
    "Prints the dataset's summary from its manifest; optionally writes a PNG grid of\n"
    "sample images, one row per class.",
    {{"contact-sheet", "", "write a PNG contact sheet to this path"},
     {"classes", "10", "rows (classes) in the contact sheet"},
     {"per-class", "8", "images per class"},
     {"thumb", "96", "thumbnail size in pixels"}}};

}  // namespace

int RunInspect(int argc, char** argv) {
  Args args(kSpec, argc, argv);
  if (args.positional().size() != 1) throw UsageError("expected one dataset folder");
  const std::string dir = args.positional()[0];
  std::fputs(pack::DatasetSummary(dir).c_str(), stdout);
  if (args.Given("contact-sheet")) {
    pack::WriteContactSheet(dir, args.Str("contact-sheet"), args.Int("classes"),
                                args.Int("per-class"), args.Int("thumb"));
    std::printf("contact sheet: %s\n", args.Str("contact-sheet").c_str());
  }
  return 0;
}

}  // namespace synthub::cli
