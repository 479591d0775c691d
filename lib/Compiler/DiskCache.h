//===- DiskCache.h - the on-disk cache of compiled kernels ------*- C++ -*-===//
//
// Part of the kernelred project.
//
// Compiled objects are stored under $KRED_CACHE_DIR (default
// $XDG_CACHE_HOME/kred or ~/.cache/kred), one file per key:
//
//   <dir>/<first 2 hex digits>/<32 hex digits>.kobj
//
// The key hashes the canonical kernelred IR, the target (triple, CPU,
// features), the options and the compiler version. An entry is written to a
// unique temporary file in the same directory and renamed into place, so
// readers never see a partial entry, and processes compiling the same kernel
// at once all succeed (the last rename wins; the entries are identical).
// Entries carry their key and a checksum; a damaged one is treated as a
// miss and rewritten. Set KRED_CACHE_DIR=off to disable the cache.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_COMPILER_DISKCACHE_H
#define KRED_LIB_COMPILER_DISKCACHE_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir::kernelred {

class DiskCache {
public:
  /// The cache at `directory` ("" : the default location, "off": disabled).
  explicit DiskCache(std::string directory = "");

  /// The directory in use ("" when disabled).
  const std::string &getDirectory() const { return directory; }
  bool isEnabled() const { return !directory.empty(); }

  /// A hex key for `material` (everything that determines the object).
  static std::string computeKey(llvm::StringRef material);

  /// The object stored under `key`, if any (and intact).
  std::optional<std::string> load(llvm::StringRef key) const;

  /// Stores `object` under `key` (atomic; failures are silent: the cache is
  /// an optimization). Returns true when the entry was written.
  bool store(llvm::StringRef key, llvm::StringRef object) const;

  /// The path of the entry of `key`.
  std::string getPath(llvm::StringRef key) const;

  /// The default directory ($KRED_CACHE_DIR, $XDG_CACHE_HOME/kred or
  /// ~/.cache/kred; "" when disabled).
  static std::string getDefaultDirectory();

private:
  std::string directory;
};

} // namespace mlir::kernelred

#endif // KRED_LIB_COMPILER_DISKCACHE_H
