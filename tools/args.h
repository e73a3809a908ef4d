// A small declarative flag parser: each subcommand lists its flags with
// defaults and help; unknown or malformed flags are usage errors (exit 2).
// --help (or -h) anywhere prints the command's usage with every flag and its
// default to stdout and ends the command with exit 0 (HelpShown, below).
#ifndef SYNTHUB_TOOLS_ARGS_H_
#define SYNTHUB_TOOLS_ARGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace synthub::cli {

struct FlagSpec {
  std::string name;         // without the leading "--"
  std::string default_value;  // "" for none; "false" for switches
  std::string help;
  bool is_switch = false;   // takes no value
};

struct CommandSpec {
  std::string name;
  std::string usage;        // e.g. "synthub verify DIR"
  std::string summary;
  std::vector<FlagSpec> flags;
};

// Thrown by Args after it printed the help; RunReportingErrors (commands.h)
// turns it into exit 0, after the command's destructors (and MPI) ran.
struct HelpShown {};

// Sets the default of the flag `name` in `flags` (which must declare it).
void SetDefault(std::vector<FlagSpec>* flags, const std::string& name, const std::string& value);

class Args {
 public:
  // Parses argv[0..argc); throws UsageError, or prints the help and throws
  // HelpShown on --help / -h. Keeps a reference to `spec`: it must outlive this.
  Args(const CommandSpec& spec, int argc, char** argv);

  const CommandSpec& spec() const { return spec_; }
  bool Declares(const std::string& name) const;  // a flag of this command
  bool Given(const std::string& name) const;     // set on the command line
  std::string Str(const std::string& name) const;
  int Int(const std::string& name) const;
  int64_t Int64(const std::string& name) const;
  uint64_t U64(const std::string& name) const;
  double Double(const std::string& name) const;
  bool Switch(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  const FlagSpec& Spec(const std::string& name) const;
  const CommandSpec& spec_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

std::string HelpText(const CommandSpec& spec);

}  // namespace synthub::cli

#endif  // SYNTHUB_TOOLS_ARGS_H_
