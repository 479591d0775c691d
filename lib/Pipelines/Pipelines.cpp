//===- Pipelines.cpp - named kernelred pipelines --------------------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Pipelines/Pipelines.h"

#include "dialect/ReductionKinds.h"
#include "lib/Conversion/Passes.h"
#include "lib/Transforms/Passes.h"
#include "lib/Transforms/Tile.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::kernelred;

void KredToNVVMOptions::setTarget(const GPUTargetOptions &target) {
  copyGPUKernelOptions(*this, target);
  sm = target.sm;
  fastMath = target.fastMath;
}

void KredToGPUHostOptions::setTarget(const GPUTargetOptions &target) {
  copyGPUKernelOptions(*this, target);
  raceCheck = target.raceCheck;
}

static void buildHostToLLVMPipeline(OpPassManager &pm, bool avx512);

/// kernelred -> kernelred, every target: complex ops first (every later
/// pass, autodiff included, then sees real ops only), derivatives, the
/// online log-sum-exp.
static void buildKredToKredPipeline(OpPassManager &pm) {
  pm.addPass(createKredExpandComplexPass());
  pm.addPass(createKredAutodiffPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createKredOnlineLogSumExpPass());
}

void mlir::kernelred::buildKredToLLVMCPUPipeline(
    OpPassManager &pm, const KredToLLVMCPUOptions &options) {
  buildKredToKredPipeline(pm);
  KredTilePassOptions tile;
  copyCPUTargetOptions(tile, options);
  pm.addPass(createKredTilePass(tile));

  // kernelred -> scf + vector + math + llvm memory ops.
  ConvertKredToSCFPassOptions toSCF;
  toSCF.vectorBits = options.vectorBits;
  toSCF.defaultTileJ = options.tileJ;
  pm.addPass(createConvertKredToSCFPass(toSCF));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 512-bit registers: the target has AVX-512F (getHostVectorBits).
  buildHostToLLVMPipeline(pm, options.vectorBits >= 512);
}

/// kernelred -> the gpu.modules of convert-kred-to-gpu: the part of the GPU
/// lowering that the NVVM and the host (emulator) pipelines share, so that
/// both see the very same kernels.
template <typename Derived>
static void
buildKredToGPUModulePipeline(OpPassManager &pm,
                             const KredGPUKernelOptions<Derived> &options) {
  // As for the CPU (no kred-tile: the GPU lowering picks its own tiles).
  buildKredToKredPipeline(pm);

  // kernelred -> gpu.module (scf, arith, math, memref, llvm memory ops).
  ConvertKredToGPUPassOptions toGPU;
  copyGPUKernelOptions(toGPU, options);
  pm.addPass(createConvertKredToGPUPass(toGPU));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// scf/vector/math/arith/cf/func (+ llvm memory ops) -> the LLVM dialect, on
/// the host: no libm call, no compiler-rt bf16 call.
static void buildHostToLLVMPipeline(OpPassManager &pm, bool avx512) {
  KredApproximateMathPassOptions approximate;
  approximate.avx512 = avx512;
  pm.addPass(createKredApproximateMathPass(approximate));
  // No compiler-rt call for f32 -> bf16 on hosts without AVX512-BF16.
  pm.addPass(createKredExpandBF16Pass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // -> LLVM dialect.
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::kernelred::buildKredToGPUHostPipeline(
    OpPassManager &pm, const KredToGPUHostOptions &options) {
  buildKredToGPUModulePipeline(pm, options);
  KredGPUToHostPassOptions toHost;
  toHost.raceCheck = options.raceCheck;
  pm.addPass(createKredGPUToHostPass(toHost));
  // The emulated threads compute on scalars: no 512-bit vectors.
  buildHostToLLVMPipeline(pm, /*avx512=*/false);
}

void mlir::kernelred::buildKredToNVVMPipeline(
    OpPassManager &pm, const KredToNVVMOptions &options) {
  buildKredToGPUModulePipeline(pm, options);

  // -> NVVM, without libdevice.
  OpPassManager &gpu = pm.nest<gpu::GPUModuleOp>();
  gpu.addPass(createSCFToControlFlowPass());
  KredGPUToNVVMPassOptions toNVVM;
  toNVVM.fastMath = options.fastMath;
  gpu.addPass(createKredGPUToNVVMPass(toNVVM));
  gpu.addPass(createReconcileUnrealizedCastsPass());
  gpu.addPass(createCanonicalizerPass());
  gpu.addPass(createCSEPass());

  GpuNVVMAttachTargetOptions target;
  target.chip = "sm_" + std::to_string(options.sm);
  target.optLevel = 3;
  target.fastFlag = options.fastMath;
  pm.addPass(createGpuNVVMAttachTarget(target));
  if (options.emitPTX) {
    GpuModuleToBinaryPassOptions binary;
    binary.compilationTarget = "isa";
    pm.addPass(createGpuModuleToBinaryPass(binary));
  }
}

void mlir::kernelred::registerKredPipelines() {
  PassPipelineRegistration<KredToNVVMOptions>(
      "kred-to-nvvm",
      "Lower kernelred IR to NVVM gpu.modules (kernels @NAME_gpu and "
      "@NAME_gpu_merge of docs/gpu.md), and with emit-ptx to PTX",
      buildKredToNVVMPipeline);
  PassPipelineRegistration<KredToGPUHostOptions>(
      "kred-to-gpu-host",
      "Lower kernelred IR to the host functions the GPU emulator runs: the "
      "gpu.modules of kred-to-nvvm, lowered by kred-gpu-to-host instead of "
      "NVVM, then to the LLVM dialect",
      buildKredToGPUHostPipeline);
  PassPipelineRegistration<KredToLLVMCPUOptions>(
      "kred-to-llvm-cpu",
      "Lower kernelred IR to the LLVM dialect for the CPU (kernel ABI "
      "functions @NAME_run/_merge/_finalize, SIMD lanes over output rows, "
      "no libm calls)",
      buildKredToLLVMCPUPipeline);
}

CPUKernelLayout
mlir::kernelred::getCPUKernelLayout(ReduceOp op,
                                    const KredToLLVMCPUOptions &options) {
  ReductionDescription desc(op);
  CPUKernelLayout layout;
  layout.stateValues = desc.getNumValueSlots();
  layout.stateIndices = desc.getNumIndexSlots();
  layout.outValueDim = desc.getOutputValueDim();
  layout.outIndexDim = desc.getOutputIndexDim();
  layout.lanes = getKredLanes(op, options.vectorBits);
  int64_t tileI = op.getTileI().value_or(
      chooseKredTileSizes(op, options.getTarget()).tileI);
  layout.rowBlock = std::max<int64_t>(1, tileI / layout.lanes) * layout.lanes;
  layout.elementType = op.getElementType();
  layout.accumulationType = op.getAccumulationType();
  return layout;
}

int64_t mlir::kernelred::getHostVectorBits() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 512;
  if (features.lookup("avx2") || features.lookup("avx"))
    return 256;
  return 128;
}
