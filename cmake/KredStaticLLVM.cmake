# kred_use_static_llvm()
#
# KRED_STATIC_LLVM (the wheel, pyproject.toml): links MLIR and LLVM
# statically into kred._C and the tools, so that nothing of LLVM is needed
# at run time. Call after find_package(MLIR), with MLIR_LINK_MLIR_DYLIB and
# LLVM_LINK_LLVM_DYLIB off.
#
# Debian's MLIR static libraries were built against libLLVM.so: their
# imported targets name the shared library (target LLVM, and a few libMLIR.so,
# target MLIR) in their link interface. Each such item becomes the static
# LLVM libraries: all of them, since the MLIR libraries no longer say which
# components they use; lld takes from an archive only the members that
# resolve a symbol, so the unused ones cost nothing but a look at their
# symbol tables. -Wl,--as-needed drops the system libraries (zlib, zstd,
# z3, libxml2, ...) that no linked member references. libstdc++ is linked in
# too (-static-libstdc++): the system's is GCC 12's, whose symbol versions
# (GLIBCXX_3.4.30) would make the wheel manylinux_2_35 instead of 2_34.

# Whether the imported static library `lib` can be linked: its archive and
# those of the libraries it links (transitively) are installed, the
# packages and system libraries it names are found, and it does not link
# libLLVM.so (the tools' libraries: LLVMDiff, LLVMOptDriver, ...).
function(_kred_static_library_usable lib out)
  get_property(known GLOBAL PROPERTY KRED_STATIC_USABLE_${lib} SET)
  if(known)
    get_property(usable GLOBAL PROPERTY KRED_STATIC_USABLE_${lib})
    set(${out} ${usable} PARENT_SCOPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY KRED_STATIC_USABLE_${lib} ON) # cycles
  set(usable ON)
  if(NOT TARGET ${lib})
    if(lib MATCHES "::")
      set(usable OFF)
    endif()
  else()
    get_target_property(type ${lib} TYPE)
    if(type STREQUAL "STATIC_LIBRARY" AND lib MATCHES "^(LLVM|Polly)"
       AND NOT EXISTS ${LLVM_LIBRARY_DIR}/lib${lib}.a)
      set(usable OFF)
    endif()
    get_target_property(interface ${lib} INTERFACE_LINK_LIBRARIES)
    foreach(item IN LISTS interface)
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" item "${item}")
      if(item STREQUAL "LLVM")
        set(usable OFF)
      elseif(usable AND item MATCHES "^(LLVM|Polly)|::")
        _kred_static_library_usable(${item} item_usable)
        if(NOT item_usable)
          set(usable OFF)
        endif()
      elseif(item MATCHES "^[A-Za-z0-9_]+$")
        # A system library by name (rt, dl, m; pfm for LLVMExegesis).
        find_library(KRED_SYSTEM_LIBRARY_${item} ${item})
        if(NOT KRED_SYSTEM_LIBRARY_${item})
          set(usable OFF)
        endif()
      endif()
    endforeach()
  endif()
  set_property(GLOBAL PROPERTY KRED_STATIC_USABLE_${lib} ${usable})
  set(${out} ${usable} PARENT_SCOPE)
endfunction()

# The static LLVM libraries that can be linked (all of them but those that
# are not installed or link one that is not: Polly, and LLVMExtensions and
# LLVMLTO through it; those that need a package or library this machine
# lacks: LLVMDebuginfod (curl), LLVMLineEditor (libedit), LLVMExegesis
# (libpfm); kred uses none of them),
# as the INTERFACE library kred_llvm_static.
function(_kred_add_llvm_static)
  # Debian's static LLVMSupport names zstd::libzstd_shared, which LLVMConfig
  # only defines when the zstd development files are installed.
  if(NOT TARGET zstd::libzstd_shared)
    find_library(KRED_ZSTD_LIBRARY NAMES zstd libzstd.so.1 REQUIRED)
    add_library(zstd::libzstd_shared SHARED IMPORTED GLOBAL)
    set_target_properties(zstd::libzstd_shared PROPERTIES
      IMPORTED_LOCATION ${KRED_ZSTD_LIBRARY})
  endif()
  set(static_libs)
  foreach(lib IN LISTS LLVM_AVAILABLE_LIBS)
    if(TARGET ${lib} AND NOT lib STREQUAL "LLVM")
      get_target_property(type ${lib} TYPE)
      if(type STREQUAL "STATIC_LIBRARY")
        _kred_static_library_usable(${lib} usable)
        if(usable)
          list(APPEND static_libs ${lib})
        endif()
      endif()
    endif()
  endforeach()
  if(NOT LLVMSupport IN_LIST static_libs OR NOT LLVMOrcJIT IN_LIST static_libs)
    message(FATAL_ERROR "LLVM's static libraries (libLLVMSupport.a, ...) are not usable "
      "in ${LLVM_LIBRARY_DIR}: install llvm-22-dev (scripts/setup.sh does)")
  endif()
  add_library(kred_llvm_static INTERFACE)
  target_link_libraries(kred_llvm_static INTERFACE ${static_libs})
endfunction()

function(kred_use_static_llvm)
  _kred_add_llvm_static()
  get_property(imported DIRECTORY ${PROJECT_SOURCE_DIR} PROPERTY IMPORTED_TARGETS)
  foreach(target IN LISTS imported)
    if(NOT target MATCHES "^(MLIR|LLVM)")
      continue()
    endif()
    get_target_property(type ${target} TYPE)
    if(NOT type STREQUAL "STATIC_LIBRARY")
      continue()
    endif()
    get_target_property(interface ${target} INTERFACE_LINK_LIBRARIES)
    if(NOT interface)
      continue()
    endif()
    set(rewritten)
    foreach(item IN LISTS interface)
      if(item STREQUAL "LLVM")
        list(APPEND rewritten kred_llvm_static)
      elseif(NOT item STREQUAL "MLIR")
        list(APPEND rewritten "${item}")
      endif()
    endforeach()
    set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${rewritten}")
  endforeach()

  add_link_options(-Wl,--as-needed -static-libstdc++)
endfunction()

# kred_add_glibc_compat(target...)
#
# KredGlibcCompat.c (arc4random without glibc 2.36) in each static binary.
function(kred_add_glibc_compat)
  foreach(target IN LISTS ARGN)
    if(TARGET ${target})
      target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/KredGlibcCompat.c)
    endif()
  endforeach()
endfunction()

# kred_add_wheel_prebuilt()
#
# Development build (KRED_STATIC_LLVM off): the target kred-wheel-prebuilt,
# not built by default, links kred._C, kred-compile and kred-opt once more
# from this build's objects, but with MLIR and LLVM static as the wheel has
# them (stripped, as pip's install strips them), into wheel/kred/ of the
# build directory (with compiler-rt's builtins archive in wheel/kred/lib/).
# Seconds of linking instead of the wheel's build from scratch; `pip wheel . -C cmake.define.KRED_WHEEL_PREBUILT=DIR`
# packs them (scripts/test_wheel.sh, the CI step). The objects are those the
# static build compiles (same sources and flags); only the link differs: the
# kred archives, every MLIR archive and the static LLVM libraries, from which
# lld takes the members that resolve a symbol.
function(kred_add_wheel_prebuilt)
  if(NOT TARGET _C)
    return()
  endif()
  _kred_add_llvm_static()
  find_package(Threads REQUIRED)
  get_property(all_libs GLOBAL PROPERTY MLIR_ALL_LIBS)
  set(kred_archives)
  set(kred_libs)
  foreach(lib IN LISTS all_libs)
    if(TARGET ${lib})
      get_target_property(imported ${lib} IMPORTED)
      get_target_property(type ${lib} TYPE)
      if(NOT imported AND type STREQUAL "STATIC_LIBRARY")
        list(APPEND kred_libs ${lib})
        list(APPEND kred_archives $<TARGET_FILE:${lib}>)
      endif()
    endif()
  endforeach()
  list(APPEND kred_libs kred_runtime_static)
  list(APPEND kred_archives $<TARGET_FILE:kred_runtime_static>)
  file(GLOB mlir_archives ${LLVM_LIBRARY_DIR}/libMLIR*.a)
  execute_process(
    COMMAND ${CMAKE_C_COMPILER} --rtlib=compiler-rt -print-libgcc-file-name
    OUTPUT_VARIABLE builtins OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(out ${CMAKE_BINARY_DIR}/wheel/kred)

  set(compat ${PROJECT_SOURCE_DIR}/cmake/KredGlibcCompat.c)
  add_library(kred_wheel_C MODULE EXCLUDE_FROM_ALL $<TARGET_OBJECTS:_C> ${compat})
  pybind11_extension(kred_wheel_C)
  target_link_options(kred_wheel_C PRIVATE -flto -Wl,--exclude-libs,ALL
    -Wl,--gc-sections -Wl,--as-needed -static-libstdc++ -Wl,--strip-all)
  set_target_properties(kred_wheel_C PROPERTIES
    OUTPUT_NAME _C LIBRARY_OUTPUT_DIRECTORY ${out})
  set(variants kred_wheel_C)
  foreach(tool kred-compile kred-opt)
    string(REPLACE "-" "_" name kred_wheel_${tool})
    add_executable(${name} EXCLUDE_FROM_ALL $<TARGET_OBJECTS:${tool}> ${compat})
    target_link_options(${name} PRIVATE -Wl,--gc-sections -Wl,--as-needed
      -static-libstdc++ -Wl,--strip-all)
    set_target_properties(${name} PROPERTIES
      OUTPUT_NAME ${tool} RUNTIME_OUTPUT_DIRECTORY ${out}/bin)
    list(APPEND variants ${name})
  endforeach()
  foreach(variant IN LISTS variants)
    set_target_properties(${variant} PROPERTIES LINKER_LANGUAGE CXX)
    add_dependencies(${variant} ${kred_libs})
    target_link_libraries(${variant} PRIVATE
      ${kred_archives} ${builtins} ${mlir_archives} kred_llvm_static
      Threads::Threads ${CMAKE_DL_LIBS})
  endforeach()
  add_custom_target(kred-wheel-prebuilt
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out}/lib
    COMMAND ${CMAKE_COMMAND} -E copy ${builtins} ${out}/lib/
    DEPENDS ${variants}
    COMMENT "kred._C, kred-compile and kred-opt with static MLIR and LLVM in ${out}")
endfunction()
