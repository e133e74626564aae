# Runs sfgen on the fixtures into OUT_DIR and fails, printing a unified diff, when any
# output differs from GOLDEN_DIR. Invoked by the gen/golden ctest test.
file(REMOVE_RECURSE ${OUT_DIR})
execute_process(
  COMMAND ${SFGEN} --out-dir ${OUT_DIR} --source-root ${SOURCE_ROOT} --described ${DESCRIBED}
    ${FIXTURES} --queries ${QUERIES}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sfgen failed (exit ${rc}) on ${FIXTURES}")
endif()
set(failed FALSE)
foreach(f storefront/db_gen.h db_gen.c migrations_embed.c storefront/queries_gen.h queries_gen.c)
  execute_process(
    COMMAND diff -u ${GOLDEN_DIR}/${f} ${OUT_DIR}/${f}
    RESULT_VARIABLE drc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT drc EQUAL 0)
    message("${out}${err}")
    set(failed TRUE)
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "generated output differs from schema/gen/tests/golden; if the change "
    "is intended, run: cmake --build <build-dir> --target sfgen-update-golden")
endif()
