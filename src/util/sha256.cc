#include "util/sha256.h"

#include <cerrno>
#include <cstdio>
#include <openssl/evp.h>

#include "synthub/error.h"
#include "util/file.h"

namespace synthub {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  SYNTHUB_CHECK(ctx_ != nullptr);
  SYNTHUB_CHECK(EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(),
                                  nullptr) == 1);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::Update(const void* data, size_t size) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size);
}

std::string Sha256::HexDigest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string hex(len * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kHex[md[i] >> 4];
    hex[2 * i + 1] = kHex[md[i] & 15];
  }
  return hex;
}

std::string Sha256Hex(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.HexDigest();
}

std::string Sha256File(const std::string& path, uint64_t* size) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open: " + ErrnoText(errno));
  Sha256 h;
  static thread_local char buf[1 << 20];
  uint64_t total = 0;
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) {
    h.Update(buf, n);
    total += n;
  }
  bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) throw Error(path + ": read error");
  if (size) *size = total;
  return h.HexDigest();
}

}  // namespace synthub
