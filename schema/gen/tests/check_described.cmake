# Describes QUERIES over MIGRATIONS on PostgreSQL ($STOREFRONT_TEST_DATABASE_URL) and
# fails, printing a diff, when the result differs from the committed DESCRIBED: the
# types the build uses are the server's, not an edited file's. Invoked by the
# gen/described* ctest tests (label db).
if("$ENV{STOREFRONT_TEST_DATABASE_URL}" STREQUAL "")
  message(FATAL_ERROR "STOREFRONT_TEST_DATABASE_URL is not set (run through make test)")
endif()
file(MAKE_DIRECTORY ${OUT_DIR})
execute_process(
  COMMAND ${SFGEN} --describe "$ENV{STOREFRONT_TEST_DATABASE_URL}"
    --described ${OUT_DIR}/described.txt --source-root ${SOURCE_ROOT} ${MIGRATIONS}
    --queries ${QUERIES}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sfgen --describe failed:\n${err}")
endif()
execute_process(COMMAND diff -u ${DESCRIBED} ${OUT_DIR}/described.txt
  RESULT_VARIABLE drc OUTPUT_VARIABLE out)
if(NOT drc EQUAL 0)
  message(FATAL_ERROR "${out}\n${DESCRIBED} is not what PostgreSQL says: run `make describe`")
endif()
