/*===- bench_gauss.c - speed of the Gaussian kernel sum ------------*- C -*-===*
 *
 * Part of the kernelred project.
 *
 * out_i = sum_j exp(-|x_i - y_j|^2) b_j, D = 3, on 1 and 2 threads (rows
 * split between pthreads in blocks of row_block), median and best of
 * several runs after a warm-up (best: the machine may be shared). Prints ms, pairs/s, the measured clock and the fraction
 * of the FMA-port limit:
 *   limit = cores x FMA ports x lanes x GHz / vector ops per 16 pairs.
 *
 *   kred-opt gauss.mlir --kred-to-llvm-cpu | mlir-translate --mlir-to-llvmir
 *     -o gauss.ll
 *   clang -O3 -march=native gauss.ll bench_gauss.c \
 *     bench/kredbench/microbench.c -lpthread -lm -o bench
 *   ./bench [M N runs ops_per_vector]
 *
 *===----------------------------------------------------------------------===*/

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gauss_run(const void *const *args, int64_t M, int64_t N, int64_t r0,
               int64_t r1, int64_t k0, int64_t k1, void *out, int64_t *out_idx,
               void *state_values, int64_t *state_indices);

/* The clock from chains of dependent imul (bench/kredbench/microbench.c, the
 * best of `reps` tries: on a shared machine, the clock this process gets). */
double kb_clock_ghz(int reps);

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

typedef struct task {
  const void *const *args;
  int64_t M, N, r0, r1;
  float *out;
} task;

static void *work(void *p) {
  task *t = p;
  gauss_run(t->args, t->M, t->N, t->r0, t->r1, 0, t->N, t->out, NULL, NULL,
            NULL);
  return NULL;
}

static double run(const void *const *args, int64_t M, int64_t N, float *out,
                  int threads) {
  pthread_t th[64];
  task tasks[64];
  int64_t block = 32;
  int64_t per = ((M + threads - 1) / threads + block - 1) / block * block;
  double t0 = now();
  for (int t = 0; t < threads; ++t) {
    int64_t r0 = t * per, r1 = r0 + per < M ? r0 + per : M;
    tasks[t] = (task){args, M, N, r0 < M ? r0 : M, r1, out};
    pthread_create(&th[t], NULL, work, &tasks[t]);
  }
  for (int t = 0; t < threads; ++t)
    pthread_join(th[t], NULL);
  return now() - t0;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int64_t M = argc > 1 ? atoll(argv[1]) : 10000;
  int64_t N = argc > 2 ? atoll(argv[2]) : 10000;
  int runs = argc > 3 ? atoi(argv[3]) : 7;
  double opsPerVector = argc > 4 ? atof(argv[4]) : 0;
  float *x = malloc(M * 3 * sizeof(float)), *y = malloc(N * 3 * sizeof(float));
  float *b = malloc(N * sizeof(float)), *out = malloc(M * sizeof(float));
  unsigned s = 1;
  for (int64_t i = 0; i < M * 3; ++i)
    x[i] = (float)(rand_r(&s) / (double)RAND_MAX);
  for (int64_t i = 0; i < N * 3; ++i)
    y[i] = (float)(rand_r(&s) / (double)RAND_MAX);
  for (int64_t i = 0; i < N; ++i)
    b[i] = (float)(0.5 + rand_r(&s) / (double)RAND_MAX);
  const void *args[3] = {x, y, b};

  /* Correctness of a few rows against float64. */
  run(args, M, N, out, 1);
  double worst = 0;
  for (int64_t i = 0; i < M; i += M / 7 + 1) {
    double r = 0;
    for (int64_t j = 0; j < N; ++j) {
      double d = 0;
      for (int c = 0; c < 3; ++c)
        d += ((double)x[i * 3 + c] - y[j * 3 + c]) *
             ((double)x[i * 3 + c] - y[j * 3 + c]);
      r += exp(-d) * b[j];
    }
    double e = fabs(out[i] - r) / fabs(r);
    worst = e > worst ? e : worst;
  }
  printf("max relative error vs float64: %.2e\n", worst);

  double ghz = kb_clock_ghz(5);
  printf("clock (dependent imul chains): %.2f GHz\n", ghz);
  for (int threads = 1; threads <= 2; ++threads) {
    double t[32];
    run(args, M, N, out, threads);
    for (int r = 0; r < runs && r < 32; ++r)
      t[r] = run(args, M, N, out, threads);
    qsort(t, runs, sizeof(double), cmp);
    double med = t[runs / 2], best = t[0];
    double pairs = (double)M * N / best;
    printf("threads=%d M=%lld N=%lld: median %.2f ms, best %.2f ms, "
           "%.3g pairs/s (best)",
           threads, (long long)M, (long long)N, med * 1e3, best * 1e3, pairs);
    if (opsPerVector > 0) {
      /* 2 FMA ports x 16 lanes per core. */
      double limit = threads * 2.0 * 16 * ghz * 1e9 / opsPerVector;
      printf(", %.0f%% of the FMA-port limit %.3g pairs/s (%.0f vector ops "
             "/ 16 pairs at %.2f GHz)",
             100 * pairs / limit, limit, opsPerVector, ghz);
    }
    printf("\n");
  }
  return 0;
}
