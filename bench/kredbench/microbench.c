/* Machine microbenchmarks for the roofline of bench/run.py (x86-64 only).
 *
 * Built at run time by kredbench/roofline.py (cc -O2 -shared -fPIC) and
 * called through ctypes:
 *   kb_clock_ghz(reps)          clock from chains of dependent imul (3-cycle
 *                               latency on Intel cores since Sandy Bridge; add
 *                               chains are unusable: Golden Cove executes
 *                               dependent immediate adds at rename). Best of
 *                               reps tries, so a preemption does not count.
 *   kb_clock_ghz_threads(t, r)  the same on t threads at once: the sum of
 *                               their clocks (what t cores really give this
 *                               process on a shared machine).
 *   kb_fma512_per_ns(reps)      throughput of independent 512-bit FMAs (12
 *                               chains; latency 4 x 2 ports needs >= 8), in
 *                               FMA instructions per ns on one thread.
 *                               Returns -1 when built without AVX-512.
 */

#include <pthread.h>
#include <stdint.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

double kb_clock_ghz(int reps) {
  double best = 0;
  for (int rep = 0; rep < reps; ++rep) {
    uint64_t n = 4000000, x = 3;
    double t0 = now();
    for (uint64_t i = 0; i < n; ++i)
      __asm__ volatile("imul %0, %0\n\timul %0, %0\n\timul %0, %0\n\t"
                       "imul %0, %0\n\timul %0, %0\n\timul %0, %0\n\t"
                       "imul %0, %0\n\timul %0, %0"
                       : "+r"(x));
    double ghz = 3 * 8.0 * n / (now() - t0) * 1e-9;
    best = ghz > best ? ghz : best;
  }
  return best;
}

typedef struct {
  int reps;
  double ghz;
} clock_task;

static void *clock_worker(void *p) {
  clock_task *t = p;
  t->ghz = kb_clock_ghz(t->reps);
  return 0;
}

double kb_clock_ghz_threads(int threads, int reps) {
  pthread_t th[256];
  clock_task tasks[256];
  if (threads > 256)
    threads = 256;
  for (int t = 0; t < threads; ++t) {
    tasks[t].reps = reps;
    pthread_create(&th[t], 0, clock_worker, &tasks[t]);
  }
  double sum = 0;
  for (int t = 0; t < threads; ++t) {
    pthread_join(th[t], 0);
    sum += tasks[t].ghz;
  }
  return sum;
}

double kb_fma512_per_ns(int reps) {
#if defined(__AVX512F__)
  double best = 0;
  for (int rep = 0; rep < reps; ++rep) {
    uint64_t n = 2000000;
    double t0 = now();
    __asm__ volatile("vxorps %%zmm0, %%zmm0, %%zmm0\n\t"
                     "vmovaps %%zmm0, %%zmm1\n\tvmovaps %%zmm0, %%zmm2\n\t"
                     "vmovaps %%zmm0, %%zmm3\n\tvmovaps %%zmm0, %%zmm4\n\t"
                     "vmovaps %%zmm0, %%zmm5\n\tvmovaps %%zmm0, %%zmm6\n\t"
                     "vmovaps %%zmm0, %%zmm7\n\tvmovaps %%zmm0, %%zmm8\n\t"
                     "vmovaps %%zmm0, %%zmm9\n\tvmovaps %%zmm0, %%zmm10\n\t"
                     "vmovaps %%zmm0, %%zmm11\n\tvmovaps %%zmm0, %%zmm12\n\t"
                     "vmovaps %%zmm0, %%zmm13\n\t"
                     "1:\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm0\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm1\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm2\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm3\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm4\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm5\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm6\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm7\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm8\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm9\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm10\n\t"
                     "vfmadd231ps %%zmm12, %%zmm13, %%zmm11\n\t"
                     "dec %0\n\t"
                     "jnz 1b\n\t"
                     : "+r"(n)
                     :
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
                       "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
                       "xmm13", "cc");
    double rate = 12 * 2000000.0 / (now() - t0) * 1e-9;
    best = rate > best ? rate : best;
  }
  return best;
#else
  (void)reps;
  return -1;
#endif
}
