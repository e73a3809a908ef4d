#include "args.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "synthub/error.h"

namespace synthub::cli {

void SetDefault(std::vector<FlagSpec>* flags, const std::string& name, const std::string& value) {
  for (FlagSpec& f : *flags) {
    if (f.name == name) {
      f.default_value = value;
      return;
    }
  }
  SYNTHUB_CHECK(false && "SetDefault: no such flag");
}

Args::Args(const CommandSpec& spec, int argc, char** argv) : spec_(spec) {
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(HelpText(spec).c_str(), stdout);
      std::fflush(stdout);
      throw HelpShown{};
    }
  }
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagSpec& f = Spec(name);
    if (f.is_switch) {
      if (has_value && value != "true" && value != "false") {
        throw UsageError("--" + name + " takes no value");
      }
      values_[name] = has_value ? value : "true";
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
      value = argv[++i];
    }
    values_[name] = value;
  }
}

const FlagSpec& Args::Spec(const std::string& name) const {
  for (const FlagSpec& f : spec_.flags) {
    if (f.name == name) return f;
  }
  throw UsageError("unknown flag --" + name + " for '" + spec_.name + "'");
}

bool Args::Declares(const std::string& name) const {
  for (const FlagSpec& f : spec_.flags) {
    if (f.name == name) return true;
  }
  return false;
}

bool Args::Given(const std::string& name) const {
  Spec(name);
  return values_.count(name) > 0;
}

std::string Args::Str(const std::string& name) const {
  const FlagSpec& f = Spec(name);
  auto it = values_.find(name);
  return it != values_.end() ? it->second : f.default_value;
}

int64_t Args::Int64(const std::string& name) const {
  const std::string v = Str(name);
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno == ERANGE) {
    throw UsageError("--" + name + ": expected an integer, got '" + v + "'");
  }
  return x;
}

int Args::Int(const std::string& name) const {
  const int64_t x = Int64(name);
  if (x < -2147483647 || x > 2147483647) throw UsageError("--" + name + ": out of range");
  return static_cast<int>(x);
}

uint64_t Args::U64(const std::string& name) const {
  const std::string v = Str(name);
  char* end = nullptr;
  errno = 0;
  const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || v[0] == '-' || *end != '\0' || errno == ERANGE) {
    throw UsageError("--" + name + ": expected a non-negative integer, got '" + v + "'");
  }
  return x;
}

double Args::Double(const std::string& name) const {
  const std::string v = Str(name);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') {
    throw UsageError("--" + name + ": expected a number, got '" + v + "'");
  }
  return x;
}

bool Args::Switch(const std::string& name) const { return Str(name) == "true"; }

std::string HelpText(const CommandSpec& spec) {
  std::string out = "usage: " + spec.usage + "\n\n" + spec.summary + "\n\nflags:\n";
  for (const FlagSpec& f : spec.flags) {
    std::string left = "  --" + f.name + (f.is_switch ? "" : " V");
    if (left.size() < 26) left.resize(26, ' ');
    out += left + " " + f.help;
    if (!f.is_switch && !f.default_value.empty()) out += " (default: " + f.default_value + ")";
    if (f.is_switch && f.default_value == "true") out += " (default: on; --" + f.name + "=false turns it off)";
    out += "\n";
  }
  out += "  --help                   print this help and exit\n";
  return out;
}

int RunReportingErrors(const std::string& cmd, const std::function<int()>& body) {
  try {
    return body();
  } catch (const HelpShown&) {
    return 0;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "synthub: %s\n", e.what());
    std::fprintf(stderr, "run 'synthub %s --help' for usage\n", cmd == "--help" ? "" : cmd.c_str());
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "synthub: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "synthub: internal error: %s\n", e.what());
    return 1;
  }
}

}  // namespace synthub::cli
