/*===- chunks.c - driver of chunks.mlir ----------------------------*- C -*-===*
 *
 * Part of the kernelred project.
 *
 *===----------------------------------------------------------------------===*/

#include "harness.h"

DECLARE_KERNEL(scalprod_200)
DECLARE_KERNEL(gauss_lse_301)
DECLARE_KERNEL(weighted_knn_200)
DECLARE_KERNEL(norms_200)

static void f_scalprod(const kernel *k, const double *const *v, double *f,
                       double *g) {
  double s = 0;
  for (int c = 0; c < k->dim[0]; ++c)
    s += v[0][c] * v[1][c];
  f[0] = s;
}

static void f_negsqdist(const kernel *k, const double *const *v, double *f,
                        double *g) {
  double s = 0;
  for (int c = 0; c < k->dim[0]; ++c)
    s += (v[0][c] - v[1][c]) * (v[0][c] - v[1][c]);
  f[0] = -s;
}

static void f_weighted(const kernel *k, const double *const *v, double *f,
                       double *g) {
  double s = 0;
  for (int c = 0; c < k->dim[0]; ++c)
    s += v[2][c] * (v[0][c] - v[1][c]) * (v[0][c] - v[1][c]);
  f[0] = s;
}

static void f_norms(const kernel *k, const double *const *v, double *f,
                    double *g) {
  double t = 0, ny = 0, nx = 0, w = 0, s = v[2][0];
  for (int c = 0; c < k->dim[0]; ++c) {
    t += fabs(v[0][c] * v[1][c]);
    ny += v[1][c] * v[1][c];
    nx += v[0][c] * v[0][c];
    w += (v[0][c] * s) * (v[0][c] * s);
  }
  f[0] = t;
  f[1] = sqrt(ny);
  f[2] = nx;
  f[3] = s * w;
}

/* Positive weights (position 2). */
static void init_weights(int p, int64_t n, int dim, double *x, unsigned *s) {
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = p == 2 ? 0.1 + rnd(s) : rnd_nonzero(s);
}

static const kernel kernels[] = {
    {"scalprod_200", KERNEL_FNS(scalprod_200), REF_SUM, 1, KRED_F32, KRED_F32,
     2, {CI, CJ}, {200, 200}, 1, 0, 1, f_scalprod, NULL, 2e-5, 0, 0},
    {"gauss_lse_301", KERNEL_FNS(gauss_lse_301), REF_LSE, 1, KRED_F64,
     KRED_F64, 2, {CI, CJ}, {301, 301}, 1, 0, 1, f_negsqdist, NULL, 1e-13,
     1e-13, 0},
    {"weighted_knn_200", KERNEL_FNS(weighted_knn_200), REF_ARGKMIN, 1,
     KRED_F32, KRED_F32, 3, {CI, CJ, CP}, {200, 200, 200}, 1, 0, 5,
     f_weighted, init_weights, 2e-5, 0, 0},
    {"norms_200", KERNEL_FNS(norms_200), REF_SUM, 1, KRED_F32, KRED_F32, 3,
     {CI, CJ, CP}, {200, 200, 1}, 4, 0, 1, f_norms, NULL, 2e-5, 0, 0},
};

static const int64_t sizes[][2] = {{1, 1}, {13, 101}, {37, 5}, {61, 17}};

int main(void) { return CHECK_TABLE(kernels, sizes, 5u); }
