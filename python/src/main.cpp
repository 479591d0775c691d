//===- main.cpp - the kred._C extension module ----------------------------===//
//
// Part of the kernelred project.
//
// A thin pybind11 layer over lib/Compiler (Compiler.h) and lib/Runtime
// (kred_runtime.h); the contract is in docs/architecture.md. One submodule
// per concern, re-exported at the top level:
//   _C.compiler  compile(), Kernel, FormulaError, cache information
//   _C.runtime   set_num_threads(), get_num_threads()
//
//===----------------------------------------------------------------------===//

#include "python/src/Bindings.h"

#include "lib/Runtime/kred_runtime.h"

namespace py = pybind11;

PYBIND11_MODULE(_C, m) {
  m.doc() = "kernelred compiler and runtime (kred._C)";
  m.attr("version") = KRED_VERSION;
  m.attr("abi_version") = KRED_ABI_VERSION;

  py::module_ compiler = m.def_submodule(
      "compiler", "Compile kernel reductions to in-process machine code");
  kred::python::populateCompilerModule(compiler);
  py::module_ runtime =
      m.def_submodule("runtime", "Launch settings of the CPU runtime");
  kred::python::populateRuntimeModule(runtime);

  for (const char *name :
       {"compile", "Kernel", "FormulaError", "compiler_version", "cache_dir",
        "cache_stats", "clear_memo", "compile_gpu", "GPUKernel", "target_info"})
    m.attr(name) = compiler.attr(name);
  for (const char *name : {"set_num_threads", "get_num_threads"})
    m.attr(name) = runtime.attr(name);
}
