//===- DiskCache.cpp - the on-disk cache of compiled kernels --------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Compiler/DiskCache.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/xxhash.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mlir::kernelred;

namespace {

/// Entry layout: magic, key length, key, object length, object, checksum
/// (xxh3 of everything before it). Lengths and checksum little-endian u64.
constexpr char kMagic[8] = {'K', 'R', 'E', 'D', 'O', 'B', 'J', '1'};

bool writeAll(int fd, llvm::StringRef data) {
  const char *p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

/// Whether KRED_VERBOSE asks for notes (set and not "0").
bool verbose() {
  const char *env = std::getenv("KRED_VERBOSE");
  return env && *env && std::strcmp(env, "0") != 0;
}

void note(const llvm::Twine &message) {
  if (verbose())
    std::fprintf(stderr, "[kred] disk cache: %s\n", message.str().c_str());
}

/// Reads the whole regular file `path` into `out`, refusing (with a note) a
/// file this process should not trust: a symbolic link, not a regular file,
/// owned by another user, or writable by group or others (another user
/// could have written its machine code). The checks use the opened file
/// (fstat), so the file cannot be swapped between the check and the read.
bool readTrustedFile(const std::string &path, std::string &out) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ELOOP)
      note("ignoring " + path + ": a symbolic link");
    return false;
  }
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0;
  if (ok && !S_ISREG(st.st_mode)) {
    note("ignoring " + path + ": not a regular file");
    ok = false;
  } else if (ok && st.st_uid != ::geteuid()) {
    note("ignoring " + path + ": owned by uid " + llvm::Twine(st.st_uid) +
         ", not by this user (uid " + llvm::Twine(::geteuid()) + ")");
    ok = false;
  } else if (ok && (st.st_mode & (S_IWGRP | S_IWOTH))) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    note("ignoring " + path + ": writable by group or others (mode " +
         llvm::StringRef(mode) + ")");
    ok = false;
  }
  if (ok) {
    out.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::read(fd, out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += static_cast<size_t>(n);
    }
    out.resize(done); // a file that shrank meanwhile fails the checksum
  }
  ::close(fd);
  return ok;
}

/// Creates `dir` private to the user (0700), its parents with the default
/// permissions; an existing directory is left as it is.
bool ensurePrivateDirectory(llvm::StringRef dir) {
  if (llvm::sys::fs::is_directory(dir))
    return true;
  llvm::StringRef parent = llvm::sys::path::parent_path(dir);
  if (!parent.empty() && llvm::sys::fs::create_directories(parent))
    return false;
  if (std::error_code ec = llvm::sys::fs::create_directory(
          dir, /*IgnoreExisting=*/true, llvm::sys::fs::owner_all)) {
    note("cannot create " + dir + ": " + ec.message());
    return false;
  }
  return true;
}

} // namespace

void mlir::kernelred::appendU64(std::string &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool mlir::kernelred::readU64(llvm::StringRef &in, uint64_t &v) {
  if (in.size() < 8)
    return false;
  v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in = in.drop_front(8);
  return true;
}

llvm::StringRef DiskCache::getMarkerName() { return ".kred-cache"; }

std::string DiskCache::getDefaultDirectory() {
  if (const char *env = std::getenv("KRED_CACHE_DIR")) {
    llvm::StringRef dir(env);
    if (dir == "off" || dir == "0" || dir == "none")
      return "";
    if (!dir.empty())
      return dir.str();
  }
  llvm::SmallString<256> path;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    path = xdg;
  } else if (const char *home = std::getenv("HOME"); home && *home) {
    path = home;
    llvm::sys::path::append(path, ".cache");
  } else {
    return "";
  }
  llvm::sys::path::append(path, "kred");
  return std::string(path);
}

DiskCache::DiskCache(std::string dir) {
  if (dir.empty())
    directory = getDefaultDirectory();
  else if (dir != "off")
    directory = std::move(dir);
}

std::string DiskCache::computeKey(llvm::StringRef material) {
  std::array<uint8_t, 32> digest = llvm::SHA256::hash(
      llvm::ArrayRef<uint8_t>(material.bytes_begin(), material.size()));
  return llvm::toHex(llvm::ArrayRef<uint8_t>(digest.data(), 16),
                     /*LowerCase=*/true);
}

std::string DiskCache::getPath(llvm::StringRef key) const {
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, key.take_front(2), key + ".kobj");
  return std::string(path);
}

std::optional<std::string> DiskCache::load(llvm::StringRef key) const {
  if (!isEnabled())
    return std::nullopt;
  std::string path = getPath(key);
  std::string contents;
  if (!readTrustedFile(path, contents))
    return std::nullopt;
  llvm::StringRef data(contents);
  auto damaged = [&](const char *why) {
    note("ignoring " + path + ": " + why + " (recompiling)");
    return std::nullopt;
  };
  if (data.size() < sizeof(kMagic) + 8 + 8 + 8 ||
      std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0)
    return damaged("truncated or not a kred cache entry");
  llvm::StringRef body = data.drop_back(8);
  llvm::StringRef tail = data.take_back(8);
  uint64_t checksum;
  if (!readU64(tail, checksum) || checksum != llvm::xxh3_64bits(body))
    return damaged("checksum mismatch (truncated or corrupted)");
  llvm::StringRef in = body.drop_front(sizeof(kMagic));
  uint64_t keyLength, objectLength;
  if (!readU64(in, keyLength) || keyLength > in.size() ||
      in.take_front(keyLength) != key)
    return damaged("stored under another key");
  in = in.drop_front(keyLength);
  if (!readU64(in, objectLength) || objectLength != in.size() ||
      objectLength == 0)
    return damaged("bad object length");
  return in.str();
}

bool DiskCache::writeMarker() const {
  llvm::SmallString<256> marker(directory);
  llvm::sys::path::append(marker, getMarkerName());
  if (llvm::sys::fs::exists(marker))
    return true;
  int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return true;
    note("cannot write " + marker + ": " + std::strerror(errno) +
         " (the kernel is used without caching)");
    return false;
  }
  bool ok = writeAll(
      fd, "This directory holds kernelred (kred) compiled kernels: files "
          "<xx>/<32 hex digits>.kobj.\nkred.clean_pykeops() deletes those "
          "entries only, in directories with this marker; other files are "
          "left alone.\n");
  ok = (::close(fd) == 0) && ok;
  if (!ok) {
    note("cannot write " + marker + ": " + std::strerror(errno) +
         " (the kernel is used without caching)");
    llvm::sys::fs::remove(marker); // no entry follows: leave no marker
  }
  return ok;
}

bool DiskCache::store(llvm::StringRef key, llvm::StringRef object) const {
  if (!isEnabled())
    return false;
  std::string path = getPath(key);
  llvm::StringRef parent = llvm::sys::path::parent_path(path);
  // The cache directory and its <xx> subdirectories are private to the user
  // when kred creates them; the marker tells cache cleaning which
  // directories hold kred's entries.
  if (!ensurePrivateDirectory(directory) || !writeMarker() ||
      !ensurePrivateDirectory(parent))
    return false;

  std::string entry(kMagic, sizeof(kMagic));
  appendU64(entry, key.size());
  entry += key;
  appendU64(entry, object.size());
  entry += object;
  appendU64(entry, llvm::xxh3_64bits(entry));

  // A unique temporary name in the same directory (same file system), then
  // an atomic rename over the final name. Mode 0600 whatever the umask:
  // load() refuses entries that group or others can write.
  int fd;
  llvm::SmallString<256> temp;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(
          path + ".%%%%%%%%.tmp", fd, temp, llvm::sys::fs::OF_None,
          llvm::sys::fs::owner_read | llvm::sys::fs::owner_write)) {
    note("cannot write an entry in " + parent + ": " + ec.message());
    return false;
  }
  bool ok = writeAll(fd, entry);
  int writeErrno = ok ? 0 : errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok || llvm::sys::fs::rename(temp, path)) {
    note("cannot write " + path + ": " +
         (writeErrno ? std::strerror(writeErrno) : "close or rename failed") +
         " (the kernel is used without caching)");
    llvm::sys::fs::remove(temp);
    return false;
  }
  return true;
}
