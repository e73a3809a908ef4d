#include "hub/http_range.h"

#include <gtest/gtest.h>

namespace synthub::hub {
namespace {

TEST(HttpRangeTest, NoHeaderIsTheWholeFile) {
  const ByteRange r = ResolveRange("", 100);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.begin, 0u);
  EXPECT_EQ(r.length, 100u);
  EXPECT_EQ(r.content_range, "");
}

TEST(HttpRangeTest, ClosedOpenAndSuffixRanges) {
  ByteRange r = ResolveRange("bytes=10-19", 100);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.begin, 10u);
  EXPECT_EQ(r.length, 10u);
  EXPECT_EQ(r.content_range, "bytes 10-19/100");
  r = ResolveRange("bytes=90-", 100);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.length, 10u);
  EXPECT_EQ(r.content_range, "bytes 90-99/100");
  r = ResolveRange("bytes=-5", 100);
  EXPECT_EQ(r.begin, 95u);
  EXPECT_EQ(r.length, 5u);
  r = ResolveRange("bytes=-500", 100);  // longer than the file: all of it
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.begin, 0u);
  EXPECT_EQ(r.length, 100u);
  r = ResolveRange("bytes=99-99", 100);
  EXPECT_EQ(r.length, 1u);
}

TEST(HttpRangeTest, EndPastTheFileIsClipped) {
  const ByteRange r = ResolveRange("bytes=50-1000", 100);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.length, 50u);
  EXPECT_EQ(r.content_range, "bytes 50-99/100");
}

TEST(HttpRangeTest, UnsatisfiableIs416) {
  for (const char* h : {"bytes=100-", "bytes=100-200", "bytes=-0", "bytes=999999999999-"}) {
    const ByteRange r = ResolveRange(h, 100);
    EXPECT_EQ(r.status, 416) << h;
    EXPECT_EQ(r.content_range, "bytes */100") << h;
  }
  EXPECT_EQ(ResolveRange("bytes=0-", 0).status, 416);
  EXPECT_EQ(ResolveRange("bytes=-1", 0).status, 416);
}

TEST(HttpRangeTest, InvalidOrMultipleRangesGetTheWholeFile) {
  for (const char* h : {"bytes=5-3", "items=0-1", "bytes=a-b", "bytes=0-1,5-6", "bytes=", "bytes=-",
                        "bytes=1", "bytes=-1-2", "bytes=99999999999999999999-"}) {
    const ByteRange r = ResolveRange(h, 100);
    EXPECT_EQ(r.status, 200) << h;
    EXPECT_EQ(r.length, 100u) << h;
  }
}

}  // namespace
}  // namespace synthub::hub
