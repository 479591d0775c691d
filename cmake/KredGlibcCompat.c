/*===- KredGlibcCompat.c - glibc functions newer than the wheel tag -------===//
 *
 * Part of the kernelred project.
 *
 * Linked into the static binaries of the wheel only (KredStaticLLVM.cmake).
 * Debian's static LLVMSupport calls arc4random, which glibc has only since
 * 2.36: the one import that would make the wheel manylinux_2_36 instead of
 * manylinux_2_34 (Ubuntu 22.04, RHEL 9). This definition, private to each
 * binary, uses getrandom (glibc 2.25) instead.
 *
 *===----------------------------------------------------------------------===*/

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

__attribute__((visibility("hidden"))) uint32_t arc4random(void) {
  uint32_t value;
  for (;;) {
    ssize_t n = getrandom(&value, sizeof value, 0);
    if (n == (ssize_t)sizeof value)
      return value;
    if (n < 0 && errno != EINTR)
      break;
  }
  /* No getrandom (kernels before 3.17): /dev/urandom. arc4random cannot
   * fail; glibc's aborts too when there is no randomness at all. */
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, &value, sizeof value);
    close(fd);
    if (n == (ssize_t)sizeof value)
      return value;
  }
  abort();
}
