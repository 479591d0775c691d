//===- Bindings.h - kred._C submodules --------------------------*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_PYTHON_SRC_BINDINGS_H
#define KRED_PYTHON_SRC_BINDINGS_H

#include <pybind11/pybind11.h>

namespace kred::python {

/// compile(), Kernel, FormulaError and the compile cache's information.
void populateCompilerModule(pybind11::module_ &m);

/// Thread settings of the runtime.
void populateRuntimeModule(pybind11::module_ &m);

} // namespace kred::python

#endif // KRED_PYTHON_SRC_BINDINGS_H
