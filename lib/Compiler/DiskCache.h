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
// Trust: the directory, and its <xx> subdirectories, are created 0700 and
// entries 0600. An entry that is a symbolic link, owned by another user, or
// writable by group or others is not loaded (a miss; KRED_VERBOSE=1 prints
// why), since another user could have written its machine code. Writing an
// entry also writes the marker file <dir>/.kred-cache, so that cache
// cleaning (kred.clean_pykeops) deletes kred's own entries only, in
// directories that carry it. Failures to write (read-only or full file
// system, a path below a regular file) only skip caching.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_COMPILER_DISKCACHE_H
#define KRED_LIB_COMPILER_DISKCACHE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
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

  /// The name of the marker file in a directory holding kred's entries.
  static llvm::StringRef getMarkerName();

private:
  /// Writes <directory>/.kred-cache if missing; false when it cannot.
  bool writeMarker() const;

  std::string directory;
};

/// Appends `v` to `out` as 8 little-endian bytes (the integers of cache
/// entries).
void appendU64(std::string &out, uint64_t v);

/// Reads 8 little-endian bytes at the front of `in` into `v` and drops them;
/// false when `in` is shorter.
bool readU64(llvm::StringRef &in, uint64_t &v);

} // namespace mlir::kernelred

#endif // KRED_LIB_COMPILER_DISKCACHE_H
