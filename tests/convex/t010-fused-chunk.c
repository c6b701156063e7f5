/* The fused slack iteration's chunk width (CvxAdmmFusedBytesFor,
 * CvxAdmmFusedChunk): 256 kB buffers with OpenBLAS's AVX-512 cores, which
 * have a small-matrix path, 2 MB with every other core and with names the
 * table does not know; the chunk is bytes / (16 n) patterns, at most the
 * local patterns and at least 1, and follows the core OpenBLAS loaded.
 * When X (n x d) is larger than ADMM_FUSED_STREAM_X, the buffers take
 * ADMM_FUSED_BYTES_STREAM. CvxAdmmSidesGemm gives the same products in one
 * call or two, CvxAdmmThinGemm by dgemv or dgemm. Prints only on failure. */
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
  CHECK(CvxAdmmFusedChunk(2000, 51, 500) == want, "n 2000, 500 patterns: chunk %d, expected %d",
        (int)CvxAdmmFusedChunk(2000, 51, 500), (int)want);
  CHECK(want == 8 || want == 65, "n 2000: chunk %d, expected 8 or 65", (int)want);
  CHECK(CvxAdmmFusedChunk(2000, 51, 3) == 3, "3 local patterns: chunk %d", (int)CvxAdmmFusedChunk(2000, 51, 3));
  CHECK(CvxAdmmFusedChunk(100000000, 1, 500) == 1, "n 1e8: chunk %d", (int)CvxAdmmFusedChunk(100000000, 1, 500));
  /* X of 246 MB (the CIFAR two-class size): streamed, wide chunks */
  PetscInt wide_c = (PetscInt)(ADMM_FUSED_BYTES_STREAM / (2 * sizeof(double) * 10000));
  CHECK(CvxAdmmFusedChunk(10000, 3073, 25) == 25, "n 10000, d 3073, 25 patterns: chunk %d, expected 25",
        (int)CvxAdmmFusedChunk(10000, 3073, 25));
  CHECK(CvxAdmmFusedChunk(10000, 3073, 5000) == wide_c, "n 10000, d 3073, 5000 patterns: chunk %d, expected %d",
        (int)CvxAdmmFusedChunk(10000, 3073, 5000), (int)wide_c);
  /* X of exactly the threshold stays with the cache-sized chunk */
  PetscInt nt = 4096, dt = (PetscInt)(ADMM_FUSED_STREAM_X / (sizeof(double) * 4096));
  CHECK(CvxAdmmFusedChunk(nt, dt, 5000) == (PetscInt)(bytes / (2 * sizeof(double) * 4096)),
        "n %d, d %d (X at the threshold): chunk %d", (int)nt, (int)dt, (int)CvxAdmmFusedChunk(nt, dt, 5000));

  /* one product or two: the same columns */
  {
    int     m = 7, k = 5, cc = 3;
    double  X[35], B[2 * 5 * 3], C1[2 * 7 * 3], C2[2 * 7 * 3], Cv[7 * 3], Cw[7 * 3];
    for (int s = 0; s < 35; s++) X[s] = 0.1 * (s % 11) - 0.4;
    for (int s = 0; s < 30; s++) B[s] = 0.05 * (s % 7) + 0.01 * s;
    CvxAdmmSidesGemm(CblasNoTrans, m, cc, k, 2.0, X, m, B, B + cc * k, k, C1, C1 + cc * m, m);
    /* the same sides, not adjacent in C: two products */
    CvxAdmmSidesGemm(CblasNoTrans, m, cc, k, 2.0, X, m, B, B + cc * k, k, Cv, Cw, m);
    memcpy(C2, Cv, sizeof(Cv));
    memcpy(C2 + cc * m, Cw, sizeof(Cw));
    double err = 0, ref = 0;
    for (int j = 0; j < 2 * cc; j++)
      for (int i = 0; i < m; i++) {
        double s = 0;
        for (int l = 0; l < k; l++) s += X[i + l * m] * B[l + j * k];
        ref = PetscMax(ref, fabs(2.0 * s));
        err = PetscMax(err, fabs(C1[i + j * m] - 2.0 * s) + fabs(C2[i + j * m] - 2.0 * s));
      }
    CHECK(ref > 0 && err <= 1e-13 * ref, "CvxAdmmSidesGemm: error %g against %g", err, ref);
    /* transposed: X^T B with X k x m */
    double Ct[2 * 5 * 3], Bt[2 * 7 * 3];
    for (int s = 0; s < 42; s++) Bt[s] = 0.03 * (s % 5) - 0.02;
    CvxAdmmSidesGemm(CblasTrans, k, cc, m, 1.0, X, m, Bt, Bt + cc * m, m, Ct, Ct + cc * k, k);
    err = 0;
    for (int j = 0; j < 2 * cc; j++)
      for (int i = 0; i < k; i++) {
        double s = 0;
        for (int l = 0; l < m; l++) s += X[l + i * m] * Bt[l + j * m];
        err = PetscMax(err, fabs(Ct[i + j * k] - s));
      }
    CHECK(err <= 1e-14, "CvxAdmmSidesGemm transposed: error %g", err);
  }

  /* CvxAdmmThinGemm: dgemv for one column (two with X transposed), dgemm
   * above; the same products either way */
  for (int ncol = 1; ncol <= 3; ncol++)
    for (int t = 0; t < 2; t++) {
      int             m = 6, k = 4, rows = t ? k : m, cols = t ? m : k;
      CBLAS_TRANSPOSE tr = t ? CblasTrans : CblasNoTrans;
      double          X[24], B[3 * 6], C[3 * 6], err = 0;
      for (int s = 0; s < rows * cols; s++) X[s] = 0.2 * (s % 9) - 0.7;
      for (int s = 0; s < 18; s++) B[s] = 0.1 * (s % 5) + 0.05;
      for (int s = 0; s < 18; s++) C[s] = NAN; /* beta 0: never read */
      CvxAdmmThinGemm(tr, m, ncol, k, -1.5, X, rows, B, k, C, m);
      for (int j = 0; j < ncol; j++)
        for (int i = 0; i < m; i++) {
          double sum = 0;
          for (int l = 0; l < k; l++) sum += (t ? X[l + i * rows] : X[i + l * rows]) * B[l + j * k];
          err = PetscMax(err, fabs(C[i + j * m] + 1.5 * sum));
        }
      CHECK(err <= 1e-14, "CvxAdmmThinGemm %s, %d columns: error %g", t ? "transposed" : "plain", ncol, err);
    }
  PetscCall(PetscFinalize());
  return failures != 0;
}
