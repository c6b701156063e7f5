/* The sample method: patterns of Gaussian directions, computed a block of
 * directions at a time with one dgemm.
 *
 * Directions are grouped into blocks of B consecutive indices (B depends
 * only on n) and the ranks split the blocks, so every block, and therefore
 * every floating-point operation of every pattern, is the same for any
 * number of ranks. */
#include "arrangements/arrangements_impl.h"

#include "core/rng.h"

#include <cblas.h>
#include <string.h>

/* Directions per block: X G takes about 256 KB (so it stays in cache while
 * it is packed), between 8 and 1024 columns. */
static PetscInt BlockSize(PetscInt n)
{
  PetscInt b = (PetscInt)((32 * 1024) / n);
  return PetscMax(8, PetscMin(1024, b));
}

/* Packs bit i = 1[c[i] >= 0] of the column c (length n) into p. The sign
 * bit decides, and an exact zero must count as >= 0: an exact cancellation
 * gives +0.0 (round to nearest), and -0.0 needs every product of the row to
 * vanish, which for Gaussian directions means a zero row of X (those rows
 * are set from the mask `zero`) or entries so tiny (subnormal) that their
 * products underflow, where the sign carries no information anyway. */
static void PackColumn(const double *c, PetscInt n, PetscInt words, const uint64_t *zero, uint64_t *p)
{
  for (PetscInt w = 0; w < words; w++) {
    const double *cw  = c + 64 * w;
    PetscInt      lim = PetscMin(64, n - 64 * w);
    uint64_t      neg = 0;
    if (lim == 64) {
      for (int b = 0; b < 64; b += 8) { /* eight independent sign bits at a time */
        uint64_t u[8];
        memcpy(u, cw + b, sizeof(u));
        uint64_t byte = (u[0] >> 63) | ((u[1] >> 63) << 1) | ((u[2] >> 63) << 2) | ((u[3] >> 63) << 3) |
                        ((u[4] >> 63) << 4) | ((u[5] >> 63) << 5) | ((u[6] >> 63) << 6) | ((u[7] >> 63) << 7);
        neg |= byte << b;
      }
      p[w] = ~neg | zero[w];
    } else {
      for (PetscInt b = 0; b < lim; b++) {
        uint64_t u;
        memcpy(&u, cw + b, sizeof(u));
        neg |= (u >> 63) << b;
      }
      p[w] = (~neg & ((1ull << lim) - 1)) | zero[w];
    }
  }
}

PetscErrorCode CvxArrangementSampleLocal(MPI_Comm comm, PetscInt n, PetscInt d, const double *X, uint64_t seed,
                                         int64_t samples, PetscInt limit, int64_t *m, uint64_t **pat,
                                         PetscBool *dropped)
{
  PetscMPIInt     size, rank;
  const PetscInt  B = BlockSize(n), words = (n + 63) / 64;
  const int64_t   nblocks = (samples + B - 1) / B;
  int64_t         b0, b1;
  double         *G, *C;
  uint64_t       *p, *zero, *hashes;
  CvxPatternTable table;
  CvxRng          rng;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  b0 = (nblocks / size) * rank + PetscMin((int64_t)rank, nblocks % size);
  b1 = b0 + nblocks / size + (rank < nblocks % size ? 1 : 0);
  PetscCall(PetscMalloc4((size_t)d * B, &G, (size_t)n * B, &C, (size_t)words * B, &p, (size_t)B, &hashes));
  PetscCall(PetscCalloc1((size_t)words, &zero));
  for (PetscInt i = 0; i < n; i++) {
    PetscBool z = PETSC_TRUE;
    for (PetscInt c = 0; c < d && z; c++)
      if (X[i + (size_t)c * n] != 0.0) z = PETSC_FALSE;
    if (z) zero[i >> 6] |= 1ull << (i & 63);
  }
  PetscCall(CvxPatternTableCreate(words, limit, &table));
  for (int64_t blk = b0; blk < b1; blk++) {
    const int64_t k0 = blk * B;
    const int     kb = (int)PetscMin((int64_t)B, samples - k0);
    for (int j = 0; j < kb; j++) {
      CvxRngInit(&rng, seed, CVX_STREAM_ARRANGEMENT, (uint64_t)(k0 + j), 0);
      CvxRngNormals(&rng, d, G + (size_t)j * d);
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, kb, (int)d, 1.0, X, (int)n, G, (int)d, 0.0, C, (int)n);
    for (int j = 0; j < kb; j++) PackColumn(C + (size_t)j * n, n, words, zero, p + (size_t)j * words);
    PetscCall(CvxPatternTableInsertMany(&table, kb, p, hashes));
  }
  PetscCall(PetscFree4(G, C, p, hashes));
  PetscCall(PetscFree(zero));
  PetscCall(CvxPatternTableTake(&table, m, pat, dropped));
  PetscFunctionReturn(0);
}
