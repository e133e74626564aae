# Runs sfgen on one malformed input (INPUT) and checks that it exits non-zero and that
# stderr contains the message named on the file's first line:
#   -- expect: <text, where {file} stands for the input's path relative to SOURCE_ROOT>
# MODE: "migration" (default; INPUT is a migration), "query" (INPUT is a queries file
# over the fixture migrations FIXTURES, typed by DESCRIBED), "describe" (the same, but
# described on PostgreSQL at $STOREFRONT_TEST_DATABASE_URL: errors only the server sees).
file(STRINGS ${INPUT} first LIMIT_COUNT 1)
string(REGEX REPLACE "^-- expect: " "" expected "${first}")
file(RELATIVE_PATH rel ${SOURCE_ROOT} ${INPUT})
string(REPLACE "{file}" "${rel}" expected "${expected}")
if(MODE STREQUAL "query")
  set(cmd ${SFGEN} --out-dir ${OUT_DIR} --source-root ${SOURCE_ROOT} --described ${DESCRIBED}
    ${FIXTURES} --queries ${INPUT})
elseif(MODE STREQUAL "describe")
  if("$ENV{STOREFRONT_TEST_DATABASE_URL}" STREQUAL "")
    message(FATAL_ERROR "STOREFRONT_TEST_DATABASE_URL is not set (run through make test)")
  endif()
  file(MAKE_DIRECTORY ${OUT_DIR})
  set(cmd ${SFGEN} --describe "$ENV{STOREFRONT_TEST_DATABASE_URL}"
    --described ${OUT_DIR}/described.txt --source-root ${SOURCE_ROOT} ${FIXTURES}
    --queries ${INPUT})
else()
  set(cmd ${SFGEN} --out-dir ${OUT_DIR} --source-root ${SOURCE_ROOT} ${INPUT})
endif()
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "sfgen accepted ${rel}; expected failure: ${expected}")
endif()
string(FIND "${err}" "${expected}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "sfgen failed as it should, but stderr was:\n${err}\nexpected to contain:\n${expected}")
endif()
message("ok: ${err}")
