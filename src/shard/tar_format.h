// POSIX ustar constants (IEEE 1003.1-1988) as synthub writes them.
#ifndef SYNTHUB_SHARD_TAR_FORMAT_H_
#define SYNTHUB_SHARD_TAR_FORMAT_H_

#include <cstdint>

namespace synthub::shard {

constexpr int kBlockSize = 512;
constexpr int kMaxNameLength = 99;      // name field is 100 bytes incl. NUL
constexpr uint64_t kMaxMemberSize = 077777777777ull;  // 11 octal digits
constexpr uint32_t kFixedMtime = 0;     // every member: mtime 0, uid/gid 0
constexpr uint32_t kFileMode = 0644;

// Header field offsets and lengths.
constexpr int kNameOff = 0, kNameLen = 100;
constexpr int kModeOff = 100, kUidOff = 108, kGidOff = 116;
constexpr int kSizeOff = 124, kSizeLen = 12;
constexpr int kMtimeOff = 136;
constexpr int kChksumOff = 148, kChksumLen = 8;
constexpr int kTypeOff = 156;
constexpr int kLinkOff = 157;
constexpr int kMagicOff = 257;          // "ustar\0" + "00" (POSIX)
constexpr int kUnameOff = 265, kGnameOff = 297;
constexpr int kDevMajorOff = 329, kDevMinorOff = 337;
constexpr int kPrefixOff = 345, kPrefixLen = 155;

}  // namespace synthub::shard

#endif  // SYNTHUB_SHARD_TAR_FORMAT_H_
