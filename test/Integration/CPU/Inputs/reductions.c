/*===- reductions.c - driver of reductions.mlir ---------------------*- C -*-===*
 *
 * Part of the kernelred project.
 *
 *===----------------------------------------------------------------------===*/

#include "harness.h"

static double sqdist(const double *a, const double *b, int d) {
  double s = 0;
  for (int c = 0; c < d; ++c)
    s += (a[c] - b[c]) * (a[c] - b[c]);
  return s;
}
static void f_xy(const kernel *k, const double *const *v, double *f, double *g) {
  for (int c = 0; c < k->fdim; ++c)
    f[c] = v[0][c] * v[1][c];
}
static void f_xyp(const kernel *k, const double *const *v, double *f, double *g) {
  for (int c = 0; c < k->fdim; ++c)
    f[c] = v[0][c] * v[1][c] + v[2][0];
}
static void f_gauss(const kernel *k, const double *const *v, double *f, double *g) {
  f[0] = exp(-sqdist(v[0], v[1], k->dim[0])) * v[2][0];
}
static void f_negsqd(const kernel *k, const double *const *v, double *f, double *g) {
  f[0] = -sqdist(v[0], v[1], k->dim[0]);
}
static void f_sqd(const kernel *k, const double *const *v, double *f, double *g) {
  f[0] = sqdist(v[0], v[1], k->dim[0]);
}
static void f_diff(const kernel *k, const double *const *v, double *f, double *g) {
  for (int c = 0; c < k->fdim; ++c)
    f[c] = v[0][c] - v[1][c];
}
static void f_lsew(const kernel *k, const double *const *v, double *f, double *g) {
  f[0] = -sqdist(v[0], v[1], k->dim[0]);
  for (int c = 0; c < k->gdim; ++c)
    g[c] = exp(v[2][c]);
}
static void f_softmax(const kernel *k, const double *const *v, double *f, double *g) {
  double s = 0;
  for (int c = 0; c < k->dim[0]; ++c)
    s += v[0][c] * v[1][c];
  f[0] = s;
  for (int c = 0; c < k->gdim; ++c)
    g[c] = v[2][c];
}

DECLARE_KERNEL(sum_xy_1_f32)
DECLARE_KERNEL(sum_xy_3_f32)
DECLARE_KERNEL(sum_xy_17_f32)
DECLARE_KERNEL(sum_xy_64_f32)
DECLARE_KERNEL(sum_xy_3_f32_axis0)
DECLARE_KERNEL(sum_kahan_xyp_3_f32)
DECLARE_KERNEL(sum_direct_xyp_3_f32)
DECLARE_KERNEL(sum_gauss_3_f32)
DECLARE_KERNEL(sum_gauss_3_f32_axis0)
DECLARE_KERNEL(sum_gauss_3_f64)
DECLARE_KERNEL(sum_gauss_3_f16)
DECLARE_KERNEL(sum_xy_17_f64)
DECLARE_KERNEL(sum_gauss_3_f32_acc_f64)
DECLARE_KERNEL(logsumexp_negsqd_3_f32)
DECLARE_KERNEL(logsumexp_negsqd_17_f64)
DECLARE_KERNEL(logsumexp_negsqd_3_f32_axis0)
DECLARE_KERNEL(logsumexp_lsew_3_f32)
DECLARE_KERNEL(logsumexp_negsqd_1_f16)
DECLARE_KERNEL(sumsoftmaxweight_softmax_3_f32)
DECLARE_KERNEL(sumsoftmaxweight_softmax_17_f64_axis0)
DECLARE_KERNEL(max_sumshiftexp_negsqd_1_f32)
DECLARE_KERNEL(min_diff_3_f32)
DECLARE_KERNEL(max_diff_3_f32)
DECLARE_KERNEL(argmin_diff_3_f32)
DECLARE_KERNEL(argmax_diff_3_f32)
DECLARE_KERNEL(min_argmin_diff_3_f32)
DECLARE_KERNEL(max_argmax_diff_3_f32)
DECLARE_KERNEL(min_argmin_sqd_17_f64_axis0)
DECLARE_KERNEL(max_argmax_diff_1_f16)
DECLARE_KERNEL(argmin_sqd_64_f32)
DECLARE_KERNEL(kmin1_sqd_3_f32)
DECLARE_KERNEL(argkmin1_sqd_3_f32)
DECLARE_KERNEL(kmin_argkmin1_sqd_3_f32)
DECLARE_KERNEL(kmin5_sqd_3_f32)
DECLARE_KERNEL(argkmin5_sqd_3_f32)
DECLARE_KERNEL(kmin_argkmin5_sqd_3_f32)
DECLARE_KERNEL(kmin10_sqd_3_f32)
DECLARE_KERNEL(argkmin10_sqd_3_f32)
DECLARE_KERNEL(kmin_argkmin10_sqd_3_f32)
DECLARE_KERNEL(argkmin64_sqd_3_f32)
DECLARE_KERNEL(kmin_argkmin64_sqd_3_f64)
DECLARE_KERNEL(kmin_argkmin5_diff_3_f32)
DECLARE_KERNEL(argkmin10_sqd_3_f64_axis0)
DECLARE_KERNEL(kmin_argkmin10_sqd_64_f32)
DECLARE_KERNEL(kmin_argkmin5_sqd_3_f16)

/* Rows of (x_i, y_j) in R^3, F32, axis 1: a K-min family on f_sqd, a
 * min/max family on f_diff. */
#define SQD3_F32(name, kind, K)                                                \
  {#name, KERNEL_FNS(name), kind, 1, F32, F32, 2, {CI, CJ}, {3, 3},            \
   1, 0, K, f_sqd, NULL, 1e-05, 0.0, 0}
#define DIFF3_F32(name, kind)                                                  \
  {#name, KERNEL_FNS(name), kind, 1, F32, F32, 2, {CI, CJ}, {3, 3},            \
   3, 0, 1, f_diff, NULL, 1e-05, 0.0, 0}

static const kernel kernels[] = {
  {"sum_xy_1_f32", KERNEL_FNS(sum_xy_1_f32), REF_SUM, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {1, 1}, 1, 0, 1, f_xy, NULL, 1e-05, 0.0, 0},
  {"sum_xy_3_f32", KERNEL_FNS(sum_xy_3_f32), REF_SUM, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {3, 3}, 3, 0, 1, f_xy, NULL, 1e-05, 0.0, 0},
  {"sum_xy_17_f32", KERNEL_FNS(sum_xy_17_f32), REF_SUM, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {17, 17}, 17, 0, 1, f_xy, NULL, 1e-05, 0.0, 0},
  {"sum_xy_64_f32", KERNEL_FNS(sum_xy_64_f32), REF_SUM, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {64, 64}, 64, 0, 1, f_xy, NULL, 1e-05, 0.0, 0},
  {"sum_xy_3_f32_axis0", KERNEL_FNS(sum_xy_3_f32_axis0), REF_SUM, 0, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {3, 3}, 3, 0, 1, f_xy, NULL, 1e-05, 0.0, 0},
  {"sum_kahan_xyp_3_f32", KERNEL_FNS(sum_kahan_xyp_3_f32), REF_SUM, 1, KRED_F32, KRED_F32, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_P}, {3, 3, 1}, 3, 0, 1, f_xyp, NULL, 1e-05, 0.0, 0},
  {"sum_direct_xyp_3_f32", KERNEL_FNS(sum_direct_xyp_3_f32), REF_SUM, 1, KRED_F32, KRED_F32, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_P}, {3, 3, 1}, 3, 0, 1, f_xyp, NULL, 1e-05, 0.0, 0},
  {"sum_gauss_3_f32", KERNEL_FNS(sum_gauss_3_f32), REF_SUM, 1, KRED_F32, KRED_F32, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J}, {3, 3, 1}, 1, 0, 1, f_gauss, NULL, 1e-06, 0.0, 0},
  {"sum_gauss_3_f32_axis0", KERNEL_FNS(sum_gauss_3_f32_axis0), REF_SUM, 0, KRED_F32, KRED_F32, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J}, {3, 3, 1}, 1, 0, 1, f_gauss, NULL, 1e-06, 0.0, 0},
  {"sum_gauss_3_f64", KERNEL_FNS(sum_gauss_3_f64), REF_SUM, 1, KRED_F64, KRED_F64, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J}, {3, 3, 1}, 1, 0, 1, f_gauss, NULL, 1e-13, 0.0, 0},
  {"sum_gauss_3_f16", KERNEL_FNS(sum_gauss_3_f16), REF_SUM, 1, KRED_F16, KRED_F32, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J}, {3, 3, 1}, 1, 0, 1, f_gauss, NULL, 0.002, 0.001, 0},
  {"sum_xy_17_f64", KERNEL_FNS(sum_xy_17_f64), REF_SUM, 1, KRED_F64, KRED_F64, 2, {KRED_CAT_I, KRED_CAT_J}, {17, 17}, 17, 0, 1, f_xy, NULL, 1e-12, 0.0, 0},
  {"sum_gauss_3_f32_acc_f64", KERNEL_FNS(sum_gauss_3_f32_acc_f64), REF_SUM, 1, KRED_F32, KRED_F64, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J}, {3, 3, 1}, 1, 0, 1, f_gauss, NULL, 2e-07, 0.0, 0},
  {"logsumexp_negsqd_3_f32", KERNEL_FNS(logsumexp_negsqd_3_f32), REF_LSE, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {3, 3}, 1, 0, 1, f_negsqd, NULL, 1e-06, 1e-06, 0},
  {"logsumexp_negsqd_17_f64", KERNEL_FNS(logsumexp_negsqd_17_f64), REF_LSE, 1, KRED_F64, KRED_F64, 2, {KRED_CAT_I, KRED_CAT_J}, {17, 17}, 1, 0, 1, f_negsqd, NULL, 1e-13, 1e-13, 0},
  {"logsumexp_negsqd_3_f32_axis0", KERNEL_FNS(logsumexp_negsqd_3_f32_axis0), REF_LSE, 0, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {3, 3}, 1, 0, 1, f_negsqd, NULL, 1e-06, 1e-06, 0},
  {"logsumexp_lsew_3_f32", KERNEL_FNS(logsumexp_lsew_3_f32), REF_LSE, 1, KRED_F32, KRED_F32, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J}, {3, 3, 3}, 1, 3, 1, f_lsew, NULL, 1e-06, 1e-06, 0},
  {"logsumexp_negsqd_1_f16", KERNEL_FNS(logsumexp_negsqd_1_f16), REF_LSE, 1, KRED_F16, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {1, 1}, 1, 0, 1, f_negsqd, NULL, 0.002, 0.002, 0},
  {"sumsoftmaxweight_softmax_3_f32", KERNEL_FNS(sumsoftmaxweight_softmax_3_f32), REF_SOFTMAX, 1, KRED_F32, KRED_F32, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J}, {3, 3, 4}, 1, 4, 1, f_softmax, NULL, 1e-05, 1e-06, 0},
  {"sumsoftmaxweight_softmax_17_f64_axis0", KERNEL_FNS(sumsoftmaxweight_softmax_17_f64_axis0), REF_SOFTMAX, 0, KRED_F64, KRED_F64, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J}, {17, 17, 2}, 1, 2, 1, f_softmax, NULL, 1e-12, 1e-13, 0},
  {"max_sumshiftexp_negsqd_1_f32", KERNEL_FNS(max_sumshiftexp_negsqd_1_f32), REF_MSSE, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {1, 1}, 1, 0, 1, f_negsqd, NULL, 1e-06, 0.0, 0},
  DIFF3_F32(min_diff_3_f32, REF_MIN),
  DIFF3_F32(max_diff_3_f32, REF_MAX),
  DIFF3_F32(argmin_diff_3_f32, REF_ARGMIN),
  DIFF3_F32(argmax_diff_3_f32, REF_ARGMAX),
  DIFF3_F32(min_argmin_diff_3_f32, REF_MIN_ARGMIN),
  DIFF3_F32(max_argmax_diff_3_f32, REF_MAX_ARGMAX),
  {"min_argmin_sqd_17_f64_axis0", KERNEL_FNS(min_argmin_sqd_17_f64_axis0), REF_MIN_ARGMIN, 0, KRED_F64, KRED_F64, 2, {KRED_CAT_I, KRED_CAT_J}, {17, 17}, 1, 0, 1, f_sqd, NULL, 1e-12, 0.0, 0},
  {"max_argmax_diff_1_f16", KERNEL_FNS(max_argmax_diff_1_f16), REF_MAX_ARGMAX, 1, KRED_F16, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {1, 1}, 1, 0, 1, f_diff, NULL, 0.001, 0.0, 0},
  {"argmin_sqd_64_f32", KERNEL_FNS(argmin_sqd_64_f32), REF_ARGMIN, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {64, 64}, 1, 0, 1, f_sqd, NULL, 1e-05, 0.0, 0},
  SQD3_F32(kmin1_sqd_3_f32, REF_KMIN, 1),
  SQD3_F32(argkmin1_sqd_3_f32, REF_ARGKMIN, 1),
  SQD3_F32(kmin_argkmin1_sqd_3_f32, REF_KMIN_ARGKMIN, 1),
  SQD3_F32(kmin5_sqd_3_f32, REF_KMIN, 5),
  SQD3_F32(argkmin5_sqd_3_f32, REF_ARGKMIN, 5),
  SQD3_F32(kmin_argkmin5_sqd_3_f32, REF_KMIN_ARGKMIN, 5),
  SQD3_F32(kmin10_sqd_3_f32, REF_KMIN, 10),
  SQD3_F32(argkmin10_sqd_3_f32, REF_ARGKMIN, 10),
  SQD3_F32(kmin_argkmin10_sqd_3_f32, REF_KMIN_ARGKMIN, 10),
  SQD3_F32(argkmin64_sqd_3_f32, REF_ARGKMIN, 64),
  {"kmin_argkmin64_sqd_3_f64", KERNEL_FNS(kmin_argkmin64_sqd_3_f64), REF_KMIN_ARGKMIN, 1, KRED_F64, KRED_F64, 2, {KRED_CAT_I, KRED_CAT_J}, {3, 3}, 1, 0, 64, f_sqd, NULL, 1e-12, 0.0, 0},
  {"kmin_argkmin5_diff_3_f32", KERNEL_FNS(kmin_argkmin5_diff_3_f32), REF_KMIN_ARGKMIN, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {3, 3}, 3, 0, 5, f_diff, NULL, 1e-05, 0.0, 0},
  {"argkmin10_sqd_3_f64_axis0", KERNEL_FNS(argkmin10_sqd_3_f64_axis0), REF_ARGKMIN, 0, KRED_F64, KRED_F64, 2, {KRED_CAT_I, KRED_CAT_J}, {3, 3}, 1, 0, 10, f_sqd, NULL, 1e-12, 0.0, 0},
  {"kmin_argkmin10_sqd_64_f32", KERNEL_FNS(kmin_argkmin10_sqd_64_f32), REF_KMIN_ARGKMIN, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {64, 64}, 1, 0, 10, f_sqd, NULL, 1e-05, 0.0, 0},
  {"kmin_argkmin5_sqd_3_f16", KERNEL_FNS(kmin_argkmin5_sqd_3_f16), REF_KMIN_ARGKMIN, 1, KRED_F16, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {3, 3}, 1, 0, 5, f_sqd, NULL, 0.001, 0.0, 0},
};

int main(void) { return CHECK_TABLE(kernels, g_sizes, 1234u); }
