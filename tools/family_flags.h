// The generate flags of every family (tools/cmd_generate.cc): one section
// per family in family_flags.cc. A flag given for a family it does not
// apply to is a UsageError naming it.
#ifndef SYNTHUB_TOOLS_FAMILY_FLAGS_H_
#define SYNTHUB_TOOLS_FAMILY_FLAGS_H_

#include <string>
#include <vector>

#include "args.h"
#include "recipe/recipe.h"

namespace synthub::cli {

// Every family's flags, for generate's spec.
std::vector<FlagSpec> FamilyFlags();
// Applies the family flags given in `args` to *r (whose family is already
// set); throws UsageError for a flag of another family or a bad value.
void ApplyFamilyFlags(const Args& args, recipe::Recipe* r);

// "A,B" (or one number A: A,A) -> (A, B); throws UsageError naming the flag.
void ParseRealRange(const std::string& flag, const std::string& value, double* lo, double* hi);

}  // namespace synthub::cli

#endif  // SYNTHUB_TOOLS_FAMILY_FLAGS_H_
