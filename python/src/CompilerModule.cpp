//===- CompilerModule.cpp - kred._C.compiler ------------------------------===//
//
// Part of the kernelred project.
//
// compile(...) -> Kernel (info, ir, launch), FormulaError, and the compile
// cache's information. Errors of the frontend become FormulaError (a
// ValueError carrying the rendered caret message), errors of the runtime and
// of the compiler RuntimeError.
//
//===----------------------------------------------------------------------===//

#include "python/src/Bindings.h"

#include "lib/Compiler/Backend.h"
#include "lib/Compiler/Compiler.h"
#include "lib/Frontend/FormulaParser.h"
#include "lib/Runtime/kred_runtime.h"

#include <pybind11/stl.h>

#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace py = pybind11;
using namespace mlir::kernelred;

namespace {

/// The Python class FormulaError (set up once with the module; the module
/// keeps it alive).
PyObject *formulaErrorType = nullptr;

/// Raises the Python exception for `err`: FormulaError for bad user input,
/// RuntimeError otherwise.
[[noreturn]] void raise(llvm::Error err) {
  std::optional<FormulaDiagnostic> diagnostic;
  std::string message;
  llvm::handleAllErrors(
      std::move(err),
      [&](const FormulaError &e) { diagnostic = e.getDiagnostic(); },
      [&](const llvm::ErrorInfoBase &e) {
        if (!message.empty())
          message += "\n";
        message += e.message();
      });
  if (diagnostic) {
    py::object instance = py::reinterpret_borrow<py::object>(formulaErrorType)(
        diagnostic->render());
    instance.attr("source") = diagnostic->source;
    instance.attr("column") = diagnostic->column;
    instance.attr("text") = diagnostic->text;
    instance.attr("reason") = diagnostic->message;
    PyErr_SetObject(formulaErrorType, instance.ptr());
    throw py::error_already_set();
  }
  throw std::runtime_error(message);
}

/// An address from a Python int (None or 0: NULL).
void *toPointer(py::handle h, const char *what) {
  if (h.is_none())
    return nullptr;
  if (!PyLong_Check(h.ptr()))
    throw py::type_error(
        std::string(what) + " must be an int address (or None), got " +
        std::string(py::str(py::type::of(h).attr("__name__"))));
  void *p = PyLong_AsVoidPtr(h.ptr());
  if (!p && PyErr_Occurred())
    throw py::error_already_set();
  return p;
}

/// The info entries that CPU and GPU kernels share, from their description
/// and the reduction as given to compile().
py::dict describeKernel(const KernelDescription &d,
                        const std::string &reduction) {
  py::dict dict;
  dict["name"] = d.name;
  dict["formula"] = d.formula;
  dict["axis"] = d.axis;
  dict["dtype"] = getDtypeName(d.dtype);
  dict["acc_dtype"] = getDtypeName(d.accDtype);
  // As given to compile(); reduction_kind is the canonical name.
  dict["reduction"] = reduction;
  dict["reduction_kind"] = getKeOpsReductionName(d.reduction).str();
  dict["num_args"] = d.argCategory.size();
  dict["arg_category"] = d.argCategory;
  dict["arg_dim"] = d.argDim;
  dict["out_value_dim"] = d.outValueDim;
  dict["out_index_dim"] = d.outIndexDim;
  dict["state_values"] = d.stateValues;
  dict["state_indices"] = d.stateIndices;
  dict["row_block"] = d.rowBlock;
  return dict;
}

/// A compiled kernel as seen from Python.
class Kernel {
public:
  Kernel(std::shared_ptr<JitKernel> kernel, std::string reduction)
      : kernel(std::move(kernel)), reduction(std::move(reduction)) {}

  py::dict getInfo() {
    if (!info) {
      const KernelDescription &d = kernel->getDescription();
      py::dict dict = describeKernel(d, reduction);
      dict["source"] = kernel->getSource() == JitKernel::Source::Compiled
                           ? "compiled"
                           : "disk";
      dict["compile_ms"] = kernel->getCreationMilliseconds();
      info = std::move(dict);
    }
    return *info;
  }

  std::string getIR() const { return kernel->getIR().str(); }

  /// The argument pointers of `argPtrs`, one per argument position.
  llvm::SmallVector<const void *, 16> getArgPointers(py::sequence argPtrs) {
    size_t numArgs = static_cast<size_t>(kernel->getKernel().info.num_args);
    size_t given = py::len(argPtrs);
    if (given != numArgs)
      throw py::value_error("kernel '" + kernel->getDescription().name +
                            "' takes " + std::to_string(numArgs) +
                            " argument pointers, got " + std::to_string(given));
    llvm::SmallVector<const void *, 16> args(numArgs);
    for (size_t p = 0; p < numArgs; ++p)
      args[p] = toPointer(argPtrs[p], "argument pointer");
    return args;
  }

  /// kred_cpu_launch_sized, or kred_cpu_launch_batched_sized when `batch` is
  /// not 1 or `batchOffsets` (a host int64 buffer of [batch][num_args]
  /// element offsets) is given.
  void launch(py::sequence argPtrs, int64_t M, int64_t N, py::handle outPtr,
              py::handle outIdxPtr, int numThreads, int split,
              py::handle argSizes, py::handle outSize, py::handle outIdxSize,
              int64_t batch, py::handle batchOffsets) {
    const kred_kernel &k = kernel->getKernel();
    llvm::SmallVector<const void *, 16> args = getArgPointers(argPtrs);
    void *out = toPointer(outPtr, "out_ptr");
    auto *outIdx = static_cast<int64_t *>(toPointer(outIdxPtr, "out_idx_ptr"));
    kred_launch_options options{numThreads, split};
    kred::python::BatchOffsets offsets =
        kred::python::getBatchOffsets(k.info, batch, batchOffsets);
    kred::python::LaunchSizes sizes = kred::python::getLaunchSizes(
        k.info, M, N, argSizes, outSize, outIdxSize, batch, offsets.data);
    kred::python::launchWithoutGIL([&] {
      if (batch == 1 && !offsets.data)
        return kred_cpu_launch_sized(&k, args.data(), sizes.args.data(), M, N,
                                     out, sizes.out, outIdx, sizes.outIdx,
                                     &options);
      return kred_cpu_launch_batched_sized(
          &k, args.data(), sizes.args.data(), M, N, batch, offsets.data, out,
          sizes.out, outIdx, sizes.outIdx, &options);
    });
  }

  /// kred_cpu_launch_ranges: blocks [numBlocks][2], slices [numBlocks] and
  /// redRanges [numRed][2] are addresses of C-contiguous int64 arrays.
  void launchRanges(py::sequence argPtrs, int64_t M, int64_t N,
                    py::handle outPtr, py::handle outIdxPtr,
                    py::handle blocksPtr, int64_t numBlocks,
                    py::handle slicesPtr, py::handle redPtr, int64_t numRed,
                    int numThreads, py::handle blocksSize,
                    py::handle slicesSize, py::handle redSize,
                    py::handle argSizes, py::handle outSize,
                    py::handle outIdxSize) {
    const kred_kernel &k = kernel->getKernel();
    llvm::SmallVector<const void *, 16> args = getArgPointers(argPtrs);
    void *out = toPointer(outPtr, "out_ptr");
    auto *outIdx = static_cast<int64_t *>(toPointer(outIdxPtr, "out_idx_ptr"));
    auto *blocks =
        static_cast<const int64_t *>(toPointer(blocksPtr, "blocks_ptr"));
    auto *slices =
        static_cast<const int64_t *>(toPointer(slicesPtr, "slices_ptr"));
    auto *red =
        static_cast<const int64_t *>(toPointer(redPtr, "redranges_ptr"));
    kred_launch_options options{numThreads, -1};
    kred::python::LaunchSizes sizes = kred::python::getLaunchSizes(
        k.info, M, N, argSizes, outSize, outIdxSize);
    // None: the sizes the counts say (unchecked).
    auto count = [](py::handle h, int64_t vouched, const char *what) {
      return kred::python::getCount(h, vouched, what);
    };
    int64_t blocksElements =
        count(blocksSize, numBlocks > 0 ? 2 * numBlocks : 0, "blocks_size");
    int64_t slicesElements =
        count(slicesSize, numBlocks > 0 ? numBlocks : 0, "slices_size");
    int64_t redElements =
        count(redSize, numRed > 0 ? 2 * numRed : 0, "redranges_size");
    kred::python::launchWithoutGIL([&] {
      return kred_cpu_launch_ranges_sized(
          &k, args.data(), sizes.args.data(), M, N, out, sizes.out, outIdx,
          sizes.outIdx, numBlocks, blocks, blocksElements, slices,
          slicesElements, numRed, red, redElements, &options);
    });
  }

  /// kred_cpu_launch_states_sized: every row's unfinalized accumulator
  /// into the state arrays (by address).
  void launchStates(py::sequence argPtrs, int64_t M, int64_t N,
                    py::handle valuesPtr, py::handle indicesPtr, int numThreads,
                    py::handle argSizes, py::handle valuesSize,
                    py::handle indicesSize) {
    const kred_kernel &k = kernel->getKernel();
    llvm::SmallVector<const void *, 16> args = getArgPointers(argPtrs);
    void *values = toPointer(valuesPtr, "values_ptr");
    auto *indices =
        static_cast<int64_t *>(toPointer(indicesPtr, "indices_ptr"));
    kred_launch_options options{numThreads, -1};
    kred::python::LaunchSizes sizes = kred::python::getLaunchSizes(
        k.info, M, N, argSizes, py::none(), py::none());
    kred::python::StateSizes states = kred::python::getStateSizes(
        k.info, k.info.axis == 1 ? M : N, 1, valuesSize, indicesSize);
    kred::python::launchWithoutGIL([&] {
      return kred_cpu_launch_states_sized(&k, args.data(), sizes.args.data(), M,
                                          N, values, states.values, indices,
                                          states.indices, &options);
    });
  }

  /// kred_cpu_merge_states_sized: folds `parts` blocks of `rows`
  /// accumulators in order and finalizes them into out / out_idx.
  void mergeStates(py::handle valuesPtr, py::handle indicesPtr, int64_t rows,
                   int64_t parts, py::handle outPtr, py::handle outIdxPtr,
                   int numThreads, py::handle valuesSize,
                   py::handle indicesSize, py::handle outSize,
                   py::handle outIdxSize) {
    const kred_kernel &k = kernel->getKernel();
    void *values = toPointer(valuesPtr, "values_ptr");
    auto *indices =
        static_cast<int64_t *>(toPointer(indicesPtr, "indices_ptr"));
    void *out = toPointer(outPtr, "out_ptr");
    auto *outIdx = static_cast<int64_t *>(toPointer(outIdxPtr, "out_idx_ptr"));
    kred_launch_options options{numThreads, -1};
    kred::python::StateSizes states = kred::python::getStateSizes(
        k.info, rows, parts, valuesSize, indicesSize);
    kred::python::MergeOutputSizes outs =
        kred::python::getMergeOutputSizes(k.info, rows, outSize, outIdxSize);
    kred::python::launchWithoutGIL([&] {
      return kred_cpu_merge_states_sized(
          &k, values, states.values, indices, states.indices, rows, parts, out,
          outs.out, outIdx, outs.outIdx, &options);
    });
  }

  std::string repr() const {
    const KernelDescription &d = kernel->getDescription();
    return "<kred._C.Kernel " + d.name + ": " +
           getKeOpsReductionName(d.reduction).str() + " of " + d.formula +
           " (" + getDtypeName(d.dtype) + ", axis " + std::to_string(d.axis) +
           ")>";
  }

private:
  std::shared_ptr<JitKernel> kernel;
  std::string reduction;
  std::optional<py::dict> info;
};

/// A GPU kernel (PTX per sm, cubins with ptxas) as seen from Python. The
/// kred_gpu_kernel lives in the heap-allocated GPUKernel: its address is
/// stable while this object lives.
class GPUKernelObject {
public:
  GPUKernelObject(std::unique_ptr<GPUKernel> kernel, std::string reduction)
      : kernel(std::move(kernel)), reduction(std::move(reduction)) {
    view = &this->kernel->getKernel();
  }
  GPUKernelObject(GPUKernelObject &&) = default;
  ~GPUKernelObject() {
    // The runtime caches loaded modules by kernel address: forget them
    // before the address can be reused.
    if (kernel)
      kred_gpu_release_kernel(view);
  }

  py::dict getInfo() {
    if (!info) {
      const KernelDescription &d = kernel->description;
      py::dict dict = describeKernel(d, reduction);
      dict["run_entry"] = kernel->runEntry;
      dict["merge_entry"] = kernel->mergeEntry;
      dict["block_threads"] = kernel->blockThreads;
      dict["rows_per_thread"] = kernel->rowsPerThread;
      dict["shared_bytes"] = kernel->sharedBytes;
      py::list sms;
      for (const GPUImage &image : kernel->images)
        if (image.kind == 0)
          sms.append(image.sm);
      dict["sms"] = sms;
      info = std::move(dict);
    }
    return *info;
  }

  uintptr_t getAddress() const { return reinterpret_cast<uintptr_t>(view); }

  py::dict getImages(int32_t kind) const {
    py::dict dict;
    for (const GPUImage &image : kernel->images) {
      if (image.kind != kind)
        continue;
      if (kind == 0)
        dict[py::int_(image.sm)] = py::str(image.data);
      else
        dict[py::int_(image.sm)] = py::bytes(image.data);
    }
    return dict;
  }

  std::string getIR() const { return kernel->ir; }

  std::string repr() const {
    return "<kred._C.GPUKernel '" + kernel->description.name + "' (" +
           reduction + ", " + std::to_string(kernel->images.size()) +
           " images)>";
  }

private:
  std::unique_ptr<GPUKernel> kernel;
  const kred_gpu_kernel *view = nullptr;
  std::string reduction;
  std::optional<py::dict> info;
};

/// The KernelSpec of Genred's arguments (compile and compile_gpu).
/// Defines m.`pyName`(formula, aliases, reduction="Sum", axis=1,
/// dtype="float32", opt_arg=None, formula2="", dtype_acc="auto",
/// sum_scheme="auto", *, name="kernel", ...): Genred's arguments, made into
/// the KernelSpec `compile` gets first, then the `Rest` ones, described by
/// `extra` (their py::args and the docstring).
template <typename... Rest, typename Fn, typename... Extra>
void defCompile(py::module_ &m, const char *pyName, Fn compile,
                const Extra &...extra) {
  m.def(
      pyName,
      [compile](std::string formula, std::vector<std::string> aliases,
                std::string reduction, int axis, std::string dtype,
                std::optional<int64_t> optArg,
                std::optional<std::string> formula2, std::string dtypeAcc,
                std::string sumScheme, std::string name, Rest... rest) {
        KernelSpec spec;
        spec.name = std::move(name);
        spec.formula = std::move(formula);
        spec.aliases = std::move(aliases);
        spec.reduction = std::move(reduction);
        spec.axis = axis;
        spec.dtype = std::move(dtype);
        spec.optArg = optArg;
        spec.formula2 = formula2.value_or("");
        spec.dtypeAcc = std::move(dtypeAcc);
        spec.sumScheme = std::move(sumScheme);
        return compile(std::move(spec), std::move(rest)...);
      },
      py::arg("formula"), py::arg("aliases"), py::arg("reduction") = "Sum",
      py::arg("axis") = 1, py::arg("dtype") = "float32",
      py::arg("opt_arg") = py::none(), py::arg("formula2") = "",
      py::arg("dtype_acc") = "auto", py::arg("sum_scheme") = "auto",
      py::kw_only(), py::arg("name") = "kernel", extra...);
}

/// The value of `compile()`, run without the GIL; raises its error.
template <typename Fn> auto compileWithoutGIL(Fn compile) {
  decltype(compile()) result = decltype(compile())(nullptr);
  {
    py::gil_scoped_release release;
    result = compile();
  }
  if (!result)
    raise(result.takeError());
  return std::move(*result);
}

} // namespace

void kred::python::populateCompilerModule(py::module_ &m) {
  static py::exception<FormulaError> formulaError(m, "FormulaError",
                                                  PyExc_ValueError);
  formulaErrorType = formulaError.ptr();
  formulaError.attr("__doc__") =
      "A formula or alias error; str(e) is the message with the input line "
      "and a caret under the column. Attributes: source, column, text, "
      "reason.";

  py::class_<Kernel>(m, "Kernel", "A kernel compiled in this process.")
      .def_property_readonly("info", &Kernel::getInfo,
                             "Signature and sizes (dict).")
      .def_property_readonly("ir", &Kernel::getIR,
                             "The kernelred IR of the kernel.")
      .def("launch", &Kernel::launch, py::arg("arg_ptrs"), py::arg("M"),
           py::arg("N"), py::arg("out_ptr"), py::arg("out_idx_ptr"),
           py::arg("num_threads") = 0, py::arg("split") = -1, py::kw_only(),
           py::arg("arg_sizes") = py::none(), py::arg("out_size") = py::none(),
           py::arg("out_idx_size") = py::none(), py::arg("batch") = 1,
           py::arg("batch_offsets") = py::none(),
           "Runs the kernel (kred_cpu_launch_sized) on C-contiguous arrays "
           "given by address (numpy a.ctypes.data, torch t.data_ptr()), one "
           "per argument position (None for unused ones). arg_sizes (one "
           "element count per position), out_size and out_idx_size: the "
           "elements each buffer holds; a short one raises RuntimeError "
           "naming it before anything runs (None: the count the launch "
           "needs, unchecked). Releases the GIL. split: -1 auto, 0 never, 1 "
           "always split the reduced index. batch, batch_offsets: `batch` "
           "reductions in one launch (kred_cpu_launch_batched_sized), "
           "argument p of element z at batch_offsets[z, p] elements from "
           "arg_ptrs[p] (an int64 buffer of batch x num_args), outputs one "
           "after the other; every element is checked against the sizes.")
      .def("launch_ranges", &Kernel::launchRanges, py::arg("arg_ptrs"),
           py::arg("M"), py::arg("N"), py::arg("out_ptr"),
           py::arg("out_idx_ptr"), py::arg("blocks_ptr"), py::arg("num_blocks"),
           py::arg("slices_ptr"), py::arg("redranges_ptr"),
           py::arg("num_redranges"), py::arg("num_threads") = 0, py::kw_only(),
           py::arg("blocks_size") = py::none(),
           py::arg("slices_size") = py::none(),
           py::arg("redranges_size") = py::none(),
           py::arg("arg_sizes") = py::none(), py::arg("out_size") = py::none(),
           py::arg("out_idx_size") = py::none(),
           "Block-sparse launch (kred_cpu_launch_ranges_sized): output row "
           "block b = [blocks[b,0], blocks[b,1]) is reduced over the "
           "reduced-index ranges redranges[slices[b-1]:slices[b]] (int64 "
           "arrays by address). *_size: element counts of the buffers, "
           "checked as in launch() (None: unchecked). Releases the GIL.")
      .def("launch_states", &Kernel::launchStates, py::arg("arg_ptrs"),
           py::arg("M"), py::arg("N"), py::arg("values_ptr"),
           py::arg("indices_ptr"), py::arg("num_threads") = 0, py::kw_only(),
           py::arg("arg_sizes") = py::none(),
           py::arg("values_size") = py::none(),
           py::arg("indices_size") = py::none(),
           "Runs every output row over the whole reduced range and writes "
           "its UNFINALIZED accumulator (kred_cpu_launch_states_sized): row "
           "r at values_ptr + r * info['state_values'] (acc_dtype) and "
           "indices_ptr + r * info['state_indices'] (int64; absolute reduced "
           "indices, -1 for none; None when state_indices is 0). K = 0 "
           "writes the identity state. arg_sizes, values_size, "
           "indices_size: element counts, checked as in launch() (None: "
           "the count the launch needs, unchecked). Releases the GIL.")
      .def("merge_states", &Kernel::mergeStates, py::arg("values_ptr"),
           py::arg("indices_ptr"), py::arg("rows"), py::arg("parts"),
           py::arg("out_ptr"), py::arg("out_idx_ptr"),
           py::arg("num_threads") = 0, py::kw_only(),
           py::arg("values_size") = py::none(),
           py::arg("indices_size") = py::none(),
           py::arg("out_size") = py::none(),
           py::arg("out_idx_size") = py::none(),
           "Folds `parts` consecutive blocks of `rows` accumulators "
           "([parts][rows][S], as launch_states writes them) in part order "
           "(ties keep the lower part's entries) and finalizes them into "
           "out / out_idx, the output of launch() "
           "(kred_cpu_merge_states_sized). The state arrays are clobbered; "
           "parts = 0 writes the identity. *_size: element counts (None: "
           "unchecked). Releases the GIL.")
      .def("__repr__", &Kernel::repr);

  defCompile<std::string, int, std::string>(
      m, "compile",
      [](KernelSpec spec, std::string cpu, int optLevel, std::string cacheDir) {
        CompileOptions options;
        options.cpu = std::move(cpu);
        options.optLevel = optLevel;
        options.cacheDir = std::move(cacheDir);
        return Kernel(
            compileWithoutGIL([&] { return compileKernel(spec, options); }),
            spec.reduction);
      },
      py::arg("cpu") = "native", py::arg("opt_level") = 3,
      py::arg("cache_dir") = "",
      "Compiles a KeOps reduction (Genred's arguments) for this CPU. Uses "
      "an in-process memo and the on-disk cache ($KRED_CACHE_DIR, default "
      "~/.cache/kred; 'off' disables it). Raises FormulaError on bad input.");

  py::class_<GPUKernelObject>(
      m, "GPUKernel",
      "A kernel compiled for NVIDIA GPUs (docs/gpu.md). `address` is its "
      "kred_gpu_kernel, valid while this object lives.")
      .def_property_readonly("info", &GPUKernelObject::getInfo,
                             "Kernel.info's fields plus run_entry, "
                             "merge_entry, block_threads, rows_per_thread, "
                             "shared_bytes and sms.")
      .def_property_readonly("address", &GPUKernelObject::getAddress,
                             "Address of the kred_gpu_kernel struct (int).")
      .def("kernel_address", &GPUKernelObject::getAddress, "Same as `address`.")
      .def_property_readonly(
          "ptx", [](const GPUKernelObject &k) { return k.getImages(0); },
          "{sm: PTX text}")
      .def_property_readonly(
          "cubin", [](const GPUKernelObject &k) { return k.getImages(1); },
          "{sm: cubin bytes} (empty without ptxas)")
      .def_property_readonly("ir", &GPUKernelObject::getIR,
                             "The kernelred IR before lowering.")
      .def("__repr__", &GPUKernelObject::repr);

  defCompile<std::vector<int>, std::optional<bool>, bool, int64_t, int64_t,
             bool, bool, std::string>(
      m, "compile_gpu",
      [](KernelSpec spec, std::vector<int> sm, std::optional<bool> cubin,
         bool fastMath, int64_t blockThreads, int64_t rowsPerThread,
         bool emulate, bool raceCheck, std::string cacheDir) {
        GPUCompileOptions options;
        options.sms = std::move(sm);
        options.fastMath = fastMath;
        options.blockThreads = blockThreads;
        options.rowsPerThread = rowsPerThread;
        options.emulate = emulate;
        options.raceCheck = raceCheck;
        options.cacheDir = std::move(cacheDir);
        // Default: cubins when ptxas is there (no driver JIT at first use),
        // for the sms it can target (the others get PTX only).
        options.cubin = !emulate && cubin.value_or(static_cast<bool>(
                                        findPtxas(options)));
        options.skipUnsupportedCubins = !cubin.has_value();
        return GPUKernelObject(
            compileWithoutGIL([&] { return compileGPUKernel(spec, options); }),
            spec.reduction);
      },
      py::arg("sm") = std::vector<int>(getSupportedGPUArchitectures().begin(),
                                       getSupportedGPUArchitectures().end()),
      py::arg("cubin") = py::none(),
      py::arg("fast_math") = GPUTargetOptions().fastMath,
      py::arg("block_threads") = GPUTargetOptions().blockThreads,
      py::arg("rows_per_thread") = GPUTargetOptions().rowsPerThread,
      py::arg("emulate") = false,
      py::arg("race_check") = GPUTargetOptions().raceCheck,
      py::arg("cache_dir") = "",
      "Compiles a KeOps reduction (Genred's arguments) for NVIDIA GPUs: PTX "
      "for every sm (default: all of 70, 75, 80, 90; LLVM NVPTX, no CUDA "
      "toolkit needed) and, with cubin (default: when ptxas is found, for "
      "the sms it can target), cubins; with emulate, a host image of the "
      "same kernels for the GPU emulator instead (docs/gpu.md; race_check: "
      "call its race detector). fast_math (default True, pykeops' "
      "use_fast_math): f32 exp, log, division, sqrt, rsqrt, sin and cos "
      "through the hardware approximations (docs/gpu.md, 'Fast math'); "
      "False keeps the accurate path. PTX and cubins go through the on-disk "
      "cache (cache_dir as in compile(); 'off' disables it); emulated "
      "kernels are not cached. Raises FormulaError on bad input, "
      "RuntimeError otherwise.");

  m.def(
      "target_info",
      [](std::string cpu) {
        CompileOptions options;
        options.cpu = std::move(cpu);
        llvm::Expected<TargetInfo> target = resolveTarget(options);
        if (!target)
          raise(target.takeError());
        py::dict d;
        d["triple"] = target->triple;
        d["cpu"] = target->cpu;
        d["features"] = target->features;
        d["vector_bits"] = target->vectorBits;
        d["runs_here"] = hostSupportsCPU(getRequestedCPU(options));
        return d;
      },
      py::arg("cpu") = "native",
      "The target compile(cpu=...) generates code for: triple, cpu, features "
      "(the host's for 'native'), vector_bits, and runs_here (whether this "
      "host has every feature of that CPU). 'native' stands for $KRED_CPU "
      "when set.");
  m.def(
      "reduction_names",
      [](bool spellings) { return getReductionNames(spellings); },
      py::arg("spellings") = false,
      "The reduction_op names compile() accepts: KeOps' names, and with "
      "spellings=True also the other spellings pykeops accepts (SoftMax, "
      "MinArgMin, ...).");
  m.def(
      "compiler_version", [] { return getCompilerVersion(); },
      "The compiler build identifier used in cache keys.");
  m.def(
      "cache_dir",
      [](std::string dir) {
        CompileOptions options;
        options.cacheDir = std::move(dir);
        return getCacheDirectory(options);
      },
      py::arg("dir") = "",
      "The on-disk cache directory in use ('' when disabled).");
  m.def(
      "cache_stats",
      [] {
        CompileStatistics s = getCompileStatistics();
        py::dict d;
        d["memory_hits"] = s.memoryHits;
        d["disk_hits"] = s.diskHits;
        d["compiled"] = s.compiled;
        d["disk_writes"] = s.diskWrites;
        d["gpu_disk_hits"] = s.gpuDiskHits;
        d["gpu_compiled"] = s.gpuCompiled;
        d["gpu_disk_writes"] = s.gpuDiskWrites;
        return d;
      },
      "Counters of compile() in this process, and gpu_*: of compile_gpu's "
      "PTX/cubin kernels (emulated ones excluded).");
  m.def(
      "clear_memo", [] { clearKernelMemo(); },
      "Forgets the in-process memo (the disk cache stays).");
}
