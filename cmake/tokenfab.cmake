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
  if(srcs)
    add_library(${target} STATIC ${srcs})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include)
    target_compile_options(${target} PRIVATE ${TOKENFAB_WARNINGS})
    target_compile_definitions(${target} PRIVATE ${TOKENFAB_DEFINES})
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} ${ARG_EXTERNAL})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(${target} INTERFACE ${ARG_DEPS} ${ARG_EXTERNAL})
  endif()
  set_property(GLOBAL APPEND PROPERTY TOKENFAB_TEST_SOURCES ${tests})
  set_property(GLOBAL APPEND PROPERTY TOKENFAB_LIBRARIES ${target})
endfunction()

# tokenfab_fuzzer(NAME SRC [DEFINES def...]): a libFuzzer target fuzz/NAME from fuzz/SRC, linked
# with every tokenfab library (and the CLI's, for the flag parsers). Only with -DTOKENFAB_FUZZ=ON.
# `make fuzz` runs every target it finds in build-fuzz/fuzz (scripts/run-fuzzers.sh), with the
# seed corpus named for it there. Example, for a new loader:
#   tokenfab_fuzzer(fuzz_scenario fuzz_scenario.cc)
function(tokenfab_fuzzer NAME SRC)
  cmake_parse_arguments(ARG "" "" "DEFINES" ${ARGN})
  add_executable(${NAME} ${SRC})
  target_compile_options(${NAME} PRIVATE ${TOKENFAB_WARNINGS})
  target_compile_definitions(${NAME} PRIVATE ${TOKENFAB_DEFINES} ${ARG_DEFINES})
  target_include_directories(${NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/fuzz)
  target_link_libraries(${NAME} PRIVATE tokenfab_cli)
  target_link_options(${NAME} PRIVATE -fsanitize=fuzzer)
endfunction()
