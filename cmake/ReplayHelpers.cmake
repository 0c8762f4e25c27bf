# Warnings for project code (third-party code is built without them).
function(replay_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
endfunction()

# replay_component(NAME <name> SOURCES ... DEPS ...): one static library per component,
# public headers under include/replay/<name>/.
function(replay_component)
  cmake_parse_arguments(C "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(replay_${C_NAME} STATIC ${C_SOURCES})
  add_library(replay::${C_NAME} ALIAS replay_${C_NAME})
  target_include_directories(replay_${C_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(replay_${C_NAME} PUBLIC ${C_DEPS})
  replay_warnings(replay_${C_NAME})
endfunction()

# replay_unit_test(NAME <name> SOURCES ... DEPS ...): a doctest executable run by ctest, which
# sees the shared test helpers in tests/support/.
function(replay_unit_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  add_executable(test_${T_NAME} ${T_SOURCES})
  target_link_libraries(test_${T_NAME} PRIVATE doctest_main ${T_DEPS})
  target_include_directories(test_${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  target_compile_definitions(test_${T_NAME} PRIVATE
    REPLAY_SOURCE_DIR="${PROJECT_SOURCE_DIR}" REPLAY_BINARY_DIR="${CMAKE_BINARY_DIR}")
  replay_warnings(test_${T_NAME})
  add_test(NAME ${T_NAME} COMMAND test_${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT})
endfunction()

# Adds every immediate subdirectory of the current source dir that has a CMakeLists.txt.
function(replay_add_subdirectories)
  file(GLOB children RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child ${children})
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${child}
       AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
