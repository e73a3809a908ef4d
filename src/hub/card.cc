#include "hub/card.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "synthub/error.h"

namespace synthub::hub {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxFrontMatter = 64 * 1024;

struct Line {
  int number;
  std::string text;
};

// Splits off the front matter lines; returns false when there is none.
bool SplitFrontMatter(const std::string& md, std::vector<Line>* lines, size_t* body_start,
                      const std::string& where) {
  auto line_end = [&](size_t pos) {
    const size_t nl = md.find('\n', pos);
    return nl == std::string::npos ? md.size() : nl;
  };
  auto trimmed = [&](size_t pos, size_t end) {
    std::string s = md.substr(pos, end - pos);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  };
  size_t end = line_end(0);
  if (trimmed(0, end) != "---") return false;
  size_t pos = end + 1;
  int number = 2;
  while (pos <= md.size()) {
    end = line_end(pos);
    const std::string s = trimmed(pos, end);
    if (s == "---" || s == "...") {
      *body_start = std::min(md.size(), end + 1);
      return true;
    }
    if (pos > kMaxFrontMatter) throw Error(where + ": front matter over 64 KiB");
    if (lines) lines->push_back({number, s});
    if (end >= md.size()) break;
    pos = end + 1;
    ++number;
  }
  throw Error(where + ": front matter not closed by a '---' line");
}

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

json ParsePlain(const std::string& text) {
  if (text == "true" || text == "True") return true;
  if (text == "false" || text == "False") return false;
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  // Numbers: [-+]digits[.digits][e[-+]digits]
  size_t i = 0;
  if (text[i] == '-' || text[i] == '+') ++i;
  const size_t digits_start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  bool is_number = i > digits_start, is_int = true;
  if (is_number && i < text.size() && text[i] == '.') {
    is_int = false;
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  }
  if (is_number && i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    is_int = false;
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    const size_t exp_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == exp_start) is_number = false;
  }
  if (is_number && i == text.size()) {
    errno = 0;
    if (is_int) {
      const long long v = std::strtoll(text.c_str(), nullptr, 10);
      if (errno != ERANGE) return v;
    } else {
      const double v = std::strtod(text.c_str(), nullptr);
      if (errno != ERANGE) return v;
    }
  }
  return text;
}

// One scalar: the rest of a line after "key:" or "- ".
json ParseScalar(const std::string& raw, const std::string& at) {
  const std::string s = Trim(raw);
  if (s.empty()) return nullptr;
  if (s[0] == '"') {
    try {
      return json::parse(s).get<std::string>();  // a JSON string is a YAML double-quoted one
    } catch (const json::exception&) {
      // A trailing comment after the closing quote.
      const size_t hash = s.rfind(" #");
      if (hash != std::string::npos) return ParseScalar(s.substr(0, hash), at);
      throw Error(at + ": bad double-quoted string");
    }
  }
  if (s[0] == '\'') {
    std::string out;
    size_t i = 1;
    for (; i < s.size(); ++i) {
      if (s[i] == '\'') {
        if (i + 1 < s.size() && s[i + 1] == '\'') {
          out += '\'';
          ++i;
          continue;
        }
        break;
      }
      out += s[i];
    }
    if (i >= s.size()) throw Error(at + ": single-quoted string not closed");
    const std::string rest = Trim(s.substr(i + 1));
    if (!rest.empty() && rest[0] != '#') throw Error(at + ": text after a quoted string");
    return out;
  }
  if (s[0] == '[') {
    const size_t close = s.find(']');
    if (close == std::string::npos) throw Error(at + ": flow list not closed on its line");
    const std::string rest = Trim(s.substr(close + 1));
    if (!rest.empty() && rest[0] != '#') throw Error(at + ": text after a flow list");
    json list = json::array();
    std::stringstream items(s.substr(1, close - 1));
    std::string item;
    while (std::getline(items, item, ',')) {
      if (!Trim(item).empty()) list.push_back(ParseScalar(item, at));
    }
    return list;
  }
  if (s[0] == '{' || s[0] == '&' || s[0] == '*' || s[0] == '!' || s[0] == '|' || s[0] == '>') {
    throw Error(at + ": '" + std::string(1, s[0]) + "' (flow maps, anchors, tags, block strings) is not supported");
  }
  std::string text = s;
  const size_t hash = text.find(" #");
  if (hash != std::string::npos) text = Trim(text.substr(0, hash));
  return ParsePlain(text);
}

// "key: rest" -> key, rest; throws when the line is not of that form.
void SplitKey(const std::string& s, std::string* key, std::string* rest, const std::string& at) {
  const size_t colon = s.find(':');
  if (colon == std::string::npos || colon == 0) throw Error(at + ": expected 'key: value'");
  *key = s.substr(0, colon);
  for (char c : *key) {
    if (!IsKeyChar(c)) throw Error(at + ": bad key '" + *key + "' (use letters, digits, '_', '-', '.')");
  }
  *rest = s.substr(colon + 1);
  if (!rest->empty() && (*rest)[0] != ' ' && (*rest)[0] != '\t') throw Error(at + ": expected a space after ':'");
}

std::string Quote(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A map entry's value; in a flow list, commas and ']' inside strings are
// escaped (\u002c, \u005d) so that the line splits back into the same items.
std::string QuoteValue(const json& v) {
  if (!v.is_array()) return Quote(v);
  std::string out = "[";
  for (const json& item : v) {
    if (out.size() > 1) out += ", ";
    for (char c : Quote(item)) out += c == ',' ? "\\u002c" : c == ']' ? "\\u005d" : std::string(1, c);
  }
  return out + "]";
}

std::string Format(const json& v) {
  std::ostringstream out;
  if (v.is_number_float()) {
    out << v.get<double>();
  } else if (v.is_string()) {
    out << v.get<std::string>();
  } else {
    out << v.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return out.str();
}

std::string Table(const json& object) {
  std::string t = "| setting | value |\n|---|---|\n";
  for (auto it = object.begin(); it != object.end(); ++it) t += "| " + it.key() + " | " + Format(*it) + " |\n";
  return t;
}

}  // namespace

json ParseFrontMatter(const std::string& markdown, const std::string& where) {
  std::vector<Line> lines;
  size_t body = 0;
  json out = json::object();
  if (!SplitFrontMatter(markdown, &lines, &body, where)) return out;
  std::string container;  // the key whose indented entries follow
  for (const Line& line : lines) {
    const std::string at = where + ":" + std::to_string(line.number);
    const std::string& s = line.text;
    const std::string t = Trim(s);
    if (t.empty() || t[0] == '#') continue;
    if (s.substr(0, s.find_first_not_of(" \t")).find('\t') != std::string::npos) {
      throw Error(at + ": tab indentation");
    }
    const size_t indent = s.find_first_not_of(' ');
    if (t[0] == '-' && (t.size() == 1 || t[1] == ' ')) {  // a list item
      if (container.empty()) throw Error(at + ": list item without a 'key:' line above");
      json& c = out[container];
      if (c.is_null()) c = json::array();
      if (!c.is_array()) throw Error(at + ": list item inside a map");
      const json v = ParseScalar(t.substr(1), at);
      if (v.is_array()) throw Error(at + ": nested lists are not supported");
      c.push_back(v);
      continue;
    }
    std::string key, rest;
    SplitKey(t, &key, &rest, at);
    if (indent == 0) {
      if (out.contains(key)) throw Error(at + ": key '" + key + "' repeated");
      const std::string value = Trim(rest);
      if (value.empty() || value[0] == '#') {
        out[key] = nullptr;  // a map or a list follows (or null)
        container = key;
      } else {
        out[key] = ParseScalar(rest, at);
        container.clear();
      }
      continue;
    }
    if (container.empty()) throw Error(at + ": indented line without a 'key:' line above");
    json& c = out[container];
    if (c.is_null()) c = json::object();
    if (!c.is_object()) throw Error(at + ": map entry inside a list");
    if (c.contains(key)) throw Error(at + ": key '" + key + "' repeated");
    const std::string value = Trim(rest);
    if (value.empty() || value[0] == '#') throw Error(at + ": nesting deeper than one level is not supported");
    c[key] = ParseScalar(rest, at);
  }
  return out;
}

std::string CardBody(const std::string& markdown) {
  size_t body = 0;
  try {
    if (!SplitFrontMatter(markdown, nullptr, &body, "card")) return markdown;
  } catch (const Error&) {
    return markdown;
  }
  return markdown.substr(body);
}

std::string RenderCard(const json& fields, const std::string& body) {
  std::string out = "---\n";
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    const json& v = *it;
    if (v.is_object()) {
      out += it.key() + ":\n";
      for (auto sub = v.begin(); sub != v.end(); ++sub) out += "  " + sub.key() + ": " + QuoteValue(*sub) + "\n";
    } else if (v.is_array() && v.empty()) {
      out += it.key() + ": []\n";  // no items would read back as null
    } else if (v.is_array()) {
      out += it.key() + ":\n";
      for (const json& item : v) out += "- " + Quote(item) + "\n";
    } else {
      out += it.key() + ": " + Quote(v) + "\n";
    }
  }
  return out + "---\n" + body;
}

std::string DefaultCard(const std::string& kind, const std::string& name, const json& meta) {
  json fields = json::object();
  for (const char* key : {"license", "architecture", "dataset", "base_model", "num_classes", "num_samples",
                          "recipe_sha256", "params_sha256", "hyperparameters", "results"}) {
    if (meta.contains(key) && !meta[key].is_null()) fields[key] = meta[key];
  }
  fields["library"] = "synthub";
  std::string body = "\n# " + name + "\n\n";
  if (kind == "dataset") {
    body += "A synthetic image dataset in WebDataset shards (`<key>.<image>` + `<key>.cls`), "
            "published with synthub.";
    if (meta.value("regenerable", false)) {
      body += " It was generated from a recipe (formula-driven, FractalDB): "
              "`synthub hub materialize " + name + "@<rev> --regenerate` rebuilds every shard "
              "locally and checks it against the published SHA-256.";
    }
    body += "\n\n";
    if (meta.contains("num_samples")) {
      body += "- samples: " + Format(meta["num_samples"]) + "\n";
    }
    if (meta.contains("num_classes")) body += "- classes: " + Format(meta["num_classes"]) + "\n";
    if (meta.contains("recipe") && meta["recipe"].is_object()) {
      body += "\n## Recipe\n\n" + Table(meta["recipe"]);
    }
    body += "\n![contact sheet](preview.png)\n";
  } else {
    body += "A Vision Transformer";
    if (meta.contains("architecture")) body += " (`" + Format(meta["architecture"]) + "`)";
    body += " trained with synthub; weights in `model.safetensors` (timm names), "
            "configuration in `config.json`.\n";
    body += "\n## Lineage\n\n";
    body += "- pre-training dataset: " + (meta.contains("dataset") ? Format(meta["dataset"]) : "unknown") + "\n";
    body += "- fine-tuned from: " + (meta.contains("base_model") ? Format(meta["base_model"]) : "none") + "\n";
    if (meta.contains("hyperparameters") && meta["hyperparameters"].is_object()) {
      body += "\n## Training\n\n" + Table(meta["hyperparameters"]);
    }
    if (meta.contains("results") && meta["results"].is_object()) {
      body += "\n## Results\n\n" + Table(meta["results"]);
    }
    if (meta.contains("curves")) body += "\n![training curves](curves.svg)\n";
  }
  return RenderCard(fields, body);
}

}  // namespace synthub::hub
