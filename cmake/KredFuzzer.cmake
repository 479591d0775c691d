# kred_add_fuzzer(NAME src... [DEPENDS target...] [MLIR_LIBS lib...]
#                 [LINK_LIBS lib...])
#
# A libFuzzer target, when KRED_ENABLE_FUZZER is on: the sources (the fuzzed
# ones included) compiled with coverage instrumentation, AddressSanitizer,
# UndefinedBehaviorSanitizer and assertions. The libraries it links (MLIR,
# other kred libraries) are not instrumented; vptr checks need RTTI, which
# LLVM builds without. Needs clang.
function(kred_add_fuzzer name)
  if(NOT KRED_ENABLE_FUZZER)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "DEPENDS;MLIR_LIBS;LINK_LIBS" ${ARGN})
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KRED_ENABLE_FUZZER needs clang (libFuzzer)")
  endif()
  add_llvm_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  llvm_update_compile_flags(${name})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  set(sanitizers -fsanitize=fuzzer,address,undefined -fno-sanitize=vptr
    -fno-sanitize-recover=undefined)
  target_compile_options(${name} PRIVATE
    ${sanitizers} -fno-omit-frame-pointer -g -O1 -UNDEBUG)
  target_link_options(${name} PRIVATE ${sanitizers})
  mlir_target_link_libraries(${name} PRIVATE ${ARG_MLIR_LIBS})
  target_link_libraries(${name} PRIVATE ${ARG_LINK_LIBS})
endfunction()
