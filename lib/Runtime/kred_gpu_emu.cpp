//===- kred_gpu_emu.cpp - an emulated CUDA driver that runs on the host ---===//
//
// Part of the kernelred project.
//
// The CUDA driver entry points that kred_cuda.cpp needs (GpuEmulator.h),
// implemented on the host so that the runtime's real launch logic runs
// kred's GPU kernels without a GPU: one emulated device shaped like an H100
// (sm_90, 132 multiprocessors, 2048 threads each, 227 KiB of opt-in shared
// memory), whose modules are host images (kred_emu_module, kred_gpu_emu.h)
// and whose cuLaunchKernel runs the whole grid before it returns.
//
// Each block's threads run as fibers (a few instructions per switch on
// x86-64, ucontext elsewhere) on stacks of 256 KiB with a guard page, reused
// across blocks and launches (per host thread). A barrier switches back to
// the block's scheduler, which releases the threads once every live thread
// waits; threads that returned while others wait at a barrier fail the
// launch (a divergent barrier). The threads run in rounds, in an order that
// changes every round (ascending, descending, rotated or shuffled, from a
// PRNG seeded with $KRED_GPU_EMU_SEED): with the race check, a thread
// yields before each workgroup-memory access (the block advances in
// lockstep, one access per thread and round), without it, it runs to its
// next barrier. Workgroup memory is poisoned (0xFF bytes) before each
// block, device memory when it is allocated, and, unless
// $KRED_GPU_EMU_RACECHECK=0, a race detector checks every workgroup-memory
// access of the generated code (thread->shared_access): a read of bytes
// another thread wrote, or a write of bytes another thread read or wrote, in
// the same barrier interval, and any access outside the block's workgroup
// memory, fail the launch with a message naming the block, the threads, the
// offset and the interval. cuGetErrorString returns that message (for the
// failure just reported on the calling thread), so that it reaches
// kred_last_error(). See docs/gpu.md, "The emulator (runtime side)".
//
//===----------------------------------------------------------------------===//

#include "GpuEmulator.h"

#include "kred_gpu_emu.h"

#include <sys/mman.h>
#include <unistd.h>

// Fibers switch with a few instructions on x86-64 (kredEmuSwitch below),
// with ucontext elsewhere (or when built with -DKRED_EMU_UCONTEXT, to test
// that path: about 20 times slower).
#if defined(__x86_64__) && !defined(KRED_EMU_UCONTEXT)
#define KRED_EMU_FAST_SWITCH 1
#else
#include <ucontext.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KRED_EMU_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(KRED_EMU_ASAN)
#define KRED_EMU_ASAN 1
#endif
#ifdef KRED_EMU_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

using namespace kred::cuda;

#ifdef KRED_EMU_FAST_SWITCH
// kredEmuSwitch(save, load): saves the callee-saved registers, MXCSR and
// the x87 control word on the current stack, stores the stack pointer at
// *save, switches to the stack `load` (saved the same way) and restores
// them. kredEmuFiberStart: the first "return" of a new fiber, which calls
// the C function in r13 with r12 as its argument (never returns).
extern "C" void kredEmuSwitch(void **save, void *load);
extern "C" void kredEmuFiberStart();
asm(R"(
        .text
        .p2align 4
        .globl kredEmuSwitch
        .hidden kredEmuSwitch
        .type kredEmuSwitch,@function
kredEmuSwitch:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        subq $8, %rsp
        stmxcsr (%rsp)
        fnstcw 4(%rsp)
        movq %rsp, (%rdi)
        movq %rsi, %rsp
        ldmxcsr (%rsp)
        fldcw 4(%rsp)
        addq $8, %rsp
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret
        .size kredEmuSwitch,.-kredEmuSwitch

        .p2align 4
        .globl kredEmuFiberStart
        .hidden kredEmuFiberStart
        .type kredEmuFiberStart,@function
kredEmuFiberStart:
        movq %r12, %rdi
        jmpq *%r13
        .size kredEmuFiberStart,.-kredEmuFiberStart
)");
#endif

namespace {

//===----------------------------------------------------------------------===//
// The emulated device (an H100's numbers, so that the runtime's split
// decisions are those of a real device)
//===----------------------------------------------------------------------===//

constexpr int kMajor = 9, kMinor = 0;
constexpr int kMultiprocessors = 132;
constexpr int kThreadsPerMultiprocessor = 2048;
constexpr int kMaxBlockThreads = 1024;
constexpr int kDefaultShared = 48 * 1024;  ///< static, and dynamic by default
constexpr int kOptinShared = 227 * 1024;   ///< static + dynamic, opted in
constexpr int kSharedPerMultiprocessor = 228 * 1024;
constexpr size_t kMemoryBytes = size_t(80) << 30;
constexpr size_t kStackBytes = 256 * 1024;
constexpr uint64_t kDefaultSeed = 1;

std::atomic<bool> initialized{false};

struct EmuContext {
  int device;
};
EmuContext primary{0};
thread_local EmuContext *current = nullptr;

CUcontext handle(EmuContext *c) { return reinterpret_cast<CUcontext>(c); }

//===----------------------------------------------------------------------===//
// Modules, functions and memory
//===----------------------------------------------------------------------===//

struct EmuModule;

struct EmuFunction {
  std::string name;
  kred_emu_kernel_fn fn = nullptr;
  int64_t staticShared = 0;
  int64_t numParams = 0;
  /// Dynamic shared memory a launch may use (cuFuncSetAttribute).
  std::atomic<int> maxDynamicShared{0};
  EmuModule *module = nullptr;
};

struct EmuModule {
  EmuContext *context = nullptr;
  /// One per entry, made at load (a deque: the addresses are the handles).
  std::deque<EmuFunction> functions;
};

std::mutex mutex; ///< guards the sets below and memoryInUse
std::set<const EmuModule *> liveModules;
std::set<const EmuFunction *> liveFunctions;
std::map<uintptr_t, size_t> allocations;
size_t memoryInUse = 0;

//===----------------------------------------------------------------------===//
// The calling thread's last failure: cuGetErrorString(code) returns its
// message while `code` is the last failure of an emulator call on this
// thread (the runtime's describe() calls it right after the failure).
//===----------------------------------------------------------------------===//

struct Failure {
  CUresult code = CUDA_SUCCESS;
  std::string message;
};
thread_local Failure lastFailure;

void clearFailure() {
  lastFailure.code = CUDA_SUCCESS;
  lastFailure.message.clear();
}

[[gnu::format(printf, 2, 3)]] CUresult failWith(CUresult code,
                                                const char *fmt, ...) {
  char buffer[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buffer, sizeof(buffer), fmt, ap);
  va_end(ap);
  lastFailure.code = code;
  lastFailure.message = buffer;
  return code;
}

/// Writes a JIT error log (CU_JIT_ERROR_LOG_BUFFER) when the caller gave one.
[[gnu::format(printf, 4, 5)]] void writeLog(unsigned numOptions,
                                            CUjit_option *options,
                                            void **values, const char *fmt,
                                            ...) {
  char *log = nullptr;
  size_t size = 0;
  for (unsigned i = 0; options && values && i < numOptions; ++i) {
    if (options[i] == CU_JIT_ERROR_LOG_BUFFER)
      log = static_cast<char *>(values[i]);
    if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
      size = reinterpret_cast<size_t>(values[i]);
  }
  if (!log || !size)
    return;
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(log, size, fmt, ap);
  va_end(ap);
}

/// The function of a handle, or NULL when it is not a loaded function.
EmuFunction *lookupFunction(CUfunction f) {
  auto *fn = reinterpret_cast<EmuFunction *>(f);
  std::lock_guard<std::mutex> lock(mutex);
  return liveFunctions.count(fn) ? fn : nullptr;
}

//===----------------------------------------------------------------------===//
// Fibers
//===----------------------------------------------------------------------===//

/// splitmix64: the PRNG of the thread orders (and a hash).
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

uint64_t mix(uint64_t a, uint64_t b) {
  Rng r{a ^ (b * 0x9e3779b97f4a7c15ULL)};
  return r.next();
}

/// Race-detector state of one byte of workgroup memory: the last writer and
/// up to two readers of the current barrier interval (epochs are per host
/// thread, so stale entries of earlier intervals and blocks never match).
struct Shadow {
  uint32_t writeEpoch;
  uint32_t readEpoch;
  uint16_t writer;
  uint16_t reader1;
  uint16_t reader2;
  uint16_t unused;
};
constexpr uint16_t kNoThread = 0xffff;

struct Executor;

struct Fiber {
  kred_emu_thread thread; ///< what the kernel sees; emulator points here
  Executor *executor = nullptr;
#ifdef KRED_EMU_FAST_SWITCH
  void *sp = nullptr; ///< saved stack pointer while switched out
#else
  ucontext_t context;
#endif
  enum State : uint8_t { Ready, AtBarrier, Done, Aborted } state = Ready;
  uint16_t linear = 0; ///< x + y * bx + z * bx * by
#ifdef KRED_EMU_ASAN
  void *fakeStack = nullptr;
#endif
};

struct Stack {
  void *mapping = nullptr;
  size_t mappingBytes = 0;
  char *bottom = nullptr; ///< lowest usable address (above the guard page)
  size_t bytes = 0;
};

/// What a host thread needs to run blocks: fibers, their stacks, the
/// block's workgroup memory and its shadow. One per host thread, reused.
struct Executor {
  std::vector<std::unique_ptr<Fiber>> fibers;
  std::vector<Stack> stacks;
#ifdef KRED_EMU_FAST_SWITCH
  void *schedulerSp = nullptr;
#else
  ucontext_t scheduler;
#endif
#ifdef KRED_EMU_ASAN
  void *schedulerFakeStack = nullptr;
  const void *schedulerBottom = nullptr;
  size_t schedulerSize = 0;
#endif
  unsigned char *shared = nullptr;
  size_t sharedCapacity = 0;
  size_t sharedBytes = 0; ///< of the launch
  std::vector<Shadow> shadow;
  uint32_t epoch = 0;
  int64_t phase = 0; ///< barrier interval of the running block

  // The launch.
  bool busy = false;
  const EmuFunction *function = nullptr;
  void **params = nullptr;
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned blockId[3] = {0, 0, 0};
  uint64_t seed = kDefaultSeed;
  bool raceCheck = true;
  /// With the race check: switch threads at every workgroup-memory access.
  bool lockstep = true;

  // The first failure of the launch.
  bool failed = false;
  CUresult failCode = CUDA_SUCCESS;
  std::string failMessage;

  ~Executor() {
    for (Stack &s : stacks)
      munmap(s.mapping, s.mappingBytes);
    std::free(shared);
  }

  /// Fibers and stacks for `n` threads; false when out of memory.
  bool reserve(size_t n) {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    while (stacks.size() < n) {
      Stack s;
      s.mappingBytes = kStackBytes + page;
      s.mapping = mmap(nullptr, s.mappingBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                       -1, 0);
      if (s.mapping == MAP_FAILED)
        return false;
      // The guard page: a stack overflow faults instead of corrupting the
      // neighbouring stack.
      mprotect(s.mapping, page, PROT_NONE);
      s.bottom = static_cast<char *>(s.mapping) + page;
      s.bytes = kStackBytes;
      stacks.push_back(s);
    }
    while (fibers.size() < n) {
      fibers.push_back(std::make_unique<Fiber>());
      fibers.back()->executor = this;
    }
    return true;
  }

  /// Workgroup memory (and its shadow) of `bytes`; false when out of memory.
  bool reserveShared(size_t bytes, bool withShadow) {
    size_t want = std::max<size_t>(64, (bytes + 63) / 64 * 64);
    if (want > sharedCapacity) {
      void *p = std::aligned_alloc(64, want);
      if (!p)
        return false;
      std::free(shared);
      shared = static_cast<unsigned char *>(p);
      sharedCapacity = want;
    }
    sharedBytes = bytes;
    if (withShadow && shadow.size() < bytes)
      shadow.resize(bytes, Shadow{0, 0, kNoThread, kNoThread, kNoThread, 0});
    return true;
  }

  /// Starts a new barrier interval (the shadow's entries of older ones no
  /// longer match).
  void nextEpoch() {
    if (++epoch >= 0xfffffff0u) {
      std::fill(shadow.begin(), shadow.end(),
                Shadow{0, 0, kNoThread, kNoThread, kNoThread, 0});
      epoch = 1;
    }
  }
};

thread_local std::unique_ptr<Executor> threadExecutor;

Executor &executor() {
  if (!threadExecutor)
    threadExecutor = std::make_unique<Executor>();
  return *threadExecutor;
}

Fiber *fiberOf(kred_emu_thread *t) { return static_cast<Fiber *>(t->emulator); }

/// Switches from fiber `f` back to the block scheduler (`dying`: for good).
void yieldToScheduler(Fiber *f, bool dying) {
  Executor &e = *f->executor;
#ifdef KRED_EMU_ASAN
  __sanitizer_start_switch_fiber(dying ? nullptr : &f->fakeStack,
                                 e.schedulerBottom, e.schedulerSize);
#else
  (void)dying;
#endif
#ifdef KRED_EMU_FAST_SWITCH
  kredEmuSwitch(&f->sp, e.schedulerSp);
#else
  swapcontext(&f->context, &e.scheduler);
#endif
#ifdef KRED_EMU_ASAN
  __sanitizer_finish_switch_fiber(f->fakeStack, &e.schedulerBottom,
                                  &e.schedulerSize);
#endif
}

/// Runs fiber `i` until it reaches a barrier, returns or fails.
void resume(Executor &e, size_t i) {
#ifdef KRED_EMU_ASAN
  __sanitizer_start_switch_fiber(&e.schedulerFakeStack, e.stacks[i].bottom,
                                 e.stacks[i].bytes);
#endif
#ifdef KRED_EMU_FAST_SWITCH
  kredEmuSwitch(&e.schedulerSp, e.fibers[i]->sp);
#else
  swapcontext(&e.scheduler, &e.fibers[i]->context);
#endif
#ifdef KRED_EMU_ASAN
  __sanitizer_finish_switch_fiber(e.schedulerFakeStack, nullptr, nullptr);
#endif
}

/// A fiber's body (noexcept: an exception cannot leave a fiber).
void fiberRun(Fiber *f) noexcept {
  Executor &e = *f->executor;
#ifdef KRED_EMU_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &e.schedulerBottom,
                                  &e.schedulerSize);
#endif
  e.function->fn(e.params, &f->thread);
  f->state = Fiber::Done;
  yieldToScheduler(f, /*dying=*/true);
  // Never resumed.
  std::abort();
}

#ifdef KRED_EMU_FAST_SWITCH
/// Makes fiber `f` start fiberRun(f) on `stack` when first switched to.
void prepareFiber(Executor &, Fiber &f, const Stack &stack) {
  auto top = reinterpret_cast<uintptr_t>(stack.bottom + stack.bytes) & ~15ull;
  auto *slot = reinterpret_cast<uint64_t *>(top);
  uint32_t mxcsr = 0x1f80;
  uint16_t fpucw = 0x037f;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpucw));
  *--slot = 0; // the return address of fiberRun (it never returns)
  *--slot = reinterpret_cast<uint64_t>(&kredEmuFiberStart);
  *--slot = 0;                                   // rbp
  *--slot = 0;                                   // rbx
  *--slot = reinterpret_cast<uint64_t>(&f);      // r12: the argument
  *--slot = reinterpret_cast<uint64_t>(&fiberRun); // r13: the function
  *--slot = 0;                                   // r14
  *--slot = 0;                                   // r15
  *--slot = uint64_t(mxcsr) | (uint64_t(fpucw) << 32);
  f.sp = slot;
}
#else
void fiberMain(unsigned hi, unsigned lo) {
  fiberRun(reinterpret_cast<Fiber *>((uintptr_t(hi) << 32) | uintptr_t(lo)));
}

/// Makes fiber `f` start fiberRun(f) on `stack` when first switched to.
void prepareFiber(Executor &e, Fiber &f, const Stack &stack) {
  getcontext(&f.context);
  f.context.uc_stack.ss_sp = stack.bottom;
  f.context.uc_stack.ss_size = stack.bytes;
  f.context.uc_link = &e.scheduler;
  uintptr_t p = reinterpret_cast<uintptr_t>(&f);
  makecontext(&f.context, reinterpret_cast<void (*)()>(fiberMain), 2,
              static_cast<unsigned>(p >> 32),
              static_cast<unsigned>(p & 0xffffffffu));
}
#endif

//===----------------------------------------------------------------------===//
// Messages
//===----------------------------------------------------------------------===//

std::string threadName(const Executor &e, const Fiber &f) {
  if (e.block[1] == 1 && e.block[2] == 1)
    return std::to_string(f.thread.thread_id[0]);
  return "(" + std::to_string(f.thread.thread_id[0]) + ", " +
         std::to_string(f.thread.thread_id[1]) + ", " +
         std::to_string(f.thread.thread_id[2]) + ")";
}

std::string threadName(const Executor &e, uint16_t linear) {
  if (linear == kNoThread)
    return "?";
  unsigned x = linear % e.block[0], y = linear / e.block[0] % e.block[1],
           z = linear / (e.block[0] * e.block[1]);
  if (e.block[1] == 1 && e.block[2] == 1)
    return std::to_string(x);
  return "(" + std::to_string(x) + ", " + std::to_string(y) + ", " +
         std::to_string(z) + ")";
}

/// "0-63, 70, 72-80" (linear ids), shortened past ~60 characters.
std::string threadList(const std::vector<uint16_t> &ids) {
  std::string s;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1)
      ++j;
    if (!s.empty())
      s += ", ";
    if (s.size() > 60) {
      s += "...";
      break;
    }
    s += std::to_string(ids[i]);
    if (j > i)
      s += "-" + std::to_string(ids[j]);
    i = j + 1;
  }
  return s;
}

std::string blockName(const Executor &e) {
  return "block (" + std::to_string(e.blockId[0]) + ", " +
         std::to_string(e.blockId[1]) + ", " + std::to_string(e.blockId[2]) +
         ")";
}

/// Records the launch's failure (the first one wins).
[[gnu::format(printf, 3, 4)]] void failLaunch(Executor &e, CUresult code,
                                              const char *fmt, ...) {
  if (e.failed)
    return;
  char buffer[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buffer, sizeof(buffer), fmt, ap);
  va_end(ap);
  e.failed = true;
  e.failCode = code;
  e.failMessage = buffer;
}

//===----------------------------------------------------------------------===//
// What generated code calls
//===----------------------------------------------------------------------===//

void emuBarrier(kred_emu_thread *t) {
  Fiber *f = fiberOf(t);
  f->state = Fiber::AtBarrier;
  yieldToScheduler(f, /*dying=*/false);
}

/// Stops the failing fiber for good (the launch has failed).
[[noreturn]] void abortFiber(Fiber *f) {
  f->state = Fiber::Aborted;
  yieldToScheduler(f, /*dying=*/true);
  std::abort();
}

void emuSharedAccess(kred_emu_thread *t, const void *address, int64_t bytes,
                     int64_t isWrite) {
  Fiber *f = fiberOf(t);
  Executor &e = *f->executor;
  const char *verb = isWrite ? "writes" : "reads";
  intptr_t offset = reinterpret_cast<intptr_t>(address) -
                    reinterpret_cast<intptr_t>(e.shared);
  if (bytes <= 0)
    return;
  if (offset < 0 || static_cast<size_t>(offset) > e.sharedBytes ||
      static_cast<size_t>(bytes) > e.sharedBytes - offset) {
    failLaunch(e, CUDA_ERROR_ILLEGAL_ADDRESS,
               "kred GPU emulator: out-of-bounds workgroup memory access in "
               "%s of '%s': thread %s %s %lld bytes at offset %lld, outside the "
               "block's %zu bytes (barrier interval %lld; seed %llu)",
               blockName(e).c_str(), e.function->name.c_str(),
               threadName(e, *f).c_str(), verb, static_cast<long long>(bytes),
               static_cast<long long>(offset), e.sharedBytes,
               static_cast<long long>(e.phase),
               static_cast<unsigned long long>(e.seed));
    abortFiber(f);
  }
  uint16_t me = f->linear;
  uint32_t epoch = e.epoch;
  Shadow *s = e.shadow.data() + offset;
  for (int64_t i = 0; i < bytes; ++i) {
    const char *kind = nullptr, *otherDid = nullptr;
    uint16_t other = kNoThread;
    if (s[i].writeEpoch == epoch && s[i].writer != me) {
      kind = isWrite ? "write-after-write" : "read-after-write";
      otherDid = "wrote";
      other = s[i].writer;
    } else if (isWrite && s[i].readEpoch == epoch &&
               (s[i].reader1 != me || s[i].reader2 != kNoThread)) {
      kind = "write-after-read";
      otherDid = "read";
      other = s[i].reader1 != me ? s[i].reader1 : s[i].reader2;
    }
    if (!kind)
      continue;
    std::string at = "at offset " + std::to_string(offset);
    if (i)
      at += " (byte " + std::to_string(offset + i) + ")";
    failLaunch(e, CUDA_ERROR_LAUNCH_FAILED,
               "kred GPU emulator: %s race on workgroup memory in %s of "
               "'%s': thread %s %s %lld bytes %s that thread %s %s in the "
               "same barrier interval (%lld: no barrier between them; "
               "seed %llu)",
               kind, blockName(e).c_str(), e.function->name.c_str(),
               threadName(e, *f).c_str(), verb, static_cast<long long>(bytes),
               at.c_str(), threadName(e, other).c_str(), otherDid,
               static_cast<long long>(e.phase),
               static_cast<unsigned long long>(e.seed));
    abortFiber(f);
  }
  for (int64_t i = 0; i < bytes; ++i) {
    if (isWrite) {
      s[i].writeEpoch = epoch;
      s[i].writer = me;
    } else if (s[i].readEpoch != epoch) {
      s[i].readEpoch = epoch;
      s[i].reader1 = me;
      s[i].reader2 = kNoThread;
    } else if (s[i].reader1 != me && s[i].reader2 == kNoThread) {
      s[i].reader2 = me;
    }
  }
  // Let the other threads run before the access is made: with the race
  // check, the threads of a block advance in lockstep, one workgroup-memory
  // access at a time (in a fresh order each round), as a GPU's threads
  // load and store together: a missing barrier after cooperative stores is
  // then reported as a read-after-write race, one before the tile is
  // overwritten as a write-after-read race.
  if (e.lockstep)
    yieldToScheduler(f, /*dying=*/false);
}

//===----------------------------------------------------------------------===//
// Blocks
//===----------------------------------------------------------------------===//

/// The order in which the ready threads run until the next barrier:
/// ascending, descending, rotated or shuffled.
void pickOrder(Rng &rng, std::vector<uint16_t> &order) {
  size_t n = order.size();
  if (n < 2)
    return;
  uint64_t how = rng.next() % 6;
  if (how == 0) {
    std::sort(order.begin(), order.end());
  } else if (how == 1) {
    std::sort(order.rbegin(), order.rend());
  } else if (how == 2) {
    std::sort(order.begin(), order.end());
    std::rotate(order.begin(), order.begin() + 1 + rng.next() % (n - 1),
                order.end());
  } else {
    for (size_t i = n - 1; i > 0; --i)
      std::swap(order[i], order[rng.next() % (i + 1)]);
  }
}

/// Runs the block e.blockId; false when the launch failed.
bool runBlock(Executor &e) {
  size_t n = size_t(e.block[0]) * e.block[1] * e.block[2];
  std::memset(e.shared, 0xff, e.sharedBytes);
  e.nextEpoch();
  e.phase = 0;
  Rng rng{mix(mix(mix(e.seed, e.blockId[0]), e.blockId[1]),
              e.blockId[2] ^ (uint64_t(e.function->numParams) << 32))};
  for (size_t i = 0; i < n; ++i) {
    Fiber &f = *e.fibers[i];
    kred_emu_thread &t = f.thread;
    f.linear = static_cast<uint16_t>(i);
    t.thread_id[0] = i % e.block[0];
    t.thread_id[1] = i / e.block[0] % e.block[1];
    t.thread_id[2] = i / (size_t(e.block[0]) * e.block[1]);
    for (int d = 0; d < 3; ++d) {
      t.block_id[d] = e.blockId[d];
      t.block_dim[d] = e.block[d];
      t.grid_dim[d] = e.grid[d];
    }
    t.shared = e.shared;
    t.barrier = emuBarrier;
    t.shared_access = e.raceCheck ? emuSharedAccess : nullptr;
    t.emulator = &f;
    prepareFiber(e, f, e.stacks[i]);
    f.state = Fiber::Ready;
  }
  std::vector<uint16_t> order, waiting, done;
  order.reserve(n);
  for (;;) {
    // One barrier interval: rounds until every thread waits at a barrier or
    // has returned (a thread stays ready when it yields at a store).
    for (;;) {
      order.clear();
      for (size_t i = 0; i < n; ++i)
        if (e.fibers[i]->state == Fiber::Ready)
          order.push_back(static_cast<uint16_t>(i));
      if (order.empty())
        break;
      pickOrder(rng, order);
      for (uint16_t i : order) {
        resume(e, i);
        if (e.failed)
          return false;
      }
    }
    waiting.clear();
    done.clear();
    for (size_t i = 0; i < n; ++i)
      (e.fibers[i]->state == Fiber::AtBarrier ? waiting : done)
          .push_back(static_cast<uint16_t>(i));
    if (waiting.empty())
      return true;
    if (!done.empty()) {
      failLaunch(e, CUDA_ERROR_LAUNCH_FAILED,
                 "kred GPU emulator: divergent barrier in %s of '%s': "
                 "threads %s returned while %zu of %zu threads wait at "
                 "barrier %lld (threads %s); every thread of a block must "
                 "reach every barrier (seed %llu)",
                 blockName(e).c_str(), e.function->name.c_str(),
                 threadList(done).c_str(), waiting.size(), n,
                 static_cast<long long>(e.phase + 1),
                 threadList(waiting).c_str(),
                 static_cast<unsigned long long>(e.seed));
      return false;
    }
    for (uint16_t i : waiting)
      e.fibers[i]->state = Fiber::Ready;
    e.nextEpoch();
    ++e.phase;
  }
}

uint64_t seedFromEnvironment() {
  const char *env = std::getenv("KRED_GPU_EMU_SEED");
  if (!env || !*env)
    return kDefaultSeed;
  char *end = nullptr;
  unsigned long long v = std::strtoull(env, &end, 0);
  return end && *end == 0 ? v : kDefaultSeed;
}

bool raceCheckFromEnvironment() {
  const char *env = std::getenv("KRED_GPU_EMU_RACECHECK");
  return !(env && std::strcmp(env, "0") == 0);
}

bool lockstepFromEnvironment() {
  const char *env = std::getenv("KRED_GPU_EMU_LOCKSTEP");
  return !(env && std::strcmp(env, "0") == 0);
}

/// Memory the emulated device hands out: host memory, poisoned.
CUresult allocate(CUdeviceptr *pointer, size_t bytes) {
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pointer || bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  size_t rounded = (bytes + 255) / 256 * 256;
  if (rounded < bytes)
    return CUDA_ERROR_OUT_OF_MEMORY;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (rounded > kMemoryBytes - memoryInUse)
      return CUDA_ERROR_OUT_OF_MEMORY;
    memoryInUse += rounded;
  }
  void *p = std::aligned_alloc(256, rounded);
  std::lock_guard<std::mutex> lock(mutex);
  if (!p) {
    memoryInUse -= rounded;
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  std::memset(p, 0xff, rounded);
  allocations.emplace(reinterpret_cast<uintptr_t>(p), rounded);
  *pointer = reinterpret_cast<CUdeviceptr>(p);
  return CUDA_SUCCESS;
}

CUresult release(CUdeviceptr pointer) {
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pointer)
    return CUDA_SUCCESS;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = allocations.find(static_cast<uintptr_t>(pointer));
    if (it == allocations.end())
      return CUDA_ERROR_INVALID_VALUE;
    memoryInUse -= it->second;
    allocations.erase(it);
  }
  std::free(reinterpret_cast<void *>(pointer));
  return CUDA_SUCCESS;
}

} // namespace

//===----------------------------------------------------------------------===//
// The driver API
//===----------------------------------------------------------------------===//

namespace kred::emu {

CUresult cuInit(unsigned int flags) {
  clearFailure();
  if (flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  initialized = true;
  return CUDA_SUCCESS;
}

/// The prologue of a driver entry point: clears the last failure, then
/// checks that cuInit ran, that the output pointer `out` is not NULL and
/// that `device` is the one emulated device.
static CUresult enter(const void *out, CUdevice device = 0) {
  clearFailure();
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!out)
    return CUDA_ERROR_INVALID_VALUE;
  if (device != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int *count) {
  if (CUresult r = enter(count))
    return r;
  *count = 1;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (CUresult r = enter(device, ordinal))
    return r;
  *device = 0;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int *value, CUdevice_attribute attribute,
                              CUdevice device) {
  if (CUresult r = enter(value, device))
    return r;
  switch (attribute) {
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X:
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y:
    *value = kMaxBlockThreads;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z:
    *value = 64;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X:
    *value = 0x7fffffff;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y:
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z:
    *value = 65535;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK:
    *value = kDefaultShared;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_WARP_SIZE:
    *value = 32;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT:
    *value = kMultiprocessors;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR:
    *value = kThreadsPerMultiprocessor;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
    *value = kMajor;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
    *value = kMinor;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR:
    *value = kSharedPerMultiprocessor;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:
    *value = kOptinShared;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED:
    *value = 1;
    return CUDA_SUCCESS;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device) {
  if (CUresult r = enter(context, device))
    return r;
  *context = handle(&primary);
  return CUDA_SUCCESS;
}

CUresult cuCtxGetCurrent(CUcontext *context) {
  if (CUresult r = enter(context))
    return r;
  *context = handle(current);
  return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(CUcontext context) {
  clearFailure();
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (context && context != handle(&primary))
    return CUDA_ERROR_INVALID_CONTEXT;
  current = context ? &primary : nullptr;
  return CUDA_SUCCESS;
}

CUresult cuModuleLoadDataEx(CUmodule *module, const void *image,
                            unsigned int numOptions, CUjit_option *options,
                            void **optionValues) {
  clearFailure();
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!module || !image)
    return CUDA_ERROR_INVALID_VALUE;
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  // The magic, byte by byte (a short NUL-terminated PTX image stops the
  // comparison at its NUL: the magic has no zero byte).
  const auto *bytes = static_cast<const unsigned char *>(image);
  uint64_t magic = KRED_EMU_MAGIC;
  unsigned char want[8];
  std::memcpy(want, &magic, 8);
  bool isHost = true;
  for (int i = 0; i < 8 && isHost; ++i)
    isHost = bytes[i] == want[i];
  if (!isHost) {
    bool elf = bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
               bytes[3] == 'F';
    bool text = bytes[0] == '\n' || bytes[0] == '\t' ||
                (bytes[0] >= 0x20 && bytes[0] < 0x7f);
    if (elf || text) {
      writeLog(numOptions, options, optionValues,
               "the kred GPU emulator cannot run %s: it runs host images "
               "only (kred_gpu_image kind KRED_GPU_IMAGE_HOST, a "
               "kred_emu_module)",
               elf ? "a cubin" : "PTX");
      return CUDA_ERROR_NO_BINARY_FOR_GPU;
    }
    writeLog(numOptions, options, optionValues,
             "the kred GPU emulator: not a kred_emu_module (bad magic)");
    return CUDA_ERROR_INVALID_IMAGE;
  }
  const auto *m = static_cast<const kred_emu_module *>(image);
  if (m->num_entries < 0 || m->num_entries > 4096 ||
      (m->num_entries > 0 && !m->entries)) {
    writeLog(numOptions, options, optionValues,
             "the kred GPU emulator: invalid kred_emu_module (%lld entries)",
             static_cast<long long>(m->num_entries));
    return CUDA_ERROR_INVALID_IMAGE;
  }
  auto loaded = std::make_unique<EmuModule>();
  loaded->context = current;
  std::set<std::string> names;
  for (int64_t i = 0; i < m->num_entries; ++i) {
    const kred_emu_entry &entry = m->entries[i];
    const char *problem = nullptr;
    if (!entry.name || !*entry.name)
      problem = "has no name";
    else if (!entry.fn)
      problem = "has no function";
    else if (entry.static_shared_bytes < 0 ||
             entry.static_shared_bytes > kDefaultShared)
      problem = "uses more than 48 KiB of static shared memory";
    else if (entry.num_params < 0 || entry.num_params > 4096)
      problem = "has an invalid parameter count";
    else if (!names.insert(entry.name).second)
      problem = "is defined twice";
    if (problem) {
      writeLog(numOptions, options, optionValues,
               "the kred GPU emulator: invalid kred_emu_module: entry %lld "
               "('%s') %s",
               static_cast<long long>(i), entry.name ? entry.name : "",
               problem);
      return CUDA_ERROR_INVALID_IMAGE;
    }
    EmuFunction &f = loaded->functions.emplace_back();
    f.name = entry.name;
    f.fn = entry.fn;
    f.staticShared = entry.static_shared_bytes;
    f.numParams = entry.num_params;
    f.maxDynamicShared = kDefaultShared - static_cast<int>(f.staticShared);
    f.module = loaded.get();
  }
  std::lock_guard<std::mutex> lock(mutex);
  for (const EmuFunction &f : loaded->functions)
    liveFunctions.insert(&f);
  liveModules.insert(loaded.get());
  *module = reinterpret_cast<CUmodule>(loaded.release());
  return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction *function, CUmodule module,
                             const char *name) {
  clearFailure();
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!function || !name)
    return CUDA_ERROR_INVALID_VALUE;
  auto *m = reinterpret_cast<EmuModule *>(module);
  std::lock_guard<std::mutex> lock(mutex);
  if (!liveModules.count(m))
    return CUDA_ERROR_INVALID_HANDLE;
  for (EmuFunction &f : m->functions)
    if (f.name == name) {
      *function = reinterpret_cast<CUfunction>(&f);
      return CUDA_SUCCESS;
    }
  return CUDA_ERROR_NOT_FOUND;
}

CUresult cuModuleUnload(CUmodule module) {
  clearFailure();
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  auto *m = reinterpret_cast<EmuModule *>(module);
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!liveModules.count(m))
      return CUDA_ERROR_INVALID_HANDLE;
    if (m->context != current)
      return CUDA_ERROR_INVALID_CONTEXT;
    liveModules.erase(m);
    for (const EmuFunction &f : m->functions)
      liveFunctions.erase(&f);
  }
  delete m;
  return CUDA_SUCCESS;
}

CUresult cuFuncSetAttribute(CUfunction function,
                            CUfunction_attribute attribute, int value) {
  clearFailure();
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  EmuFunction *f = lookupFunction(function);
  if (!f)
    return CUDA_ERROR_INVALID_HANDLE;
  if (attribute == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) {
    if (value < 0 || int64_t(value) + f->staticShared > kOptinShared)
      return failWith(CUDA_ERROR_INVALID_VALUE,
                      "kred GPU emulator: '%s' cannot use %d bytes of "
                      "dynamic shared memory (%lld static; the device has "
                      "%d per block)",
                      f->name.c_str(), value,
                      static_cast<long long>(f->staticShared), kOptinShared);
    f->maxDynamicShared = value;
    return CUDA_SUCCESS;
  }
  if (attribute == 9) // CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT
    return value >= -1 && value <= 100 ? CUDA_SUCCESS
                                       : CUDA_ERROR_INVALID_VALUE;
  return CUDA_ERROR_INVALID_VALUE;
}

CUresult cuLaunchKernel(CUfunction function, unsigned int gx, unsigned int gy,
                        unsigned int gz, unsigned int bx, unsigned int by,
                        unsigned int bz, unsigned int sharedMemBytes,
                        CUstream stream, void **kernelParams, void **extra) {
  (void)stream; // every stream runs the launch now: a valid order
  clearFailure();
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  EmuFunction *f = lookupFunction(function);
  if (!f)
    return CUDA_ERROR_INVALID_HANDLE;
  if (!current || f->module->context != current)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (extra)
    return failWith(CUDA_ERROR_INVALID_VALUE,
                    "kred GPU emulator: cuLaunchKernel's `extra` parameters "
                    "are not supported (use kernelParams)");
  if (!kernelParams && f->numParams > 0)
    return failWith(CUDA_ERROR_INVALID_VALUE,
                    "kred GPU emulator: '%s' takes %lld parameters but "
                    "kernelParams is NULL",
                    f->name.c_str(), static_cast<long long>(f->numParams));
  uint64_t threads = uint64_t(bx) * by * bz;
  if (gx == 0 || gy == 0 || gz == 0 || gx > 0x7fffffffu || gy > 65535 ||
      gz > 65535 || bx == 0 || by == 0 || bz == 0 || bx > 1024 ||
      by > 1024 || bz > 64 || threads > kMaxBlockThreads)
    return failWith(CUDA_ERROR_INVALID_VALUE,
                    "kred GPU emulator: invalid launch of '%s': grid (%u, "
                    "%u, %u), block (%u, %u, %u)",
                    f->name.c_str(), gx, gy, gz, bx, by, bz);
  if (int64_t(sharedMemBytes) > f->maxDynamicShared ||
      int64_t(sharedMemBytes) + f->staticShared > kOptinShared)
    return failWith(CUDA_ERROR_INVALID_VALUE,
                    "kred GPU emulator: launch of '%s' with %u bytes of "
                    "dynamic shared memory, above its maximum of %d (%lld "
                    "static; above 48 KiB needs cuFuncSetAttribute)",
                    f->name.c_str(), sharedMemBytes,
                    static_cast<int>(f->maxDynamicShared),
                    static_cast<long long>(f->staticShared));

  Executor &e = executor();
  if (e.busy)
    return failWith(CUDA_ERROR_INVALID_VALUE,
                    "kred GPU emulator: cuLaunchKernel called from a kernel");
  size_t sharedBytes =
      static_cast<size_t>((f->staticShared + 15) / 16 * 16) + sharedMemBytes;
  e.raceCheck = raceCheckFromEnvironment();
  e.lockstep = e.raceCheck && lockstepFromEnvironment();
  e.seed = seedFromEnvironment();
  if (!e.reserve(threads) || !e.reserveShared(sharedBytes, e.raceCheck))
    return failWith(CUDA_ERROR_OUT_OF_MEMORY,
                    "kred GPU emulator: cannot allocate the fibers or the "
                    "workgroup memory of a block of %llu threads",
                    static_cast<unsigned long long>(threads));
  e.busy = true;
  e.function = f;
  e.params = kernelParams;
  e.grid[0] = gx, e.grid[1] = gy, e.grid[2] = gz;
  e.block[0] = bx, e.block[1] = by, e.block[2] = bz;
  e.failed = false;
  e.failMessage.clear();
  // Blocks in grid order or its reverse (the seed decides): they are
  // independent on a GPU too.
  uint64_t blocks = uint64_t(gx) * gy * gz;
  bool reverse = mix(e.seed, 0x6b726564) & 1;
  bool ok = true;
  for (uint64_t b = 0; b < blocks && ok; ++b) {
    uint64_t linear = reverse ? blocks - 1 - b : b;
    e.blockId[0] = static_cast<unsigned>(linear % gx);
    e.blockId[1] = static_cast<unsigned>(linear / gx % gy);
    e.blockId[2] = static_cast<unsigned>(linear / (uint64_t(gx) * gy));
    ok = runBlock(e);
  }
  e.busy = false;
  e.function = nullptr;
  e.params = nullptr;
  if (!ok)
    return failWith(e.failCode, "%s", e.failMessage.c_str());
  return CUDA_SUCCESS;
}

CUresult cuMemAllocAsync(CUdeviceptr *pointer, size_t bytes, CUstream) {
  clearFailure();
  return allocate(pointer, bytes);
}

CUresult cuMemFreeAsync(CUdeviceptr pointer, CUstream) {
  clearFailure();
  return release(pointer);
}

CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
  clearFailure();
  return allocate(pointer, bytes);
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
  clearFailure();
  return release(pointer);
}

CUresult cuStreamSynchronize(CUstream) {
  clearFailure();
  return initialized ? CUDA_SUCCESS : CUDA_ERROR_NOT_INITIALIZED;
}

// Device memory is host memory and every launch is synchronous: copies are
// host copies, done when the call returns.
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t bytes,
                              CUstream) {
  clearFailure();
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (bytes && (!dst || !src))
    return CUDA_ERROR_INVALID_VALUE;
  if (bytes)
    std::memcpy(reinterpret_cast<void *>(dst), src, bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t bytes,
                              CUstream) {
  clearFailure();
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (bytes && (!dst || !src))
    return CUDA_ERROR_INVALID_VALUE;
  if (bytes)
    std::memcpy(dst, reinterpret_cast<const void *>(src), bytes);
  return CUDA_SUCCESS;
}

namespace {
struct ErrorText {
  CUresult code;
  const char *name;
  const char *text;
};
constexpr ErrorText kErrors[] = {
    {CUDA_SUCCESS, "CUDA_SUCCESS", "no error"},
    {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED",
     "initialization error"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE",
     "no CUDA-capable device is detected"},
    {CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE",
     "invalid device ordinal"},
    {CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE",
     "device kernel image is invalid"},
    {CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT",
     "invalid device context"},
    {CUDA_ERROR_NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU",
     "no kernel image is available for execution on the device"},
    {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX",
     "a PTX JIT compilation failed"},
    {CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
     "the provided PTX was compiled with an unsupported toolchain."},
    {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE",
     "invalid resource handle"},
    {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
     "too many resources requested for launch"},
    {CUDA_ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED",
     "unspecified launch failure"},
    {CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED",
     "operation not supported"},
};

const ErrorText *findError(CUresult code) {
  for (const ErrorText &e : kErrors)
    if (e.code == code)
      return &e;
  return nullptr;
}
} // namespace

CUresult cuGetErrorName(CUresult error, const char **name) {
  if (!name)
    return CUDA_ERROR_INVALID_VALUE;
  const ErrorText *e = findError(error);
  *name = e ? e->name : nullptr;
  return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  if (!text)
    return CUDA_ERROR_INVALID_VALUE;
  // The detailed message of the failure just reported on this thread.
  if (error != CUDA_SUCCESS && lastFailure.code == error &&
      !lastFailure.message.empty()) {
    *text = lastFailure.message.c_str();
    return CUDA_SUCCESS;
  }
  const ErrorText *e = findError(error);
  *text = e ? e->text : nullptr;
  return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

} // namespace kred::emu
