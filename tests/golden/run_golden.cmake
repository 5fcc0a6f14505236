# Runs one golden CLI case: BIN with the arguments in CASE (one per line), and compares
# stdout, stderr and the exit code with CASE's .expected file. A case that answers (exit 0) is
# then replayed: its scenario saved with --save-scenario and answered by `tokenfab run` must give
# the same bytes.
file(STRINGS ${CASE} args)
string(REGEX REPLACE "\\.args$" ".expected" expected_file ${CASE})
execute_process(COMMAND ${BIN} ${args} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
set(actual "${out}${err}exit: ${rc}\n")
if(DEFINED ENV{TOKENFAB_UPDATE_GOLDEN})
  file(WRITE ${expected_file} "${actual}")
  return()
endif()
file(READ ${expected_file} expected)
if(NOT actual STREQUAL expected)
  file(WRITE ${CASE}.actual "${actual}")
  message(FATAL_ERROR "golden mismatch for ${CASE}; see ${CASE}.actual\n--- actual ---\n${actual}")
endif()
if(rc EQUAL 0 AND DEFINED SCRATCH)
  get_filename_component(name ${CASE} NAME_WE)
  set(saved ${SCRATCH}/${name}.scenario.yaml)
  execute_process(COMMAND ${BIN} ${args} --save-scenario ${saved} OUTPUT_VARIABLE out2
                  ERROR_VARIABLE err2 RESULT_VARIABLE rc2)
  execute_process(COMMAND ${BIN} run ${saved} OUTPUT_VARIABLE out3 ERROR_VARIABLE err3
                  RESULT_VARIABLE rc3)
  if(NOT "${out2}${err2}${rc2}" STREQUAL "${out}${err}${rc}")
    message(FATAL_ERROR "--save-scenario changed the answer of ${CASE}")
  endif()
  if(NOT "${out3}${err3}${rc3}" STREQUAL "${out}${err}${rc}")
    message(FATAL_ERROR "replaying ${saved} did not reproduce ${CASE}:\n${out3}${err3}")
  endif()
endif()
