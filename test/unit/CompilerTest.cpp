//===- CompilerTest.cpp - tests of the compiler's backend and cache -------===//
//
// Part of the kernelred project.
//
// Tests lib/Compiler below the frontend and the kred-to-llvm-cpu pipeline:
// a hand-written kernel in the LLVM dialect (following the ABI of
// kred_runtime.h) goes through translation, O3, object emission and the ORC
// JIT, then runs through kred_cpu_launch_sized; the on-disk cache's format,
// damage detection and concurrent writers, the cache of GPU images; target
// resolution. Run from lit
// (test/unit/compiler.test).
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "lib/Compiler/Compiler.h"
#include "lib/Compiler/Backend.h"
#include "lib/Compiler/DiskCache.h"

#include "dialect/KredOps.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <thread>
#include <vector>

using namespace mlir;
using namespace mlir::kernelred;

namespace {

/// Prints and counts an unexpected error; returns true if there was one.
bool failed(llvm::Error err, const char *what) {
  if (!err)
    return false;
  std::fprintf(stderr, "%s: %s\n", what,
               llvm::toString(std::move(err)).c_str());
  ++failures;
  return true;
}

/// Parses src in context; counts a failure if it does not parse.
OwningOpRef<ModuleOp> parseOrFail(llvm::StringRef src, MLIRContext *context) {
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(src, context);
  EXPECT(module);
  return module;
}

/// Looks up <prefix>_run, _merge and _finalize in object into kernel; counts
/// a failure and returns false if one is missing.
bool lookupEntries(LoadedObject &object, llvm::StringRef prefix,
                   kred_kernel &kernel) {
  auto run = object.lookup((prefix + "_run").str());
  auto merge = object.lookup((prefix + "_merge").str());
  auto finalize = object.lookup((prefix + "_finalize").str());
  if (failed(run.takeError(), "lookup") ||
      failed(merge.takeError(), "lookup") ||
      failed(finalize.takeError(), "lookup"))
    return false;
  kernel.run = reinterpret_cast<kred_run_fn>(*run);
  kernel.merge = reinterpret_cast<kred_merge_fn>(*merge);
  kernel.finalize = reinterpret_cast<kred_finalize_fn>(*finalize);
  return true;
}

/// out_i = sum_j x_i * y_j (f32, dimension 1, state: one f32 per row), in
/// the LLVM dialect, with the kernel ABI: the module's head and dot_run.
const char *kDotRun = R"mlir(
module {
  llvm.func @dot_run(%args: !llvm.ptr, %M: i64, %N: i64, %r0: i64, %r1: i64,
                     %k0: i64, %k1: i64, %out: !llvm.ptr, %oi: !llvm.ptr,
                     %sv: !llvm.ptr, %si: !llvm.ptr) {
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %zero = llvm.mlir.constant(0.0 : f32) : f32
    %null = llvm.mlir.zero : !llvm.ptr
    %xa = llvm.getelementptr %args[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %x = llvm.load %xa : !llvm.ptr -> !llvm.ptr
    %ya = llvm.getelementptr %args[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %y = llvm.load %ya : !llvm.ptr -> !llvm.ptr
    llvm.br ^rows(%r0 : i64)
  ^rows(%r: i64):
    %rc = llvm.icmp "slt" %r, %r1 : i64
    llvm.cond_br %rc, ^rowbody, ^exit
  ^rowbody:
    %xrp = llvm.getelementptr %x[%r] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %xr = llvm.load %xrp : !llvm.ptr -> f32
    llvm.br ^cols(%k0, %zero : i64, f32)
  ^cols(%k: i64, %acc: f32):
    %kc = llvm.icmp "slt" %k, %k1 : i64
    llvm.cond_br %kc, ^colbody, ^rowend
  ^colbody:
    %ykp = llvm.getelementptr %y[%k] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %yk = llvm.load %ykp : !llvm.ptr -> f32
    %prod = llvm.fmul %xr, %yk : f32
    %acc2 = llvm.fadd %acc, %prod : f32
    %k2 = llvm.add %k, %c1 : i64
    llvm.br ^cols(%k2, %acc2 : i64, f32)
  ^rowend:
    %final = llvm.icmp "eq" %sv, %null : !llvm.ptr
    llvm.cond_br %final, ^tofinal, ^tostate
  ^tofinal:
    %op = llvm.getelementptr %out[%r] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    llvm.store %acc, %op : f32, !llvm.ptr
    llvm.br ^next
  ^tostate:
    %rel = llvm.sub %r, %r0 : i64
    %sp = llvm.getelementptr %sv[%rel] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    llvm.store %acc, %sp : f32, !llvm.ptr
    llvm.br ^next
  ^next:
    %rn = llvm.add %r, %c1 : i64
    llvm.br ^rows(%rn : i64)
  ^exit:
    llvm.return
  }
)mlir";

/// An llvm.func @name(params) that runs body once for each %r in
/// [0, %rows), with %c0 and %c1 at hand.
std::string rowLoopFunc(const char *name, const char *params,
                        const char *body) {
  return std::string("  llvm.func @") + name + "(" + params + ") {" +
         R"mlir(
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    llvm.br ^loop(%c0 : i64)
  ^loop(%r: i64):
    %c = llvm.icmp "slt" %r, %rows : i64
    llvm.cond_br %c, ^body, ^exit
  ^body:
)mlir" + body +
         R"mlir(    %rn = llvm.add %r, %c1 : i64
    llvm.br ^loop(%rn : i64)
  ^exit:
    llvm.return
  }
)mlir";
}

/// The hand kernel: dot_run, then dot_merge (state a += state b) and
/// dot_finalize (state -> out rows from r0).
const std::string kHandKernel =
    std::string(kDotRun) +
    rowLoopFunc("dot_merge",
                "%a: !llvm.ptr, %ai: !llvm.ptr, %b: !llvm.ptr, %bi: !llvm.ptr, "
                "%rows: i64",
                R"mlir(
    %ap = llvm.getelementptr %a[%r] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %bp = llvm.getelementptr %b[%r] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %av = llvm.load %ap : !llvm.ptr -> f32
    %bv = llvm.load %bp : !llvm.ptr -> f32
    %s = llvm.fadd %av, %bv : f32
    llvm.store %s, %ap : f32, !llvm.ptr
)mlir") +
    rowLoopFunc("dot_finalize",
                "%v: !llvm.ptr, %vi: !llvm.ptr, %rows: i64, %r0: i64, "
                "%out: !llvm.ptr, %oi: !llvm.ptr",
                R"mlir(
    %vp = llvm.getelementptr %v[%r] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %x = llvm.load %vp : !llvm.ptr -> f32
    %at = llvm.add %r, %r0 : i64
    %op = llvm.getelementptr %out[%at] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    llvm.store %x, %op : f32, !llvm.ptr
)mlir") +
    "}\n";

void testJitHandWrittenKernel() {
  std::unique_ptr<MLIRContext> context = createCompilerContext();
  OwningOpRef<ModuleOp> module = parseOrFail(kHandKernel, context.get());
  if (!module)
    return;
  CompileOptions options;
  auto target = resolveTarget(options);
  if (failed(target.takeError(), "resolveTarget"))
    return;
  auto object = compileLLVMDialectToObject(*module, options, *target);
  if (failed(object.takeError(), "compileLLVMDialectToObject"))
    return;
  EXPECT(object->size() > 64 && object->compare(0, 4,
                                                "\x7f"
                                                "ELF") == 0);

  auto loaded = loadObject(*object, "dot");
  if (failed(loaded.takeError(), "loadObject"))
    return;
  kred_kernel kernel{};
  if (!lookupEntries(**loaded, "dot", kernel))
    return;
  auto missing = (*loaded)->lookup("dot_nothing");
  EXPECT(!missing);
  if (!missing)
    return;
  llvm::consumeError(missing.takeError());

  KernelDescription desc;
  desc.name = "dot";
  desc.formula = "x*y";
  desc.argCategory = {KRED_CAT_I, KRED_CAT_J};
  desc.argDim = {1, 1};
  desc.outValueDim = 1;
  desc.stateValues = 1;
  desc.rowBlock = 1;
  kernel.info = desc.getInfo();

  for (auto [M, N] : {std::pair<int64_t, int64_t>{1, 1},
                      {3, 10007},
                      {1000, 17},
                      {0, 5},
                      {5, 0}}) {
    std::vector<float> x(M), y(N);
    for (int64_t i = 0; i < M; ++i)
      x[i] = 0.5f + 0.001f * float(i % 97);
    for (int64_t j = 0; j < N; ++j)
      y[j] = 0.25f + 0.002f * float(j % 89);
    const void *args[] = {x.data(), y.data()};
    const int64_t sizes[] = {M, N};
    for (int split : {-1, 0, 1}) {
      std::vector<float> out(M, std::nanf(""));
      kred_launch_options opts{2, split};
      EXPECT(kred_cpu_launch_sized(&kernel, args, sizes, M, N, out.data(), M,
                                   nullptr, 0, &opts) == KRED_OK);
      for (int64_t i = 0; i < M; ++i) {
        double want = 0;
        for (int64_t j = 0; j < N; ++j)
          want += double(x[i]) * double(y[j]);
        if (!(std::fabs(out[i] - want) <= 1e-4 * std::max(1.0, want))) {
          std::fprintf(stderr, "JIT dot M=%lld N=%lld: row %lld: %g vs %g\n",
                       (long long)M, (long long)N, (long long)i, out[i], want);
          ++failures;
          break;
        }
      }
    }
  }

  // A buffer one element short is refused before anything runs.
  {
    int64_t M = 4, N = 6;
    std::vector<float> x(M, 1.0f), y(N, 1.0f), out(M, -1.0f);
    const void *args[] = {x.data(), y.data()};
    const int64_t shortY[] = {M, N - 1};
    const int64_t full[] = {M, N};
    kred_launch_options opts{1, 0};
    EXPECT(kred_cpu_launch_sized(&kernel, args, shortY, M, N, out.data(), M,
                                 nullptr, 0, &opts) ==
           KRED_ERR_INVALID_ARGUMENT);
    EXPECT(std::strstr(kred_last_error(), "argument 1") != nullptr);
    EXPECT(kred_cpu_launch_sized(&kernel, args, full, M, N, out.data(), M - 1,
                                 nullptr, 0, &opts) ==
           KRED_ERR_INVALID_ARGUMENT);
    EXPECT(std::strstr(kred_last_error(), "output array is too short") !=
           nullptr);
    for (float v : out)
      EXPECT(v == -1.0f);
  }

  // Two objects defining the same symbols coexist (one JITDylib each).
  auto again = loadObject(*object, "dot");
  if (!failed(again.takeError(), "loadObject (second)")) {
    auto run2 = (*again)->lookup("dot_run");
    if (!failed(run2.takeError(), "lookup (second)"))
      EXPECT(*run2 != reinterpret_cast<void *>(kernel.run));
  }
}

/// Kernels in kernelred IR (as the frontend would build them): the seed
/// LogSumExp (f64) and an ArgKMin over i (f32).
const char *kKredKernels = R"mlir(
kernelred.reduce @seed logsumexp over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>,
         %a: j[2] vector<1xf64>, %p: p[3] vector<1xf64>) {
  %d = kernelred.sub %p, %a : vector<1xf64>
  %s = kernelred.square %d : vector<1xf64>
  %t = kernelred.add %x, %y : vector<1xf64>
  %e = kernelred.exp %t : vector<1xf64>
  %f = kernelred.mul %s, %e : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @knn argkmin over i
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>)
    attributes {k = 3 : i64} {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  kernelred.yield %d : vector<1xf32>
}
)mlir";

double seedReference(const std::vector<double> &x, const std::vector<double> &y,
                     const std::vector<double> &a, double p, int64_t i) {
  std::vector<double> f(y.size());
  double m = -INFINITY;
  for (size_t j = 0; j < y.size(); ++j) {
    f[j] = (p - a[j]) * (p - a[j]) * std::exp(x[i] + y[j]);
    m = std::max(m, f[j]);
  }
  double s = 0;
  for (double v : f)
    s += std::exp(v - m);
  return m + std::log(s);
}

/// Runs the seed kernel through `kernel` and checks it.
void checkSeedKernel(const kred_kernel &kernel, const char *where) {
  int64_t M = 301, N = 1013;
  std::vector<double> x(M), y(N), a(N);
  for (int64_t i = 0; i < M; ++i)
    x[i] = 0.1 + 0.9 * double((i * 37) % 101) / 101;
  for (int64_t j = 0; j < N; ++j) {
    y[j] = 0.1 + 0.9 * double((j * 53) % 103) / 103;
    a[j] = 0.1 + 0.9 * double((j * 29) % 97) / 97;
  }
  double p = 0.25;
  const void *args[] = {x.data(), y.data(), a.data(), &p};
  const int64_t sizes[] = {M, N, N, 1};
  for (int split : {0, 1}) {
    std::vector<double> out(M, NAN);
    kred_launch_options opts{2, split};
    if (kred_cpu_launch_sized(&kernel, args, sizes, M, N, out.data(), M,
                              nullptr, 0, &opts) != KRED_OK) {
      std::fprintf(stderr, "%s: %s\n", where, kred_last_error());
      ++failures;
      return;
    }
    for (int64_t i = 0; i < M; ++i) {
      double want = seedReference(x, y, a, p, i);
      if (!(std::fabs(out[i] - want) <= 1e-12 * std::fabs(want))) {
        std::fprintf(stderr, "%s: split=%d row %lld: %.17g vs %.17g\n", where,
                     split, (long long)i, out[i], want);
        ++failures;
        return;
      }
    }
  }
}

/// Compiles kKredKernels through the pipeline, JITs the seed kernel, and
/// builds a shared library of both kernels whose descriptors it loads.
void testKredKernels() {
  std::unique_ptr<MLIRContext> context = createCompilerContext();
  OwningOpRef<ModuleOp> module = parseOrFail(kKredKernels, context.get());
  if (!module)
    return;
  CompileOptions options;
  std::vector<KernelDescription> descriptions;
  for (ReduceOp op : module->getOps<ReduceOp>()) {
    auto desc = describeKernel(op, options);
    if (failed(desc.takeError(), "describeKernel"))
      return;
    descriptions.push_back(std::move(*desc));
  }
  EXPECT(descriptions.size() == 2);
  const KernelDescription &seed = descriptions[0];
  EXPECT(seed.name == "seed" && seed.dtype == KRED_F64 && seed.axis == 1);
  EXPECT((seed.argCategory == std::vector<int32_t>{KRED_CAT_I, KRED_CAT_J,
                                                   KRED_CAT_J, KRED_CAT_P}));
  EXPECT(seed.outValueDim == 1 && seed.outIndexDim == 0);
  EXPECT(seed.rowBlock >= 1 && seed.stateValues >= 2);
  const KernelDescription &knn = descriptions[1];
  EXPECT(knn.axis == 0 && knn.outValueDim == 0 && knn.outIndexDim == 3 &&
         knn.stateIndices == 3);

  // The shared library (before lowering: emitSharedLibrary lowers a copy).
  llvm::SmallString<128> dir;
  llvm::sys::fs::createUniqueDirectory("kred-so-test", dir);
  llvm::SmallString<128> so(dir);
  llvm::sys::path::append(so, "libkernels.so");
  OwningOpRef<ModuleOp> copy(module.get().clone());
  if (!failed(emitSharedLibrary(*copy, options, so), "emitSharedLibrary")) {
    void *handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    EXPECT(handle);
    if (handle) {
      auto *kernel =
          static_cast<const kred_kernel *>(dlsym(handle, "seed_kernel"));
      EXPECT(kernel && dlsym(handle, "knn_kernel") &&
             dlsym(handle, "seed_run"));
      if (kernel) {
        EXPECT(kernel->info.row_block == seed.rowBlock &&
               kernel->info.state_values == seed.stateValues);
        checkSeedKernel(*kernel, "shared library");
      }
    } else {
      std::fprintf(stderr, "dlopen: %s\n", dlerror());
    }
  }
  llvm::sys::fs::remove_directories(dir);

  // The JIT path.
  auto target = resolveTarget(options);
  if (failed(target.takeError(), "resolveTarget"))
    return;
  if (failed(lowerToLLVMDialect(*module, options, *target),
             "lowerToLLVMDialect"))
    return;
  auto object = compileLLVMDialectToObject(*module, options, *target);
  if (failed(object.takeError(), "compileLLVMDialectToObject"))
    return;
  auto loaded = loadObject(*object, "kernels");
  if (failed(loaded.takeError(), "loadObject"))
    return;
  kred_kernel kernel{};
  kernel.info = seed.getInfo();
  if (!lookupEntries(**loaded, "seed", kernel))
    return;
  checkSeedKernel(kernel, "JIT");
}

/// Writes `text` to a new file in `dir` and returns its path.
std::string writeTemp(llvm::StringRef dir, llvm::StringRef name,
                      llvm::StringRef text) {
  llvm::SmallString<128> path(dir);
  llvm::sys::path::append(path, name);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  os << text;
  return std::string(path);
}

/// buildKernelLibrary on bad specs: clear messages, nothing written.
void testKernelLibraryErrors() {
  llvm::SmallString<128> dir;
  llvm::sys::fs::createUniqueDirectory("kred-spec-test", dir);
  llvm::SmallString<128> lib(dir), header(dir);
  llvm::sys::path::append(lib, "libk.so");
  llvm::sys::path::append(header, "k.h");
  struct Case {
    const char *yaml;
    const char *expected;
  };
  const Case cases[] = {
      {"kernels:\n  - name: a\n    formula: x\n    formla: x\n",
       "unknown key 'formla'"},
      {"kernels:\n  - name: a\n    formula: x\n    aliases: [x = Vi(1)]\n"
       "  - name: a\n    formula: x\n    aliases: [x = Vi(1)]\n",
       "kernel 'a' is defined twice"},
      {"kernels:\n  - name: 2a\n    formula: x\n", "is not a C identifier"},
      {"kernels:\n  - name: kred_x\n    formula: x\n", "prefix 'kred_'"},
      {"kernels:\n  - name: bad\n    formula: Exq(x)\n    aliases: [x = "
       "Vi(1)]\n",
       "kernel 'bad': formula:1: error:"},
      {"kernels: []\n", "no kernels"},
      {"kernels:\n  - name: a\n    formula: x\n    axis: 3\n",
       "axis must be 0 or 1"},
      {"kernels: [\n", "spec.yaml"},
  };
  for (const Case &c : cases) {
    std::string spec = writeTemp(dir, "spec.yaml", c.yaml);
    llvm::Error err = buildKernelLibrary(spec, lib, header, CompileOptions());
    if (!err) {
      std::fprintf(stderr, "spec accepted: %s\n", c.yaml);
      ++failures;
      continue;
    }
    std::string message = llvm::toString(std::move(err));
    if (message.find(c.expected) == std::string::npos) {
      std::fprintf(stderr, "spec error '%s' lacks '%s'\n", message.c_str(),
                   c.expected);
      ++failures;
    }
  }
  llvm::Error missing =
      buildKernelLibrary("/nonexistent/spec.yaml", lib, header, {});
  EXPECT(missing && llvm::toString(std::move(missing)).find("cannot read") !=
                        std::string::npos);
  EXPECT(!llvm::sys::fs::exists(lib) && !llvm::sys::fs::exists(header));
  llvm::sys::fs::remove_directories(dir);
}

/// emitLLVMIR: optimized IR with the ABI functions, vectorized for the
/// target.
void testEmitLLVMIR() {
  std::unique_ptr<MLIRContext> context = createCompilerContext();
  OwningOpRef<ModuleOp> module = parseOrFail(kKredKernels, context.get());
  if (!module)
    return;
  CompileOptions options;
  options.cpu = "x86-64-v3";
  auto ir = emitLLVMIR(*module, options);
  if (failed(ir.takeError(), "emitLLVMIR"))
    return;
  EXPECT(ir->find("define void @seed_run(") != std::string::npos);
  EXPECT(ir->find("@seed_merge(") != std::string::npos);
  EXPECT(ir->find("@knn_finalize(") != std::string::npos);
  EXPECT(ir->find("<4 x double>") != std::string::npos); // 256-bit lanes
  EXPECT(ir->find("\"target-cpu\"=\"x86-64-v3\"") != std::string::npos);
}

void testTargets() {
  CompileOptions options;
  auto host = resolveTarget(options);
  if (failed(host.takeError(), "resolveTarget(native)"))
    return;
  EXPECT(!host->cpu.empty() && host->cpu != "native");
  EXPECT(host->vectorBits >= 128);

  options.cpu = "x86-64-v3";
  auto v3 = resolveTarget(options);
  if (!failed(v3.takeError(), "resolveTarget(x86-64-v3)"))
    EXPECT(v3->vectorBits == 256 && v3->getKey() != host->getKey());
  options.cpu = "x86-64-v4";
  auto v4 = resolveTarget(options);
  if (!failed(v4.takeError(), "resolveTarget(x86-64-v4)"))
    EXPECT(v4->vectorBits == 512);

  options.cpu = "pentium-9000";
  auto bad = resolveTarget(options);
  EXPECT(!bad);
  if (!bad) {
    std::string message = llvm::toString(bad.takeError());
    EXPECT(message.find("unknown CPU 'pentium-9000'") != std::string::npos);
  }
  options.cpu = "native";
  options.target = "tpu";
  auto badTarget = resolveTarget(options);
  EXPECT(!badTarget);
  if (!badTarget)
    EXPECT(llvm::toString(badTarget.takeError()).find("unsupported target") !=
           std::string::npos);
}

void testDiskCache() {
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("kred-cache-test", dir)) {
    ++failures;
    return;
  }
  DiskCache cache(std::string(dir.str()));
  EXPECT(cache.isEnabled());
  std::string key = DiskCache::computeKey("some IR");
  EXPECT(key.size() == 32);
  EXPECT(key != DiskCache::computeKey("some IR "));
  EXPECT(!cache.load(key));

  std::string object(100000, '\0');
  for (size_t i = 0; i < object.size(); ++i)
    object[i] = static_cast<char>(i * 7919 % 251);
  EXPECT(cache.store(key, object));
  auto loaded = cache.load(key);
  EXPECT(loaded && *loaded == object);

  // A damaged entry (truncated, or one byte changed) is a miss.
  std::string path = cache.getPath(key);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    os << "KREDOBJ1 truncated";
  }
  EXPECT(!cache.load(key));
  EXPECT(cache.store(key, object));
  {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    std::string bytes = (*buffer)->getBuffer().str();
    bytes[bytes.size() / 2] ^= 1;
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    os << bytes;
  }
  EXPECT(!cache.load(key));

  // An entry stored under another key (e.g. a copied file) is a miss.
  std::string other = DiskCache::computeKey("other IR");
  EXPECT(cache.store(other, object));
  llvm::sys::fs::create_directories(llvm::sys::path::parent_path(path));
  llvm::sys::fs::copy_file(cache.getPath(other), path);
  EXPECT(!cache.load(key));

  // Concurrent writers and readers of one key: every read is a miss or the
  // exact object, and no temporary file is left behind.
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        if (t % 2 == 0) {
          if (!cache.store(key, object))
            ++bad;
        } else if (auto got = cache.load(key); got && *got != object) {
          ++bad;
        }
      }
    });
  for (auto &t : threads)
    t.join();
  EXPECT(bad == 0);
  auto final = cache.load(key);
  EXPECT(final && *final == object);
  std::error_code ec;
  int leftovers = 0;
  for (llvm::sys::fs::recursive_directory_iterator it(dir, ec), end;
       it != end && !ec; it.increment(ec))
    if (llvm::StringRef(it->path()).ends_with(".tmp"))
      ++leftovers;
  EXPECT(leftovers == 0);

  // "off" disables the cache.
  DiskCache off("off");
  EXPECT(!off.isEnabled() && !off.store(key, object) && !off.load(key));

  llvm::sys::fs::remove_directories(dir);
}

/// The sm list, and compileGPUKernel's PTX through the on-disk cache: a
/// second compilation (the in-process state plays no part) loads identical
/// images, an entry with a valid frame but an unexpected payload is a miss
/// that is rewritten, other options miss, and emulated kernels are never
/// cached.
void testGPUDiskCache() {
  EXPECT((getSupportedGPUArchitectures().vec() ==
          std::vector<int>{70, 75, 80, 90}));
  EXPECT(isSupportedGPUArchitecture(75) && isSupportedGPUArchitecture(70) &&
         !isSupportedGPUArchitecture(72) && !isSupportedGPUArchitecture(60));
  EXPECT(getSupportedGPUArchitecturesText() == "sm_70, sm_75, sm_80, sm_90");

  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("kred-gpu-cache-test", dir)) {
    ++failures;
    return;
  }
  auto entries = [&] {
    std::vector<std::string> found;
    std::error_code ec;
    for (llvm::sys::fs::recursive_directory_iterator it(dir, ec), end;
         it != end && !ec; it.increment(ec))
      if (llvm::StringRef(it->path()).ends_with(".kobj"))
        found.push_back(it->path());
    return found;
  };
  KernelSpec spec;
  spec.name = "gauss";
  spec.formula = "Exp(-SqDist(x,y))*b";
  spec.aliases = {"x = Vi(3)", "y = Vj(3)", "b = Vj(1)"};
  spec.dtype = "bfloat16";
  GPUCompileOptions gpu;
  gpu.sms = {70, 75};
  gpu.cacheDir = std::string(dir.str());
  auto compile = [&](const GPUCompileOptions &options)
      -> std::pair<std::unique_ptr<GPUKernel>, CompileStatistics> {
    CompileStatistics before = getCompileStatistics();
    auto kernel = compileGPUKernel(spec, options);
    if (failed(kernel.takeError(), "compileGPUKernel"))
      return {std::unique_ptr<GPUKernel>(), CompileStatistics()};
    CompileStatistics after = getCompileStatistics();
    CompileStatistics delta;
    delta.gpuDiskHits = after.gpuDiskHits - before.gpuDiskHits;
    delta.gpuCompiled = after.gpuCompiled - before.gpuCompiled;
    delta.gpuDiskWrites = after.gpuDiskWrites - before.gpuDiskWrites;
    return {std::move(*kernel), delta};
  };
  auto sameImages = [](const GPUKernel &a, const GPUKernel &b) {
    if (a.images.size() != b.images.size())
      return false;
    for (size_t i = 0; i < a.images.size(); ++i)
      if (a.images[i].sm != b.images[i].sm ||
          a.images[i].kind != b.images[i].kind ||
          a.images[i].data != b.images[i].data)
        return false;
    return true;
  };

  auto [first, s1] = compile(gpu);
  if (!first)
    return;
  EXPECT(s1.gpuDiskHits == 0 && s1.gpuCompiled == 1 && s1.gpuDiskWrites == 1);
  EXPECT(first->images.size() == 2 && first->images[0].sm == 70 &&
         first->images[1].sm == 75);
  EXPECT(first->images[0].data.find(".target sm_70") != std::string::npos);
  std::vector<std::string> files = entries();
  EXPECT(files.size() == 1);

  auto [second, s2] = compile(gpu);
  EXPECT(second && s2.gpuDiskHits == 1 && s2.gpuCompiled == 0);
  EXPECT(second && sameImages(*first, *second));
  EXPECT(second && second->runEntry == "gauss_gpu" &&
         second->description.name == "gauss");

  // A well-framed entry whose payload is not the images: a miss, rewritten.
  if (files.size() == 1) {
    DiskCache cache(std::string(dir.str()));
    std::string key = llvm::sys::path::stem(files[0]).str();
    EXPECT(cache.store(key, "KREDGPU1 but not images"));
    auto [third, s3] = compile(gpu);
    EXPECT(third && s3.gpuDiskHits == 0 && s3.gpuCompiled == 1 &&
           s3.gpuDiskWrites == 1);
    EXPECT(third && sameImages(*first, *third));
    auto [fourth, s4] = compile(gpu);
    EXPECT(fourth && s4.gpuDiskHits == 1);
  }

  // Other sms or lowering options: other entries.
  GPUCompileOptions other = gpu;
  other.sms = {75};
  auto [fifth, s5] = compile(other);
  EXPECT(fifth && s5.gpuCompiled == 1 && fifth->images.size() == 1);
  other = gpu;
  other.tileJ = 64;
  auto [sixth, s6] = compile(other);
  EXPECT(sixth && s6.gpuCompiled == 1);
  EXPECT(entries().size() == 3);

  // Emulated kernels are never cached (nor counted).
  GPUCompileOptions emulate = gpu;
  emulate.emulate = true;
  auto [emulated, s7] = compile(emulate);
  EXPECT(emulated && s7.gpuDiskHits == 0 && s7.gpuCompiled == 0 &&
         s7.gpuDiskWrites == 0);
  EXPECT(emulated && emulated->images.size() == 1 &&
         emulated->images[0].kind == 2); // KRED_GPU_IMAGE_HOST
  EXPECT(entries().size() == 3);

  // The cache disabled: compiled, nothing stored.
  GPUCompileOptions off = gpu;
  off.cacheDir = "off";
  auto [uncached, s8] = compile(off);
  EXPECT(uncached && s8.gpuCompiled == 1 && s8.gpuDiskWrites == 0);
  EXPECT(uncached && sameImages(*first, *uncached));

  llvm::sys::fs::remove_directories(dir);
}

void testCompilerVersion() {
  const std::string &version = getCompilerVersion();
  EXPECT(version.find("kred ") == 0);
  EXPECT(version.find(" build ") != std::string::npos);
}

} // namespace

int main() {
  testTargets();
  testDiskCache();
  testGPUDiskCache();
  testCompilerVersion();
  testJitHandWrittenKernel();
  testKredKernels();
  testKernelLibraryErrors();
  testEmitLLVMIR();
  return report("compiler tests");
}
