# Shared build settings: warnings, sanitizers and the module helper.

set(SEMLITE_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wvla -Wformat=2)
if(SEMLITE_WERROR)
  list(APPEND SEMLITE_WARNINGS -Werror)
endif()

if(SEMLITE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
# A fuzz build instruments every object for coverage, not only the fuzz
# drivers: libFuzzer is blind to the parsers under test otherwise.
if(SEMLITE_BUILD_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_link_options(-fsanitize=fuzzer-no-link)
endif()

# semlite_module(NAME SOURCES ... [DEPS mod ...] [LIBS lib ...])
# An OBJECT library for one src/ folder. DEPS are other modules (their
# include paths and link requirements propagate), LIBS are foreign libraries.
function(semlite_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  add_library(sl_${name} OBJECT ${M_SOURCES})
  target_compile_options(sl_${name} PRIVATE ${SEMLITE_WARNINGS})
  target_include_directories(sl_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
  target_compile_definitions(sl_${name} PRIVATE SEMLITE_BUILDING=1)
  foreach(d ${M_DEPS})
    target_link_libraries(sl_${name} PUBLIC sl_${d})
  endforeach()
  if(M_LIBS)
    target_link_libraries(sl_${name} PUBLIC ${M_LIBS})
  endif()
  set_property(GLOBAL APPEND PROPERTY SEMLITE_MODULES sl_${name})
endfunction()

# semlite_test(NAME SOURCES ... [LIBS ...] [ARGS ...]): a cmocka test that
# links the static library (white-box: internal headers are visible).
function(semlite_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;ARGS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_compile_options(${name} PRIVATE ${SEMLITE_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src
                             ${PROJECT_SOURCE_DIR}/include
                             ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE semlite_static PkgConfig::CMOCKA ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "SEMLITE_SHARED=${SEMLITE_SHARED_DIR};SEMLITE_SOURCE=${PROJECT_SOURCE_DIR};SEMLITE_BIN=$<TARGET_FILE:semlite>"
    SKIP_RETURN_CODE 77)
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# Where ../shared lives (models and data read at test time, never committed).
get_filename_component(_shared_default "${PROJECT_SOURCE_DIR}/../shared" ABSOLUTE)
set(SEMLITE_SHARED_DIR "${_shared_default}" CACHE PATH "Path to the shared models/data folder")

# semlite_fuzz(NAME SOURCES ...): the fuzz target tests/fuzz/NAME. With
# SEMLITE_BUILD_FUZZ (clang) fuzz_NAME is a libFuzzer binary; in every build
# fuzz_NAME_replay links tests/fuzz/replay.c instead of libFuzzer and the
# ctest fuzz_NAME_replay runs it over tests/fuzz/NAME/corpus/.
function(semlite_fuzz name)
  cmake_parse_arguments(F "" "" "SOURCES" ${ARGN})
  set(_targets fuzz_${name}_replay)
  add_executable(fuzz_${name}_replay ${F_SOURCES}
                 ${PROJECT_SOURCE_DIR}/tests/fuzz/replay.c)
  if(SEMLITE_BUILD_FUZZ)
    add_executable(fuzz_${name} ${F_SOURCES})
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    list(APPEND _targets fuzz_${name})
  endif()
  foreach(t ${_targets})
    target_compile_options(${t} PRIVATE ${SEMLITE_WARNINGS})
    target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/src
                               ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(${t} PRIVATE semlite_static)
  endforeach()
  add_test(NAME fuzz_${name}_replay
           COMMAND fuzz_${name}_replay ${CMAKE_CURRENT_SOURCE_DIR}/corpus)
  set_tests_properties(fuzz_${name}_replay PROPERTIES LABELS fuzz)
endfunction()
