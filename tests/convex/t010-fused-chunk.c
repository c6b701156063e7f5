/* The fused slack iteration's chunk width (CvxAdmmFusedBytesFor,
 * CvxAdmmFusedChunk): 256 kB buffers with OpenBLAS's AVX-512 cores, which
 * have a small-matrix path, 2 MB with every other core and with names the
 * table does not know; the chunk is bytes / (16 n) patterns, at most the
 * local patterns and at least 1, and follows the core OpenBLAS loaded.
 * Prints only on failure. */
#include "convex/admm_impl.h"

#include "../common/check.h"

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  static const char *small[] = {"SkylakeX", "Cooperlake", "SapphireRapids", "skylakex"};
  static const char *wide[]  = {"Zen", "Haswell", "Excavator", "Sandybridge", "Prescott", "NoSuchCore"};
  for (size_t k = 0; k < sizeof(small) / sizeof(small[0]); k++)
    CHECK(CvxAdmmFusedBytesFor(small[k]) == ((size_t)256 << 10), "%s: %zu bytes, expected 256 kB", small[k],
          CvxAdmmFusedBytesFor(small[k]));
  for (size_t k = 0; k < sizeof(wide) / sizeof(wide[0]); k++)
    CHECK(CvxAdmmFusedBytesFor(wide[k]) == ((size_t)2048 << 10), "%s: %zu bytes, expected 2 MB", wide[k],
          CvxAdmmFusedBytesFor(wide[k]));
  CHECK(CvxAdmmFusedBytesFor(NULL) == ((size_t)2048 << 10), "no core name: expected 2 MB");

  /* the chunk follows the loaded core */
  size_t   bytes = CvxAdmmFusedBytes();
  PetscInt want  = (PetscInt)(bytes / (2 * sizeof(double) * 2000));
  CHECK(bytes == CvxAdmmFusedBytesFor(CvxBlasCoreName()), "loaded core %s: %zu bytes", CvxBlasCoreName(), bytes);
  CHECK(CvxAdmmFusedChunk(2000, 500) == want, "n 2000, 500 patterns: chunk %d, expected %d",
        (int)CvxAdmmFusedChunk(2000, 500), (int)want);
  CHECK(want == 8 || want == 65, "n 2000: chunk %d, expected 8 or 65", (int)want);
  CHECK(CvxAdmmFusedChunk(2000, 3) == 3, "3 local patterns: chunk %d", (int)CvxAdmmFusedChunk(2000, 3));
  CHECK(CvxAdmmFusedChunk(100000000, 500) == 1, "n 1e8: chunk %d", (int)CvxAdmmFusedChunk(100000000, 500));
  PetscCall(PetscFinalize());
  return failures != 0;
}
