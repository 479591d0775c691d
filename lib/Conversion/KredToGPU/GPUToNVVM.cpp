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
#include "mlir/IR/Matchers.h"
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

/// A call of the NVVM intrinsic `name` on f32 operands.
static Value callNVVM(PatternRewriter &rewriter, Location loc, StringRef name,
                      ValueRange operands) {
  return LLVM::CallIntrinsicOp::create(rewriter, loc, rewriter.getF32Type(),
                                       rewriter.getStringAttr(name), operands)
      .getResult(0);
}

static Value f32Constant(PatternRewriter &rewriter, Location loc, double v) {
  return arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(v));
}

/// f32 exp(x) = ex2.approx(x * log2(e)); f32 log(x) = lg2.approx(x) * ln(2).
template <typename MathOp>
struct FastExpLog : OpRewritePattern<MathOp> {
  FastExpLog(MLIRContext *ctx) : OpRewritePattern<MathOp>(ctx, /*benefit=*/10) {}

  LogicalResult matchAndRewrite(MathOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    Location loc = op.getLoc();
    constexpr bool isExp = std::is_same_v<MathOp, math::ExpOp>;
    constexpr double kLog2E = 1.4426950408889634;
    constexpr double kLn2 = 0.6931471805599453;
    Value x = op.getOperand();
    if (isExp)
      x = arith::MulFOp::create(rewriter, loc, x,
                                f32Constant(rewriter, loc, kLog2E));
    Value r = callNVVM(rewriter, loc,
                       isExp ? "llvm.nvvm.ex2.approx.ftz.f32"
                             : "llvm.nvvm.lg2.approx.ftz.f",
                       x);
    if (!isExp)
      r = arith::MulFOp::create(rewriter, loc, r,
                                f32Constant(rewriter, loc, kLn2));
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// An f32 op computed by one NVVM approximation of the same operands:
/// sqrt.approx, rsqrt.approx, sin.approx, cos.approx, div.full.
template <typename OpTy>
struct FastUnaryOrBinary : OpRewritePattern<OpTy> {
  FastUnaryOrBinary(MLIRContext *ctx, StringRef intrinsic)
      : OpRewritePattern<OpTy>(ctx, /*benefit=*/10), intrinsic(intrinsic) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    rewriter.replaceOp(op, callNVVM(rewriter, op.getLoc(), intrinsic,
                                    op->getOperands()));
    return success();
  }

  std::string intrinsic;
};

/// f32 1 / sqrt(x) -> math.rsqrt(x) (then rsqrt.approx, one instruction
/// where div.full of sqrt.approx takes several).
struct FuseReciprocalSqrt : OpRewritePattern<arith::DivFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::DivFOp op,
                                PatternRewriter &rewriter) const override {
    auto sqrt = op.getRhs().getDefiningOp<math::SqrtOp>();
    FloatAttr one;
    if (!op.getType().isF32() || !sqrt ||
        !matchPattern(op.getLhs(), m_Constant(&one)) ||
        !one.getValue().isExactlyValue(1.0))
      return failure();
    rewriter.replaceOpWithNewOp<math::RsqrtOp>(op, sqrt.getOperand());
    return success();
  }
};

/// pykeops' use_fast_math (nvcc's -use_fast_math, which KeOps compiles
/// with): the f32 ops that have a hardware approximation use it, flushing
/// subnormals to zero (the .ftz forms: without it ptxas wraps each ex2 in a
/// range test and two scalings), and every float add, sub and mul may fuse
/// into an FMA (`contract`; nvcc's default -fmad=true). docs/gpu.md, "Fast
/// math", gives their accuracy.
static LogicalResult applyFastMathPatterns(gpu::GPUModuleOp module) {
  MLIRContext *ctx = module.getContext();
  module.walk([&](Operation *op) {
    if (!isa<arith::AddFOp, arith::SubFOp, arith::MulFOp>(op))
      return;
    auto iface = cast<arith::ArithFastMathInterface>(op);
    arith::FastMathFlags flags = arith::FastMathFlags::none;
    if (auto attr = iface.getFastMathFlagsAttr())
      flags = attr.getValue();
    op->setAttr(iface.getFastMathAttrName(),
                arith::FastMathFlagsAttr::get(
                    ctx, flags | arith::FastMathFlags::contract));
  });
  {
    RewritePatternSet patterns(ctx);
    patterns.add<FuseReciprocalSqrt>(ctx);
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      return failure();
  }
  RewritePatternSet patterns(ctx);
  patterns.add<FastExpLog<math::ExpOp>, FastExpLog<math::LogOp>>(ctx);
  patterns.add<FastUnaryOrBinary<math::SqrtOp>>(ctx,
                                                "llvm.nvvm.sqrt.approx.ftz.f");
  patterns.add<FastUnaryOrBinary<math::RsqrtOp>>(ctx,
                                                 "llvm.nvvm.rsqrt.approx.ftz.f");
  patterns.add<FastUnaryOrBinary<math::SinOp>>(ctx, "llvm.nvvm.sin.approx.ftz.f");
  patterns.add<FastUnaryOrBinary<math::CosOp>>(ctx, "llvm.nvvm.cos.approx.ftz.f");
  patterns.add<FastUnaryOrBinary<arith::DivFOp>>(ctx, "llvm.nvvm.div.full.ftz");
  return applyPatternsGreedily(module, std::move(patterns));
}

struct KredGPUToNVVMPass
    : mlir::kernelred::impl::KredGPUToNVVMPassBase<KredGPUToNVVMPass> {
  using KredGPUToNVVMPassBase::KredGPUToNVVMPassBase;

  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();

    // Elementary functions -> the hardware approximations (fast-math),
    // then the rest to polynomials.
    if (fastMath && failed(applyFastMathPatterns(module)))
      return signalPassFailure();
    {
      RewritePatternSet patterns(ctx);
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
