# Runs sfgen on one malformed migration (INPUT) and checks that it exits non-zero and that
# stderr contains the message named on the file's first line:
#   -- expect: <text, where {file} stands for the input's path relative to SOURCE_ROOT>
file(STRINGS ${INPUT} first LIMIT_COUNT 1)
string(REGEX REPLACE "^-- expect: " "" expected "${first}")
file(RELATIVE_PATH rel ${SOURCE_ROOT} ${INPUT})
string(REPLACE "{file}" "${rel}" expected "${expected}")
execute_process(
  COMMAND ${SFGEN} --out-dir ${OUT_DIR} --source-root ${SOURCE_ROOT} ${INPUT}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "sfgen accepted ${rel}; expected failure: ${expected}")
endif()
string(FIND "${err}" "${expected}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "sfgen failed as it should, but stderr was:\n${err}\nexpected to contain:\n${expected}")
endif()
message("ok: ${err}")
