# Helpers shared by every module (style: Abseil's absl_cc_library).

set(TOKENFAB_WARNINGS -Wall -Wextra -Werror -Wno-error=deprecated-declarations)
if(TOKENFAB_SANITIZE)
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
