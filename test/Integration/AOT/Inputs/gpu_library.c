/* Checks the GPU entries of the library built from gpu-kernels.yaml
 * (aot-gpu.test), without a GPU.
 *   gpu_library nodevice   KRED_LIBCUDA_PATH names a missing file
 *   gpu_library fake       KRED_LIBCUDA_PATH is test/unit's fake driver
 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpukernels.h"

#define CHECK(c)                                                              \
  do {                                                                        \
    if (!(c)) {                                                               \
      fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #c);                    \
      return 1;                                                               \
    }                                                                         \
  } while (0)

/* The image of `k` for `sm` and `kind`, or NULL. */
static const kred_gpu_image *find_image(const kred_gpu_kernel *k, int sm,
                                        int kind) {
  for (int i = 0; i < k->num_images; ++i)
    if (k->images[i].sm == sm && k->images[i].kind == kind)
      return &k->images[i];
  return NULL;
}

/* One PTX per sm of `sms`, cubins for all of them or none. */
static int check_kernel(const kred_gpu_kernel *k, const char *name,
                        const int *sms, int nsms, int *has_cubin) {
  char entry[64];
  CHECK(k != NULL);
  CHECK(k->info.abi_version == KRED_ABI_VERSION);
  CHECK(strcmp(k->info.name, name) == 0);
  snprintf(entry, sizeof entry, "%s_gpu", name);
  CHECK(strcmp(k->run_entry, entry) == 0);
  snprintf(entry, sizeof entry, "%s_gpu_merge", name);
  CHECK(strcmp(k->merge_entry, entry) == 0);
  CHECK(k->block_threads == 128);
  CHECK(k->rows_per_thread == 1);
  CHECK(k->shared_bytes == 0);
  CHECK(k->info.row_block == 128);
  int cubins = 0;
  for (int i = 0; i < k->num_images; ++i) {
    const kred_gpu_image *im = &k->images[i];
    int known = 0;
    for (int s = 0; s < nsms; ++s)
      known |= im->sm == sms[s];
    CHECK(known);
    CHECK(im->kind == 0 || im->kind == 1);
    CHECK(im->data != NULL && im->size > 4);
    if (im->kind == 0) {
      const char *ptx = (const char *)im->data;
      CHECK(ptx[im->size - 1] == '\0');
      CHECK(strlen(ptx) == im->size - 1);
      CHECK(strncmp(ptx, "//", 2) == 0 || strncmp(ptx, ".version", 8) == 0);
      CHECK(strstr(ptx, ".entry") != NULL);
    } else {
      CHECK(memcmp(im->data, "\177ELF", 4) == 0);
      ++cubins;
    }
  }
  for (int s = 0; s < nsms; ++s)
    CHECK(find_image(k, sms[s], 0) != NULL);
  CHECK(cubins == 0 || cubins == nsms);
  CHECK(k->num_images == nsms + cubins);
  *has_cubin = cubins != 0;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  const int both[] = {80, 90}, only90[] = {90};
  int gauss_cubin = 0, nn2_cubin = 0;
  if (check_kernel(gauss_gpu_kernel(), "gauss", both, 2, &gauss_cubin) ||
      check_kernel(nn2_gpu_kernel(), "nn2", only90, 1, &nn2_cubin))
    return 1;
  CHECK(gauss_gpu_kernel() == gauss_gpu_kernel());
  CHECK(gauss_gpu_kernel()->info.num_args == 3);
  CHECK(gauss_gpu_kernel()->info.out_value_dim == 1);
  CHECK(nn2_gpu_kernel()->info.dtype == KRED_F64);
  CHECK(nn2_gpu_kernel()->info.out_index_dim == 2);
  CHECK(nn2_gpu_kernel()->info.out_value_dim == 0);
  printf("descriptors OK (%s)\n", gauss_cubin ? "PTX and cubins" : "PTX");

  /* The CPU entries are still there. */
  float x[2][3] = {{0, 0, 0}, {1, 1, 1}}, y[1][3] = {{0, 0, 0}}, b[1] = {2};
  float out[2];
  CHECK(gauss(2, 1, &x[0][0], 6, &y[0][0], 3, b, 1, out, 2) == KRED_OK);
  CHECK(fabsf(out[0] - 2.0f) < 1e-6f && fabsf(out[1] - 2.0f * expf(-3)) < 1e-6f);
  /* A short buffer is refused before anything runs. */
  out[0] = out[1] = -1;
  CHECK(gauss(2, 1, &x[0][0], 5, &y[0][0], 3, b, 1, out, 2) ==
        KRED_ERR_INVALID_ARGUMENT);
  CHECK(strstr(kred_last_error(), "argument 0 (Vi, dim 3) is too short"));
  CHECK(out[0] == -1 && out[1] == -1);
  printf("cpu OK\n");

  /* Device pointers are only checked as (aligned) addresses. */
  float *dx = (float *)0x10000, *dy = (float *)0x20000, *db = (float *)0x30000;
  float *dout = (float *)0x40000;
  double *ddx = (double *)0x50000, *ddy = (double *)0x60000;
  int64_t *didx = (int64_t *)0x70000;

  if (strcmp(argv[1], "nodevice") == 0) {
    CHECK(gauss_gpu(4, 5, dx, 12, dy, 15, db, 5, dout, 4, NULL) ==
          KRED_ERR_NO_DEVICE);
    printf("gauss_gpu: %s\n", kred_last_error());
    CHECK(nn2_gpu(4, 5, ddx, 12, ddy, 15, didx, 8, NULL) ==
          KRED_ERR_NO_DEVICE);
    printf("nn2_gpu: %s\n", kred_last_error());
    /* The sizes are checked before the device is looked for. */
    CHECK(nn2_gpu(4, 5, ddx, 12, ddy, 15, didx, 7, NULL) ==
          KRED_ERR_INVALID_ARGUMENT);
    printf("nn2_gpu short: %s\n", kred_last_error());
    return 0;
  }
  if (strcmp(argv[1], "fake") != 0)
    return 2;

  /* The fake driver: device 0 is sm_90, device 1 sm_86. Loaded here first
   * (the runtime's dlopen then finds the same library) to configure it. */
  const char *path = getenv("KRED_LIBCUDA_PATH");
  void *fake = path ? dlopen(path, RTLD_NOW | RTLD_GLOBAL) : NULL;
  CHECK(fake != NULL);
  void (*configure)(int, const int *, const int *, int) =
      (void (*)(int, const int *, const int *, int))dlsym(fake,
                                                          "fakecuda_configure");
  const void *(*last_image)(void) =
      (const void *(*)(void))dlsym(fake, "fakecuda_last_module_image");
  CHECK(configure != NULL && last_image != NULL);
  const int sm[] = {90, 86};
  configure(2, sm, NULL, 0);
  CHECK(kred_gpu_available() == 2);

  /* The fake's modules have no NAME_gpu function (real PTX does not list
   * its parameters the fake's way): the launch fails after loading the
   * module, which is the image the runtime chose. */
  kred_gpu_launch_options opts = {0, NULL, 0, NULL, 0};
  int status = gauss_gpu(4, 5, dx, 12, dy, 15, db, 5, dout, 4, &opts);
  printf("gauss_gpu on sm_90: status %d: %s\n", status, kred_last_error());
  CHECK(status != KRED_OK);
  /* With cubins the runtime tries the sm_90 cubin first and, when it fails,
   * falls back to the sm_90 PTX: the last module loaded is that PTX. */
  const kred_gpu_image *want = find_image(gauss_gpu_kernel(), 90, 0);
  CHECK(want != NULL && last_image() == want->data);
  CHECK(!gauss_cubin || strstr(kred_last_error(), "after its cubin failed"));
  printf("sm_90 device: loaded the sm_90 %s\n",
         gauss_cubin ? "cubin, then PTX" : "PTX");

  opts.device = 1;
  status = gauss_gpu(4, 5, dx, 12, dy, 15, db, 5, dout, 4, &opts);
  CHECK(status != KRED_OK);
  want = find_image(gauss_gpu_kernel(), 80, 0);
  CHECK(want != NULL && last_image() == want->data);
  printf("sm_86 device: loaded the sm_80 PTX\n");

  /* nn2 has sm_90 images only: nothing for sm_86. */
  status = nn2_gpu(4, 5, ddx, 12, ddy, 15, didx, 8, &opts);
  printf("nn2_gpu on sm_86: status %d: %s\n", status, kred_last_error());
  CHECK(status == KRED_ERR_UNSUPPORTED);
  opts.device = 0;
  status = nn2_gpu(4, 5, ddx, 12, ddy, 15, didx, 8, &opts);
  CHECK(status != KRED_OK);
  want = find_image(nn2_gpu_kernel(), 90, 0);
  CHECK(want != NULL && last_image() == want->data);
  CHECK(!nn2_cubin || strstr(kred_last_error(), "after its cubin failed"));
  printf("fake OK\n");
  return 0;
}
