//===- Registration.h - register kernelred with MLIR ------------*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_REGISTRATION_REGISTRATION_H
#define KRED_LIB_REGISTRATION_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::kernelred {

/// Registers the kernelred dialect, the upstream dialects it lowers through
/// and their interface implementations.
void registerAllKredDialects(DialectRegistry &registry);

/// Registers the kernelred passes and pipelines and the upstream passes
/// useful in tests (canonicalize, cse, ...).
void registerAllKredPasses();

} // namespace mlir::kernelred

#endif // KRED_LIB_REGISTRATION_REGISTRATION_H
