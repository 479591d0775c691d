//===- kred-tblgen.cpp - KeOps op tables from the kernelred ODS -----------===//
//
// Part of the kernelred project.
//
// A TableGen backend over dialect/KredOps.td that reads the KeOps spellings
// of the ops (`keopsForms`, `keopsDims`, see KeOpsForm) and writes
//   -gen-keops-op-table: the formula parser's op table, one
//       KEOPS_FORM(name, opName, args, usage, attrs, hook) per call form
//       (lib/Frontend/OpTable.cpp includes it);
//   -gen-keops-op-doc: the operation table of docs/formula-language.md.
//
//===----------------------------------------------------------------------===//

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TableGen/Error.h"
#include "llvm/TableGen/Main.h"
#include "llvm/TableGen/Record.h"
#include "llvm/TableGen/TableGenBackend.h"

#include <vector>

using namespace llvm;

namespace {

enum class Action { OpTable, OpDoc };

cl::opt<Action> action(
    cl::desc("Action to perform:"),
    cl::values(clEnumValN(Action::OpTable, "gen-keops-op-table",
                          "The formula parser's op table (KEOPS_FORM)"),
               clEnumValN(Action::OpDoc, "gen-keops-op-doc",
                          "The operation table of the formula-language docs")));

/// One call form of one op.
struct Form {
  const Record *op;
  const Record *form;
};

/// The ops that declare KeOps forms, in the order of the .td file, and their
/// forms in declaration order.
std::vector<Form> collectForms(const RecordKeeper &records) {
  std::vector<const Record *> ops;
  for (const Record *def : records.getAllDerivedDefinitions("Op"))
    if (def->getValue("keopsForms"))
      ops.push_back(def);
  llvm::sort(ops, [](const Record *a, const Record *b) {
    return a->getLoc().front().getPointer() < b->getLoc().front().getPointer();
  });
  std::vector<Form> forms;
  for (const Record *op : ops)
    for (const Record *form : op->getValueAsListOfDefs("keopsForms"))
      forms.push_back({op, form});
  return forms;
}

/// "kernelred.exp" for the op `exp` of the dialect `kernelred`.
std::string getOperationName(const Record *op) {
  const Record *dialect = op->getValueAsDef("opDialect");
  return (dialect->getValueAsString("name") + "." +
          op->getValueAsString("opName"))
      .str();
}

/// The names of the operands and of the attributes in `op`'s arguments.
void getArgumentNames(const Record *op, SmallVectorImpl<StringRef> &operands,
                      SmallVectorImpl<StringRef> &attributes) {
  const DagInit *args = op->getValueAsDag("arguments");
  for (unsigned i = 0, e = args->getNumArgs(); i < e; ++i) {
    const auto *def = dyn_cast<DefInit>(args->getArg(i));
    bool isAttr = def && def->getDef()->isSubClassOf("Attr");
    (isAttr ? attributes : operands).push_back(args->getArgNameStr(i));
  }
}

/// Checks one form against its op: one operand per 'f'/'v' argument (all
/// of them, unless a hook builds the call) and one existing attribute per
/// 'i'/'s' argument.
bool checkForm(const Form &f) {
  SmallVector<StringRef> operands, attributes;
  getArgumentNames(f.op, operands, attributes);
  StringRef args = f.form->getValueAsString("args");
  std::vector<StringRef> attrs = f.form->getValueAsListOfStrings("attrs");
  bool hooked = !f.form->getValueAsString("hook").empty();
  unsigned numFormulas = 0, numInts = 0;
  for (char c : args) {
    if (c == 'f' || c == 'v')
      ++numFormulas;
    else if (c == 'i' || c == 's')
      ++numInts;
    else if (c != '?')
      PrintFatalError(f.form->getLoc(),
                      "unknown argument kind '" + Twine(c) + "' in '" + args +
                          "'");
  }
  if (!hooked && numFormulas != operands.size())
    PrintFatalError(f.op->getLoc(),
                    "KeOps form '" + f.form->getValueAsString("name") +
                        "' passes " + Twine(numFormulas) +
                        " formulas to an op with " + Twine(operands.size()) +
                        " operands");
  if (!hooked && numInts != attrs.size())
    PrintFatalError(f.op->getLoc(),
                    "KeOps form '" + f.form->getValueAsString("name") +
                        "' has " + Twine(numInts) +
                        " integer or sequence arguments but names " +
                        Twine(attrs.size()) + " attributes");
  for (StringRef attr : attrs)
    if (!llvm::is_contained(attributes, attr))
      PrintFatalError(f.op->getLoc(),
                      "KeOps form '" + f.form->getValueAsString("name") +
                          "' sets '" + attr + "', which is not an attribute "
                          "of the op");
  return true;
}

/// A C++ string literal.
std::string quote(StringRef s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

bool emitOpTable(raw_ostream &os, const RecordKeeper &records) {
  emitSourceFileHeader("KeOps formula operations (from the kernelred ODS)",
                       os, records);
  os << "// KEOPS_FORM(name, opName, args, usage, attrs, hook)\n";
  os << "#ifndef KEOPS_FORM\n#error \"define KEOPS_FORM\"\n#endif\n";
  for (const Form &f : collectForms(records)) {
    checkForm(f);
    std::vector<StringRef> attrs = f.form->getValueAsListOfStrings("attrs");
    os << "KEOPS_FORM(" << quote(f.form->getValueAsString("name")) << ", "
       << quote(getOperationName(f.op)) << ", "
       << quote(f.form->getValueAsString("args")) << ", "
       << quote(f.form->getValueAsString("usage")) << ", "
       << quote(llvm::join(attrs, ",")) << ", "
       << quote(f.form->getValueAsString("hook")) << ")\n";
  }
  os << "#undef KEOPS_FORM\n";
  return false;
}

bool emitOpDoc(raw_ostream &os, const RecordKeeper &records) {
  os << "<!-- Generated by kred-tblgen -gen-keops-op-doc from "
        "dialect/KredOps.td; do not edit. -->\n\n";
  os << "| KeOps | kernelred op | Result dimension / rule |\n";
  os << "|---|---|---|\n";
  for (const Form &f : collectForms(records)) {
    StringRef dims = f.form->getValueAsString("dims");
    if (dims.empty())
      dims = f.op->getValueAsString("keopsDims");
    os << "| `" << f.form->getValueAsString("usage") << "` | `"
       << f.op->getValueAsString("opName") << "` | " << dims << " |\n";
  }
  return false;
}

bool emit(raw_ostream &os, const RecordKeeper &records) {
  switch (action) {
  case Action::OpTable:
    return emitOpTable(os, records);
  case Action::OpDoc:
    return emitOpDoc(os, records);
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  cl::ParseCommandLineOptions(argc, argv);
  return TableGenMain(argv[0], TableGenMainFn(emit));
}
