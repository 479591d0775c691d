//===- Bindings.h - kred._C submodules --------------------------*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_PYTHON_SRC_BINDINGS_H
#define KRED_PYTHON_SRC_BINDINGS_H

#include "lib/Runtime/kred_runtime.h"

#include <pybind11/pybind11.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kred::python {

/// The element counts of a sized launch (kred_*_launch_sized).
struct LaunchSizes {
  std::vector<int64_t> args;
  int64_t out = 0, outIdx = 0;
};

/// An element count from Python: an int (numpy integers included), or None
/// for `vouched`. Raises TypeError naming `what` otherwise.
int64_t getCount(pybind11::handle h, int64_t vouched, const std::string &what);

/// The element counts of a launch's buffers from Python: `argSizes` is None
/// or a sequence with one int (or None) per argument position; `outSize`
/// and `outIdxSize` an int or None. None stands for the count the launch
/// needs (the caller vouches for that buffer, as with the unsized C
/// functions; for a batched launch, `batch` elements at `batchOffsets`); an
/// int is checked by the runtime, which rejects a short buffer. Raises
/// ValueError/TypeError for a malformed `argSizes`.
LaunchSizes getLaunchSizes(const kred_kernel_info &info, int64_t M, int64_t N,
                           pybind11::handle argSizes, pybind11::handle outSize,
                           pybind11::handle outIdxSize, int64_t batch = 1,
                           const int64_t *batchOffsets = nullptr);

/// The element offsets of a batched launch (kred_*_launch_batched_sized):
/// `data` points into `buffer`, a C-contiguous int64 buffer of batch x
/// num_args offsets, or is NULL for None.
struct BatchOffsets {
  pybind11::buffer_info buffer;
  const int64_t *data = nullptr;
};

/// `batchOffsets` (None, or a buffer: a numpy int64 array) as the offsets
/// of a batch of `batch` launches of a kernel with `info`'s arguments.
/// Raises TypeError/ValueError for anything but a C-contiguous int64 buffer
/// of batch x num_args elements.
BatchOffsets getBatchOffsets(const kred_kernel_info &info, int64_t batch,
                             pybind11::handle batchOffsets);

/// The element counts of the state arrays of a states launch or merge.
struct StateSizes {
  int64_t values = 0, indices = 0;
};

/// The counts of `parts` x `rows` accumulators' arrays from Python
/// (`valuesSize`, `indicesSize`: an int, or None for the count needed).
StateSizes getStateSizes(const kred_kernel_info &info, int64_t rows,
                         int64_t parts, pybind11::handle valuesSize,
                         pybind11::handle indicesSize);

/// The output counts of a merge of `rows` rows (None: the count needed).
struct MergeOutputSizes {
  int64_t out = 0, outIdx = 0;
};
MergeOutputSizes getMergeOutputSizes(const kred_kernel_info &info, int64_t rows,
                                     pybind11::handle outSize,
                                     pybind11::handle outIdxSize);

/// Runs `launch` (a kred_*_launch* call returning a kred_status) without the
/// GIL; raises RuntimeError with the runtime's message when it fails.
template <typename Fn> void launchWithoutGIL(Fn launch) {
  int status;
  std::string message;
  {
    pybind11::gil_scoped_release release;
    status = launch();
    if (status != KRED_OK)
      message = kred_last_error();
  }
  if (status != KRED_OK)
    throw std::runtime_error(message);
}

/// compile(), Kernel, FormulaError and the compile cache's information.
void populateCompilerModule(pybind11::module_ &m);

/// Thread settings of the runtime.
void populateRuntimeModule(pybind11::module_ &m);

} // namespace kred::python

#endif // KRED_PYTHON_SRC_BINDINGS_H
