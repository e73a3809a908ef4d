#include "util/file.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synthub/error.h"

namespace synthub {
namespace {

TEST(ListDirectoryTest, SortedNamesAndFailurePolicy) {
  const std::string dir = "/tmp/synthub_file_test_" + std::to_string(::getpid());
  MakeDirs(JoinPath(dir, "sub"));
  WriteFileAtomic(JoinPath(dir, "b.txt"), "b");
  WriteFileAtomic(JoinPath(dir, ".hidden"), "h");
  WriteFileAtomic(JoinPath(dir, "a.txt"), "a");
  EXPECT_EQ(ListDirectory(dir), (std::vector<std::string>{".hidden", "a.txt", "b.txt", "sub"}));
  const std::string missing = JoinPath(dir, "missing");
  EXPECT_TRUE(ListDirectory(missing).empty());
  try {
    ListDirectory(missing, ListFailure::kThrow);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing + ": cannot list the folder"), std::string::npos)
        << e.what();
  }
  std::system(("rm -rf " + dir).c_str());
}

// An atomic write renames over its target: it refuses one that is not a
// regular file (as root, renaming over /dev/null replaces the device).
TEST(AtomicFileTest, RefusesToReplaceADeviceOrFolder) {
  EXPECT_THROW(AtomicFile("/dev/null"), Error);
  EXPECT_THROW(WriteFileAtomic("/tmp", "x"), Error);
  struct stat st;
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

}  // namespace
}  // namespace synthub
