# tests/fuzz/targets.cmake — the libFuzzer targets, built only when STOREFRONT_FUZZ=ON
# (included by the top-level CMakeLists.txt, which stops after it: build-fuzz/ holds
# nothing else). Run them through `make fuzz` (localstack/fuzz.sh) or the short ctest
# smoke runs of the normal build (tests/fuzz.cmake); docs/fuzzing.md has the details.
#
# storefront_core is the server's own library, compiled with coverage instrumentation
# for libFuzzer (fuzzer-no-link) and ASan + UBSan, so every target runs the real parsing
# code; each target is one tests/fuzz/fuzz_<name>.c with LLVMFuzzerTestOneInput.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "STOREFRONT_FUZZ=ON needs clang: -DCMAKE_C_COMPILER=clang")
endif()

# UB aborts like a crash (libFuzzer then saves the input), never just a printed warning.
set(SF_FUZZ_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=undefined
  -fno-omit-frame-pointer -g)
target_compile_options(storefront_core PRIVATE -fsanitize=fuzzer-no-link ${SF_FUZZ_SANITIZERS})

file(GLOB SF_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_*.c)
foreach(src ${SF_FUZZ_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer ${SF_FUZZ_SANITIZERS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(${name} PRIVATE storefront_core)
endforeach()
