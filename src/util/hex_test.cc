#include "util/hex.h"

#include <set>

#include <gtest/gtest.h>

namespace synthub {
namespace {

TEST(HexTest, Sha256AndRevisionIdPrefix) {
  const std::string id(64, 'a');
  EXPECT_TRUE(IsSha256Hex(id));
  EXPECT_TRUE(IsSha256Hex("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(65, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'A')));  // lower case only
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a') + "g"));
  EXPECT_TRUE(IsRevisionIdPrefix("deadbeef"));
  EXPECT_TRUE(IsRevisionIdPrefix(id));
  EXPECT_FALSE(IsRevisionIdPrefix("deadbee"));
  EXPECT_FALSE(IsRevisionIdPrefix("latest00"));
  EXPECT_FALSE(IsRevisionIdPrefix(id + "0"));
  EXPECT_TRUE(IsLowerHex(""));
  EXPECT_FALSE(IsLowerHex(std::string("ab\0c", 4)));
}

TEST(HexTest, RandomHexIsFreshHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string h = RandomHex(8);
    EXPECT_EQ(h.size(), 16u);
    EXPECT_TRUE(IsLowerHex(h));
    seen.insert(h);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_TRUE(IsSha256Hex(RandomHex(32)));
}

}  // namespace
}  // namespace synthub
