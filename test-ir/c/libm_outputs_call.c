/* libm_outputs.c with modf and modff left libm calls (-fno-builtin, in
 * kernels.toml's c_flags). */
#define MODF_SINCOS modf_sincos_call
#define MODFF_SINCOSF modff_sincosf_call
#include "libm_outputs.c"
