//===- RuntimeModule.cpp - kred._C.runtime --------------------------------===//
//
// Part of the kernelred project.
//
// Thread settings of CPU launches, and GPU launches (kred_gpu_launch, its
// batched form, kred_gpu_launch_ranges for ranges=, the states launch and
// merge of API version 5) of a kred_gpu_kernel given by address: the
// compiler binding owns the kernel, this module only runs it on device
// pointers (docs/gpu.md, "Python").
//
//===----------------------------------------------------------------------===//

#include "python/src/Bindings.h"

#include "lib/Runtime/kred_runtime.h"

#include <algorithm>
#include <climits>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

/// An address from a Python int (None: NULL).
uintptr_t toAddress(py::handle h, const char *what) {
  if (h.is_none())
    return 0;
  if (!PyLong_Check(h.ptr()))
    throw py::type_error(
        std::string(what) + " must be an int address (or None), got " +
        std::string(py::str(py::type::of(h).attr("__name__"))));
  void *p = PyLong_AsVoidPtr(h.ptr());
  if (!p && PyErr_Occurred())
    throw py::error_already_set();
  return reinterpret_cast<uintptr_t>(p);
}

} // namespace

int64_t kred::python::getCount(py::handle h, int64_t vouched,
                               const std::string &what) {
  if (h.is_none())
    return vouched;
  if (PyBool_Check(h.ptr()) || !PyIndex_Check(h.ptr()))
    throw py::type_error(
        what + " must be an int element count (or None), got " +
        std::string(py::str(py::type::of(h).attr("__name__"))));
  auto index = py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr()));
  if (!index)
    throw py::error_already_set();
  long long value = PyLong_AsLongLong(index.ptr());
  if (value == -1 && PyErr_Occurred())
    throw py::error_already_set();
  return value;
}

namespace {

/// a * b for the counts a launch needs (0 for negative sizes, which the
/// runtime rejects anyway; saturated on overflow).
int64_t needed(int64_t a, int64_t b) {
  int64_t r;
  if (a < 0 || b < 0)
    return 0;
  if (__builtin_mul_overflow(a, b, &r))
    return INT64_MAX;
  return r;
}

/// The kred_gpu_kernel of `kernel`: an int address, or an object whose
/// `address` attribute is one (the compiler binding's GPU kernel).
const kred_gpu_kernel *toGpuKernel(py::handle kernel) {
  py::handle h = kernel;
  py::object attr;
  if (!PyLong_Check(h.ptr()) && py::hasattr(h, "address")) {
    attr = h.attr("address");
    h = attr;
  }
  uintptr_t address = toAddress(h, "kernel");
  if (!address)
    throw py::value_error("kernel: NULL kred_gpu_kernel address");
  return reinterpret_cast<const kred_gpu_kernel *>(address);
}

/// What every GPU launch binding collects from its Python arguments.
struct GpuLaunch {
  const kred_gpu_kernel *kernel = nullptr;
  std::vector<const void *> args;
  void *out = nullptr;
  int64_t *outIdx = nullptr;
  kred_gpu_launch_options options{};
  kred::python::LaunchSizes sizes;

  const void *const *argData() const {
    return args.empty() ? nullptr : args.data();
  }
  const int64_t *argSizes() const {
    return sizes.args.empty() ? nullptr : sizes.args.data();
  }
};

GpuLaunch collectGpuLaunch(py::handle kernel, py::sequence argPtrs, int64_t M,
                           int64_t N, py::handle outPtr, py::handle outIdxPtr,
                           py::handle stream, int device, int split,
                           py::handle scratch, size_t scratchBytes,
                           py::handle argSizes, py::handle outSize,
                           py::handle outIdxSize, int64_t batch = 1,
                           const int64_t *batchOffsets = nullptr) {
  GpuLaunch l;
  l.kernel = toGpuKernel(kernel);
  const kred_kernel_info &info = l.kernel->info;
  size_t numArgs = info.num_args > 0 ? size_t(info.num_args) : 0;
  size_t given = py::len(argPtrs);
  if (given != numArgs)
    throw py::value_error(std::string("kernel '") +
                          (info.name ? info.name : "?") + "' takes " +
                          std::to_string(numArgs) + " argument pointers, got " +
                          std::to_string(given));
  l.args.resize(numArgs);
  for (size_t p = 0; p < numArgs; ++p)
    l.args[p] = reinterpret_cast<const void *>(
        toAddress(argPtrs[p], "argument pointer"));
  l.out = reinterpret_cast<void *>(toAddress(outPtr, "out_ptr"));
  l.outIdx = reinterpret_cast<int64_t *>(toAddress(outIdxPtr, "out_idx_ptr"));
  l.options.device = device;
  l.options.stream = reinterpret_cast<void *>(toAddress(stream, "stream"));
  l.options.split = split;
  l.options.scratch = reinterpret_cast<void *>(toAddress(scratch, "scratch"));
  l.options.scratch_bytes = scratchBytes;
  l.sizes = kred::python::getLaunchSizes(info, M, N, argSizes, outSize,
                                         outIdxSize, batch, batchOffsets);
  return l;
}

/// kred_gpu_launch_sized, or kred_gpu_launch_batched_sized when `batch` is
/// not 1 or `batchOffsets` (a host int64 buffer of [batch][num_args]
/// element offsets) is given.
void launchGpu(py::handle kernel, py::sequence argPtrs, int64_t M, int64_t N,
               py::handle outPtr, py::handle outIdxPtr, py::handle stream,
               int device, int split, py::handle scratch, size_t scratchBytes,
               py::handle argSizes, py::handle outSize, py::handle outIdxSize,
               int64_t batch, py::handle batchOffsets) {
  kred::python::BatchOffsets offsets = kred::python::getBatchOffsets(
      toGpuKernel(kernel)->info, batch, batchOffsets);
  GpuLaunch l = collectGpuLaunch(
      kernel, argPtrs, M, N, outPtr, outIdxPtr, stream, device, split, scratch,
      scratchBytes, argSizes, outSize, outIdxSize, batch, offsets.data);
  if (batch == 1 && !offsets.data) {
    kred::python::launchWithoutGIL([&] {
      return kred_gpu_launch_sized(l.kernel, l.argData(), l.argSizes(), M, N,
                                   l.out, l.sizes.out, l.outIdx,
                                   l.sizes.outIdx, &l.options);
    });
    return;
  }
  kred::python::launchWithoutGIL([&] {
    return kred_gpu_launch_batched_sized(
        l.kernel, l.argData(), l.argSizes(), M, N, batch, offsets.data, l.out,
        l.sizes.out, l.outIdx, l.sizes.outIdx, &l.options);
  });
}

/// kred_gpu_launch_ranges_sized: blocks [numBlocks][2], slices [numBlocks]
/// and red [numRed][2] are device addresses of C-contiguous int64 arrays.
void launchGpuRanges(py::handle kernel, py::sequence argPtrs, int64_t M,
                     int64_t N, py::handle outPtr, py::handle outIdxPtr,
                     py::handle blocksPtr, int64_t numBlocks,
                     py::handle slicesPtr, py::handle redPtr, int64_t numRed,
                     py::handle stream, int device, py::handle scratch,
                     size_t scratchBytes, py::handle blocksSize,
                     py::handle slicesSize, py::handle redSize,
                     py::handle argSizes, py::handle outSize,
                     py::handle outIdxSize) {
  GpuLaunch l = collectGpuLaunch(kernel, argPtrs, M, N, outPtr, outIdxPtr,
                                 stream, device, /*split=*/-1, scratch,
                                 scratchBytes, argSizes, outSize, outIdxSize);
  auto *blocks = reinterpret_cast<const int64_t *>(
      toAddress(blocksPtr, "blocks_ptr"));
  auto *slices = reinterpret_cast<const int64_t *>(
      toAddress(slicesPtr, "slices_ptr"));
  auto *red =
      reinterpret_cast<const int64_t *>(toAddress(redPtr, "redranges_ptr"));
  int64_t blocksElements = kred::python::getCount(
      blocksSize, numBlocks > 0 ? 2 * numBlocks : 0, "blocks_size");
  int64_t slicesElements = kred::python::getCount(
      slicesSize, numBlocks > 0 ? numBlocks : 0, "slices_size");
  int64_t redElements = kred::python::getCount(
      redSize, numRed > 0 ? 2 * numRed : 0, "redranges_size");
  kred::python::launchWithoutGIL([&] {
    return kred_gpu_launch_ranges_sized(
        l.kernel, l.argData(), l.argSizes(), M, N, l.out, l.sizes.out,
        l.outIdx, l.sizes.outIdx, numBlocks, blocks, blocksElements, slices,
        slicesElements, numRed, red, redElements, &l.options);
  });
}

/// kred_gpu_launch_states_sized on device addresses.
void launchGpuStates(py::handle kernel, py::sequence argPtrs, int64_t M,
                     int64_t N, py::handle valuesPtr, py::handle indicesPtr,
                     py::handle stream, int device, py::handle argSizes,
                     py::handle valuesSize, py::handle indicesSize) {
  GpuLaunch l = collectGpuLaunch(kernel, argPtrs, M, N, py::none(), py::none(),
                                 stream, device, /*split=*/-1, py::none(), 0,
                                 argSizes, py::none(), py::none());
  const kred_kernel_info &info = l.kernel->info;
  void *values = reinterpret_cast<void *>(toAddress(valuesPtr, "values_ptr"));
  auto *indices =
      reinterpret_cast<int64_t *>(toAddress(indicesPtr, "indices_ptr"));
  kred::python::StateSizes states = kred::python::getStateSizes(
      info, info.axis == 1 ? M : N, 1, valuesSize, indicesSize);
  kred::python::launchWithoutGIL([&] {
    return kred_gpu_launch_states_sized(l.kernel, l.argData(), l.argSizes(), M,
                                        N, values, states.values, indices,
                                        states.indices, &l.options);
  });
}

/// kred_gpu_merge_states_sized on device addresses.
void mergeGpuStates(py::handle kernel, py::handle valuesPtr,
                    py::handle indicesPtr, int64_t rows, int64_t parts,
                    py::handle outPtr, py::handle outIdxPtr, py::handle stream,
                    int device, py::handle valuesSize, py::handle indicesSize,
                    py::handle outSize, py::handle outIdxSize) {
  const kred_gpu_kernel *k = toGpuKernel(kernel);
  void *values = reinterpret_cast<void *>(toAddress(valuesPtr, "values_ptr"));
  auto *indices =
      reinterpret_cast<int64_t *>(toAddress(indicesPtr, "indices_ptr"));
  void *out = reinterpret_cast<void *>(toAddress(outPtr, "out_ptr"));
  auto *outIdx =
      reinterpret_cast<int64_t *>(toAddress(outIdxPtr, "out_idx_ptr"));
  kred_gpu_launch_options options{};
  options.device = device;
  options.stream = reinterpret_cast<void *>(toAddress(stream, "stream"));
  options.split = -1;
  kred::python::StateSizes states = kred::python::getStateSizes(
      k->info, rows, parts, valuesSize, indicesSize);
  kred::python::MergeOutputSizes outs =
      kred::python::getMergeOutputSizes(k->info, rows, outSize, outIdxSize);
  kred::python::launchWithoutGIL([&] {
    return kred_gpu_merge_states_sized(k, values, states.values, indices,
                                       states.indices, rows, parts, out,
                                       outs.out, outIdx, outs.outIdx, &options);
  });
}

} // namespace

kred::python::StateSizes
kred::python::getStateSizes(const kred_kernel_info &info, int64_t rows,
                            int64_t parts, py::handle valuesSize,
                            py::handle indicesSize) {
  StateSizes sizes;
  int64_t accumulators = needed(parts, rows);
  sizes.values = getCount(valuesSize, needed(accumulators, info.state_values),
                          "values_size");
  sizes.indices = getCount(
      indicesSize, needed(accumulators, info.state_indices), "indices_size");
  return sizes;
}

kred::python::MergeOutputSizes
kred::python::getMergeOutputSizes(const kred_kernel_info &info, int64_t rows,
                                  py::handle outSize, py::handle outIdxSize) {
  MergeOutputSizes sizes;
  sizes.out = getCount(outSize, needed(rows, info.out_value_dim), "out_size");
  sizes.outIdx =
      getCount(outIdxSize, needed(rows, info.out_index_dim), "out_idx_size");
  return sizes;
}

kred::python::BatchOffsets
kred::python::getBatchOffsets(const kred_kernel_info &info, int64_t batch,
                              py::handle batchOffsets) {
  BatchOffsets offsets;
  if (batchOffsets.is_none())
    return offsets;
  if (!PyObject_CheckBuffer(batchOffsets.ptr()))
    throw py::type_error("batch_offsets must be an int64 array (a buffer)");
  offsets.buffer = py::reinterpret_borrow<py::buffer>(batchOffsets).request();
  const py::buffer_info &b = offsets.buffer;
  int64_t numArgs = info.num_args;
  std::string format = b.format;
  while (!format.empty() &&
         std::string("@=<").find(format[0]) != std::string::npos)
    format.erase(0, 1);
  bool contiguous = true;
  for (py::ssize_t d = b.ndim - 1, stride = b.itemsize; d >= 0; --d) {
    contiguous = contiguous && (b.shape[d] <= 1 || b.strides[d] == stride);
    stride *= b.shape[d];
  }
  if ((format != "q" && format != "l") || b.itemsize != 8 ||
      b.size != needed(batch, numArgs) || !contiguous)
    throw py::value_error(
        "batch_offsets must be a contiguous int64 buffer of batch x "
        "num_args = " +
        std::to_string(batch) + " x " + std::to_string(numArgs) +
        " element offsets");
  offsets.data = static_cast<const int64_t *>(b.ptr);
  return offsets;
}

kred::python::LaunchSizes
kred::python::getLaunchSizes(const kred_kernel_info &info, int64_t M, int64_t N,
                             py::handle argSizes, py::handle outSize,
                             py::handle outIdxSize, int64_t batch,
                             const int64_t *batchOffsets) {
  LaunchSizes sizes;
  size_t numArgs = info.num_args > 0 ? size_t(info.num_args) : 0;
  sizes.args.resize(numArgs);
  bool given = !argSizes.is_none();
  if (given) {
    if (!py::isinstance<py::sequence>(argSizes) ||
        py::isinstance<py::str>(argSizes))
      throw py::type_error("arg_sizes must be a sequence of element counts "
                           "(or None)");
    size_t n = py::len(argSizes);
    if (n != numArgs)
      throw py::value_error(std::string("kernel '") +
                            (info.name ? info.name : "?") + "' takes " +
                            std::to_string(numArgs) + " arguments, got " +
                            std::to_string(n) + " arg_sizes");
  }
  py::sequence seq = given ? py::reinterpret_borrow<py::sequence>(argSizes)
                           : py::sequence();
  for (size_t p = 0; p < numArgs; ++p) {
    int32_t cat = info.arg_category[p];
    int64_t count = cat == KRED_CAT_I ? M : cat == KRED_CAT_J ? N : 1;
    int64_t vouched = cat == KRED_CAT_UNUSED ? 0 : needed(count, info.arg_dim[p]);
    // A batch: up to the end of the element that starts last.
    if (batchOffsets && cat != KRED_CAT_UNUSED) {
      int64_t last = 0;
      for (int64_t z = 0; z < batch; ++z)
        last = std::max(last, batchOffsets[z * int64_t(numArgs) + p]);
      vouched = last > INT64_MAX - vouched ? INT64_MAX : vouched + last;
    }
    sizes.args[p] =
        given ? getCount(seq[p], vouched, "arg_sizes[" + std::to_string(p) + "]")
              : vouched;
  }
  int64_t rows = needed(info.axis == 1 ? M : N, std::max<int64_t>(batch, 1));
  sizes.out = getCount(outSize, needed(rows, info.out_value_dim), "out_size");
  sizes.outIdx =
      getCount(outIdxSize, needed(rows, info.out_index_dim), "out_idx_size");
  return sizes;
}

void kred::python::populateRuntimeModule(py::module_ &m) {
  m.def(
      "set_num_threads", [](int n) { kred_set_num_threads(n); }, py::arg("n"),
      "Sets the number of threads of CPU launches (n <= 0: the default, "
      "$KRED_NUM_THREADS or the CPUs this process may use).");
  m.def(
      "get_num_threads", [] { return kred_get_num_threads(); },
      "The number of threads CPU launches use by default.");

  m.def(
      "gpu_available", [] { return kred_gpu_available(); },
      "The number of CUDA devices the runtime can use (0 without a driver "
      "or device; gpu_error() says why).");
  m.def(
      "gpu_error",
      [] {
        kred_gpu_available();
        return std::string(kred_last_error());
      },
      "Why gpu_available() is 0 ('' when a device is available).");
  m.def("gpu_launch", &launchGpu, py::arg("kernel"), py::arg("arg_ptrs"),
        py::arg("M"), py::arg("N"), py::arg("out_ptr"), py::arg("out_idx_ptr"),
        py::kw_only(), py::arg("stream") = 0, py::arg("device") = 0,
        py::arg("split") = -1, py::arg("scratch") = 0,
        py::arg("scratch_bytes") = 0, py::arg("arg_sizes") = py::none(),
        py::arg("out_size") = py::none(), py::arg("out_idx_size") = py::none(),
        py::arg("batch") = 1, py::arg("batch_offsets") = py::none(),
        "Enqueues a GPU kernel (kred_gpu_launch) on `stream` (a CUstream "
        "address, e.g. torch.cuda.current_stream(d).cuda_stream; 0: the "
        "legacy default stream) of CUDA device `device`. kernel: the address "
        "of a kred_gpu_kernel (or an object with an `address` attribute); "
        "arg_ptrs, out_ptr, out_idx_ptr: device addresses (None or 0 for "
        "NULL). split: -1 auto, 0 never, 1 always split the reduced index. "
        "scratch: device memory of scratch_bytes bytes for the partial "
        "accumulators (see gpu_scratch_bytes), else the runtime allocates "
        "it on the stream. arg_sizes (one element count per position), "
        "out_size, out_idx_size: the elements of each device buffer "
        "(kred_gpu_launch_sized rejects a short one; None: the count the "
        "launch needs, unchecked). batch, batch_offsets: `batch` reductions "
        "in one launch (kred_gpu_launch_batched_sized), argument p of "
        "element z at batch_offsets[z, p] elements from arg_ptrs[p] (a "
        "host int64 buffer of batch x num_args), outputs one after the "
        "other. Does not synchronize; releases the GIL; raises RuntimeError "
        "with the runtime's message.");
  m.def("gpu_launch_ranges", &launchGpuRanges, py::arg("kernel"),
        py::arg("arg_ptrs"), py::arg("M"), py::arg("N"), py::arg("out_ptr"),
        py::arg("out_idx_ptr"), py::arg("blocks_ptr"), py::arg("num_blocks"),
        py::arg("slices_ptr"), py::arg("redranges_ptr"),
        py::arg("num_redranges"), py::kw_only(), py::arg("stream") = 0,
        py::arg("device") = 0, py::arg("scratch") = 0,
        py::arg("scratch_bytes") = 0, py::arg("blocks_size") = py::none(),
        py::arg("slices_size") = py::none(),
        py::arg("redranges_size") = py::none(),
        py::arg("arg_sizes") = py::none(), py::arg("out_size") = py::none(),
        py::arg("out_idx_size") = py::none(),
        "Block-sparse GPU launch (kred_gpu_launch_ranges_sized): as "
        "gpu_launch, with KeOps' ranges as DEVICE addresses of int64 arrays "
        "(output row block b = [blocks[b,0], blocks[b,1]) reduced over "
        "redranges[slices[b-1]:slices[b]]); the runtime copies them to the "
        "host (synchronizing the stream) to check them and plan the "
        "launch. *_size: element counts (None: unchecked). Releases the "
        "GIL; raises RuntimeError with the runtime's message.");
  m.def("gpu_launch_states", &launchGpuStates, py::arg("kernel"),
        py::arg("arg_ptrs"), py::arg("M"), py::arg("N"), py::arg("values_ptr"),
        py::arg("indices_ptr"), py::arg("stream") = 0, py::arg("device") = 0,
        py::kw_only(), py::arg("arg_sizes") = py::none(),
        py::arg("values_size") = py::none(),
        py::arg("indices_size") = py::none(),
        "Enqueues one launch of the run kernel that writes every output "
        "row's UNFINALIZED accumulator over the whole reduced range "
        "(kred_gpu_launch_states_sized): row r at values_ptr + r * "
        "info['state_values'] (acc_dtype) and indices_ptr + r * "
        "info['state_indices'] (int64: absolute reduced indices, -1 for "
        "none); device addresses, on `stream` of `device` as gpu_launch. "
        "K = 0 writes the identity state. *_size: element counts (None: "
        "unchecked). Does not synchronize; releases the GIL; raises "
        "RuntimeError with the runtime's message.");
  m.def("gpu_merge_states", &mergeGpuStates, py::arg("kernel"),
        py::arg("values_ptr"), py::arg("indices_ptr"), py::arg("rows"),
        py::arg("parts"), py::arg("out_ptr"), py::arg("out_idx_ptr"),
        py::arg("stream") = 0, py::arg("device") = 0, py::kw_only(),
        py::arg("values_size") = py::none(),
        py::arg("indices_size") = py::none(), py::arg("out_size") = py::none(),
        py::arg("out_idx_size") = py::none(),
        "Enqueues the merge kernel over `parts` consecutive blocks of "
        "`rows` accumulators ([parts][rows][S] device arrays, clobbered), "
        "folded in part order (ties keep the lower part's entries) and "
        "finalized into out / out_idx (kred_gpu_merge_states_sized); parts "
        "= 0 writes the identity. *_size: element counts (None: "
        "unchecked). Does not synchronize; releases the GIL; raises "
        "RuntimeError with the runtime's message.");
  m.def(
      "gpu_scratch_bytes",
      [](py::handle kernel, int64_t M, int64_t N, int device,
         int64_t batch) {
        const kred_gpu_kernel *k = toGpuKernel(kernel);
        size_t bytes = kred_gpu_batch_scratch_bytes(k, M, N, batch, device);
        if (bytes == 0 && kred_last_error()[0])
          throw std::runtime_error(kred_last_error());
        return bytes;
      },
      py::arg("kernel"), py::arg("M"), py::arg("N"), py::arg("device") = 0,
      py::arg("batch") = 1,
      "Device scratch in bytes an automatic-split launch (of `batch` "
      "elements) needs (0: none).");
  m.def(
      "gpu_set_emulator",
      [](bool on) { return kred_gpu_set_emulator(on ? 1 : 0) == 1; },
      py::arg("on"),
      "Testing aid: runs every later GPU call on the GPU emulator (True: one "
      "emulated sm_90 device that runs host images, synchronously, with "
      "poisoned shared memory, varying thread orders and a race detector) "
      "or the CUDA driver (False); $KRED_GPU_EMULATOR=1 selects the "
      "emulator at first use (kred_gpu_set_emulator, docs/gpu.md). Returns "
      "whether the emulator was selected before the call.");
}
