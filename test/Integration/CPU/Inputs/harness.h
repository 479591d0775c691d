/*===- harness.h - execution tests of compiled kernelred kernels ---*- C -*-===*
 *
 * Part of the kernelred project.
 *
 * Runs kernels compiled by kred-opt --kred-to-llvm-cpu through the kernel
 * ABI (lib/Runtime/kred_runtime.h) and compares them with a float64
 * reference computed here from the same (rounded) inputs:
 *   - the whole range in one call;
 *   - the output rows in two calls split at an odd row;
 *   - the reduced range split in two: NAME_run into state arrays (rows from
 *     an odd r0), NAME_merge, NAME_finalize.
 * Outputs and states are poisoned (NaN, sentinel indices) before each run.
 *
 *===----------------------------------------------------------------------===*/

#ifndef KRED_TEST_HARNESS_H
#define KRED_TEST_HARNESS_H

#include "kred_runtime.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 8
#define MAX_DIM 4096

/* The three entry points of kernel NAME (the ABI of kred_runtime.h), and
 * their initializer in a `kernel` table row. */
#define DECLARE_KERNEL(name)                                                   \
  void name##_run(const void *const *, int64_t, int64_t, int64_t, int64_t,   \
                  int64_t, int64_t, void *, int64_t *, void *, int64_t *);     \
  void name##_merge(void *, int64_t *, const void *, const int64_t *,          \
                    int64_t);                                                  \
  void name##_finalize(const void *, const int64_t *, int64_t, int64_t,       \
                       void *, int64_t *);
#define KERNEL_FNS(name) name##_run, name##_merge, name##_finalize

/* Short names for the kernel tables. */
#define F32 KRED_F32
#define F64 KRED_F64
#define CI KRED_CAT_I
#define CJ KRED_CAT_J
#define CP KRED_CAT_P

/* Reference reductions (per output row, per component of F). */
enum ref_kind {
  REF_SUM,
  REF_LSE,          /* m + log(sum exp(F - m) G_k) (G = 1 without weight) */
  REF_SOFTMAX,      /* sum exp(F - m) G_k / sum exp(F - m) */
  REF_MSSE,         /* raw (m, sum exp(F - m) G_k...) */
  REF_MIN,
  REF_MAX,
  REF_ARGMIN,
  REF_ARGMAX,
  REF_MIN_ARGMIN,
  REF_MAX_ARGMAX,
  REF_KMIN,
  REF_ARGKMIN,
  REF_KMIN_ARGKMIN,
};

/* F (fdim values) and G (gdim values) of one pair; v[p] points at the values
 * of the variable of position p for this pair. */
typedef struct kernel kernel;
typedef void (*formula_fn)(const kernel *k, const double *const *v, double *f,
                           double *g);
/* Fills the values of position p (n rows of dim values); NULL: random. */
typedef void (*init_fn)(int p, int64_t n, int dim, double *x, unsigned *seed);

struct kernel {
  const char *name;
  kred_run_fn run;
  kred_merge_fn merge;
  kred_finalize_fn finalize;
  enum ref_kind kind;
  int axis;
  int dtype;     /* KRED_F32, KRED_F64, KRED_F16 */
  int acc_dtype; /* dtype of the state values */
  int nargs;
  int cat[MAX_ARGS];
  int dim[MAX_ARGS];
  int fdim, gdim, k;
  formula_fn formula;
  init_fn init;
  double rtol, atol;
  int exact_indices; /* ties: indices must match exactly */
};

static int g_failures;
static int g_checks;

static double rnd(unsigned *s) {
  *s = *s * 1103515245u + 12345u;
  return ((*s >> 8) & 0xffffff) / 16777216.0;
}

/* Uniform in +-[0.05, 1]: never zero. */
static double rnd_nonzero(unsigned *s) {
  double u = 0.05 + 0.95 * rnd(s);
  return rnd(s) < 0.5 ? -u : u;
}

static size_t dtype_size(int dtype) {
  return dtype == KRED_F64 ? 8 : dtype == KRED_F32 ? 4 : 2;
}

static void store_as(int dtype, void *p, int64_t i, double v) {
  if (dtype == KRED_F64)
    ((double *)p)[i] = v;
  else if (dtype == KRED_F32)
    ((float *)p)[i] = (float)v;
  else
    ((_Float16 *)p)[i] = (_Float16)v;
}

static double load_as(int dtype, const void *p, int64_t i) {
  if (dtype == KRED_F64)
    return ((const double *)p)[i];
  if (dtype == KRED_F32)
    return ((const float *)p)[i];
  return (double)((const _Float16 *)p)[i];
}

static void poison(int dtype, void *p, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    store_as(dtype, p, i, NAN);
}

static void poison_idx(int64_t *p, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    p[i] = -7777;
}

static int same(double a, double r, double rtol, double atol) {
  if (isnan(r))
    return isnan(a);
  if (isinf(r))
    return a == r;
  if (!isfinite(a))
    return 0;
  return fabs(a - r) <= atol + rtol * fabs(r);
}

/* The reference of one output row: values and indices. */
typedef struct row_ref {
  double *values;
  int64_t *indices;
  /* For index checks: F of every reduced index (red x fdim). */
  double *fall;
  /* Sum: sum of |F| per component (the error scale of a mixed-sign sum). */
  double *scale;
} row_ref;

/* Values per output row. */
static int out_value_dim(const kernel *k) {
  switch (k->kind) {
  case REF_SUM:
  case REF_MIN:
  case REF_MAX:
  case REF_MIN_ARGMIN:
  case REF_MAX_ARGMAX:
    return k->fdim;
  case REF_LSE:
    return k->gdim > 0 ? k->gdim : 1;
  case REF_SOFTMAX:
    return k->gdim;
  case REF_MSSE:
    return 1 + (k->gdim > 0 ? k->gdim : 1);
  case REF_ARGMIN:
  case REF_ARGMAX:
  case REF_ARGKMIN:
    return 0;
  case REF_KMIN:
  case REF_KMIN_ARGKMIN:
    return k->k * k->fdim;
  }
  return 0;
}

static int selects(const kernel *k) { return k->kind >= REF_MIN; }
static int largest(const kernel *k) {
  return k->kind == REF_MAX || k->kind == REF_ARGMAX ||
         k->kind == REF_MAX_ARGMAX;
}
static int kk(const kernel *k) {
  return (k->kind >= REF_KMIN) ? k->k : 1;
}

/* Indices per output row: K per component of F for the selections that
 * output indices (K = 1 but for the KMin family). */
static int out_index_dim(const kernel *k) {
  int indices = k->kind == REF_ARGMIN || k->kind == REF_ARGMAX ||
                k->kind == REF_MIN_ARGMIN || k->kind == REF_MAX_ARGMAX ||
                k->kind == REF_ARGKMIN || k->kind == REF_KMIN_ARGKMIN;
  return indices ? kk(k) * k->fdim : 0;
}

/* Computes the reference of every row. */
static void reference(const kernel *k, double **data, int64_t M, int64_t N,
                      row_ref *refs) {
  int64_t rows = k->axis == 1 ? M : N, red = k->axis == 1 ? N : M;
  int out_cat = k->axis == 1 ? KRED_CAT_I : KRED_CAT_J;
  const double *v[MAX_ARGS];
  double f[MAX_DIM], g[MAX_DIM];
  int nk = kk(k);
  for (int64_t r = 0; r < rows; ++r) {
    row_ref *ref = &refs[r];
    int nsum = k->gdim > 0 ? k->gdim : 1;
    double m = -INFINITY;
    double *sums = calloc(nsum + 1, sizeof(double));
    double *acc = calloc(k->fdim, sizeof(double));
    for (int64_t j = 0; j < red; ++j) {
      for (int p = 0; p < k->nargs; ++p) {
        if (k->cat[p] == KRED_CAT_P)
          v[p] = data[p];
        else if (k->cat[p] == out_cat)
          v[p] = data[p] + r * k->dim[p];
        else
          v[p] = data[p] + j * k->dim[p];
      }
      k->formula(k, v, f, g);
      if (selects(k)) {
        memcpy(ref->fall + j * k->fdim, f, k->fdim * sizeof(double));
        continue;
      }
      if (k->kind == REF_SUM) {
        for (int c = 0; c < k->fdim; ++c) {
          acc[c] += f[c];
          ref->scale[c] += fabs(f[c]);
        }
        continue;
      }
      /* Exp family: exact two-pass-free update in double. */
      if (f[0] > m) {
        double scale = (m == -INFINITY) ? 0 : exp(m - f[0]);
        for (int s = 0; s <= nsum; ++s)
          sums[s] *= scale;
        m = f[0];
      }
      double e = (f[0] == -INFINITY) ? 0 : exp(f[0] - m);
      sums[nsum] += e; /* normalizer */
      for (int s = 0; s < nsum; ++s)
        sums[s] += e * (k->gdim > 0 ? g[s] : 1.0);
    }
    switch (k->kind) {
    case REF_SUM:
      memcpy(ref->values, acc, k->fdim * sizeof(double));
      break;
    case REF_LSE:
      for (int s = 0; s < nsum; ++s)
        ref->values[s] = m + log(sums[s]);
      break;
    case REF_SOFTMAX:
      for (int s = 0; s < nsum; ++s)
        ref->values[s] = sums[s] / sums[nsum];
      break;
    case REF_MSSE:
      ref->values[0] = m;
      for (int s = 0; s < nsum; ++s)
        ref->values[1 + s] = sums[s];
      break;
    default: {
      /* K best per component: strict comparisons, lowest index on ties. */
      for (int c = 0; c < k->fdim; ++c) {
        double bv[256];
        int64_t bi[256];
        for (int s = 0; s < nk; ++s) {
          bv[s] = largest(k) ? -INFINITY : INFINITY;
          bi[s] = -1;
        }
        for (int64_t j = 0; j < red; ++j) {
          double x = ref->fall[j * k->fdim + c];
          int64_t xi = j;
          for (int s = 0; s < nk; ++s) {
            /* Order by value, then index: entries pushed down may have a
               lower index than an equal value below them. */
            int better = (largest(k) ? x > bv[s] : x < bv[s]) ||
                         (x == bv[s] && xi >= 0 && xi < bi[s]);
            if (better) {
              double tv = bv[s];
              int64_t ti = bi[s];
              bv[s] = x;
              bi[s] = xi;
              x = tv;
              xi = ti;
            }
          }
        }
        for (int s = 0; s < nk; ++s) {
          ref->values[s * k->fdim + c] = bv[s];
          ref->indices[s * k->fdim + c] = bi[s];
        }
      }
    }
    }
    free(sums);
    free(acc);
  }
}

/* Compares the outputs of rows [0, rows) with the reference. */
static int compare(const kernel *k, const char *what, int64_t M, int64_t N,
                   row_ref *refs, const void *out, const int64_t *out_idx) {
  int64_t rows = k->axis == 1 ? M : N;
  int ov = out_value_dim(k), oi = out_index_dim(k);
  int bad = 0;
  for (int64_t r = 0; r < rows && bad < 5; ++r) {
    const row_ref *ref = &refs[r];
    /* Values: KMin and Min_ArgMin list the values of the slots. */
    for (int c = 0; c < ov; ++c) {
      double a = load_as(k->dtype, out, r * ov + c);
      double e = ref->values[c];
      double atol = k->atol;
      if (k->kind == REF_SUM && isfinite(e))
        atol += k->rtol * ref->scale[c];
      if (!same(a, e, k->rtol, atol)) {
        printf("FAIL %s %s M=%lld N=%lld row %lld value %d: got %.9g "
               "expected %.9g\n",
               k->name, what, (long long)M, (long long)N, (long long)r, c, a,
               e);
        ++bad;
      }
    }
    for (int c = 0; c < oi; ++c) {
      int64_t a = out_idx[r * oi + c];
      int64_t e = ref->indices[c];
      int comp = c % k->fdim;
      int ok;
      if (k->exact_indices || e < 0 || a < 0) {
        ok = a == e;
      } else {
        /* Near-ties may order differently in the kernel's precision:
           accept an index whose value matches the expected one. */
        int64_t red = k->axis == 1 ? N : M;
        ok = a < red &&
             same(ref->fall[a * k->fdim + comp],
                  ref->values[c], k->rtol, k->atol);
      }
      if (!ok) {
        printf("FAIL %s %s M=%lld N=%lld row %lld index %d: got %lld "
               "expected %lld\n",
               k->name, what, (long long)M, (long long)N, (long long)r, c,
               (long long)a, (long long)e);
        ++bad;
      }
    }
    if (oi > 1) {
      /* Indices of one component are distinct. */
      for (int c = 0; c < oi; ++c)
        for (int d = c + k->fdim; d < oi; d += k->fdim)
          if (out_idx[r * oi + c] >= 0 &&
              out_idx[r * oi + c] == out_idx[r * oi + d]) {
            printf("FAIL %s %s row %lld: index repeated\n", k->name, what,
                   (long long)r);
            ++bad;
          }
    }
  }
  ++g_checks;
  if (bad)
    ++g_failures;
  return bad;
}

/* Runs `k` on M x N random inputs through the three paths of the ABI. */
static void check_kernel(const kernel *k, int64_t M, int64_t N,
                         unsigned seed) {
  void *args[MAX_ARGS];
  double *data[MAX_ARGS];
  for (int p = 0; p < k->nargs; ++p) {
    int64_t n = k->cat[p] == KRED_CAT_I ? M : k->cat[p] == KRED_CAT_J ? N : 1;
    int64_t count = n * k->dim[p];
    data[p] = malloc((count + 1) * sizeof(double));
    args[p] = malloc((count + 1) * dtype_size(k->dtype));
    if (k->init)
      k->init(p, n, k->dim[p], data[p], &seed);
    else
      for (int64_t i = 0; i < count; ++i)
        data[p][i] = rnd_nonzero(&seed);
    /* The reference sees the values the kernel sees. */
    for (int64_t i = 0; i < count; ++i) {
      store_as(k->dtype, args[p], i, data[p][i]);
      data[p][i] = load_as(k->dtype, args[p], i);
    }
  }
  int64_t rows = k->axis == 1 ? M : N, red = k->axis == 1 ? N : M;
  int ov = out_value_dim(k), oi = out_index_dim(k);
  row_ref *refs = calloc(rows + 1, sizeof(row_ref));
  for (int64_t r = 0; r < rows; ++r) {
    int slots = kk(k) * k->fdim;
    refs[r].values = calloc((ov > slots ? ov : slots) + 2, sizeof(double));
    refs[r].indices = calloc((oi > slots ? oi : slots) + 1, sizeof(int64_t));
    refs[r].fall = selects(k) ? calloc(red * k->fdim + 1, sizeof(double))
                              : NULL;
    refs[r].scale = calloc(k->fdim + 1, sizeof(double));
  }
  reference(k, data, M, N, refs);

  size_t osz = dtype_size(k->dtype), asz = dtype_size(k->acc_dtype);
  void *out = malloc((rows * ov + 1) * osz);
  int64_t *out_idx = malloc((rows * oi + 1) * sizeof(int64_t));
  const void *const *a = (const void *const *)args;

  /* 1. Everything at once. */
  poison(k->dtype, out, rows * ov);
  poison_idx(out_idx, rows * oi);
  k->run(a, M, N, 0, rows, 0, red, out, out_idx, NULL, NULL);
  compare(k, "full", M, N, refs, out, out_idx);

  /* 2. Rows split at an odd row. */
  int64_t rs = rows > 1 ? (rows / 3) | 1 : 0;
  if (rs > rows)
    rs = rows;
  poison(k->dtype, out, rows * ov);
  poison_idx(out_idx, rows * oi);
  k->run(a, M, N, 0, rs, 0, red, out, out_idx, NULL, NULL);
  k->run(a, M, N, rs, rows, 0, red, out, out_idx, NULL, NULL);
  compare(k, "rows-split", M, N, refs, out, out_idx);

  /* 3. Reduced range split: states of rows [rs, rows), merge, finalize. */
  int64_t ks = red / 2 + (red > 2);
  int64_t srows = rows - rs;
  /* An upper bound of the accumulator size per row: the kernel uses its own
     stride, the harness only allocates. */
  int64_t sv = 3 * (int64_t)(k->fdim + k->gdim + 2) * (k->k > 0 ? k->k : 1) + 8;
  int64_t si = (int64_t)k->fdim * (k->k > 0 ? k->k : 1) + 1;
  void *sa = malloc((srows * sv + 1) * asz);
  void *sb = malloc((srows * sv + 1) * asz);
  int64_t *ia = malloc((srows * si + 1) * sizeof(int64_t));
  int64_t *ib = malloc((srows * si + 1) * sizeof(int64_t));
  poison(k->acc_dtype, sa, srows * sv);
  poison(k->acc_dtype, sb, srows * sv);
  poison_idx(ia, srows * si);
  poison_idx(ib, srows * si);
  poison(k->dtype, out, rows * ov);
  poison_idx(out_idx, rows * oi);
  k->run(a, M, N, 0, rs, 0, red, out, out_idx, NULL, NULL);
  k->run(a, M, N, rs, rows, 0, ks, NULL, NULL, sa, ia);
  k->run(a, M, N, rs, rows, ks, red, NULL, NULL, sb, ib);
  k->merge(sa, ia, sb, ib, srows);
  k->finalize(sa, ia, srows, rs, out, out_idx);
  compare(k, "split-merge", M, N, refs, out, out_idx);

  free(sa);
  free(sb);
  free(ia);
  free(ib);
  free(out);
  free(out_idx);
  for (int64_t r = 0; r < rows; ++r) {
    free(refs[r].values);
    free(refs[r].indices);
    free(refs[r].fall);
    free(refs[r].scale);
  }
  free(refs);
  for (int p = 0; p < k->nargs; ++p) {
    free(data[p]);
    free(args[p]);
  }
}

/* Sizes: 1, primes, non-multiples of every tile. */
static const int64_t g_sizes[][2] = {{1, 1},   {1, 37},  {37, 1},
                                     {13, 300}, {61, 17}, {97, 1031}};

static int report(void) {
  if (g_failures) {
    printf("FAILED %d of %d checks\n", g_failures, g_checks);
    return 1;
  }
  printf("ALL PASSED %d checks\n", g_checks);
  return 0;
}

/* Checks each of the n kernels of ks at each of the ns sizes (M, N), size s
 * with seed seed0 + s; returns report()'s exit status. */
static int check_table(const kernel *ks, size_t n, const int64_t (*sizes)[2],
                       size_t ns, unsigned seed0) {
  for (size_t i = 0; i < n; ++i)
    for (size_t s = 0; s < ns; ++s)
      check_kernel(&ks[i], sizes[s][0], sizes[s][1], seed0 + (unsigned)s);
  return report();
}
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define CHECK_TABLE(kernels, sizes, seed0)                                     \
  check_table(kernels, COUNT_OF(kernels), sizes, COUNT_OF(sizes), seed0)

#endif /* KRED_TEST_HARNESS_H */
