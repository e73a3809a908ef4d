// A small declarative flag parser: each subcommand lists its flags with
// defaults and help; unknown or malformed flags are usage errors (exit 2).
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

class Args {
 public:
  // Parses argv[0..argc); throws UsageError. `help` is set on --help/-h.
  Args(const CommandSpec& spec, int argc, char** argv);

  bool help() const { return help_; }
  bool Given(const std::string& name) const;  // set on the command line
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
  bool help_ = false;
};

std::string HelpText(const CommandSpec& spec);

}  // namespace synthub::cli

#endif  // SYNTHUB_TOOLS_ARGS_H_
