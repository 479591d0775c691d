//===- RuntimeModule.cpp - kred._C.runtime --------------------------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "python/src/Bindings.h"

#include "lib/Runtime/kred_runtime.h"

namespace py = pybind11;

void kred::python::populateRuntimeModule(py::module_ &m) {
  m.def(
      "set_num_threads", [](int n) { kred_set_num_threads(n); }, py::arg("n"),
      "Sets the number of threads of CPU launches (n <= 0: the default, "
      "$KRED_NUM_THREADS or the CPUs this process may use).");
  m.def(
      "get_num_threads", [] { return kred_get_num_threads(); },
      "The number of threads CPU launches use by default.");
}
