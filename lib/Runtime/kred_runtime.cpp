// Placeholder: the CPU runtime lands with the CPU code generation issue.
#include "kred_runtime.h"
size_t kred_dtype_size(int dtype) {
  switch (dtype) {
  case KRED_F32: return 4;
  case KRED_F64: return 8;
  case KRED_F16: case KRED_BF16: return 2;
  default: return 0;
  }
}
