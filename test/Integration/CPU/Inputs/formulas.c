/*===- formulas.c - driver of formulas.mlir -------------------------*- C -*-===*
 *
 * Part of the kernelred project.
 *
 *===----------------------------------------------------------------------===*/

#include "harness.h"

/* Sorted knots for BSpline (position 0). */
static void init_knots(int p, int64_t n, int dim, double *x, unsigned *seed) {
  static const double knots[6] = {-1.0, -0.55, 0.0, 0.3, 0.6, 1.0};
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = p == 0 ? knots[i % 6] : rnd_nonzero(seed);
}

/* gamma (position 2) in [0.3, 1]. */
static void init_gamma(int p, int64_t n, int dim, double *x, unsigned *seed) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = p == 2 ? 0.3 + 0.7 * rnd(seed) : rnd_nonzero(seed);
}

DECLARE_KERNEL(arith_f32)
DECLARE_KERNEL(arith_f64)
static void f_arith(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1]; const double *v2 = v[2];
  for (int c = 0; c < 3; ++c) f[c] = (v0[c] + v1[c]) * v2[0] - v0[c] / v1[c];
}
DECLARE_KERNEL(neg_inv_square_f32)
DECLARE_KERNEL(neg_inv_square_f64)
static void f_neg_inv_square(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) { f[c] = -v0[c]; f[3 + c] = 1 / v1[c]; f[6 + c] = (v0[c] - v1[c]) * (v0[c] - v1[c]); }
}
DECLARE_KERNEL(sqrt_rsqrt_f32)
DECLARE_KERNEL(sqrt_rsqrt_f64)
static void f_sqrt_rsqrt(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) { f[c] = sqrt(fabs(v0[c] * v1[c])); double d = fabs(v0[c] - v1[c]); f[3 + c] = d == 0 ? 0 : 1 / sqrt(d); }
}
DECLARE_KERNEL(exp_f32)
DECLARE_KERNEL(exp_f64)
static void f_exp(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) f[c] = exp(10 * v0[c] * v1[c]);
}
DECLARE_KERNEL(log_xlogx_f32)
DECLARE_KERNEL(log_xlogx_f64)
static void f_log_xlogx(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) { f[c] = log(fabs(v0[c] * v1[c])); double d = fabs(v0[c] - v1[c]); f[3 + c] = d == 0 ? 0 : d * log(d); }
}
DECLARE_KERNEL(sin_cos_sinc_f32)
DECLARE_KERNEL(sin_cos_sinc_f64)
static void f_sin_cos_sinc(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) { f[c] = sin(10 * v0[c] * v1[c]); f[3 + c] = cos(10 * (v0[c] + v1[c])); double w = 4 * (v0[c] - v1[c]); f[6 + c] = w == 0 ? 1 : sin(w) / w; }
}
DECLARE_KERNEL(inverse_trig_f32)
DECLARE_KERNEL(inverse_trig_f64)
static void f_inverse_trig(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) { double m = v0[c] * v1[c]; f[c] = asin(m); f[3 + c] = acos(m); f[6 + c] = atan(v0[c] / v1[c]); f[9 + c] = atan2(v0[c], v1[c]); }
}
DECLARE_KERNEL(abs_sign_step_relu_f32)
DECLARE_KERNEL(abs_sign_step_relu_f64)
static void f_abs_sign_step_relu(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) { double d = v0[c] - v1[c]; f[c] = fabs(d); f[3 + c] = d > 0 ? 1 : d < 0 ? -1 : 0; f[6 + c] = d < 0 ? 0 : 1; f[9 + c] = d < 0 ? 0 : d; }
}
DECLARE_KERNEL(floor_round_mod_f32)
DECLARE_KERNEL(floor_round_mod_f64)
static void f_floor_round_mod(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) { double x5 = 5 * v0[c]; f[c] = floor(x5); f[3 + c] = round(x5); f[6 + c] = round(v1[c] * 100) / 100; f[9 + c] = x5 - 1.3 * floor((x5 - 0.2) / 1.3); }
}
DECLARE_KERNEL(pow_powf_f32)
DECLARE_KERNEL(pow_powf_f64)
static void f_pow_powf(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) { double d = v0[c] - v1[c]; f[c] = d * d * d; f[3 + c] = 1 / (v1[c] * v1[c]); f[6 + c] = pow(fabs(v0[c]) + 0.5, 2 * v1[c]); }
}
DECLARE_KERNEL(clamps_ifelse_f32)
DECLARE_KERNEL(clamps_ifelse_f64)
static void f_clamps_ifelse(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) { double x5 = 5 * v0[c]; f[c] = x5 < 0 ? 0 : x5 > 3 ? 3 : x5; f[3 + c] = (x5 < 0 || x5 > 3) ? 0 : 1; double lo = v1[c] - 0.3, hi = v1[c] + 0.3; f[6 + c] = v0[c] < lo ? lo : v0[c] > hi ? hi : v0[c]; f[9 + c] = v0[c] - v1[c] >= 0 ? v0[c] * v0[c] : v1[c]; }
}
DECLARE_KERNEL(comparisons_f32)
DECLARE_KERNEL(comparisons_f64)
static void f_comparisons(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 3; ++c) { double rx = round(2 * v0[c]), ry = round(2 * v1[c]); f[c] = rx == ry; f[3 + c] = rx != ry; f[6 + c] = v0[c] < v1[c]; f[9 + c] = rx <= ry; }
}
DECLARE_KERNEL(reductions_of_components_f32)
DECLARE_KERNEL(reductions_of_components_f64)
static void f_reductions_of_components(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  double d[3], s = 0, n = 0; int amx = 0, amn = 0;
  for (int c = 0; c < 3; ++c) { d[c] = v0[c] - v1[c]; s += v0[c] * v1[c]; n += d[c] * d[c]; }
  for (int c = 1; c < 3; ++c) { if (d[c] > d[amx]) amx = c; if (d[c] < d[amn]) amn = c; }
  f[0] = s; f[1] = d[amx]; f[2] = d[amn]; f[3] = amx; f[4] = amn; f[5] = n; f[6] = sqrt(n);
  for (int c = 0; c < 3; ++c) f[7 + c] = n == 0 ? 0 : d[c] / sqrt(n);
}
DECLARE_KERNEL(component_moves_f32)
DECLARE_KERNEL(component_moves_f64)
static void f_component_moves(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int c = 0; c < 16; ++c) f[c] = 0;
  f[2] = v0[1]; f[4 + 3] = v1[1]; f[4 + 4] = v1[2];
  f[9] = f[10] = v0[0] + v0[1] + v0[2];
  double r = round(2 * v1[0] + 2);
  for (int c = 0; c < 5; ++c) f[11 + c] = r == c;
}
DECLARE_KERNEL(strided_interleave_f32)
DECLARE_KERNEL(strided_interleave_f64)
static void f_strided_interleave(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  for (int k = 0; k < 3; ++k) {
    f[2 * k] = v0[1 + 2 * k]; f[2 * k + 1] = v1[k];
    f[6 + 2 * k] = v1[k]; f[6 + 2 * k + 1] = v0[5];
  }
}
DECLARE_KERNEL(complex_f32)
DECLARE_KERNEL(complex_f64)
/* Complex vectors are interleaved (re, im) pairs; a0 holds 2 of them, a1
   one, which broadcasts. */
static void f_complex(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *x = v[0]; const double *y = v[1];
  for (int k = 0; k < 2; ++k) {
    double a = x[2 * k], b = x[2 * k + 1], c = y[0], d = y[1];
    double den = a * a + b * b;
    f[2 * k] = a * c - b * d; f[2 * k + 1] = a * d + b * c;
    f[4 + 2 * k] = (c * a + d * b) / den; f[4 + 2 * k + 1] = (d * a - c * b) / den;
    f[8 + 2 * k] = exp(a) * cos(b); f[8 + 2 * k + 1] = exp(a) * sin(b);
    f[12 + 2 * k] = a; f[12 + 2 * k + 1] = -b;
    f[16 + k] = sqrt(den);
  }
}
DECLARE_KERNEL(products_f32)
DECLARE_KERNEL(products_f64)
static void f_products(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1]; const double *v2 = v[2]; const double *v3 = v[3];
  double sp = 0, sd = 0;
  for (int c = 0; c < 3; ++c) { sp += v0[c] * v1[c]; sd += (v0[c] - v1[c]) * (v0[c] - v1[c]); }
  f[0] = sp; f[1] = sd;
  for (int i = 0; i < 2; ++i) { f[2 + i] = 0; for (int k = 0; k < 3; ++k) f[2 + i] += v2[i * 3 + k] * v0[k]; }
  for (int j = 0; j < 3; ++j) { f[4 + j] = 0; for (int i = 0; i < 2; ++i) f[4 + j] += v3[i] * v2[i * 3 + j]; }
  for (int i = 0; i < 3; ++i) for (int j = 0; j < 2; ++j) f[7 + i * 2 + j] = v0[i] * v3[j];
}
DECLARE_KERNEL(weighted_norms_f32)
DECLARE_KERNEL(weighted_norms_f64)
static void f_weighted_norms(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1]; const double *v2 = v[2]; const double *v3 = v[3]; const double *v4 = v[4];
  double d[3], n = 0, n3 = 0, n9 = 0;
  for (int c = 0; c < 3; ++c) { d[c] = v0[c] - v1[c]; n += d[c] * d[c]; n3 += v3[c] * d[c] * d[c]; }
  for (int k = 0; k < 3; ++k) for (int l = 0; l < 3; ++l) n9 += v4[k * 3 + l] * d[k] * d[l];
  f[0] = v2[0] * n; f[1] = n3; f[2] = n9; f[3] = n9;
}
DECLARE_KERNEL(tensordot_kron_f32)
DECLARE_KERNEL(tensordot_kron_f64)
static void f_tensordot_kron(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1]; const double *v2 = v[2]; const double *v3 = v[3]; const double *v4 = v[4];
  for (int i = 0; i < 3; ++i) { f[i] = 0; for (int k = 0; k < 3; ++k) f[i] += v0[i * 3 + k] * v1[k]; }
  for (int i = 0; i < 2; ++i) for (int l = 0; l < 2; ++l) { double s = 0; for (int k = 0; k < 3; ++k) s += v2[i * 3 + k] * v3[k * 2 + l]; f[3 + l * 2 + i] = s; }
  for (int a0 = 0; a0 < 2; ++a0) for (int a1 = 0; a1 < 2; ++a1) for (int b0 = 0; b0 < 2; ++b0) for (int b1 = 0; b1 < 3; ++b1)
    f[7 + (a0 * 2 + b0) * 6 + (a1 * 3 + b1)] = v4[a0 * 2 + a1] * v3[b0 * 3 + b1];
}
DECLARE_KERNEL(bspline_f32)
DECLARE_KERNEL(bspline_f64)
static void f_bspline(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1]; const double *v2 = v[2];
  const double *t = v0; double x = v1[0] * v2[0], o[5];
  for (int j = 0; j < 5; ++j) o[j] = (t[j] <= x && x < t[j + 1]) ? 1 : 0;
  for (int k = 1; k <= 2; ++k) {
    double r1 = t[0] < t[k] ? (x - t[0]) / (t[k] - t[0]) : 0;
    for (int i = 0; i < 5 - k; ++i) {
      double r2 = t[i + 1] < t[i + 1 + k] ? (x - t[i + 1]) / (t[i + 1 + k] - t[i + 1]) : 0;
      o[i] = r1 * o[i] + (1 - r2) * o[i + 1];
      r1 = r2;
    }
  }
  for (int j = 0; j < 3; ++j) f[j] = o[j];
}
DECLARE_KERNEL(softdtw_f32)
DECLARE_KERNEL(softdtw_f64)
static void f_softdtw(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1]; const double *v2 = v[2];
  double r[4][3], g = v2[0];
  for (int j = 0; j < 3; ++j) for (int i = 0; i < 4; ++i) {
    double d = (v0[i] - v1[j]) * (v0[i] - v1[j]);
    if (i == 0 && j == 0) r[i][j] = d;
    else if (j == 0) r[i][j] = d + r[i - 1][j];
    else if (i == 0) r[i][j] = d + r[i][j - 1];
    else {
      double a = r[i - 1][j - 1], b = r[i][j - 1], c = r[i - 1][j];
      double m = fmin(fmin(a, b), c);
      r[i][j] = d + m - g * log(exp((m - a) / g) + exp((m - b) / g) + exp((m - c) / g));
    }
  }
  f[0] = r[3][2];
}
DECLARE_KERNEL(constants_f32)
DECLARE_KERNEL(constants_f64)
static void f_constants(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1];
  static const double kc[3] = {1.0, 2.5, -3.0}; for (int c = 0; c < 3; ++c) f[c] = v0[c] * kc[c] + v1[c] / 3 + 2;
}
DECLARE_KERNEL(broadcast_hoisting_f32)
DECLARE_KERNEL(broadcast_hoisting_f64)
static void f_broadcast_hoisting(const kernel *kern, const double *const *v, double *f, double *gw) {
  const double *v0 = v[0]; const double *v1 = v[1]; const double *v2 = v[2]; const double *v3 = v[3];
  for (int c = 0; c < 3; ++c) f[c] = exp(v1[c] * v2[c]) * v3[0] * exp(v0[0]);
}

/* The f32 and f64 rows of a sum over j of fdim values of (x_i, y_j) in R^3
 * (f64 tolerance 1e-12). */
#define SUM_XY3(name, fdim, fn, tol32)                                         \
  {#name "_f32", KERNEL_FNS(name##_f32), REF_SUM, 1, F32, F32, 2, {CI, CJ},    \
   {3, 3}, fdim, 0, 1, fn, NULL, tol32, 0.0, 0},                               \
  {#name "_f64", KERNEL_FNS(name##_f64), REF_SUM, 1, F64, F64, 2, {CI, CJ},    \
   {3, 3}, fdim, 0, 1, fn, NULL, 1e-12, 0.0, 0}

static const kernel kernels[] = {
  {"arith_f32", KERNEL_FNS(arith_f32), REF_SUM, 1, KRED_F32, KRED_F32, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_P}, {3, 3, 1}, 3, 0, 1, f_arith, NULL, 2e-05, 0.0, 0},
  {"arith_f64", KERNEL_FNS(arith_f64), REF_SUM, 1, KRED_F64, KRED_F64, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_P}, {3, 3, 1}, 3, 0, 1, f_arith, NULL, 1e-12, 0.0, 0},
  SUM_XY3(neg_inv_square, 9, f_neg_inv_square, 2e-05),
  SUM_XY3(sqrt_rsqrt, 6, f_sqrt_rsqrt, 0.0001),
  SUM_XY3(exp, 3, f_exp, 2e-05),
  SUM_XY3(log_xlogx, 6, f_log_xlogx, 2e-05),
  SUM_XY3(sin_cos_sinc, 9, f_sin_cos_sinc, 2e-05),
  SUM_XY3(inverse_trig, 12, f_inverse_trig, 5e-05),
  SUM_XY3(abs_sign_step_relu, 12, f_abs_sign_step_relu, 2e-05),
  SUM_XY3(floor_round_mod, 12, f_floor_round_mod, 2e-05),
  SUM_XY3(pow_powf, 9, f_pow_powf, 2e-05),
  SUM_XY3(clamps_ifelse, 12, f_clamps_ifelse, 2e-05),
  SUM_XY3(comparisons, 12, f_comparisons, 2e-05),
  SUM_XY3(reductions_of_components, 10, f_reductions_of_components, 2e-05),
  SUM_XY3(component_moves, 16, f_component_moves, 2e-05),
  {"strided_interleave_f32", KERNEL_FNS(strided_interleave_f32), REF_SUM, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {6, 3}, 12, 0, 1, f_strided_interleave, NULL, 2e-05, 0.0, 0},
  {"strided_interleave_f64", KERNEL_FNS(strided_interleave_f64), REF_SUM, 1, KRED_F64, KRED_F64, 2, {KRED_CAT_I, KRED_CAT_J}, {6, 3}, 12, 0, 1, f_strided_interleave, NULL, 1e-12, 0.0, 0},
  {"complex_f32", KERNEL_FNS(complex_f32), REF_SUM, 1, KRED_F32, KRED_F32, 2, {KRED_CAT_I, KRED_CAT_J}, {4, 2}, 18, 0, 1, f_complex, NULL, 2e-05, 0.0, 0},
  {"complex_f64", KERNEL_FNS(complex_f64), REF_SUM, 1, KRED_F64, KRED_F64, 2, {KRED_CAT_I, KRED_CAT_J}, {4, 2}, 18, 0, 1, f_complex, NULL, 1e-12, 0.0, 0},
  {"products_f32", KERNEL_FNS(products_f32), REF_SUM, 1, KRED_F32, KRED_F32, 4, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J, KRED_CAT_I}, {3, 3, 6, 2}, 13, 0, 1, f_products, NULL, 2e-05, 0.0, 0},
  {"products_f64", KERNEL_FNS(products_f64), REF_SUM, 1, KRED_F64, KRED_F64, 4, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J, KRED_CAT_I}, {3, 3, 6, 2}, 13, 0, 1, f_products, NULL, 1e-12, 0.0, 0},
  {"weighted_norms_f32", KERNEL_FNS(weighted_norms_f32), REF_SUM, 1, KRED_F32, KRED_F32, 5, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_P, KRED_CAT_P, KRED_CAT_P}, {3, 3, 1, 3, 9}, 4, 0, 1, f_weighted_norms, NULL, 2e-05, 0.0, 0},
  {"weighted_norms_f64", KERNEL_FNS(weighted_norms_f64), REF_SUM, 1, KRED_F64, KRED_F64, 5, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_P, KRED_CAT_P, KRED_CAT_P}, {3, 3, 1, 3, 9}, 4, 0, 1, f_weighted_norms, NULL, 1e-12, 0.0, 0},
  {"tensordot_kron_f32", KERNEL_FNS(tensordot_kron_f32), REF_SUM, 1, KRED_F32, KRED_F32, 5, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_I, KRED_CAT_J, KRED_CAT_I}, {9, 3, 6, 6, 4}, 31, 0, 1, f_tensordot_kron, NULL, 2e-05, 0.0, 0},
  {"tensordot_kron_f64", KERNEL_FNS(tensordot_kron_f64), REF_SUM, 1, KRED_F64, KRED_F64, 5, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_I, KRED_CAT_J, KRED_CAT_I}, {9, 3, 6, 6, 4}, 31, 0, 1, f_tensordot_kron, NULL, 1e-12, 0.0, 0},
  {"bspline_f32", KERNEL_FNS(bspline_f32), REF_SUM, 1, KRED_F32, KRED_F32, 3, {KRED_CAT_P, KRED_CAT_I, KRED_CAT_J}, {6, 1, 1}, 3, 0, 1, f_bspline, init_knots, 2e-05, 0.0, 0},
  {"bspline_f64", KERNEL_FNS(bspline_f64), REF_SUM, 1, KRED_F64, KRED_F64, 3, {KRED_CAT_P, KRED_CAT_I, KRED_CAT_J}, {6, 1, 1}, 3, 0, 1, f_bspline, init_knots, 1e-12, 0.0, 0},
  {"softdtw_f32", KERNEL_FNS(softdtw_f32), REF_SUM, 1, KRED_F32, KRED_F32, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_P}, {4, 3, 1}, 1, 0, 1, f_softdtw, init_gamma, 2e-05, 0.0, 0},
  {"softdtw_f64", KERNEL_FNS(softdtw_f64), REF_SUM, 1, KRED_F64, KRED_F64, 3, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_P}, {4, 3, 1}, 1, 0, 1, f_softdtw, init_gamma, 1e-12, 0.0, 0},
  SUM_XY3(constants, 3, f_constants, 2e-05),
  {"broadcast_hoisting_f32", KERNEL_FNS(broadcast_hoisting_f32), REF_SUM, 1, KRED_F32, KRED_F32, 4, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_P, KRED_CAT_J}, {1, 3, 3, 1}, 3, 0, 1, f_broadcast_hoisting, NULL, 2e-05, 0.0, 0},
  {"broadcast_hoisting_f64", KERNEL_FNS(broadcast_hoisting_f64), REF_SUM, 1, KRED_F64, KRED_F64, 4, {KRED_CAT_I, KRED_CAT_J, KRED_CAT_P, KRED_CAT_J}, {1, 3, 3, 1}, 3, 0, 1, f_broadcast_hoisting, NULL, 1e-12, 0.0, 0},
};

static const int64_t sizes[][2] = {{1, 1}, {13, 300}, {37, 5}, {61, 17}};

int main(void) { return CHECK_TABLE(kernels, sizes, 99u); }
