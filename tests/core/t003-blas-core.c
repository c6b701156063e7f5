/* OpenBLAS kernel choice (src/core/blas.c).
 *
 * Usage: t003-blas-core MODE ARG...
 *   auto:   nothing set; after CvxBlasCoreSelect the kernels in use must not
 *           be a fallback below the CPU's level (on a CPU this OpenBLAS does
 *           not know, that holds only through the restart), and the
 *           arguments must survive the restart unchanged;
 *   keep:   CVXNN_BLAS_CORE=keep; no restart, no note, OPENBLAS_CORETYPE unset;
 *   forced: OPENBLAS_CORETYPE=Haswell; the user's choice is kept, with a
 *           note when the kernels in use are below the CPU's level (on an
 *           AVX-512 CPU).
 * auto and keep run with OPENBLAS_CORETYPE removed from the environment.
 * Every mode also checks the tables. Runs under mpiexec too: MPI_Init follows
 * the selection, as in the program. */
#include "core/blas.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int failures;

#define CHECK(cond)                                                                \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "t003-blas-core: %s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                                  \
    }                                                                              \
  } while (0)

static int SameName(const char *a, const char *b)
{
  return a && b && !strcasecmp(a, b);
}

static void CheckTables(void)
{
  static const char *const names[] = {"Prescott", "Core2", "Nehalem", "Sandybridge", "Haswell", "Zen", "SkylakeX"};
  static const int         levels[] = {CVX_BLAS_LEVEL_SSE,  CVX_BLAS_LEVEL_SSE,  CVX_BLAS_LEVEL_SSE,   CVX_BLAS_LEVEL_AVX,
                                       CVX_BLAS_LEVEL_AVX2, CVX_BLAS_LEVEL_AVX2, CVX_BLAS_LEVEL_AVX512};

  for (int k = 0; k < 7; ++k) CHECK(CvxBlasCoreLevel(names[k]) == levels[k]);
  CHECK(CvxBlasCoreLevel("prescott") == CVX_BLAS_LEVEL_SSE);
  CHECK(CvxBlasCoreLevel("NoSuchCore") == CVX_BLAS_LEVEL_UNKNOWN);
  CHECK(CvxBlasCoreLevel(NULL) == CVX_BLAS_LEVEL_UNKNOWN);

  /* A fallback below AVX2 is replaced by the CPU's level ... */
  CHECK(SameName(CvxBlasCoreUpgrade("Prescott", CVX_BLAS_LEVEL_AVX512), "SkylakeX"));
  CHECK(SameName(CvxBlasCoreUpgrade("Prescott", CVX_BLAS_LEVEL_AVX2), "Haswell"));
  CHECK(SameName(CvxBlasCoreUpgrade("Sandybridge", CVX_BLAS_LEVEL_AVX512), "SkylakeX"));
  CHECK(SameName(CvxBlasCoreUpgrade("Nehalem", CVX_BLAS_LEVEL_AVX2), "Haswell"));
  /* ... and every replacement is a core of the CPU's own level. */
  for (int cpu = CVX_BLAS_LEVEL_SSE; cpu <= CVX_BLAS_LEVEL_AVX512; ++cpu) {
    const char *up = CvxBlasCoreUpgrade("Prescott", cpu);
    if (up) CHECK(CvxBlasCoreLevel(up) == cpu);
  }
  /* Nothing to gain, a deliberate choice, or a name not in the table. */
  CHECK(!CvxBlasCoreUpgrade("Prescott", CVX_BLAS_LEVEL_SSE));
  CHECK(!CvxBlasCoreUpgrade("Sandybridge", CVX_BLAS_LEVEL_AVX));
  CHECK(!CvxBlasCoreUpgrade("Haswell", CVX_BLAS_LEVEL_AVX512));
  CHECK(!CvxBlasCoreUpgrade("Zen", CVX_BLAS_LEVEL_AVX2));
  CHECK(!CvxBlasCoreUpgrade("SkylakeX", CVX_BLAS_LEVEL_AVX512));
  CHECK(!CvxBlasCoreUpgrade("NoSuchCore", CVX_BLAS_LEVEL_AVX512));
  CHECK(!CvxBlasCoreUpgrade(NULL, CVX_BLAS_LEVEL_AVX512));
  CHECK(!CvxBlasCoreUpgrade("Prescott", CVX_BLAS_LEVEL_UNKNOWN));

  /* Kernels below the CPU's level, for the note on a forced choice. */
  CHECK(CvxBlasCoreBelow("Haswell", CVX_BLAS_LEVEL_AVX512));
  CHECK(CvxBlasCoreBelow("Prescott", CVX_BLAS_LEVEL_AVX2));
  CHECK(!CvxBlasCoreBelow("Haswell", CVX_BLAS_LEVEL_AVX2));
  CHECK(!CvxBlasCoreBelow("SkylakeX", CVX_BLAS_LEVEL_AVX512));
  CHECK(!CvxBlasCoreBelow("Prescott", CVX_BLAS_LEVEL_AVX));
  CHECK(!CvxBlasCoreBelow("NoSuchCore", CVX_BLAS_LEVEL_AVX512));
  CHECK(!CvxBlasCoreBelow(NULL, CVX_BLAS_LEVEL_AVX512));
}

int main(int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";
  int         rank = 0;

  CvxBlasCoreSelect(argv);
  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) return 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  CheckTables();
  if (!strcmp(mode, "auto")) {
    /* The arguments as meson passes them (see tests/core/meson.build). */
    CHECK(argc == 5);
    if (argc == 5) {
      CHECK(!strcmp(argv[2], "two words"));
      CHECK(!strcmp(argv[3], ""));
      CHECK(!strcmp(argv[4], "--x=1"));
    }
    CHECK(!CvxBlasCoreUpgrade(CvxBlasCoreName(), CvxBlasCpuLevel()));
    if (CvxBlasCoreNote()) CHECK(getenv("OPENBLAS_CORETYPE") != NULL);
    /* a restart (a note, and OPENBLAS_CORETYPE set by it) names the
     * kernels it replaced, and they were a fallback */
    if (CvxBlasCoreNote() && getenv("OPENBLAS_CORETYPE")) CHECK(CvxBlasCoreFallback() != NULL);
    if (CvxBlasCoreFallback()) {
      CHECK(CvxBlasCoreNote() != NULL);
      CHECK(CvxBlasCoreUpgrade(CvxBlasCoreFallback(), CvxBlasCpuLevel()) != NULL);
    }
  } else if (!strcmp(mode, "keep")) {
    CHECK(!CvxBlasCoreNote());
    CHECK(!CvxBlasCoreFallback());
    CHECK(!getenv("OPENBLAS_CORETYPE"));
  } else if (!strcmp(mode, "forced")) {
    /* no restart; a note only when the forced kernels are below the CPU */
    CHECK(!CvxBlasCoreFallback());
    int dynamic = CvxBlasDynamic();
    CHECK(!CvxBlasCoreNote() == !(dynamic && CvxBlasCoreBelow(CvxBlasCoreName(), CvxBlasCpuLevel())));
    /* on an AVX-512 CPU with Debian's library the forced Haswell kernels
     * are below the CPU: the note must be there */
    if (dynamic && CvxBlasCpuLevel() == CVX_BLAS_LEVEL_AVX512) CHECK(CvxBlasCoreNote() != NULL);
    if (CvxBlasCoreNote()) CHECK(strstr(CvxBlasCoreNote(), "OPENBLAS_CORETYPE=Haswell") != NULL);
    CHECK(SameName(getenv("OPENBLAS_CORETYPE"), "Haswell"));
    if (CvxBlasCpuLevel() >= CVX_BLAS_LEVEL_AVX2) CHECK(SameName(CvxBlasCoreName(), "Haswell"));
  } else {
    fprintf(stderr, "t003-blas-core: unknown mode '%s'\n", mode);
    failures++;
  }
  if (rank == 0) {
    printf("mode %s: CPU level %d, kernels %s\n", mode, CvxBlasCpuLevel(), CvxBlasCoreName());
    if (CvxBlasCoreNote()) printf("%s\n", CvxBlasCoreNote());
  }
  MPI_Finalize();
  return failures ? 1 : 0;
}
