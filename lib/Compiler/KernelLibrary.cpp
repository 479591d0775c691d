//===- KernelLibrary.cpp - shared libraries and AOT kernel libraries ------===//
//
// Part of the kernelred project.
//
// kred-compile --emit=so and --spec. One module of kernels becomes one
// object; a generated C file adds, per kernel, its kred_kernel descriptor
// (NAME_kernel) and, for kernel libraries, C entry points calling
// kred_cpu_launch_sized (every pointer with its element count, checked by
// the runtime). clang compiles it and links everything into a .so that
// needs only libkred_runtime.so (and libc/libm) at run time.
//
//===----------------------------------------------------------------------===//

#include "lib/Compiler/Compiler.h"

#include "lib/Compiler/Backend.h"
#include "lib/Frontend/FormulaParser.h"

#include "dialect/KredOps.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::kernelred;

/// The text of lib/Runtime/kred_runtime.h (generated at build time), so
/// that generating a library needs no installed header.
static const char kRuntimeHeader[] =
#include "lib/Compiler/RuntimeHeader.inc"
    ;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// YAML kernel specs
//===----------------------------------------------------------------------===//

namespace {
/// One entry of a spec file, as written.
struct SpecEntry {
  std::string name;
  std::string formula;
  std::vector<std::string> aliases;
  std::string reduction = "Sum";
  int64_t axis = 1;
  std::string dtype = "float32";
  std::optional<int64_t> optArg;
  std::optional<int64_t> k;
  std::string formula2;
  std::string dtypeAcc = "auto";
  std::string sumScheme = "auto";
  /// Overrides the library's targets for this kernel.
  std::optional<std::vector<std::string>> targets;
};

struct SpecFile {
  std::vector<std::string> targets = {"cpu"};
  std::vector<SpecEntry> kernels;
};

/// Where a kernel of a library runs: the CPU entries and/or GPU images.
struct KernelTargets {
  bool cpu = false;
  std::vector<int> sms;
};
} // namespace

LLVM_YAML_IS_SEQUENCE_VECTOR(SpecEntry)

namespace llvm::yaml {
template <> struct MappingTraits<SpecEntry> {
  static void mapping(IO &io, SpecEntry &e) {
    io.mapRequired("name", e.name);
    io.mapRequired("formula", e.formula);
    io.mapOptional("aliases", e.aliases);
    io.mapOptional("reduction", e.reduction, std::string("Sum"));
    io.mapOptional("axis", e.axis, int64_t(1));
    io.mapOptional("dtype", e.dtype, std::string("float32"));
    io.mapOptional("opt_arg", e.optArg);
    io.mapOptional("K", e.k);
    io.mapOptional("formula2", e.formula2, std::string());
    io.mapOptional("dtype_acc", e.dtypeAcc, std::string("auto"));
    io.mapOptional("sum_scheme", e.sumScheme, std::string("auto"));
    io.mapOptional("targets", e.targets);
  }
  static std::string validate(IO &, SpecEntry &e) {
    if (e.name.empty())
      return "kernel name is empty";
    if (e.optArg && e.k && *e.optArg != *e.k)
      return "kernel '" + e.name + "': opt_arg and K differ";
    if (e.axis != 0 && e.axis != 1)
      return "kernel '" + e.name + "': axis must be 0 or 1";
    return "";
  }
};
template <> struct MappingTraits<SpecFile> {
  static void mapping(IO &io, SpecFile &f) {
    io.mapOptional("targets", f.targets);
    io.mapRequired("kernels", f.kernels);
  }
};
} // namespace llvm::yaml

static bool isCIdentifier(llvm::StringRef s) {
  if (s.empty() || !(llvm::isAlpha(s[0]) || s[0] == '_'))
    return false;
  return llvm::all_of(s, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

/// "cpu", "sm_70", "sm_75", "sm_80", "sm_90" -> KernelTargets.
static llvm::Expected<KernelTargets>
parseTargets(llvm::ArrayRef<std::string> names, const std::string &where) {
  KernelTargets targets;
  if (names.empty())
    return makeError(where + ": empty targets list");
  for (llvm::StringRef name : names) {
    int sm = 0;
    llvm::StringRef digits = name;
    if (name == "cpu") {
      targets.cpu = true;
    } else if (digits.consume_front("sm_") && !digits.getAsInteger(10, sm) &&
               isSupportedGPUArchitecture(sm)) {
      if (!llvm::is_contained(targets.sms, sm))
        targets.sms.push_back(sm);
    } else {
      return makeError(where + ": unknown target '" + name +
                       "' (expected cpu or one of " +
                       getSupportedGPUArchitecturesText() + ")");
    }
  }
  return targets;
}

static llvm::Expected<std::vector<KernelSpec>>
readSpecFile(llvm::StringRef specPath, llvm::ArrayRef<int> smOverride,
             std::vector<KernelTargets> &kernelTargets) {
  auto buffer = llvm::MemoryBuffer::getFile(specPath, /*IsText=*/true);
  if (!buffer)
    return makeError("cannot read '" + specPath +
                     "': " + buffer.getError().message());
  std::string diagnostics;
  auto handler = [](const llvm::SMDiagnostic &diag, void *ctx) {
    std::string &out = *static_cast<std::string *>(ctx);
    llvm::raw_string_ostream os(out);
    diag.print(nullptr, os, /*ShowColors=*/false);
  };
  SpecFile file;
  llvm::yaml::Input input((*buffer)->getMemBufferRef(), nullptr, handler,
                          &diagnostics);
  input >> file;
  if (input.error())
    return makeError(diagnostics.empty()
                         ? ("invalid kernel spec '" + specPath + "'")
                         : llvm::Twine(llvm::StringRef(diagnostics).rtrim()));
  if (file.kernels.empty())
    return makeError(specPath + ": no kernels");

  auto libraryTargets = parseTargets(file.targets, specPath.str());
  if (!libraryTargets)
    return libraryTargets.takeError();
  if (!smOverride.empty()) {
    libraryTargets->sms.clear();
    for (int sm : smOverride) {
      if (!isSupportedGPUArchitecture(sm))
        return makeError("unsupported GPU architecture sm_" + llvm::Twine(sm) +
                         " (supported: " + getSupportedGPUArchitecturesText() +
                         ")");
      if (!llvm::is_contained(libraryTargets->sms, sm))
        libraryTargets->sms.push_back(sm);
    }
  }
  std::vector<KernelSpec> specs;
  llvm::StringSet<> names;
  for (SpecEntry &e : file.kernels) {
    if (!isCIdentifier(e.name))
      return makeError(specPath + ": kernel name '" + e.name +
                       "' is not a C identifier");
    if (llvm::StringRef(e.name).starts_with("kred_"))
      return makeError(specPath + ": kernel name '" + e.name +
                       "' uses the runtime's prefix 'kred_'");
    if (!names.insert(e.name).second)
      return makeError(specPath + ": kernel '" + e.name + "' is defined twice");
    KernelSpec spec;
    spec.name = e.name;
    spec.formula = e.formula;
    spec.aliases = e.aliases;
    spec.reduction = e.reduction;
    spec.axis = static_cast<int>(e.axis);
    spec.dtype = e.dtype;
    spec.optArg = e.optArg ? e.optArg : e.k;
    spec.formula2 = e.formula2;
    spec.dtypeAcc = e.dtypeAcc;
    spec.sumScheme = e.sumScheme;
    specs.push_back(std::move(spec));
    if (e.targets) {
      auto targets = parseTargets(
          *e.targets, (specPath + ": kernel '" + e.name + "'").str());
      if (!targets)
        return targets.takeError();
      kernelTargets.push_back(std::move(*targets));
    } else {
      kernelTargets.push_back(*libraryTargets);
    }
  }
  return specs;
}

//===----------------------------------------------------------------------===//
// Tools: clang and the runtime library
//===----------------------------------------------------------------------===//

/// $`envVar` when set, else the first of `names` on PATH or in the LLVM 22
/// and system directories (PATH may be minimal, e.g. under lit).
static std::optional<std::string>
findTool(const char *envVar, std::initializer_list<const char *> names) {
  if (const char *env = std::getenv(envVar); env && *env)
    return std::string(env);
  for (const char *name : names) {
    if (auto path = llvm::sys::findProgramByName(name))
      return *path;
    if (auto path = llvm::sys::findProgramByName(
            name, {"/usr/lib/llvm-22/bin", "/usr/bin", "/usr/local/bin"}))
      return *path;
  }
  return std::nullopt;
}

/// The C compiler that compiles a library's entry points and links it:
/// $KRED_CLANG, clang 22 or clang, the clang kred was built with, else the
/// system's cc (a wheel's kred-compile on a machine without clang).
static llvm::Expected<std::string> findClang() {
  if (std::optional<std::string> path =
          findTool("KRED_CLANG", {"clang-22", "clang"}))
    return *path;
#ifdef KRED_CLANG_PATH
  if (llvm::sys::fs::can_execute(KRED_CLANG_PATH))
    return std::string(KRED_CLANG_PATH);
#endif
  if (std::optional<std::string> path = findTool("KRED_CC", {"cc", "gcc"}))
    return *path;
  return makeError("cannot find a C compiler (clang or cc, needed to link "
                   "kernel libraries); install clang-22 or set KRED_CLANG");
}

/// ld.lld, when there is one (faster than the system linker): $KRED_LD, then
/// PATH, then the LLVM 22 directories.
static std::optional<std::string> findLinker() {
  return findTool("KRED_LD", {"ld.lld-22", "ld.lld"});
}

/// The `lib` directory beside the directory of the running program:
/// <prefix>/lib for <prefix>/bin/kred-compile (`make install`, and the
/// wheel's kred/bin and kred/lib), build/lib for build/bin.
static std::string getProgramLibDir() {
  static int anchor;
  std::string program = llvm::sys::fs::getMainExecutable(nullptr, &anchor);
  if (program.empty())
    return "";
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(program));
  llvm::sys::path::remove_filename(dir);
  llvm::sys::path::append(dir, "lib");
  return dir.str().str();
}

/// The directory of libkred_runtime.so to link kernel libraries against.
static llvm::Expected<std::string> findRuntimeLibraryDir() {
  std::vector<std::string> candidates;
  if (const char *env = std::getenv("KRED_RUNTIME_LIBRARY_DIR"); env && *env)
    candidates.push_back(env);
  if (std::string dir = getProgramLibDir(); !dir.empty())
    candidates.push_back(dir);
#ifdef KRED_RUNTIME_BUILD_DIR
  candidates.push_back(KRED_RUNTIME_BUILD_DIR);
#endif
#ifdef KRED_RUNTIME_INSTALL_DIR
  candidates.push_back(KRED_RUNTIME_INSTALL_DIR);
#endif
  for (const std::string &dir : candidates) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, "libkred_runtime.so");
    if (llvm::sys::fs::exists(path))
      return dir;
  }
  return makeError("cannot find libkred_runtime.so (set "
                   "KRED_RUNTIME_LIBRARY_DIR to its directory)");
}

/// compiler-rt's builtins archive: the one kred was built with, else the
/// copy beside the runtime library (the wheel's kred/lib), if any.
static std::optional<std::string> findBuiltinsArchive() {
#ifdef KRED_BUILTINS_ARCHIVE
  if (llvm::sys::fs::exists(KRED_BUILTINS_ARCHIVE))
    return std::string(KRED_BUILTINS_ARCHIVE);
  llvm::SmallString<256> path(getProgramLibDir());
  llvm::sys::path::append(path,
                          llvm::sys::path::filename(KRED_BUILTINS_ARCHIVE));
  if (llvm::sys::fs::exists(path))
    return path.str().str();
#endif
  return std::nullopt;
}

/// Runs `args` (args[0] is the program); its output becomes the error.
static llvm::Error runTool(llvm::ArrayRef<std::string> args,
                           llvm::StringRef scratchDir) {
  llvm::SmallString<256> log(scratchDir);
  llvm::sys::path::append(log, "tool.log");
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  std::string error;
  int rc =
      llvm::sys::ExecuteAndWait(args[0], refs, std::nullopt, redirects,
                                /*SecondsToWait=*/0, /*MemoryLimit=*/0, &error);
  if (rc == 0)
    return llvm::Error::success();
  std::string output;
  if (auto buffer = llvm::MemoryBuffer::getFile(log))
    output = (*buffer)->getBuffer().str();
  std::string command = llvm::join(args, " ");
  return makeError("'" + command + "' failed" +
                   (error.empty() ? "" : ": " + error) +
                   (output.empty() ? "" : ":\n" + output));
}

namespace {
/// A temporary directory removed with its files.
class ScratchDir {
public:
  llvm::Error create() {
    if (std::error_code ec =
            llvm::sys::fs::createUniqueDirectory("kred-build", path))
      return makeError("cannot create a temporary directory: " + ec.message());
    return llvm::Error::success();
  }
  ~ScratchDir() {
    if (!path.empty())
      llvm::sys::fs::remove_directories(path);
  }
  std::string file(llvm::StringRef name) const {
    llvm::SmallString<256> p(path);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  llvm::StringRef get() const { return path; }

private:
  llvm::SmallString<256> path;
};
} // namespace

static llvm::Error writeFile(llvm::StringRef path, llvm::StringRef data) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return makeError("cannot write '" + path + "': " + ec.message());
  os << data;
  os.close();
  if (os.has_error())
    return makeError("cannot write '" + path + "'");
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Generated C
//===----------------------------------------------------------------------===//

namespace {

/// A kernel of a library: its description and C-level names.
struct LibraryKernel {
  KernelDescription desc;
  /// One C parameter name per argument position.
  std::vector<std::string> argNames;
  /// The name of each argument's element count parameter (`x_count`).
  std::vector<std::string> countNames;
  /// CPU entries (NAME_run, NAME_kernel, NAME, NAME_ex).
  bool cpu = true;
  /// GPU images and entries (NAME_gpu_kernel, NAME_gpu), when it has any.
  std::unique_ptr<GPUKernel> gpu;
};

const char *dtypeCName(int32_t dtype) {
  switch (dtype) {
  case KRED_F32:
    return "float";
  case KRED_F64:
    return "double";
  default:
    return nullptr; // 16-bit types: passed as void pointers
  }
}

std::string pointerType(int32_t dtype, bool isConst) {
  const char *c = dtypeCName(dtype);
  std::string t = isConst ? "const " : "";
  return t + (c ? c : "void") + " *";
}

const char *categoryName(int32_t cat) {
  switch (cat) {
  case KRED_CAT_I:
    return "Vi";
  case KRED_CAT_J:
    return "Vj";
  case KRED_CAT_P:
    return "Pm";
  default:
    return "unused";
  }
}

/// `s` as a C string literal.
std::string cString(llvm::StringRef s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// `s` made safe inside a C block comment.
std::string commentSafe(llvm::StringRef s) {
  std::string out = s.str();
  size_t at;
  while ((at = out.find("*/")) != std::string::npos)
    out.replace(at, 2, "* /");
  return out;
}

bool isReservedName(llvm::StringRef name) {
  static const char *const reserved[] = {
      "M",         "N",        "out",      "out_idx", "options",  "args",
      "out_count", "out_idx_count", "counts",
      "auto",      "break",    "case",     "char",    "const",    "continue",
      "default",   "do",       "double",   "else",    "enum",     "extern",
      "float",     "for",      "goto",     "if",      "inline",   "int",
      "long",      "register", "restrict", "return",  "short",    "signed",
      "sizeof",    "static",   "struct",   "switch",  "typedef",  "union",
      "unsigned",  "void",     "volatile", "while",   "bool",     "true",
      "false",     "class",    "new",      "delete",  "this",     "template",
      "namespace", "operator", "private",  "public",  "protected"};
  return llvm::is_contained(reserved, name);
}

/// Parameter names by position from KeOps aliases ("x = Vi(3)",
/// "y = Vj(1,3)", "p = Pm(1)", "Var(0,3,0)"); "argP" when unnamed.
std::vector<std::string> getArgNames(const std::vector<std::string> &aliases,
                                     size_t numArgs) {
  std::vector<std::string> names(numArgs);
  for (size_t i = 0; i < aliases.size(); ++i) {
    llvm::StringRef alias(aliases[i]);
    auto [lhs, rhs] = alias.split('=');
    if (rhs.empty())
      continue;
    llvm::StringRef name = lhs.trim();
    rhs = rhs.trim();
    size_t open = rhs.find('('), close = rhs.rfind(')');
    if (!isCIdentifier(name) || open == llvm::StringRef::npos ||
        close == llvm::StringRef::npos || close < open)
      continue;
    llvm::StringRef kind = rhs.take_front(open).trim();
    llvm::SmallVector<llvm::StringRef> fields;
    rhs.slice(open + 1, close).split(fields, ',');
    int64_t pos = static_cast<int64_t>(i);
    bool twoFields = fields.size() >= 2 && kind != "Var";
    if ((kind == "Var" && fields.size() == 3) || twoFields) {
      if (fields[0].trim().getAsInteger(10, pos))
        continue;
    }
    if (pos >= 0 && static_cast<size_t>(pos) < numArgs && names[pos].empty())
      names[pos] = name.str();
  }
  llvm::StringSet<> used;
  for (size_t p = 0; p < numArgs; ++p) {
    std::string &name = names[p];
    if (name.empty())
      name = "arg" + std::to_string(p);
    while (isReservedName(name) || used.contains(name))
      name += "_";
    used.insert(name);
  }
  return names;
}

/// The element count parameter of each argument: `NAME_count`, made unique
/// among `argNames`, the other counts and the reserved names.
std::vector<std::string>
getCountNames(const std::vector<std::string> &argNames) {
  llvm::StringSet<> used;
  for (const std::string &n : argNames)
    used.insert(n);
  std::vector<std::string> counts;
  for (const std::string &n : argNames) {
    std::string c = n + "_count";
    while (isReservedName(c) || used.contains(c))
      c += "_";
    used.insert(c);
    counts.push_back(c);
  }
  return counts;
}

/// The parameter list after M and N (arguments and outputs, each pointer
/// followed by its element count).
std::string getParameters(const LibraryKernel &k, bool withNames) {
  std::string out;
  const KernelDescription &d = k.desc;
  for (size_t p = 0; p < d.argCategory.size(); ++p) {
    out += ", ";
    out += pointerType(d.dtype, /*isConst=*/true);
    if (withNames)
      out += k.argNames[p];
    out += ", int64_t";
    if (withNames)
      out += " " + k.countNames[p];
  }
  if (d.outValueDim > 0) {
    out += ", " + pointerType(d.dtype, /*isConst=*/false);
    if (withNames)
      out += "out";
    out += withNames ? ", int64_t out_count" : ", int64_t";
  }
  if (d.outIndexDim > 0) {
    out += ", int64_t *";
    if (withNames)
      out += "out_idx";
    out += withNames ? ", int64_t out_idx_count" : ", int64_t";
  }
  return out;
}

/// The names of getParameters(k, true), to forward them.
std::string getArguments(const LibraryKernel &k) {
  std::string out;
  for (size_t p = 0; p < k.argNames.size(); ++p)
    out += ", " + k.argNames[p] + ", " + k.countNames[p];
  if (k.desc.outValueDim > 0)
    out += ", out, out_count";
  if (k.desc.outIndexDim > 0)
    out += ", out_idx, out_idx_count";
  return out;
}

/// Writes the arg_category/arg_dim arrays of `d` (named after `prefix`) and
/// returns the initializer of its kred_kernel_info.
std::string infoInitializer(llvm::raw_ostream &os, const KernelDescription &d,
                            const std::string &prefix) {
  size_t numArgs = d.argCategory.size();
  if (numArgs) {
    os << "static const int32_t " << prefix << "_arg_category[] = {";
    llvm::interleaveComma(d.argCategory, os);
    os << "};\nstatic const int64_t " << prefix << "_arg_dim[] = {";
    llvm::interleaveComma(d.argDim, os);
    os << "};\n";
  }
  std::string text;
  llvm::raw_string_ostream is(text);
  is << "{KRED_ABI_VERSION, " << cString(d.name) << ", " << cString(d.formula)
     << ", " << d.axis << ", " << d.dtype << ", " << d.accDtype << ", "
     << d.reduction << ", " << numArgs << ", "
     << (numArgs ? prefix + "_arg_category" : "0") << ", "
     << (numArgs ? prefix + "_arg_dim" : "0") << ", " << d.outValueDim << ", "
     << d.outIndexDim << ", " << d.stateValues << ", " << d.stateIndices
     << ", " << d.rowBlock << "}";
  return text;
}

/// `out, out_count, out_idx, out_idx_count` as the sized launch functions
/// take them (0 when absent).
std::string outArguments(const KernelDescription &d) {
  return std::string(d.outValueDim > 0 ? "out, out_count" : "0, 0") + ", " +
         (d.outIndexDim > 0 ? "out_idx, out_idx_count" : "0, 0");
}

/// `const void *const args[] = {x, y, ...};` and `const int64_t counts[] =
/// {x_count, ...};` of an entry point.
void emitArgsArray(llvm::raw_ostream &os, const LibraryKernel &k) {
  if (!k.argNames.empty()) {
    os << "  const void *const args[] = {";
    llvm::interleaveComma(k.argNames, os);
    os << "};\n  const int64_t counts[] = {";
    llvm::interleaveComma(k.countNames, os);
    os << "};\n";
  } else {
    os << "  const void *const *args = 0;\n  const int64_t *counts = 0;\n";
  }
}

/// The GPU part of a kernel: its images as byte arrays (PTX with its NUL),
/// the kred_gpu_kernel, NAME_gpu_kernel() and NAME_gpu().
void generateGPUSource(llvm::raw_ostream &os, const LibraryKernel &k) {
  const std::string &n = k.desc.name;
  const GPUKernel &g = *k.gpu;
  for (size_t i = 0; i < g.images.size(); ++i) {
    const GPUImage &image = g.images[i];
    os << "/* " << (image.kind == 0 ? "PTX" : "cubin") << ", sm_" << image.sm
       << " */\nstatic const unsigned char " << n << "_gpu_image" << i
       << "[] __attribute__((aligned(16))) = {";
    size_t size = image.data.size() + (image.kind == 0 ? 1 : 0);
    for (size_t b = 0; b < size; ++b) {
      if (b % 24 == 0)
        os << "\n ";
      unsigned char c =
          b < image.data.size() ? static_cast<unsigned char>(image.data[b]) : 0;
      os << ' ' << static_cast<unsigned>(c) << ',';
    }
    os << "};\n";
  }
  os << "static const kred_gpu_image " << n << "_gpu_images[] = {\n";
  for (size_t i = 0; i < g.images.size(); ++i)
    os << "    {" << g.images[i].sm << ", " << g.images[i].kind << ", " << n
       << "_gpu_image" << i << ", sizeof(" << n << "_gpu_image" << i
       << ")},\n";
  os << "};\n";
  KernelDescription d = g.description;
  d.formula = k.desc.formula;
  std::string info = infoInitializer(os, d, n + "_gpu");
  os << "static const kred_gpu_kernel " << n << "_gpu_descriptor = {\n"
     << "    " << info << ",\n    " << cString(g.runEntry) << ", "
     << cString(g.mergeEntry) << ", " << g.blockThreads << ", "
     << g.rowsPerThread << ", " << g.sharedBytes << ", " << g.images.size()
     << ", " << n << "_gpu_images};\n"
     << "KRED_EXPORT const kred_gpu_kernel *" << n << "_gpu_kernel(void) {\n"
     << "  return &" << n << "_gpu_descriptor;\n}\n"
     << "KRED_EXPORT int " << n << "_gpu(int64_t M, int64_t N"
     << getParameters(k, true)
     << ", const kred_gpu_launch_options *options) {\n";
  emitArgsArray(os, k);
  os << "  return kred_gpu_launch_sized(&" << n
     << "_gpu_descriptor, args, counts, M, N, " << outArguments(k.desc)
     << ", options);\n}\n";
}

/// The C file: descriptors, and entry points when `entryPoints`.
std::string generateSource(llvm::ArrayRef<LibraryKernel> kernels,
                           bool entryPoints) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* Generated by kernelred: kernel descriptors"
     << (entryPoints ? " and C entry points" : "") << ". */\n"
     << "#include \"kred_runtime.h\"\n\n"
     << "#define KRED_EXPORT __attribute__((visibility(\"default\")))\n\n";
  for (const LibraryKernel &k : kernels) {
    const KernelDescription &d = k.desc;
    const std::string &n = d.name;
    os << "/* " << n << " */\n";
    if (k.gpu)
      generateGPUSource(os, k);
    if (!k.cpu)
      continue;
    os << "void " << n
       << "_run(const void *const *, int64_t, int64_t, int64_t, int64_t, "
          "int64_t, int64_t, void *, int64_t *, void *, int64_t *);\n"
       << "void " << n
       << "_merge(void *, int64_t *, const void *, const int64_t *, "
          "int64_t);\n"
       << "void " << n
       << "_finalize(const void *, const int64_t *, int64_t, int64_t, void "
          "*, int64_t *);\n";
    std::string info = infoInitializer(os, d, n);
    os << "KRED_EXPORT const kred_kernel " << n << "_kernel = {\n"
       << "    " << info << ",\n"
       << "    " << n << "_run, " << n << "_merge, " << n << "_finalize};\n";
    if (entryPoints) {
      os << "KRED_EXPORT int " << n << "_ex(int64_t M, int64_t N"
         << getParameters(k, true)
         << ", const kred_launch_options *options) {\n";
      emitArgsArray(os, k);
      os << "  return kred_cpu_launch_sized(&" << n
         << "_kernel, args, counts, M, N, " << outArguments(d)
         << ", options);\n}\n"
         << "KRED_EXPORT int " << n << "(int64_t M, int64_t N"
         << getParameters(k, true) << ") {\n"
         << "  return " << n << "_ex(M, N" << getArguments(k) << ", 0);\n}\n";
    }
    os << "\n";
  }
  return text;
}

std::string includeGuard(llvm::StringRef headerPath) {
  std::string guard;
  for (char c : llvm::sys::path::filename(headerPath))
    guard += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  if (guard.empty() || llvm::isDigit(guard[0]))
    guard = "KRED_" + guard;
  return guard;
}

/// The public header of a kernel library.
std::string generateHeader(llvm::ArrayRef<LibraryKernel> kernels,
                           llvm::StringRef headerPath,
                           llvm::StringRef libraryPath,
                           llvm::StringRef specPath, const TargetInfo &target) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string guard = includeGuard(headerPath);
  os << "/* " << llvm::sys::path::filename(headerPath)
     << " - generated by kred-compile from "
     << commentSafe(llvm::sys::path::filename(specPath)) << ". Do not edit.\n"
     << " *\n"
     << " * Kernels of " << llvm::sys::path::filename(libraryPath)
     << " (CPU: " << target.cpu << ").\n"
     << " * Link that library and the kernelred runtime (CMake:\n"
     << " * find_package(kernelred) and kernelred::runtime; pkg-config:\n"
     << " * kernelred). No compiler is needed at run time.\n"
     << " *\n"
     << " * Every function takes M (rows of the Vi variables) and N (rows of\n"
     << " * the Vj variables), then one pointer per variable in alias order,\n"
     << " * then the outputs; each pointer is followed by the number of\n"
     << " * elements the caller owns there (NAME_count, out_count,\n"
     << " * out_idx_count). Arrays are C-contiguous (row-major): a Vi(D)\n"
     << " * variable is [M][D], a Vj(D) variable [N][D], a Pm(D) parameter\n"
     << " * [D]. The output has one row per i (axis = 1) or per j (axis =\n"
     << " * 0). A count below the array's size is KRED_ERR_INVALID_ARGUMENT\n"
     << " * (nothing is read or written); a larger one is fine. Pointers\n"
     << " * must be aligned to their element type; arrays with no elements\n"
     << " * may be NULL.\n"
     << " *\n"
     << " * Each returns a kred_status: KRED_OK (0), or an error code with a\n"
     << " * message in kred_last_error(). The _ex variants take launch\n"
     << " * options (threads, split); kred_set_num_threads() sets the\n"
     << " * default thread count. NAME_kernel is the kernel's descriptor,\n"
     << " * for kred_cpu_launch_sized().\n"
     << " *\n"
     << " * Kernels with GPU targets also have NAME_gpu(), the same arguments\n"
     << " * as device pointers and kred_gpu_launch options (asynchronous on\n"
     << " * the stream), and NAME_gpu_kernel(), their kred_gpu_kernel for\n"
     << " * kred_gpu_launch_sized(). The library embeds PTX (and cubins when ptxas\n"
     << " * was found) and reaches the CUDA driver only through the runtime\n"
     << " * (dlopen): without a driver or GPU they return KRED_ERR_NO_DEVICE.\n"
     << " * Call kred_gpu_release_kernel(NAME_gpu_kernel()) before unloading\n"
     << " * this library with dlclose.\n"
     << " */\n\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n#include \"kred_runtime.h\"\n\n"
     << "/* The entry points take element counts (runtime C API version 2). */\n"
     << "#if !defined(KRED_RUNTIME_API_VERSION) || "
        "KRED_RUNTIME_API_VERSION < 2\n"
     << "#error \"this header needs the kred_runtime.h of a runtime with the "
        "sized launches (KRED_RUNTIME_API_VERSION >= 2)\"\n"
     << "#endif\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  for (const LibraryKernel &k : kernels) {
    const KernelDescription &d = k.desc;
    const char *rows = d.axis == 1 ? "M" : "N";
    os << "/* " << d.name << ": " << getKeOpsReductionName(d.reduction)
       << " over " << (d.axis == 1 ? "j" : "i") << " of "
       << commentSafe(d.formula) << "\n * dtype " << getDtypeName(d.dtype)
       << (d.dtype == KRED_F16 || d.dtype == KRED_BF16 ? " (bits)" : "")
       << ", axis " << d.axis << ": one output row per "
       << (d.axis == 1 ? "i" : "j") << ".\n";
    for (size_t p = 0; p < d.argCategory.size(); ++p) {
      int32_t cat = d.argCategory[p];
      os << " *   " << k.argNames[p] << ": ";
      if (cat == KRED_CAT_UNUSED) {
        os << "unused by the formula (may be NULL; " << k.countNames[p]
           << " is ignored)\n";
        continue;
      }
      os << categoryName(cat) << "(" << d.argDim[p] << "), ["
         << (cat == KRED_CAT_I   ? "M]["
             : cat == KRED_CAT_J ? "N]["
                                 : "")
         << d.argDim[p] << "], " << k.countNames[p] << " >= "
         << (cat == KRED_CAT_I   ? "M * "
             : cat == KRED_CAT_J ? "N * "
                                 : "")
         << d.argDim[p] << "\n";
    }
    if (d.outValueDim > 0)
      os << " *   out: [" << rows << "][" << d.outValueDim
         << "] values, out_count >= " << rows << " * " << d.outValueDim
         << "\n";
    if (d.outIndexDim > 0)
      os << " *   out_idx: [" << rows << "][" << d.outIndexDim
         << "] int64 indices, out_idx_count >= " << rows << " * "
         << d.outIndexDim << "\n";
    if (k.gpu) {
      const GPUKernel &g = *k.gpu;
      os << " * GPU: " << d.name << "_gpu() takes device pointers and launches "
         << "on options->stream\n * (NULL options: device 0, the legacy "
         << "default stream, split chosen by the\n * runtime); images:";
      for (const GPUImage &image : g.images)
        os << " sm_" << image.sm << (image.kind == 0 ? " PTX" : " cubin")
           << (&image == &g.images.back() ? "" : ",");
      os << ".\n * " << g.blockThreads << " threads per block, "
         << g.rowsPerThread << " row(s) per thread.\n";
    }
    if (!k.cpu)
      os << " * GPU only: the spec gives this kernel no cpu target.\n";
    os << " */\n";
    if (k.cpu)
      os << "int " << d.name << "(int64_t M, int64_t N"
         << getParameters(k, true) << ");\n"
         << "int " << d.name << "_ex(int64_t M, int64_t N"
         << getParameters(k, true) << ", const kred_launch_options *options);\n"
         << "extern const kred_kernel " << d.name << "_kernel;\n";
    if (k.gpu)
      os << "int " << d.name << "_gpu(int64_t M, int64_t N"
         << getParameters(k, true)
         << ", const kred_gpu_launch_options *options);\n"
         << "const kred_gpu_kernel *" << d.name << "_gpu_kernel(void);\n";
    os << "\n";
  }
  os << "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* "
     << guard << " */\n";
  return text;
}

/// Lowers every kernel of `module` to one object and links it with the
/// generated C into `libraryPath`.
llvm::Error linkLibrary(ModuleOp module, llvm::ArrayRef<LibraryKernel> kernels,
                        bool entryPoints, llvm::StringRef libraryPath,
                        const CompileOptions &options,
                        const TargetInfo &target) {
  bool anyCPU = llvm::any_of(kernels, [](const LibraryKernel &k) {
    return k.cpu;
  });
  std::string object;
  if (anyCPU) {
    if (llvm::Error err = lowerToLLVMDialect(module, options, target))
      return err;
    auto compiled = compileLLVMDialectToObject(module, options, target);
    if (!compiled)
      return compiled.takeError();
    object = std::move(*compiled);
  }

  ScratchDir scratch;
  if (llvm::Error err = scratch.create())
    return err;
  std::string objectPath = scratch.file("kernels.o");
  std::string sourcePath = scratch.file("kernels.c");
  if (anyCPU)
    if (llvm::Error err = writeFile(objectPath, object))
      return err;
  if (llvm::Error err =
          writeFile(scratch.file("kred_runtime.h"), kRuntimeHeader))
    return err;
  if (llvm::Error err =
          writeFile(sourcePath, generateSource(kernels, entryPoints)))
    return err;

  auto clang = findClang();
  if (!clang)
    return clang.takeError();
  std::vector<std::string> args = {
      *clang,
      "-shared",
      "-fPIC",
      "-O2",
      "-std=c11",
      "-I" + scratch.get().str(),
      "-o",
      libraryPath.str(),
      sourcePath,
      "-Wl,-soname," + llvm::sys::path::filename(libraryPath).str(),
      "-Wl,--as-needed"};
  if (anyCPU)
    args.push_back(objectPath);
  if (llvm::sys::path::filename(*clang).contains("clang"))
    if (std::optional<std::string> linker = findLinker())
      args.push_back("--ld-path=" + *linker);
  if (entryPoints) {
    auto runtimeDir = findRuntimeLibraryDir();
    if (!runtimeDir)
      return runtimeDir.takeError();
    args.push_back("-L" + *runtimeDir);
    args.push_back("-lkred_runtime");
  }
  // compiler-rt's builtins (f16/bf16 conversions on levels without the
  // instructions), linked in privately: the library then loads on any
  // host, whatever its libgcc provides.
  if (std::optional<std::string> builtins = findBuiltinsArchive())
    args.push_back(*builtins);
  args.push_back("-lm");
  return runTool(args, scratch.get());
}

} // namespace

//===----------------------------------------------------------------------===//
// API
//===----------------------------------------------------------------------===//

llvm::Error mlir::kernelred::emitSharedLibrary(ModuleOp module,
                                               const CompileOptions &options,
                                               llvm::StringRef path) {
  auto target = resolveTarget(options);
  if (!target)
    return target.takeError();
  std::vector<LibraryKernel> kernels;
  for (ReduceOp op : module.getOps<ReduceOp>()) {
    auto desc = describeKernel(op, options);
    if (!desc)
      return desc.takeError();
    LibraryKernel k;
    k.desc = std::move(*desc);
    k.argNames = getArgNames({}, k.desc.argCategory.size());
    k.countNames = getCountNames(k.argNames);
    kernels.push_back(std::move(k));
  }
  if (kernels.empty())
    return makeError("the module holds no kernelred.reduce kernel");
  return linkLibrary(module, kernels, /*entryPoints=*/false, path, options,
                     *target);
}

llvm::Error mlir::kernelred::buildKernelLibrary(llvm::StringRef specPath,
                                                llvm::StringRef libraryPath,
                                                llvm::StringRef headerPath,
                                                const CompileOptions &options) {
  return buildKernelLibrary(specPath, libraryPath, headerPath, options,
                            LibraryGPUOptions());
}

llvm::Error mlir::kernelred::buildKernelLibrary(
    llvm::StringRef specPath, llvm::StringRef libraryPath,
    llvm::StringRef headerPath, const CompileOptions &options,
    const LibraryGPUOptions &gpu) {
  std::vector<KernelTargets> targets;
  auto specs = readSpecFile(specPath, gpu.sms, targets);
  if (!specs)
    return specs.takeError();
  auto target = resolveTarget(options);
  if (!target)
    return target.takeError();

  // Every exported name once: kernel "a" and kernel "a_gpu" would clash.
  llvm::StringMap<std::string> symbols;
  for (size_t i = 0; i < specs->size(); ++i) {
    const std::string &n = (*specs)[i].name;
    std::vector<std::string> names;
    if (targets[i].cpu)
      names = {n, n + "_ex", n + "_kernel", n + "_run", n + "_merge",
               n + "_finalize"};
    if (!targets[i].sms.empty()) {
      names.push_back(n + "_gpu");
      names.push_back(n + "_gpu_kernel");
    }
    for (const std::string &symbol : names) {
      auto [it, inserted] = symbols.try_emplace(symbol, n);
      if (!inserted)
        return makeError(specPath + ": kernels '" + it->second + "' and '" +
                         n + "' both define the symbol '" + symbol + "'");
    }
  }

  bool cubin = false;
  // Cubins by default (ptxas found): for the sms that ptxas can target.
  bool skipUnsupportedCubins = false;
  if (llvm::any_of(targets, [](const KernelTargets &t) {
        return !t.sms.empty();
      })) {
    if (gpu.cubin) {
      cubin = *gpu.cubin;
    } else {
      cubin = static_cast<bool>(
          llvm::expectedToOptional(findPtxas(gpu.compile)));
      skipUnsupportedCubins = true;
    }
  }

  std::unique_ptr<MLIRContext> context = createCompilerContext();
  OwningOpRef<ModuleOp> module =
      ModuleOp::create(UnknownLoc::get(context.get()));
  std::vector<LibraryKernel> kernels;
  for (size_t i = 0; i < specs->size(); ++i) {
    const KernelSpec &spec = (*specs)[i];
    auto op = buildKernel(*module, spec);
    if (!op) {
      std::string message;
      llvm::handleAllErrors(
          op.takeError(),
          [&](const FormulaError &e) { message = e.getDiagnostic().render(); },
          [&](const llvm::ErrorInfoBase &e) { message = e.message(); });
      return makeError(specPath + ": kernel '" + spec.name + "': " + message);
    }
    auto desc = describeKernel(*op, options);
    if (!desc)
      return desc.takeError();
    desc->formula = spec.formula;
    LibraryKernel k;
    k.desc = std::move(*desc);
    k.argNames = getArgNames(spec.aliases, k.desc.argCategory.size());
    k.countNames = getCountNames(k.argNames);
    k.cpu = targets[i].cpu;
    if (!k.cpu)
      op->erase();
    if (!targets[i].sms.empty()) {
      GPUCompileOptions compile = gpu.compile;
      compile.sms = targets[i].sms;
      compile.cubin = cubin;
      compile.skipUnsupportedCubins =
          compile.skipUnsupportedCubins || skipUnsupportedCubins;
      auto compiled = compileGPUKernel(spec, compile);
      if (!compiled)
        return makeError(specPath + ": kernel '" + spec.name +
                         "' (GPU): " + llvm::toString(compiled.takeError()));
      k.gpu = std::move(*compiled);
    }
    kernels.push_back(std::move(k));
  }
  if (llvm::Error err = linkLibrary(*module, kernels, /*entryPoints=*/true,
                                    libraryPath, options, *target))
    return err;
  return writeFile(headerPath, generateHeader(kernels, headerPath, libraryPath,
                                              specPath, *target));
}
