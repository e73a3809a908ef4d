// Lower-case hex strings: the one set of predicates for SHA-256 digests,
// revision ids and id prefixes, and the one random hex generator (OpenSSL's
// CSPRNG) used for tokens and unique temporary names. Thread-safe.
#ifndef SYNTHUB_UTIL_HEX_H_
#define SYNTHUB_UTIL_HEX_H_

#include <cstddef>
#include <string>

namespace synthub {

// Only the digits 0-9a-f (an empty string qualifies; callers check sizes).
bool IsLowerHex(const std::string& s);

// Exactly 64 lower-case hex digits: a SHA-256 digest, so also a blob name
// and a full revision id (the SHA-256 of its manifest).
bool IsSha256Hex(const std::string& s);

// A revision id or a prefix of one that a reference may name: 8 to 64
// lower-case hex digits.
bool IsRevisionIdPrefix(const std::string& s);

// 2 * `bytes` lower-case hex digits from OpenSSL's RAND_bytes (a CSPRNG).
// Throws Error when OpenSSL has no randomness to give.
std::string RandomHex(size_t bytes);

}  // namespace synthub

#endif  // SYNTHUB_UTIL_HEX_H_
