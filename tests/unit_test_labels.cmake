# Read by ctest after the unit tests that gtest_discover_tests found
# (tests/CMakeLists.txt): labels each of them `quick`, or `slow` when listed
# here. (A LABELS property given to gtest_discover_tests would be appended
# to, not replaced.)
set(synthub_slow_unit_tests
  SearchNumpyTest.ReproducesPublishedFractalDb1k  # the bit-exact 1k search, about 45 s
)
foreach(name IN LISTS synthub_tests_TESTS)
  list(FIND synthub_slow_unit_tests "${name}" index)
  if(index EQUAL -1)
    set_tests_properties("${name}" PROPERTIES LABELS quick)
  else()
    set_tests_properties("${name}" PROPERTIES LABELS slow)
  endif()
endforeach()
