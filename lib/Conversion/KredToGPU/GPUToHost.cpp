//===- GPUToHost.cpp - the kred-gpu-to-host pass --------------------------===//
//
// Part of the kernelred project.
//
// Lowers the gpu.modules that convert-kred-to-gpu produces for the host, so
// that the GPU emulator (lib/Runtime/kred_gpu_emu.*) runs the very kernels
// that would run on a GPU: each kernel becomes a host function running one
// thread, reading its ids from a kred_emu_thread, calling the emulator at
// each barrier, and addressing workgroup memory in the block's buffer (with
// an optional race-detector hook before each access).
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDGPUTOHOSTPASS
#include "lib/Conversion/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;

namespace {

// Byte offsets of the fields of kred_emu_thread (lib/Runtime/kred_gpu_emu.h).
constexpr int64_t kThreadIdOffset = 0;
constexpr int64_t kBlockIdOffset = 24;
constexpr int64_t kBlockDimOffset = 48;
constexpr int64_t kGridDimOffset = 72;
constexpr int64_t kSharedOffset = 96;
constexpr int64_t kBarrierOffset = 104;
constexpr int64_t kSharedAccessOffset = 112;
/// Workgroup attributions start at multiples of this many bytes.
constexpr int64_t kSharedAlign = 16;

/// Rewrites one gpu.func kernel into `func.func @NAME(%params, %thread)`.
class KernelToHost {
public:
  KernelToHost(gpu::GPUFuncOp kernel, ModuleOp module, bool raceCheck)
      : kernel(kernel), module(module), raceCheck(raceCheck),
        b(kernel.getContext()), ptrType(LLVM::LLVMPointerType::get(
                                    kernel.getContext())) {}

  LogicalResult run();

private:
  /// Address `offset` bytes past `base`.
  Value byteOffset(Location loc, Value base, int64_t offset) {
    if (offset == 0)
      return base;
    return LLVM::GEPOp::create(b, loc, ptrType, b.getI8Type(), base,
                               ArrayRef<LLVM::GEPArg>{offset});
  }
  /// The i64 field of the thread `offset` bytes in, as an index.
  Value loadField(Location loc, int64_t offset) {
    Value address = byteOffset(loc, thread, offset);
    Value value = LLVM::LoadOp::create(b, loc, b.getI64Type(), address);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), value);
  }
  Value loadPointer(Location loc, int64_t offset) {
    return LLVM::LoadOp::create(b, loc, ptrType,
                                byteOffset(loc, thread, offset));
  }
  LogicalResult lowerIdOp(Operation *op);
  LogicalResult lowerMemoryOp(Operation *op, Value memref, ValueRange indices,
                              bool isWrite);
  void callSharedAccess(Location loc, Value address, int64_t bytes,
                        bool isWrite);

  gpu::GPUFuncOp kernel;
  ModuleOp module;
  bool raceCheck;
  IRRewriter b;
  Type ptrType;
  Value thread;
  /// Workgroup attribution -> its address in the block's buffer.
  DenseMap<Value, Value> sharedAddress;
};

LogicalResult KernelToHost::run() {
  Location loc = kernel.getLoc();
  if (!kernel.isKernel())
    return kernel.emitOpError("kred-gpu-to-host: only kernels are supported "
                              "(no device functions)");
  if (kernel.getNumPrivateAttributions() != 0)
    return kernel.emitOpError(
        "kred-gpu-to-host: private attributions are not supported");
  if (!kernel.getBody().hasOneBlock())
    return kernel.emitOpError("kred-gpu-to-host: expects structured control "
                              "flow (run it before scf-to-cf)");

  // The host function.
  b.setInsertionPointToEnd(module.getBody());
  auto type = b.getFunctionType({ptrType, ptrType}, {});
  auto func = func::FuncOp::create(b, loc, kernel.getName(), type);
  Block *entry = func.addEntryBlock();
  Value params = entry->getArgument(0);
  thread = entry->getArgument(1);
  b.setInsertionPointToStart(entry);

  // Parameters: params[i] points at the value of parameter i.
  Block &body = kernel.getBody().front();
  IRMapping mapping;
  for (unsigned i = 0, e = kernel.getNumArguments(); i < e; ++i) {
    BlockArgument arg = body.getArgument(i);
    Type argType = arg.getType();
    if (argType.isIndex())
      argType = b.getI64Type();
    else if (!isa<LLVM::LLVMPointerType, IntegerType, FloatType>(argType))
      return kernel.emitOpError("kred-gpu-to-host: parameter ")
             << i << " has an unsupported type " << arg.getType();
    Value slot = LLVM::GEPOp::create(b, loc, ptrType, ptrType, params,
                                     ArrayRef<LLVM::GEPArg>{int32_t(i)});
    Value where = LLVM::LoadOp::create(b, loc, ptrType, slot);
    Value value = LLVM::LoadOp::create(b, loc, argType, where);
    if (arg.getType().isIndex())
      value = arith::IndexCastOp::create(b, loc, b.getIndexType(), value);
    mapping.map(arg, value);
  }

  // Workgroup attributions: consecutive in the block's buffer.
  int64_t sharedBytes = 0;
  Value shared;
  for (BlockArgument attribution : kernel.getWorkgroupAttributions()) {
    auto memref = cast<MemRefType>(attribution.getType());
    if (!memref.hasStaticShape() || !memref.getLayout().isIdentity())
      return kernel.emitOpError("kred-gpu-to-host: workgroup attribution of "
                                "type ")
             << memref << " is not a static identity-layout memref";
    int64_t align = kSharedAlign;
    unsigned index = attribution.getArgNumber() - kernel.getNumArguments();
    if (auto attr = kernel.getWorkgroupAttributionAttr(
            index, LLVM::LLVMDialect::getAlignAttrName()))
      if (auto value = dyn_cast<IntegerAttr>(attr))
        align = std::max<int64_t>(align, value.getInt());
    sharedBytes = llvm::alignTo(sharedBytes, align);
    if (!shared)
      shared = loadPointer(loc, kSharedOffset);
    sharedAddress[attribution] = byteOffset(loc, shared, sharedBytes);
    sharedBytes += memref.getNumElements() *
                   llvm::divideCeil(memref.getElementTypeBitWidth(), 8);
  }
  func->setAttr("kred.static_shared_bytes", b.getI64IntegerAttr(sharedBytes));
  func->setAttr("kred.num_params",
                b.getI64IntegerAttr(kernel.getNumArguments()));

  // The body, after the parameter loads.
  for (Operation &op : body.without_terminator())
    b.clone(op, mapping);
  Operation *terminator = body.getTerminator();
  if (!isa<gpu::ReturnOp>(terminator))
    return terminator->emitOpError("kred-gpu-to-host: unexpected terminator");
  func::ReturnOp::create(b, terminator->getLoc());
  // Attributions were not mapped: map them to themselves for the walk below
  // (their uses in the clone still refer to the gpu.func's block arguments).

  // Rewrite the GPU constructs of the clone.
  SmallVector<Operation *> work;
  func.walk([&](Operation *op) { work.push_back(op); });
  for (Operation *op : work) {
    if (isa<gpu::ThreadIdOp, gpu::BlockIdOp, gpu::BlockDimOp, gpu::GridDimOp>(
            op)) {
      if (failed(lowerIdOp(op)))
        return failure();
    } else if (isa<gpu::BarrierOp>(op)) {
      b.setInsertionPoint(op);
      Value fn = loadPointer(op->getLoc(), kBarrierOffset);
      auto fnType = LLVM::LLVMFunctionType::get(
          LLVM::LLVMVoidType::get(b.getContext()), {ptrType});
      LLVM::CallOp::create(b, op->getLoc(), fnType, ValueRange{fn, thread});
      b.eraseOp(op);
    } else if (auto load = dyn_cast<memref::LoadOp>(op)) {
      if (failed(lowerMemoryOp(op, load.getMemRef(), load.getIndices(),
                               /*isWrite=*/false)))
        return failure();
    } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (failed(lowerMemoryOp(op, store.getMemRef(), store.getIndices(),
                               /*isWrite=*/true)))
        return failure();
    } else if (op->getDialect() &&
               isa<gpu::GPUDialect>(op->getDialect())) {
      return op->emitOpError("kred-gpu-to-host: not supported by the GPU "
                             "emulator");
    }
  }
  // Any use of an attribution left (an op the emulator does not know)?
  for (BlockArgument attribution : kernel.getWorkgroupAttributions())
    for (Operation *user : attribution.getUsers())
      if (user->getParentOfType<func::FuncOp>() == func)
        return user->emitOpError("kred-gpu-to-host: unsupported use of "
                                 "workgroup memory");
  return success();
}

LogicalResult KernelToHost::lowerIdOp(Operation *op) {
  b.setInsertionPoint(op);
  int64_t base = isa<gpu::ThreadIdOp>(op)   ? kThreadIdOffset
                 : isa<gpu::BlockIdOp>(op)  ? kBlockIdOffset
                 : isa<gpu::BlockDimOp>(op) ? kBlockDimOffset
                                            : kGridDimOffset;
  auto dimension = op->getAttrOfType<gpu::DimensionAttr>("dimension");
  if (!dimension)
    return op->emitOpError("kred-gpu-to-host: no dimension");
  int64_t offset = base + 8 * static_cast<int64_t>(dimension.getValue());
  b.replaceOp(op, loadField(op->getLoc(), offset));
  return success();
}

void KernelToHost::callSharedAccess(Location loc, Value address, int64_t bytes,
                                    bool isWrite) {
  Value fn = loadPointer(loc, kSharedAccessOffset);
  Value null = LLVM::ZeroOp::create(b, loc, ptrType);
  Value enabled =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, fn, null);
  auto check = scf::IfOp::create(b, loc, enabled, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&check.getThenRegion().front());
  auto i64 = b.getI64Type();
  Value size = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(bytes));
  Value write =
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(isWrite ? 1 : 0));
  auto fnType = LLVM::LLVMFunctionType::get(
      LLVM::LLVMVoidType::get(b.getContext()), {ptrType, ptrType, i64, i64});
  LLVM::CallOp::create(b, loc, fnType,
                       ValueRange{fn, thread, address, size, write});
}

LogicalResult KernelToHost::lowerMemoryOp(Operation *op, Value memref,
                                          ValueRange indices, bool isWrite) {
  auto it = sharedAddress.find(memref);
  if (it == sharedAddress.end())
    return op->emitOpError("kred-gpu-to-host: only workgroup memory is "
                           "accessed through memrefs in kernelred kernels");
  auto type = cast<MemRefType>(memref.getType());
  Location loc = op->getLoc();
  b.setInsertionPoint(op);
  // Row-major linear index of the static shape.
  auto i64 = b.getI64Type();
  Value linear;
  int64_t stride = 1;
  ArrayRef<int64_t> shape = type.getShape();
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    Value index = arith::IndexCastOp::create(b, loc, i64, indices[d]);
    if (stride != 1)
      index = arith::MulIOp::create(
          b, loc, index,
          arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(stride)));
    linear = linear ? Value(arith::AddIOp::create(b, loc, linear, index))
                    : index;
    stride *= shape[d];
  }
  if (!linear)
    linear = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Type element = type.getElementType();
  Value address = LLVM::GEPOp::create(b, loc, ptrType, element, it->second,
                                      ValueRange{linear});
  int64_t bytes = llvm::divideCeil(type.getElementTypeBitWidth(), 8);
  if (raceCheck)
    callSharedAccess(loc, address, bytes, isWrite);
  if (isWrite) {
    auto store = cast<memref::StoreOp>(op);
    LLVM::StoreOp::create(b, loc, store.getValueToStore(), address, bytes);
    b.eraseOp(op);
  } else {
    Value value = LLVM::LoadOp::create(b, loc, element, address, bytes);
    b.replaceOp(op, value);
  }
  return success();
}

struct KredGPUToHostPass
    : mlir::kernelred::impl::KredGPUToHostPassBase<KredGPUToHostPass> {
  using KredGPUToHostPassBase::KredGPUToHostPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> gpuModules(
        module.getOps<gpu::GPUModuleOp>());
    for (gpu::GPUModuleOp gpuModule : gpuModules) {
      for (auto kernel : gpuModule.getOps<gpu::GPUFuncOp>()) {
        KernelToHost lowering(kernel, module, raceCheck);
        if (failed(lowering.run()))
          return signalPassFailure();
        // The module's kernel attributes (block size, tile...) travel with
        // each host function.
        auto func = module.lookupSymbol<func::FuncOp>(kernel.getName());
        for (NamedAttribute attr : gpuModule->getAttrs())
          if (attr.getName().strref().starts_with("kred.") &&
              attr.getName() != "kred.static_shared_bytes")
            func->setAttr(attr.getName(), attr.getValue());
      }
      gpuModule.erase();
    }
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};

} // namespace
