//===- IRFuzzer.cpp - libFuzzer target for kernelred IR parsing -----------===//
//
// Part of the kernelred project.
//
// kred-ir-fuzzer (CMake option KRED_ENABLE_FUZZER). An input is any text; it
// is parsed as MLIR with the dialects kred-opt registers (kernelred, arith,
// func, gpu, llvm, nvvm, math, memref, scf, vector) and verified, as
// `kred-opt input.mlir` does. The dialect's sources (type inference,
// verifiers, custom parsers and printers, folders, canonicalization
// patterns) are compiled into the fuzzer with coverage instrumentation,
// AddressSanitizer and UndefinedBehaviorSanitizer.
//
// Every input must either be rejected with a diagnostic or verify. IR that
// verifies is then printed; when it uses only the builtin, func, arith and
// kernelred dialects it must also survive a print / parse / print round trip
// in both the custom and the generic form, and the canonicalizer (which runs
// kernelred's folders and patterns) must leave IR that still verifies.
// Anything else (a crash, an assertion, a sanitizer report, a hang, a leak)
// is a bug.
//
//===----------------------------------------------------------------------===//

#include "dialect/KredOps.h"
#include "lib/Registration/Registration.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

using namespace mlir;

namespace {

/// The context is reused across inputs; it is renewed now and then so that
/// uniqued attributes and types do not accumulate for the whole run.
MLIRContext &getContext() {
  static std::unique_ptr<MLIRContext> context;
  static unsigned uses = 0;
  if (!context || ++uses % 2048 == 0) {
    DialectRegistry registry;
    kernelred::registerAllKredDialects(registry);
    context = std::make_unique<MLIRContext>(registry,
                                            MLIRContext::Threading::DISABLED);
    context->printOpOnDiagnostic(false);
    context->printStackTraceOnDiagnostic(false);
  }
  return *context;
}

[[noreturn]] void fatal(const char *what, const std::string &detail) {
  fprintf(stderr, "kred-ir-fuzzer: %s\n%s\n", what, detail.c_str());
  abort();
}

std::string print(Operation *op, bool generic) {
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  if (generic)
    flags.printGenericOpForm();
  op->print(os, flags);
  return text;
}

/// Whether every operation in `module` belongs to a dialect whose syntax and
/// folding this project answers for.
bool onlyOwnDialects(ModuleOp module) {
  bool own = true;
  module->walk([&](Operation *op) {
    llvm::StringRef ns = op->getName().getDialectNamespace();
    if (ns != "builtin" && ns != "func" && ns != "arith" && ns != "kernelred")
      own = false;
  });
  return own;
}

/// Parses `text` with diagnostics collected (not printed); null on failure.
OwningOpRef<ModuleOp> parse(llvm::StringRef text, MLIRContext &context,
                            std::string *diagnostics = nullptr) {
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diagnostics)
      *diagnostics += diag.str() + "\n";
    return success();
  });
  ParserConfig config(&context, /*verifyAfterParse=*/true);
  return parseSourceString<ModuleOp>(text, config);
}

void roundTrip(ModuleOp module, MLIRContext &context, bool generic) {
  std::string first = print(module, generic);
  std::string diagnostics;
  OwningOpRef<ModuleOp> reparsed = parse(first, context, &diagnostics);
  if (!reparsed)
    fatal(generic ? "the generic form does not parse"
                  : "the printed IR does not parse",
          first + "\n---\n" + diagnostics);
  std::string second = print(*reparsed, generic);
  if (first != second)
    fatal("the IR does not round-trip", first + "\n---\n" + second);
}

/// MLIR's parser recurses once per nested bracket with no depth limit, so
/// ~20,000 nested '(' in a type overflow the stack of mlir-opt and kred-opt
/// alike (an upstream limitation: found by this fuzzer, reproduced with
/// mlir-opt-22 on `"test.op"() : () -> ((((...`). Inputs nested deeper than
/// any real kernel are skipped so that the fuzzer keeps testing kred.
bool tooDeeplyNested(llvm::StringRef text, int limit = 512) {
  int depth = 0;
  for (char c : text) {
    if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > limit)
        return true;
    } else if ((c == ')' || c == ']' || c == '}' || c == '>') && depth > 0) {
      --depth;
    }
  }
  return false;
}

} // namespace

/// Only this code is instrumented, but LLVM's BumpPtrAllocator is inline:
/// compiled here it poisons the unused rest of each new slab, which the
/// uninstrumented MLIR code then allocates from without unpoisoning (a
/// false use-after-poison in StorageUniquer). Manual poisoning is off; the
/// heap, stack and global checks are unaffected.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // kred-opt reads its input into a NUL-terminated buffer, and MLIR's lexer
  // relies on that terminator: at the end of an unterminated buffer it reads
  // past it (an upstream quirk, not a kred bug). The fuzzer does the same.
  const std::string text(reinterpret_cast<const char *>(data), size);
  llvm::StringRef input(text);
  if (tooDeeplyNested(input))
    return 0;
  MLIRContext &context = getContext();

  OwningOpRef<ModuleOp> module = parse(input, context);
  if (!module)
    return 0;
  // parseSourceString verified it; verifying again must agree.
  {
    ScopedDiagnosticHandler handler(&context,
                                    [](Diagnostic &) { return success(); });
    if (failed(verify(*module)))
      fatal("a parsed module fails a second verification", input.str());
  }
  (void)print(*module, /*generic=*/false);
  if (!onlyOwnDialects(*module))
    return 0;
  roundTrip(*module, context, /*generic=*/false);
  roundTrip(*module, context, /*generic=*/true);

  // Folders and canonicalization patterns must keep the IR valid.
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics += diag.str() + "\n";
    return success();
  });
  PassManager pm(&context);
  pm.enableVerifier(true);
  pm.addPass(createCanonicalizerPass());
  std::string before = print(*module, /*generic=*/true);
  if (failed(pm.run(*module)))
    fatal("canonicalization fails or leaves invalid IR",
          before + "\n---\n" + diagnostics);
  return 0;
}
