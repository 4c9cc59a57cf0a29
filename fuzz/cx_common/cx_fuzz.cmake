# Included by every fuzz/cx_* target: one static library, made once, with the ConnexCS tool
# sources (compiled in directly, as tests/cx does) and the shared fuzz driver.
if(NOT TARGET cx_fuzz_common)
  file(GLOB CX_FUZZ_TOOL_SOURCES ${CMAKE_SOURCE_DIR}/src/tools/cx_*.c)
  add_library(cx_fuzz_common STATIC ${CMAKE_SOURCE_DIR}/fuzz/cx_common/cx_fuzz.c ${CX_FUZZ_TOOL_SOURCES})
  target_link_libraries(cx_fuzz_common PUBLIC sb_mcp sb_cdr sb_sip sb_connect sb_util)
endif()
# Seed capture against the simulator (normal builds only; see fuzz/cx_common/seed.sh).
if(NOT SB_FUZZ AND NOT TARGET cx_fuzz_capture)
  add_executable(cx_fuzz_capture EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/fuzz/cx_common/cx_capture.c)
  target_link_libraries(cx_fuzz_capture PRIVATE cx_fuzz_common)
endif()
