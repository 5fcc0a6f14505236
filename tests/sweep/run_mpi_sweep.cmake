# Runs SWEEP with one process and with `mpirun -n 2`, and requires identical CSV and JSON files.
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${BIN} sweep ${SWEEP} --out ${OUT}/one
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "one-process sweep failed (${rc}):\n${out}${err}")
endif()
execute_process(COMMAND ${MPIEXEC} --allow-run-as-root --oversubscribe -n 2
                        ${BIN} sweep ${SWEEP} --out ${OUT}/two
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "2-rank sweep failed (${rc}):\n${out}${err}")
endif()
if(NOT out MATCHES "2 processes")
  message(FATAL_ERROR "the 2-rank sweep did not run on 2 ranks:\n${out}${err}")
endif()
foreach(ext csv json)
  file(READ ${OUT}/one.${ext} one)
  file(READ ${OUT}/two.${ext} two)
  if(NOT one STREQUAL two)
    message(FATAL_ERROR "${ext} differs between 1 process and 2 ranks")
  endif()
endforeach()
message(STATUS "2-rank sweep matches the one-process sweep:\n${out}")
