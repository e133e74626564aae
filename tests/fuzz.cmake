# fuzz.cmake — the libFuzzer smoke runs (issue 15), included by tests/CMakeLists.txt in
# the normal (gcc) build.
#
# The targets themselves build with clang into build-fuzz/ (-DSTOREFRONT_FUZZ=ON,
# tests/fuzz/targets.cmake). fuzz/build builds that tree when the tests run, not when
# `make build` does, so a normal build stays as fast as it was; every fuzz/<target>
# needs it (a ctest fixture: `ctest -R fuzz/jwt` builds first too) and then runs the
# target ~20 s over its seeds (tests/fuzz/corpus/<target>/) and regression inputs
# (tests/fuzz/regressions/<target>/). Without clang + libFuzzer every one of them is
# SKIPPED (exit 77) with the packages to install, never passed. Longer runs: make fuzz.
file(GLOB SF_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_*.c)
if(NOT SF_FUZZ_TARGETS)
  return()
endif()

add_test(NAME fuzz/build COMMAND ${CMAKE_SOURCE_DIR}/localstack/fuzz.sh --build-only
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
# A fresh build-fuzz/ compiles storefront_core once more, instrumented (about a minute
# on two cores): more than ctest's default per-test timeout allows on a busy machine.
set_tests_properties(fuzz/build PROPERTIES LABELS fuzz FIXTURES_SETUP fuzz_tree
  SKIP_RETURN_CODE 77 TIMEOUT 1200)

foreach(src ${SF_FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" name ${name})
  add_test(NAME fuzz/${name} COMMAND ${CMAKE_SOURCE_DIR}/localstack/fuzz.sh --smoke ${name}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  # 20 s of fuzzing, plus the seeds and regressions run first and ASan's leak check at
  # exit; the timeout only catches a hang of the runner itself.
  set_tests_properties(fuzz/${name} PROPERTIES LABELS fuzz FIXTURES_REQUIRED fuzz_tree
    SKIP_RETURN_CODE 77 TIMEOUT 120 ENVIRONMENT "SMOKE_SECONDS=20")
endforeach()
