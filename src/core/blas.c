#include "core/blas.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Set in the environment of the restarted program: the core OpenBLAS had
 * chosen before the restart, for the note. */
#define CVX_BLAS_RESTART_VAR "CVXNN_BLAS_RESTARTED_FROM"

static char cvx_blas_note[256];
static char cvx_blas_fallback[64];

int CvxBlasCoreLevel(const char *corename)
{
  /* OpenBLAS 0.3.21's x86-64 DYNAMIC_ARCH cores, by the widest instruction
   * set their double-precision kernels use. */
  static const struct {
    const char *name;
    int         level;
  } table[] = {
    {"Katmai", CVX_BLAS_LEVEL_SSE},         {"Coppermine", CVX_BLAS_LEVEL_SSE},
    {"Northwood", CVX_BLAS_LEVEL_SSE},      {"Prescott", CVX_BLAS_LEVEL_SSE},
    {"Banias", CVX_BLAS_LEVEL_SSE},         {"Atom", CVX_BLAS_LEVEL_SSE},
    {"Core2", CVX_BLAS_LEVEL_SSE},          {"Penryn", CVX_BLAS_LEVEL_SSE},
    {"Dunnington", CVX_BLAS_LEVEL_SSE},     {"Nehalem", CVX_BLAS_LEVEL_SSE},
    {"Athlon", CVX_BLAS_LEVEL_SSE},         {"Opteron", CVX_BLAS_LEVEL_SSE},
    {"Opteron_SSE3", CVX_BLAS_LEVEL_SSE},   {"Barcelona", CVX_BLAS_LEVEL_SSE},
    {"Nano", CVX_BLAS_LEVEL_SSE},           {"Sandybridge", CVX_BLAS_LEVEL_AVX},
    {"Bulldozer", CVX_BLAS_LEVEL_AVX},      {"Piledriver", CVX_BLAS_LEVEL_AVX},
    {"Steamroller", CVX_BLAS_LEVEL_AVX},    {"Haswell", CVX_BLAS_LEVEL_AVX2},
    {"Excavator", CVX_BLAS_LEVEL_AVX2},     {"Zen", CVX_BLAS_LEVEL_AVX2},
    {"SkylakeX", CVX_BLAS_LEVEL_AVX512},    {"Cooperlake", CVX_BLAS_LEVEL_AVX512},
    {"SapphireRapids", CVX_BLAS_LEVEL_AVX512},
  };

  if (!corename) return CVX_BLAS_LEVEL_UNKNOWN;
  for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); ++k)
    if (!strcasecmp(corename, table[k].name)) return table[k].level;
  return CVX_BLAS_LEVEL_UNKNOWN;
}

int CvxBlasCpuLevel(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl"))
    return CVX_BLAS_LEVEL_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CVX_BLAS_LEVEL_AVX2;
  if (__builtin_cpu_supports("avx")) return CVX_BLAS_LEVEL_AVX;
  return CVX_BLAS_LEVEL_SSE;
#else
  return CVX_BLAS_LEVEL_UNKNOWN;
#endif
}

const char *CvxBlasCoreUpgrade(const char *corename, int cpu_level)
{
  int level = CvxBlasCoreLevel(corename);

  /* Only a fallback OpenBLAS clearly made is replaced: a known SSE or AVX
   * choice on a CPU with AVX2 and FMA. An AVX2 choice on an AVX-512 CPU is
   * left alone, since OpenBLAS makes it on purpose on some models. */
  if (level == CVX_BLAS_LEVEL_UNKNOWN || level >= CVX_BLAS_LEVEL_AVX2) return NULL;
  if (cpu_level == CVX_BLAS_LEVEL_AVX512) return "SkylakeX";
  if (cpu_level == CVX_BLAS_LEVEL_AVX2) return "Haswell";
  return NULL;
}

int CvxBlasCoreBelow(const char *corename, int cpu_level)
{
  int level = CvxBlasCoreLevel(corename);
  return level != CVX_BLAS_LEVEL_UNKNOWN && level < cpu_level && cpu_level >= CVX_BLAS_LEVEL_AVX2;
}

const char *CvxBlasCoreName(void)
{
  return openblas_get_corename();
}

const char *CvxBlasConfig(void)
{
  return openblas_get_config();
}

int CvxBlasDynamic(void)
{
  const char *config = CvxBlasConfig();
  return config && strstr(config, "DYNAMIC_ARCH");
}

void CvxBlasCoreSelect(char **argv)
{
  const char *from   = getenv(CVX_BLAS_RESTART_VAR);
  const char *keep   = getenv("CVXNN_BLAS_CORE");
  const char *forced = getenv("OPENBLAS_CORETYPE");
  const char *core   = CvxBlasCoreName();
  const char *want;

  cvx_blas_note[0]     = 0;
  cvx_blas_fallback[0] = 0;
  if (from) {
    /* This is the restarted program. */
    snprintf(cvx_blas_fallback, sizeof(cvx_blas_fallback), "%s", from);
    snprintf(cvx_blas_note, sizeof(cvx_blas_note),
             "OpenBLAS chose its %s kernels for this CPU (a model it does not know); restarted with "
             "OPENBLAS_CORETYPE=%s, now using %s (CVXNN_BLAS_CORE=keep keeps OpenBLAS's choice)",
             from, getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "?", core ? core : "?");
    unsetenv(CVX_BLAS_RESTART_VAR);
    return;
  }
  if (forced) {
    /* The user's choice stands; say so when it leaves the CPU's widest
     * instructions unused (on a Zen 5 EPYC, OPENBLAS_CORETYPE=Haswell runs
     * dgemm at 49 GFlop/s per core against 74 with the SkylakeX kernels). */
    int have = CvxBlasCpuLevel();
    if (CvxBlasDynamic() && CvxBlasCoreBelow(core, have))
      snprintf(cvx_blas_note, sizeof(cvx_blas_note),
               "OPENBLAS_CORETYPE=%s in the environment selects %s kernels, below this CPU's %s; "
               "dense products may run much slower (unset it to let the program choose)",
               forced, core, have == CVX_BLAS_LEVEL_AVX512 ? "AVX-512" : "AVX2");
    return;
  }
  if (keep && !strcasecmp(keep, "keep")) return;
  if (!CvxBlasDynamic()) return;
  want = CvxBlasCoreUpgrade(core, CvxBlasCpuLevel());
  if (!want || !argv || !argv[0]) return;
  if (setenv("OPENBLAS_CORETYPE", want, 1) || setenv(CVX_BLAS_RESTART_VAR, core, 1)) return;
  fflush(NULL);
  execv("/proc/self/exe", argv);
  /* Only reached when the restart failed: go on with OpenBLAS's choice. */
  unsetenv("OPENBLAS_CORETYPE");
  unsetenv(CVX_BLAS_RESTART_VAR);
  snprintf(cvx_blas_note, sizeof(cvx_blas_note),
           "OpenBLAS chose its %s kernels for this CPU (a model it does not know) and the restart with "
           "OPENBLAS_CORETYPE=%s failed; dense products may run several times slower "
           "(set OPENBLAS_CORETYPE=%s in the job's environment)",
           core, want, want);
}

const char *CvxBlasCoreFallback(void)
{
  return cvx_blas_fallback[0] ? cvx_blas_fallback : NULL;
}

const char *CvxBlasCoreNote(void)
{
  return cvx_blas_note[0] ? cvx_blas_note : NULL;
}

void CvxBlasCorePrint(MPI_Comm comm, FILE *fp)
{
  int rank = 0;

  MPI_Comm_rank(comm, &rank);
  if (rank) return;
  fprintf(fp, "BLAS: %s, kernels %s\n", CvxBlasConfig(), CvxBlasCoreName());
  if (CvxBlasCoreNote()) fprintf(fp, "BLAS: %s\n", CvxBlasCoreNote());
}
