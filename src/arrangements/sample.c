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

/* Directions per block: about 4 MB of X G, between 1 and 1024 columns. */
static PetscInt BlockSize(PetscInt n)
{
  PetscInt b = (PetscInt)((512 * 1024) / n);
  return PetscMax(1, PetscMin(1024, b));
}

/* Packs bit i = 1[c[i] >= 0] of the column c (length n) into p. */
static void PackColumn(const double *c, PetscInt n, PetscInt words, uint64_t *p)
{
  for (PetscInt w = 0; w < words; w++) {
    const double *cw  = c + 64 * w;
    PetscInt      lim = PetscMin(64, n - 64 * w);
    uint64_t      acc = 0;
    for (PetscInt b = 0; b < lim; b++) acc |= (uint64_t)(cw[b] >= 0.0) << b;
    p[w] = acc;
  }
}

PetscErrorCode CvxArrangementSampleLocal(MPI_Comm comm, PetscInt n, PetscInt d, const double *X, uint64_t seed,
                                         int64_t samples, PetscInt limit, int64_t *m, uint64_t **pat)
{
  PetscMPIInt     size, rank;
  const PetscInt  B = BlockSize(n), words = (n + 63) / 64;
  const int64_t   nblocks = (samples + B - 1) / B;
  int64_t         b0, b1;
  double         *G, *C;
  uint64_t       *p;
  CvxPatternTable table;
  CvxRng          rng;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  b0 = (nblocks / size) * rank + PetscMin((int64_t)rank, nblocks % size);
  b1 = b0 + nblocks / size + (rank < nblocks % size ? 1 : 0);
  PetscCall(PetscMalloc3((size_t)d * B, &G, (size_t)n * B, &C, (size_t)words, &p));
  PetscCall(CvxPatternTableCreate(words, limit, &table));
  for (int64_t blk = b0; blk < b1; blk++) {
    const int64_t k0 = blk * B;
    const int     kb = (int)PetscMin((int64_t)B, samples - k0);
    for (int j = 0; j < kb; j++) {
      CvxRngInit(&rng, seed, CVX_STREAM_ARRANGEMENT, (uint64_t)(k0 + j), 0);
      CvxRngNormals(&rng, d, G + (size_t)j * d);
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, kb, (int)d, 1.0, X, (int)n, G, (int)d, 0.0, C, (int)n);
    for (int j = 0; j < kb; j++) {
      PackColumn(C + (size_t)j * n, n, words, p);
      PetscCall(CvxPatternTableInsert(&table, p));
    }
  }
  PetscCall(PetscFree3(G, C, p));
  PetscCall(CvxPatternTableTake(&table, m, pat));
  PetscFunctionReturn(0);
}
