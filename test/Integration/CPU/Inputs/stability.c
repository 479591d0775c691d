/*===- stability.c - driver of stability.mlir ----------------------*- C -*-===*
 *
 * Part of the kernelred project.
 *
 *===----------------------------------------------------------------------===*/

#include "harness.h"

DECLARE_KERNEL(lse_f32)
DECLARE_KERNEL(lse_f64)
DECLARE_KERNEL(lse_weight_f32)
DECLARE_KERNEL(softmax_f32)
DECLARE_KERNEL(lse_axis0_f32)
DECLARE_KERNEL(sum_f32)
DECLARE_KERNEL(min_argmin_ties_f32)
DECLARE_KERNEL(max_argmax_ties_f32)
DECLARE_KERNEL(argkmin5_ties_f32)
DECLARE_KERNEL(kmin_argkmin10_ties_f32)
DECLARE_KERNEL(kmin_argkmin64_ties_f64)
/* sum_div_ACC_DT and sum_add_ACC_DT: x / y and x + y. */
#define DECLARE_SUM_SPECIAL(acc, dt)                                           \
  DECLARE_KERNEL(sum_div_##acc##_##dt) DECLARE_KERNEL(sum_add_##acc##_##dt)
DECLARE_SUM_SPECIAL(block, f32)
DECLARE_SUM_SPECIAL(block, f64)
DECLARE_SUM_SPECIAL(kahan, f32)
DECLARE_SUM_SPECIAL(kahan, f64)
DECLARE_SUM_SPECIAL(direct, f32)
DECLARE_SUM_SPECIAL(direct, f64)
DECLARE_KERNEL(lse_rawweight_f32)
DECLARE_KERNEL(lse_rawweight_f64)

static void f_add(const kernel *k, const double *const *v, double *f,
                  double *g) {
  f[0] = v[0][0] + v[1][0];
  for (int c = 0; c < k->gdim; ++c)
    g[c] = v[2][c];
}

static void f_add_expw(const kernel *k, const double *const *v, double *f,
                       double *g) {
  f[0] = v[0][0] + v[1][0];
  for (int c = 0; c < k->gdim; ++c)
    g[c] = exp(v[2][c]);
}

static void f_mul(const kernel *k, const double *const *v, double *f,
                  double *g) {
  f[0] = v[0][0] * v[1][0];
}

static void f_absdiff(const kernel *k, const double *const *v, double *f,
                      double *g) {
  for (int c = 0; c < k->fdim; ++c)
    f[c] = fabs(v[0][c] - v[1][c]);
}

/* The reduced-index variable (position 1) of each case; position 0 small
 * random values, position 2 (weights) random. */
static void init_big(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = p == 1 ? (rnd(s) < 0.5 ? 1e30 : -1e30) : rnd_nonzero(s);
}

static void init_huge_both(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = p <= 1 ? (rnd(s) < 0.5 ? 1e30 : -1e30) : rnd_nonzero(s);
}

static void init_neginf(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = (p == 1 && i % 3 != 1) ? -INFINITY : rnd_nonzero(s);
}

static void init_all_neginf(int p, int64_t n, int dim, double *x,
                            unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = p == 1 ? -INFINITY : rnd_nonzero(s);
}

static void init_equal(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = p == 1 ? 0.7 : rnd_nonzero(s);
}

/* Small integers: many exact ties. */
static void init_ties(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = floor(rnd(s) * 5);
}

static void f_div(const kernel *k, const double *const *v, double *f,
                  double *g) {
  f[0] = v[0][0] / v[1][0];
}

/* y (position 1) is 0 for some j: x / y is +-inf (the sign of x) there. */
static void init_zeros(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = (p == 1 && i % 5 == 2) ? 0.0 : rnd_nonzero(s);
}

/* Position 1 (y) or 2 (weights): +inf for some j. */
static void init_posinf(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = (p >= 1 && i % 7 == 3) ? INFINITY : rnd_nonzero(s);
}

/* -inf for some j. */
static void init_neginf_terms(int p, int64_t n, int dim, double *x,
                              unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = (p >= 1 && i % 7 == 3) ? -INFINITY : rnd_nonzero(s);
}

/* +inf and -inf: inf - inf is NaN in plain summation. */
static void init_both_inf(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = (p >= 1 && i % 7 == 3)   ? INFINITY
           : (p >= 1 && i % 7 == 5) ? -INFINITY
                                    : rnd_nonzero(s);
}

/* NaN for some j. */
static void init_nan(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = (p >= 1 && i % 11 == 4) ? NAN : rnd_nonzero(s);
}

/* Weights (position 2) only: +inf, or NaN, for some j. */
static void init_posinf_w(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = (p == 2 && i % 7 == 3) ? INFINITY : rnd_nonzero(s);
}

static void init_nan_w(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = (p == 2 && i % 11 == 4) ? NAN : rnd_nonzero(s);
}

/* One LogSumExp case (F = x + y): kernel lse_DT on INIT. */
#define LSE_CASE(dt, DT, tol, init)                                            \
  {"lse_" #dt "/" #init, KERNEL_FNS(lse_##dt), REF_LSE, 1, DT, DT, 2,          \
   {CI, CJ}, {1, 1}, 1, 0, 1, f_add, init_##init, tol, tol, 0}
/* One SumSoftMaxWeight case (F = x + y, weight of dimension 2) on INIT. */
#define SOFTMAX_F32_CASE(init)                                                 \
  {"softmax_f32/" #init, KERNEL_FNS(softmax_f32), REF_SOFTMAX, 1, F32, F32, 3, \
   {CI, CJ, CJ}, {1, 1, 2}, 1, 2, 1, f_add, init_##init, 1e-5, 1e-6, 0}
/* One case of a plain sum (F = x OP y): kernel sum_OP_ACC_DT on INIT. */
#define SUM_CASE(op, acc, dt, DT, tol, init)                                   \
  {"sum_" #op "_" #acc "_" #dt "/" #init,                                      \
   KERNEL_FNS(sum_##op##_##acc##_##dt),                                        \
   REF_SUM, 1, DT, DT, 2, {CI, CJ}, {1, 1}, 1, 0, 1, f_##op, init_##init,      \
   tol, 0, 0}
/* The special values of a plain sum in one accumulation mode: x / 0, +inf,
 * -inf, both (inf - inf is NaN), NaN. */
#define SUM_SPECIAL_CASES(acc, dt, DT, tol)                                    \
  SUM_CASE(div, acc, dt, DT, tol, zeros),                                      \
      SUM_CASE(add, acc, dt, DT, tol, posinf),                                 \
      SUM_CASE(add, acc, dt, DT, tol, neginf_terms),                           \
      SUM_CASE(add, acc, dt, DT, tol, both_inf),                               \
      SUM_CASE(add, acc, dt, DT, tol, nan)

static const kernel kernels[] = {
    LSE_CASE(f32, F32, 1e-6, big),
    LSE_CASE(f32, F32, 1e-6, huge_both),
    LSE_CASE(f32, F32, 1e-6, neginf),
    LSE_CASE(f32, F32, 1e-6, all_neginf),
    LSE_CASE(f32, F32, 1e-6, equal),
    LSE_CASE(f64, F64, 1e-14, big),
    LSE_CASE(f64, F64, 1e-14, neginf),
    LSE_CASE(f64, F64, 1e-14, all_neginf),
    LSE_CASE(f64, F64, 1e-14, equal),
    {"lse_weight_f32/big", KERNEL_FNS(lse_weight_f32), REF_LSE, 1, F32, F32,
     3, {CI, CJ, CJ}, {1, 1, 2}, 1, 2, 1, f_add_expw, init_big, 1e-6, 1e-6, 0},
    {"lse_weight_f32/neginf", KERNEL_FNS(lse_weight_f32), REF_LSE, 1, F32,
     F32, 3, {CI, CJ, CJ}, {1, 1, 2}, 1, 2, 1, f_add_expw, init_neginf, 1e-6,
     1e-6, 0},
    SOFTMAX_F32_CASE(big),
    SOFTMAX_F32_CASE(neginf),
    SOFTMAX_F32_CASE(equal),
    SOFTMAX_F32_CASE(all_neginf),
    {"lse_axis0_f32/big", KERNEL_FNS(lse_axis0_f32), REF_LSE, 0, F32, F32, 2,
     {CI, CJ}, {1, 1}, 1, 0, 1, f_add, init_huge_both, 1e-6, 1e-6, 0},
    {"sum_f32", KERNEL_FNS(sum_f32), REF_SUM, 1, F32, F32, 2, {CI, CJ},
     {1, 1}, 1, 0, 1, f_mul, NULL, 1e-5, 0, 0},
    {"min_argmin_ties_f32", KERNEL_FNS(min_argmin_ties_f32), REF_MIN_ARGMIN,
     1, F32, F32, 2, {CI, CJ}, {2, 2}, 2, 0, 1, f_absdiff, init_ties, 0, 0, 1},
    {"max_argmax_ties_f32", KERNEL_FNS(max_argmax_ties_f32), REF_MAX_ARGMAX,
     1, F32, F32, 2, {CI, CJ}, {2, 2}, 2, 0, 1, f_absdiff, init_ties, 0, 0, 1},
    {"argkmin5_ties_f32", KERNEL_FNS(argkmin5_ties_f32), REF_ARGKMIN, 1, F32,
     F32, 2, {CI, CJ}, {2, 2}, 2, 0, 5, f_absdiff, init_ties, 0, 0, 1},
    {"kmin_argkmin10_ties_f32", KERNEL_FNS(kmin_argkmin10_ties_f32),
     REF_KMIN_ARGKMIN, 0, F32, F32, 2, {CI, CJ}, {1, 1}, 1, 0, 10, f_absdiff,
     init_ties, 0, 0, 1},
    {"kmin_argkmin64_ties_f64", KERNEL_FNS(kmin_argkmin64_ties_f64),
     REF_KMIN_ARGKMIN, 1, F64, F64, 2, {CI, CJ}, {1, 1}, 1, 0, 64, f_absdiff,
     init_ties, 0, 0, 1},
    SUM_SPECIAL_CASES(block, f32, F32, 1e-5),
    SUM_SPECIAL_CASES(block, f64, F64, 1e-12),
    SUM_SPECIAL_CASES(kahan, f32, F32, 1e-5),
    SUM_SPECIAL_CASES(kahan, f64, F64, 1e-12),
    SUM_SPECIAL_CASES(direct, f32, F32, 1e-5),
    SUM_SPECIAL_CASES(direct, f64, F64, 1e-12),
    {"lse_rawweight_f32/posinf", KERNEL_FNS(lse_rawweight_f32), REF_LSE, 1, F32,
     F32, 3, {CI, CJ, CJ}, {1, 1, 2}, 1, 2, 1, f_add, init_posinf_w, 1e-6, 1e-6, 0},
    {"lse_rawweight_f32/nan", KERNEL_FNS(lse_rawweight_f32), REF_LSE, 1, F32,
     F32, 3, {CI, CJ, CJ}, {1, 1, 2}, 1, 2, 1, f_add, init_nan_w, 1e-6, 1e-6, 0},
    {"lse_rawweight_f64/posinf", KERNEL_FNS(lse_rawweight_f64), REF_LSE, 1, F64,
     F64, 3, {CI, CJ, CJ}, {1, 1, 2}, 1, 2, 1, f_add, init_posinf_w, 1e-14, 1e-14, 0},
    {"lse_rawweight_f64/nan", KERNEL_FNS(lse_rawweight_f64), REF_LSE, 1, F64,
     F64, 3, {CI, CJ, CJ}, {1, 1, 2}, 1, 2, 1, f_add, init_nan_w, 1e-14, 1e-14, 0},
};

/* Sizes, including empty reductions (identities: Sum 0, LSE -inf, Min +inf
 * with index -1). */
static const int64_t sizes[][2] = {{1, 1},   {5, 0},  {0, 5},   {13, 300},
                                   {61, 17}, {97, 1031}, {3, 200}};

int main(void) { return CHECK_TABLE(kernels, sizes, 7u); }
