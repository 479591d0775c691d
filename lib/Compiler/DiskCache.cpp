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

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace mlir::kernelred;

namespace {

/// Entry layout: magic, key length, key, object length, object, checksum
/// (xxh3 of everything before it). Lengths and checksum little-endian u64.
constexpr char kMagic[8] = {'K', 'R', 'E', 'D', 'O', 'B', 'J', '1'};

void appendU64(std::string &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool readU64(llvm::StringRef &in, uint64_t &v) {
  if (in.size() < 8)
    return false;
  v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in = in.drop_front(8);
  return true;
}

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

} // namespace

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
  auto buffer = llvm::MemoryBuffer::getFile(getPath(key), /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return std::nullopt;
  llvm::StringRef data = (*buffer)->getBuffer();
  if (data.size() < sizeof(kMagic) + 8 ||
      std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0)
    return std::nullopt;
  llvm::StringRef body = data.drop_back(8);
  llvm::StringRef tail = data.take_back(8);
  uint64_t checksum;
  if (!readU64(tail, checksum) || checksum != llvm::xxh3_64bits(body))
    return std::nullopt;
  llvm::StringRef in = body.drop_front(sizeof(kMagic));
  uint64_t keyLength, objectLength;
  if (!readU64(in, keyLength) || keyLength > in.size() ||
      in.take_front(keyLength) != key)
    return std::nullopt;
  in = in.drop_front(keyLength);
  if (!readU64(in, objectLength) || objectLength != in.size())
    return std::nullopt;
  return in.str();
}

bool DiskCache::store(llvm::StringRef key, llvm::StringRef object) const {
  if (!isEnabled())
    return false;
  std::string path = getPath(key);
  llvm::StringRef parent = llvm::sys::path::parent_path(path);
  if (llvm::sys::fs::create_directories(parent))
    return false;

  std::string entry(kMagic, sizeof(kMagic));
  appendU64(entry, key.size());
  entry += key;
  appendU64(entry, object.size());
  entry += object;
  appendU64(entry, llvm::xxh3_64bits(entry));

  // A unique temporary name in the same directory (same file system), then
  // an atomic rename over the final name.
  int fd;
  llvm::SmallString<256> temp;
  if (llvm::sys::fs::createUniqueFile(path + ".%%%%%%%%.tmp", fd, temp))
    return false;
  bool ok = writeAll(fd, entry);
  ok = (::close(fd) == 0) && ok;
  if (!ok || llvm::sys::fs::rename(temp, path)) {
    llvm::sys::fs::remove(temp);
    return false;
  }
  return true;
}
