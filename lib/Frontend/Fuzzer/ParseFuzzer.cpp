//===- ParseFuzzer.cpp - libFuzzer target for the formula parser ----------===//
//
// Part of the kernelred project.
//
// kred-parse-fuzzer (CMake option KRED_ENABLE_FUZZER). An input is a kernel
// description, one item per line:
//
//   line 1            the formula F
//   @NAME or @NAME:K  the reduction (and K of the KMin family)
//   &G                the weight formula G (formula2)
//   any other line    an alias, in argument order
//
// Every input must either be rejected with a diagnostic or produce IR that
// verifies and survives a print / parse / print round trip unchanged.
// Anything else (a crash, an assertion, a sanitizer report, a hang, a leak)
// is a bug.
//
//===----------------------------------------------------------------------===//

#include "lib/Frontend/FormulaParser.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

using namespace mlir;
using namespace mlir::kernelred;

namespace {

/// The context is reused across inputs; it is renewed now and then so that
/// uniqued attributes and types do not accumulate for the whole run.
MLIRContext &getContext() {
  static std::unique_ptr<MLIRContext> context;
  static unsigned uses = 0;
  if (!context || ++uses % 4096 == 0) {
    context = std::make_unique<MLIRContext>(MLIRContext::Threading::DISABLED);
    context->getOrLoadDialect<KredDialect>();
    // Diagnostics of the round trip must not be printed to stderr.
    context->printOpOnDiagnostic(false);
  }
  return *context;
}

KernelSpec parseInput(llvm::StringRef input) {
  KernelSpec spec;
  llvm::SmallVector<llvm::StringRef> lines;
  input.split(lines, '\n');
  spec.formula = lines.front().str();
  for (llvm::StringRef line : llvm::drop_begin(lines)) {
    if (line.consume_front("@")) {
      auto [name, k] = line.split(':');
      spec.reduction = name.str();
      int64_t value;
      if (!k.empty() && !k.getAsInteger(10, value))
        spec.optArg = value;
    } else if (line.consume_front("&")) {
      spec.formula2 = line.str();
    } else {
      spec.aliases.push_back(line.str());
    }
  }
  return spec;
}

[[noreturn]] void fatal(const char *what, const std::string &detail) {
  fprintf(stderr, "kred-parse-fuzzer: %s\n%s\n", what, detail.c_str());
  abort();
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
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  KernelSpec spec = parseInput(input);
  MLIRContext &context = getContext();

  llvm::Expected<OwningOpRef<ModuleOp>> module =
      buildKernelModule(&context, spec);
  if (!module) {
    llvm::handleAllErrors(
        module.takeError(),
        [&](const FormulaError &err) {
          const FormulaDiagnostic &diag = err.getDiagnostic();
          if (diag.message.empty() || diag.source.empty())
            fatal("empty diagnostic", diag.render());
          if (diag.column < 0 ||
              diag.column > static_cast<int64_t>(diag.text.size()) + 1)
            fatal("diagnostic column out of range", diag.render());
          (void)diag.render();
        },
        [&](const llvm::ErrorInfoBase &err) {
          fatal("error that is not a FormulaError", err.message());
        });
    return 0;
  }

  if (failed(verify(**module)))
    fatal("the IR does not verify", spec.formula);
  std::string first;
  {
    llvm::raw_string_ostream os(first);
    (*module)->print(os);
  }
  ParserConfig config(&context);
  OwningOpRef<ModuleOp> reparsed = parseSourceString<ModuleOp>(first, config);
  if (!reparsed)
    fatal("the printed IR does not parse", first);
  std::string second;
  {
    llvm::raw_string_ostream os(second);
    reparsed->print(os);
  }
  if (first != second)
    fatal("the IR does not round-trip", first + "\n---\n" + second);
  return 0;
}
