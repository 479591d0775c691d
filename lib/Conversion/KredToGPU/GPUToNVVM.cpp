//===- GPUToNVVM.cpp - the kred-gpu-to-nvvm pass --------------------------===//
//
// Part of the kernelred project.
//
// Upstream convert-gpu-to-nvvm maps every elementary function, sqrt and fma
// included, to libdevice calls (__nv_*), which need the CUDA toolkit's
// libdevice at build time and give approximate f32 square roots. kernelred
// expands the elementary functions itself (kred-approximate-math), so this
// pass lowers the rest with the generic LLVM intrinsics (sqrt.rn, fma.rn,
// ...) and the upstream GPU-to-NVVM op patterns.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/ApproximateMath/ApproximateMath.h"
#include "lib/Conversion/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/LoweringOptions.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDGPUTONVVMPASS
#include "lib/Conversion/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

namespace {

/// f32 exp(x) = ex2.approx(x * log2(e)); f32 log(x) = lg2.approx(x) * ln(2).
template <typename MathOp>
struct FastExpLog : OpRewritePattern<MathOp> {
  FastExpLog(MLIRContext *ctx) : OpRewritePattern<MathOp>(ctx, /*benefit=*/10) {}

  LogicalResult matchAndRewrite(MathOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!type.isF32())
      return failure();
    Location loc = op.getLoc();
    constexpr bool isExp = std::is_same_v<MathOp, math::ExpOp>;
    constexpr double kLog2E = 1.4426950408889634;
    constexpr double kLn2 = 0.6931471805599453;
    Value x = op.getOperand();
    if (isExp)
      x = arith::MulFOp::create(
          rewriter, loc, x,
          arith::ConstantOp::create(rewriter, loc,
                                    rewriter.getF32FloatAttr(kLog2E)));
    Value r = LLVM::CallIntrinsicOp::create(
                  rewriter, loc, type,
                  rewriter.getStringAttr(isExp ? "llvm.nvvm.ex2.approx.f32"
                                               : "llvm.nvvm.lg2.approx.f"),
                  ValueRange{x})
                  .getResult(0);
    if (!isExp)
      r = arith::MulFOp::create(
          rewriter, loc, r,
          arith::ConstantOp::create(rewriter, loc,
                                    rewriter.getF32FloatAttr(kLn2)));
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct KredGPUToNVVMPass
    : mlir::kernelred::impl::KredGPUToNVVMPassBase<KredGPUToNVVMPass> {
  using KredGPUToNVVMPassBase::KredGPUToNVVMPassBase;

  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();

    // Elementary functions -> polynomials (or the hardware approximations).
    {
      RewritePatternSet patterns(ctx);
      if (fastMath)
        patterns.add<FastExpLog<math::ExpOp>, FastExpLog<math::LogOp>>(ctx);
      populateKredF32MathApproximationPatterns(patterns);
      populateKredF64MathApproximationPatterns(patterns);
      if (failed(applyPatternsGreedily(module, std::move(patterns))))
        return signalPassFailure();
    }

    // Everything else -> LLVM + NVVM.
    LowerToLLVMOptions options(ctx, DataLayout(module));
    options.overrideIndexBitwidth(64);
    LLVMTypeConverter converter(ctx, options);
    configureGpuToNVVMTypeConverter(converter);
    RewritePatternSet patterns(ctx);
    arith::populateArithToLLVMConversionPatterns(converter, patterns);
    cf::populateControlFlowToLLVMConversionPatterns(converter, patterns);
    populateFinalizeMemRefToLLVMConversionPatterns(converter, patterns);
    // Ahead of the libdevice patterns of populateGpuToNVVMConversionPatterns.
    populateMathToLLVMConversionPatterns(converter, patterns,
                                         /*approximateLog1p=*/true,
                                         /*benefit=*/10);
    // Benefit 0: arith.maxnumf and friends must take the arith-to-llvm
    // patterns (benefit 1), not the libdevice ones.
    populateGpuToNVVMConversionPatterns(converter, patterns, /*benefit=*/0);
    LLVMConversionTarget target(*ctx);
    target.addLegalDialect<NVVM::NVVMDialect>();
    target.addIllegalDialect<gpu::GPUDialect>();
    target.addLegalOp<gpu::GPUModuleOp>();
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
