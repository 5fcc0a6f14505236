# Helpers shared by every module (style: Abseil's absl_cc_library).

set(TOKENFAB_WARNINGS -Wall -Wextra -Werror -Wno-error=deprecated-declarations)
if(TOKENFAB_FUZZ)
  # libFuzzer build (make fuzz): every library instrumented for coverage and ASan+UBSan; the
  # fuzzer binaries alone link libFuzzer's main. Warnings stay on but do not fail this build
  # (clang warns differently from the gcc that CI's other builds use).
  set(TOKENFAB_WARNINGS -Wall -Wextra)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(TOKENFAB_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# The data catalog and the shared validation data are found at run time from these defaults,
# overridable with TOKENFAB_DATA and TOKENFAB_SHARED.
set(TOKENFAB_DEFINES
    TOKENFAB_SOURCE_DATA_DIR="${PROJECT_SOURCE_DIR}/data"
    TOKENFAB_SOURCE_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")

# Layering the build enforces: a module sees the public headers (include/tokenfab/<module>/) of
# itself, of the modules it names in DEPS (and theirs, transitively), and of units and base, and
# no others. Each module gets an include folder of its own under ${CMAKE_BINARY_DIR}/layered/
# holding links to exactly those header folders, so an include against the layering fails to
# compile ("tokenfab/report/train_report.h: No such file") instead of linking by luck.
# tokenfab_layered_includes(NAME DEPS OUT): sets OUT to that folder.
function(tokenfab_layered_includes name deps out)
  set(allowed ${name} units base)
  foreach(dep ${deps})
    if(dep MATCHES "^tokenfab_(.*)$")
      get_property(dep_allowed GLOBAL PROPERTY TOKENFAB_ALLOWED_${CMAKE_MATCH_1})
      if(NOT DEFINED dep_allowed OR dep_allowed STREQUAL "")
        message(FATAL_ERROR "module ${name} depends on ${dep}, defined later in TOKENFAB_MODULES")
      endif()
      list(APPEND allowed ${dep_allowed})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES allowed)
  set_property(GLOBAL PROPERTY TOKENFAB_ALLOWED_${name} ${allowed})
  set(dir ${CMAKE_BINARY_DIR}/layered/${name})
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir}/tokenfab)
  foreach(m ${allowed})
    if(EXISTS ${PROJECT_SOURCE_DIR}/include/tokenfab/${m})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/tokenfab/${m} ${dir}/tokenfab/${m} SYMBOLIC)
    endif()
  endforeach()
  set(${out} ${dir} PARENT_SCOPE)
endfunction()

# tokenfab_cc_library(NAME name DEPS dep...): a static library from src/<name>/*.cc.
# Files named *_test.cc are collected into the single test binary instead.
function(tokenfab_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "DEPS;EXTERNAL" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  if(tests)
    list(REMOVE_ITEM srcs ${tests})
  endif()
  set(target tokenfab_${ARG_NAME})
  tokenfab_layered_includes(${ARG_NAME} "${ARG_DEPS}" layered)
  if(srcs)
    add_library(${target} STATIC ${srcs})
    target_include_directories(${target} PUBLIC ${layered})
    target_compile_options(${target} PRIVATE ${TOKENFAB_WARNINGS})
    target_compile_definitions(${target} PRIVATE ${TOKENFAB_DEFINES})
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} ${ARG_EXTERNAL})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${layered})
    target_link_libraries(${target} INTERFACE ${ARG_DEPS} ${ARG_EXTERNAL})
  endif()
  set_property(GLOBAL APPEND PROPERTY TOKENFAB_TEST_SOURCES ${tests})
  set_property(GLOBAL APPEND PROPERTY TOKENFAB_LIBRARIES ${target})
endfunction()

# tokenfab_fuzzer(NAME SRC [DEFINES def...]): a libFuzzer target fuzz/NAME from fuzz/SRC, linked
# with every tokenfab library (through tokenfab_api). Only with -DTOKENFAB_FUZZ=ON.
# `make fuzz` runs every target it finds in build-fuzz/fuzz (scripts/run-fuzzers.sh), with the
# seed corpus named for it there. Example, for a new loader:
#   tokenfab_fuzzer(fuzz_scenario fuzz_scenario.cc)
function(tokenfab_fuzzer NAME SRC)
  cmake_parse_arguments(ARG "" "" "DEFINES" ${ARGN})
  add_executable(${NAME} ${SRC})
  target_compile_options(${NAME} PRIVATE ${TOKENFAB_WARNINGS})
  target_compile_definitions(${NAME} PRIVATE ${TOKENFAB_DEFINES} ${ARG_DEFINES})
  target_include_directories(${NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/fuzz)
  target_link_libraries(${NAME} PRIVATE tokenfab_api)
  target_link_options(${NAME} PRIVATE -fsanitize=fuzzer)
endfunction()
