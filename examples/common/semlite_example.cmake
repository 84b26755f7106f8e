# semlite_example(NAME ARGS ... [PASS regex] [FAIL regex]): builds
# examples/NAME/NAME.c and adds its smoke tests on the corpus shipped in
# examples/corpus: with the built-in default model (skipped, exit 77, in a
# build without one) and, when ../shared is present, with a test
# checkpoint from it (passed as the last argument).
function(semlite_example name)
  cmake_parse_arguments(E "" "PASS;FAIL" "ARGS" ${ARGN})
  add_executable(example_${name} ${name}.c)
  target_compile_options(example_${name} PRIVATE ${SEMLITE_WARNINGS})
  target_include_directories(example_${name} PRIVATE
                             ${CMAKE_CURRENT_SOURCE_DIR}/../common)
  target_link_libraries(example_${name} PRIVATE semlite_static)
  if(NOT SEMLITE_BUILD_TESTS)
    return()
  endif()
  set(_m ${SEMLITE_SHARED_DIR}/models/test-model-float32)
  foreach(_v default testmodel)
    set(_extra "")
    if(_v STREQUAL "testmodel")
      if(NOT EXISTS ${_m}/config.json)
        continue()
      endif()
      set(_extra ${_m})
    endif()
    set(_t example_${name}_${_v})
    add_test(NAME ${_t} COMMAND example_${name}
             ${CMAKE_CURRENT_SOURCE_DIR}/../corpus ${E_ARGS} ${_extra})
    set_tests_properties(${_t} PROPERTIES SKIP_RETURN_CODE 77)
    if(E_PASS)
      set_tests_properties(${_t} PROPERTIES PASS_REGULAR_EXPRESSION "${E_PASS}")
    endif()
    if(E_FAIL)
      set_tests_properties(${_t} PROPERTIES FAIL_REGULAR_EXPRESSION "${E_FAIL}")
    endif()
  endforeach()
endfunction()
