#include "recipe/params_cache.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "fractal/ifs.h"
#include "recipe/small_recipe_test_util.h"
#include "util/file.h"
#include "util/test_util.h"

namespace synthub::recipe {
namespace {

using test::SmallRecipe;

std::string Csvs(const CategoryParams& p) {
  std::string s;
  for (const fractal::Ifs& ifs : p.ifs) s += fractal::FormatIfsCsv(ifs);
  return s;
}

TEST(ParamsCacheTest, SearchesOnceThenReads) {
  test::TempDir tmp;
  ParamsCacheOptions o;
  o.cache = tmp.File("cache");
  bool made = false;
  const CategoryParams first = CachedParams(SmallRecipe(), o, &made);
  EXPECT_TRUE(made);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(Csvs(first), Csvs(FamilyOf(SmallRecipe()).MakeParams(SmallRecipe(), 1, false)));
  const CategoryParams again = CachedParams(SmallRecipe(), o, &made);
  EXPECT_FALSE(made);
  EXPECT_EQ(Csvs(again), Csvs(first));
  // Another recipe is another entry.
  Recipe other = SmallRecipe();
  other.seed += 1;
  CachedParams(other, o, &made);
  EXPECT_TRUE(made);
  EXPECT_EQ(ListDirectory(o.cache + "/params").size(), 4u);  // 2 archives, 2 lock files
}

TEST(ParamsCacheTest, ACorruptEntryIsMadeAnewAndSharedTiersAreReadFirst) {
  test::TempDir tmp;
  ParamsCacheOptions o;
  o.cache = tmp.File("user");
  const CategoryParams want = CachedParams(SmallRecipe(), o);
  std::string archive;
  for (const std::string& f : ListDirectory(o.cache + "/params")) {
    if (f.size() > 6 && f.substr(f.size() - 6) == ".ustar") archive = o.cache + "/params/" + f;
  }
  ASSERT_FALSE(archive.empty());
  WriteFileAtomic(archive, "not a tar");
  bool made = false;
  EXPECT_EQ(Csvs(CachedParams(SmallRecipe(), o, &made)), Csvs(want));
  EXPECT_TRUE(made);
  // A read-only tier holding it: read from there, the user tier untouched.
  ParamsCacheOptions shared;
  shared.cache = tmp.File("user2");
  shared.shared_caches = {o.cache};
  EXPECT_EQ(Csvs(CachedParams(SmallRecipe(), shared, &made)), Csvs(want));
  EXPECT_FALSE(made);
  EXPECT_FALSE(PathExists(tmp.File("user2")));
  // A cache that cannot be written: still the categories.
  ParamsCacheOptions bad;
  bad.cache = "/proc/synthub-cannot-write";
  EXPECT_EQ(Csvs(CachedParams(SmallRecipe(), bad, &made)), Csvs(want));
  EXPECT_TRUE(made);
}

TEST(ParamsCacheTest, ConcurrentProcessesSearchOnce) {
  test::TempDir tmp;
  ParamsCacheOptions o;
  o.cache = tmp.File("cache");
  Recipe slow = SmallRecipe();  // a search long enough for the processes to meet
  slow.categories = 60;
  // Four processes at once: one searches, the rest wait and read.
  std::vector<pid_t> kids;
  for (int i = 0; i < 4; ++i) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      bool made = false;
      CachedParams(slow, o, &made);
      ::_exit(made ? 10 : 11);
    }
    kids.push_back(pid);
  }
  int searched = 0;
  for (pid_t pid : kids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    searched += WEXITSTATUS(status) == 10;
    EXPECT_TRUE(WEXITSTATUS(status) == 10 || WEXITSTATUS(status) == 11);
  }
  EXPECT_EQ(searched, 1);
}

}  // namespace
}  // namespace synthub::recipe
