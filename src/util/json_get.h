// Checked field access for nlohmann::json, for parsers of outside input:
// a missing field, a wrong type, a fraction where an integer belongs or a
// number out of range is an Error naming the field — never a silent
// conversion or undefined behaviour. Include only from .cc files.
#ifndef SYNTHUB_UTIL_JSON_GET_H_
#define SYNTHUB_UTIL_JSON_GET_H_

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "synthub/error.h"

namespace synthub {

template <class T>
T JsonGet(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected a JSON object around '" + key + "'");
  auto it = j.find(key);
  if (it == j.end()) throw Error(where + ": missing field '" + key + "'");
  const nlohmann::json& v = *it;
  const std::string field = where + ": field '" + key + "'";
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) throw Error(field + " must be true or false");
    return v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!v.is_number_integer()) throw Error(field + " must be an integer");
    if (v.is_number_unsigned()) {
      const auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) throw Error(field + " is out of range");
      return static_cast<T>(u);
    }
    const auto s = v.get<int64_t>();
    if (s < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        (s > 0 && static_cast<uint64_t>(s) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
      throw Error(field + " is out of range");
    }
    return static_cast<T>(s);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) throw Error(field + " must be a number");
    return v.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) throw Error(field + " must be a string");
    return v.get<std::string>();
  } else {
    try {
      return v.get<T>();
    } catch (const nlohmann::json::exception& e) {
      throw Error(field + " has the wrong type: " + e.what());
    }
  }
}

}  // namespace synthub

#endif  // SYNTHUB_UTIL_JSON_GET_H_
