// SHA-256 (OpenSSL's libcrypto), incremental. Not thread-safe per object.
#ifndef SYNTHUB_UTIL_SHA256_H_
#define SYNTHUB_UTIL_SHA256_H_

#include <string>
#include <string_view>

namespace synthub {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  std::string HexDigest();  // finishes; the object must not be updated again

 private:
  void* ctx_;
};

std::string Sha256Hex(std::string_view data);
// Hashes a file by streaming it; throws Error naming the path.
std::string Sha256File(const std::string& path, uint64_t* size = nullptr);

}  // namespace synthub

#endif  // SYNTHUB_UTIL_SHA256_H_
