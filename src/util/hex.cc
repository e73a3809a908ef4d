#include "util/hex.h"

#include <openssl/rand.h>

#include "synthub/error.h"

namespace synthub {

constexpr size_t kSha256HexDigits = 64;
constexpr size_t kMinRevisionIdPrefix = 8;

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsSha256Hex(const std::string& s) { return s.size() == kSha256HexDigits && IsLowerHex(s); }

bool IsRevisionIdPrefix(const std::string& s) {
  return s.size() >= kMinRevisionIdPrefix && s.size() <= kSha256HexDigits && IsLowerHex(s);
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw Error("no random bytes from OpenSSL's RAND_bytes");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * bytes);
  for (unsigned char c : raw) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

}  // namespace synthub
