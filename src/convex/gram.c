/* The n x n coupling system K = (Z Z^T) o (Dmat Dmat^T) of the ADMM u-step
 * and its solves (sigma I + tau K) x = b. See gram.h.
 *
 * C = Dmat Dmat^T counts, for each pair of samples, the patterns containing
 * both. Each rank unpacks its local patterns into dense 0/1 column blocks
 * (GRAM_CHUNK_BYTES at a time) and accumulates their products with BLAS;
 * the ranks' contributions are then summed. C holds small integers, so its
 * sum is exact and the same on every rank whatever the reduction order.
 *
 * Memory per rank (doubles of 8 bytes; Pl = local patterns, P = all):
 *   replicated: n^2 (K) + an n^2 scratch while K and a prepared shift's
 *               inverse are formed (2 n^2 in all: 256 MB at n = 4000), one
 *               unpacked chunk of at most GRAM_CHUNK_BYTES, and O(n)
 *               besides K; a prepared shift (CvxGramPrepare) keeps
 *               n^2 / ranks (its rows of the inverse). A solve at another
 *               shift adds n^2 (Q) and, while dsyevd runs, its workspace
 *               1 + 6n + 2n^2.
 *   scalapack:  all P packed patterns, P * n / 8 bytes (allgathered so each
 *               rank can form its own blocks of C: 4 MB for P = 8000,
 *               n = 4000); the local block of K, n^2 / ranks, plus as
 *               much for a prepared shift (the local block of the inverse)
 *               and, while K is formed, the rows and columns of Z that
 *               its blocks need (n k / nprow + n k / npcol) and a panel of
 *               Z Z^T (n / nprow x GRAM_PANEL). A solve at another
 *               shift adds the local Q, n^2 / ranks, and, while pdsyevd
 *               runs, a copy of K and its workspace (about 2 n^2 / ranks).
 *   cg:         the local packed patterns (Pl * n / 8 bytes), three n x k
 *               matrices (Z, diag(x) Z, an accumulator) and an unpacked 0/1
 *               chunk of n x c doubles with k x c beside it, where
 *               c = min(Pl, GRAM_CHUNK_BYTES / (8 n)): O(n (c + k)), never
 *               n^2. Each product with K costs 4 n k Pl flops per rank in
 *               GEMMs and one sum of an n-vector over the ranks.
 *
 * Patterns are unpacked in chunks of at most GRAM_CHUNK_BYTES; the option
 * -gram_chunk_columns N caps a chunk at N patterns (tests use it to run the
 * multi-chunk loops at small sizes); -gram_panel_columns N sets the width
 * of the GEMM panels of the scalapack path (default GRAM_PANEL). The cg path reads its KSP options with
 * the prefix gram_ (e.g. -gram_ksp_monitor).
 *
 * Every rank ends a Solve with bit-identical x: the dense paths replicate
 * results whose entries each have a single owner (the sum with zeros is
 * exact), and the cg path sums its products on one rank and broadcasts them,
 * so every rank runs the same CG iteration on the same numbers.
 */
#include "convex/gram.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/lapack.h"
#include "core/simd.h"
#include "core/timer.h"

#include <petscksp.h>

/* BLACS and ScaLAPACK have no C header: the routines used here. Fortran
 * routines take every argument by pointer; character arguments carry a
 * hidden length, passed last. */
int  Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *context, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int context);
void Cblacs_exit(int notdone);
int  numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb, const int *irsrc,
               const int *icsrc, const int *ictxt, const int *lld, int *info);
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, double *w, double *z, const int *iz, const int *jz, const int *descz, double *work,
              const int *lwork, int *iwork, const int *liwork, int *info, size_t jobz_len, size_t uplo_len);
void pdgemv_(const char *trans, const int *m, const int *n, const double *alpha, const double *a, const int *ia,
             const int *ja, const int *desca, const double *x, const int *ix, const int *jx, const int *descx,
             const int *incx, const double *beta, double *y, const int *iy, const int *jy, const int *descy,
             const int *incy, size_t trans_len);
void pdsymv_(const char *uplo, const int *n, const double *alpha, const double *a, const int *ia, const int *ja,
             const int *desca, const double *x, const int *ix, const int *jx, const int *descx, const int *incx,
             const double *beta, double *y, const int *iy, const int *jy, const int *descy, const int *incy,
             size_t uplo_len);
void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja, const int *desca, int *info,
              size_t uplo_len);
void pdpotri_(const char *uplo, const int *n, double *a, const int *ia, const int *ja, const int *desca, int *info,
              size_t uplo_len);
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k, const double *alpha,
             const double *a, const int *ia, const int *ja, const int *desca, const double *b, const int *ib,
             const int *jb, const int *descb, const double *beta, double *c, const int *ic, const int *jc,
             const int *descc, size_t transa_len, size_t transb_len);

/* Set once a BLACS grid has been created on this rank (for Cblacs_exit). */
static PetscBool gram_blacs_used = PETSC_FALSE;

/* Largest unpacked 0/1 pattern block held at once. */
#define GRAM_CHUNK_BYTES ((size_t)32 << 20)

/* Columns of C formed per GEMM on the scalapack path (rounded to blocks). */
#define GRAM_PANEL 512

/* The replicated path stores n^2 doubles and hands 1 + 6n + 2n^2 to dsyevd
 * as a 32-bit integer: n must stay below this. */
#define GRAM_REPLICATED_LIMIT 32767

struct _p_CvxGram {
  MPI_Comm       comm; /* duplicate of set->comm, owned */
  PetscMPIInt    rank, size;
  CvxGramPath    path; /* resolved (never AUTO) */
  CvxGramOptions opt;
  PetscInt       n, k;
  double        *lambda; /* eigenvalues of K, ascending, clamped at 0 (dense paths, once eig is set) */
  PetscBool      eig;    /* the eigendecomposition of K has been computed (dense paths; only solves at a
                            shift other than the prepared one need it) */
  double        *t;      /* length n scratch */

  /* replicated */
  double *K;                /* n x n, both triangles */
  double *Q;                /* n x n eigenvectors (once eig is set) */
  int    *rcounts, *rdispls; /* rows of the products computed by each rank */
  double *Minv;              /* (msigma I + mtau K)^{-1} (NULL: none): on one rank n x n, on several this rank's
                                columns pc0..pc1-1 of its lower triangle, packed (column j: rows j..n-1) */
  int     pc0, pc1;          /* packed columns of Minv on this rank (split so that the ranks hold equal shares) */
  double  msigma, mtau;      /* the shift prepared in Minv (replicated) or Mloc (scalapack) */

  /* scalapack */
  PetscBool grid;                /* a BLACS grid is held */
  int       blacs_handle, ctxt;  /* system handle of comm, grid context */
  int       nprow, npcol, myrow, mycol, nb, mloc, nloc;
  int       descQ[9], descv[9];  /* n x n matrix; n x 1 vector in process column 0 */
  PetscInt *rows, *cols;         /* global indices of the local rows / columns */
  double   *Kloc;                /* local block of K, mloc x nloc (the lower triangle is what is used) */
  double   *Qloc;                /* local block of the eigenvectors, mloc x nloc (once eig is set) */
  double   *Mloc;                /* local block of (msigma I + mtau K)^{-1} (NULL: none prepared) */
  double   *vb, *vt, *vx;        /* local pieces of n x 1 vectors, max(1, mloc) */

  /* cg */
  uint64_t *bits;      /* local patterns (copy) */
  PetscInt  Pl, words; /* local pattern count, words per pattern */
  PetscInt  chunk;     /* patterns per unpacked chunk */
  double   *Z;         /* n x k (copy) */
  PetscBool cached;    /* D holds all local patterns, unpacked once */
  double   *D, *W;     /* chunk buffers: n x chunk (0/1), k x chunk */
  double   *Zx, *U;    /* n x k: diag(x) Z and the accumulated D W^T */
  double   *diagK;     /* diagonal of K */
  double   *ysum;      /* length n, local partial products */
  double    sigma, tau; /* the operator sigma I + tau K of the KSP */
  Mat       A;
  KSP       ksp;
  Vec       xv, bv;
};

PetscErrorCode CvxGramOptionsSetDefaults(CvxGramOptions *opt)
{
  PetscFunctionBeginUser;
  PetscCheck(opt, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "gram.c: CvxGramOptionsSetDefaults needs an options struct");
  opt->path             = CVX_GRAM_AUTO;
  opt->replicated_max_n = 4000;
  opt->block_size       = 64;
  opt->cg_rtol          = 1e-12;
  opt->cg_max_it        = 1000;
  PetscFunctionReturn(0);
}

static const char *GramPathName(CvxGramPath path)
{
  switch (path) {
  case CVX_GRAM_AUTO: return "auto";
  case CVX_GRAM_REPLICATED: return "replicated";
  case CVX_GRAM_SCALAPACK: return "scalapack";
  case CVX_GRAM_CG: return "cg";
  }
  return "unknown";
}

/* Cap on the columns of an unpacked chunk from the options database
 * (-gram_chunk_columns N; 0 or absent: the byte budget alone decides). */
static PetscErrorCode GramChunkCap(PetscInt *cap)
{
  PetscFunctionBeginUser;
  *cap = 0;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-gram_chunk_columns", cap, NULL));
  if (*cap < 0) *cap = 0;
  PetscFunctionReturn(0);
}

/* Columns of an unpacked chunk of `rows` rows: at most `total` and `cap`
 * (when cap > 0), at least 1. */
static PetscInt GramChunkColumns(PetscInt rows, PetscInt total, PetscInt cap)
{
  size_t cols = GRAM_CHUNK_BYTES / (sizeof(double) * (size_t)(rows > 0 ? rows : 1));
  if (cap > 0 && (size_t)cap < cols) cols = (size_t)cap;
  if (cols < 1) cols = 1;
  if ((size_t)total < cols) cols = (size_t)(total > 0 ? total : 1);
  return (PetscInt)cols;
}

/* Unpacks patterns [0, ncols) of `bits` (each `words` 64-bit words) into the
 * dense 0/1 block D (m x ncols, column-major): row r of D is sample rows[r],
 * or sample r when rows is NULL. */
static void GramUnpack(const uint64_t *bits, PetscInt words, PetscInt ncols, PetscInt m, const PetscInt *rows,
                       double *D)
{
  for (PetscInt j = 0; j < ncols; j++) {
    const uint64_t *p   = bits + (size_t)j * (size_t)words;
    double         *col = D + (size_t)j * (size_t)m;
    if (rows) {
      for (PetscInt r = 0; r < m; r++) {
        PetscInt i = rows[r];
        col[r]     = (double)((p[i / 64] >> (i % 64)) & 1u);
      }
    } else {
      for (PetscInt i = 0; i < m; i++) col[i] = (double)((p[i / 64] >> (i % 64)) & 1u);
    }
  }
}

/* Checks the set, Z and the options and resolves the path. Input errors are
 * raised with CVX_ERR_INPUT on every rank: the options and Z are identical
 * on every rank, and the local ranges are checked together (they must tile
 * [0, P) in rank order, as the arrangement module splits them). Collective. */
static PetscErrorCode GramCheckArguments(MPI_Comm comm, const CvxArrangementSet *set, PetscInt k, const double *Z,
                                         const CvxGramOptions *opt, CvxGramPath *path)
{
  PetscMPIInt size, rank;
  PetscInt64  mine[3], *ranges;
  int         bad = -1;

  PetscFunctionBeginUser;
  PetscCheck(set->n >= 1, comm, CVX_ERR_INPUT, "gram.c: pattern set has n = %d samples, need n >= 1", (int)set->n);
  PetscCheck(set->words == (set->n + 63) / 64, comm, CVX_ERR_INPUT,
             "gram.c: pattern set has %d words per pattern, expected (n + 63) / 64 = %d", (int)set->words,
             (int)((set->n + 63) / 64));
  PetscCheck(set->P >= 0, comm, CVX_ERR_INPUT, "gram.c: pattern set has P = %d", (int)set->P);
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  mine[0] = set->rstart;
  mine[1] = set->rend;
  mine[2] = (set->rend > set->rstart && !set->bits) ? 1 : 0;
  PetscCall(PetscMalloc1(3 * (size_t)size, &ranges));
  PetscCallMPI(MPI_Allgather(mine, 3, MPIU_INT64, ranges, 3, MPIU_INT64, comm));
  for (PetscMPIInt r = 0; r < size && bad < 0; r++) {
    PetscInt64 lo = ranges[3 * r], hi = ranges[3 * r + 1], prev = r ? ranges[3 * r - 2] : 0;
    if (lo != prev || hi < lo || hi > set->P || ranges[3 * r + 2] || (r == size - 1 && hi != set->P)) bad = r;
  }
  if (bad >= 0) {
    PetscInt64 lo = ranges[3 * bad], hi = ranges[3 * bad + 1];
    PetscCall(PetscFree(ranges));
    SETERRQ(comm, CVX_ERR_INPUT,
            "gram.c: rank %d holds patterns [%lld, %lld) of P = %d%s: the ranks' ranges must tile [0, P) in order",
            (int)bad, (long long)lo, (long long)hi, (int)set->P, hi > lo ? " (or has no bits)" : "");
  }
  PetscCall(PetscFree(ranges));
  PetscCheck(k >= 1, comm, CVX_ERR_INPUT, "gram.c: Z has k = %d columns, need k >= 1", (int)k);
  PetscCheck(Z, comm, CVX_ERR_INPUT, "gram.c: Z is NULL");
  PetscCheck((size_t)set->n * (size_t)k <= ((size_t)1 << 40), comm, CVX_ERR_INPUT,
             "gram.c: Z of %d x %d is too large", (int)set->n, (int)k);
  PetscCheck(opt, comm, CVX_ERR_INPUT, "gram.c: options are NULL (use CvxGramOptionsSetDefaults)");

  switch (opt->path) {
  case CVX_GRAM_AUTO:
    PetscCheck(opt->replicated_max_n >= 0, comm, CVX_ERR_INPUT,
               "gram.c: replicated_max_n = %d must be >= 0", (int)opt->replicated_max_n);
    *path = set->n <= opt->replicated_max_n ? CVX_GRAM_REPLICATED : CVX_GRAM_SCALAPACK;
    break;
  case CVX_GRAM_REPLICATED:
  case CVX_GRAM_SCALAPACK:
  case CVX_GRAM_CG: *path = opt->path; break;
  default: SETERRQ(comm, CVX_ERR_INPUT, "gram.c: unknown path %d", (int)opt->path);
  }
  if (*path == CVX_GRAM_REPLICATED)
    PetscCheck(set->n <= GRAM_REPLICATED_LIMIT, comm, CVX_ERR_INPUT,
               "gram.c: the replicated path handles n <= %d, got n = %d (use scalapack or cg)",
               GRAM_REPLICATED_LIMIT, (int)set->n);
  if (*path == CVX_GRAM_SCALAPACK) {
    PetscCheck(opt->block_size >= 1, comm, CVX_ERR_INPUT, "gram.c: scalapack block_size = %d must be >= 1",
               (int)opt->block_size);
    PetscCheck((PetscInt64)set->P * set->words <= PETSC_MPI_INT_MAX, comm, CVX_ERR_INPUT,
               "gram.c: the scalapack path gathers all P * words = %lld pattern words, more than an MPI count "
               "allows (use cg)",
               (long long)((PetscInt64)set->P * set->words));
  }
  if (*path == CVX_GRAM_CG) {
    PetscCheck(opt->cg_rtol > 0 && opt->cg_rtol < 1, comm, CVX_ERR_INPUT,
               "gram.c: cg_rtol = %g must lie in (0, 1)", opt->cg_rtol);
    PetscCheck(opt->cg_max_it >= 1, comm, CVX_ERR_INPUT, "gram.c: cg_max_it = %d must be >= 1",
               (int)opt->cg_max_it);
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- replicated */

/* Accumulates the local part of C = Dmat Dmat^T (lower triangle) into C. */
static PetscErrorCode GramLocalCountsReplicated(const CvxArrangementSet *set, double *C)
{
  PetscInt Pl = set->rend - set->rstart, n = set->n;
  double  *D;

  PetscFunctionBeginUser;
  if (Pl == 0) PetscFunctionReturn(0);
  PetscInt cap;
  PetscCall(GramChunkCap(&cap));
  PetscInt cols = GramChunkColumns(n, Pl, cap);
  PetscCall(PetscMalloc1((size_t)n * (size_t)cols, &D));
  for (PetscInt j0 = 0; j0 < Pl; j0 += cols) {
    PetscInt nc = PetscMin(cols, Pl - j0);
    GramUnpack(set->bits + (size_t)j0 * (size_t)set->words, set->words, nc, n, NULL, D);
    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int)n, (int)nc, 1.0, D, (int)n, 1.0, C, (int)n);
  }
  PetscCall(PetscFree(D));
  PetscFunctionReturn(0);
}

static PetscErrorCode GramCreateReplicated(CvxGram g, const CvxArrangementSet *set, const double *Z)
{
  PetscInt n = g->n;
  int      nn = (int)n;
  double  *A, *W;
  size_t   nsq = (size_t)n * (size_t)n;

  PetscFunctionBeginUser;
  double t0 = CvxWallTime(), t1, t2;
  PetscCall(PetscCalloc1(nsq, &A));
  PetscCall(GramLocalCountsReplicated(set, A));
  t1 = CvxWallTime();
  /* Counts are integers below 2^53: the sum is exact on every rank. */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, A, (int)nsq, MPI_DOUBLE, MPI_SUM, g->comm));
  t2 = CvxWallTime();

  /* K = (Z Z^T) o C on the lower triangle (Z Z^T in a scratch), then
   * mirrored: rows of K are read as columns by the products */
  PetscCall(PetscMalloc1(nsq, &W));
  cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, nn, (int)g->k, 1.0, Z, nn, 0.0, W, nn);
  for (size_t j = 0; j < (size_t)n; j++)
    for (size_t i = j; i < (size_t)n; i++) {
      A[i + j * n] *= W[i + j * n];
      A[j + i * n] = A[i + j * n];
    }
  PetscCall(PetscFree(W));
  PetscCall(PetscInfo(NULL, "replicated n = %d: local counts %.3f s, allreduce %.3f s, K %.3f s\n", nn, t1 - t0,
                      t2 - t1, CvxWallTime() - t2));
  g->K = A;
  PetscFunctionReturn(0);
}

/* Marks the eigendecomposition done, its eigenvalues clamped at 0 (K is
 * PSD: rounding leaves tiny negatives). */
static void GramEigDone(CvxGram g)
{
  for (PetscInt i = 0; i < g->n; i++)
    if (!(g->lambda[i] > 0)) g->lambda[i] = 0;
  g->eig = PETSC_TRUE;
}

/* The eigendecomposition K = Q diag(lambda) Q^T (dsyevd, lambda clamped
 * at 0), on first need: a solve at a shift other than the prepared one.
 * Local (every rank computes the same). */
static PetscErrorCode GramReplicatedEig(CvxGram g)
{
  int    nn = (int)g->n, info = 0, lwork = -1, liwork = -1, iq = 0;
  double wq = 0, *work;
  int   *iwork;
  size_t nsq = (size_t)g->n * (size_t)g->n;

  PetscFunctionBeginUser;
  if (g->eig) PetscFunctionReturn(0);
  double t0 = CvxWallTime();
  PetscCall(PetscMalloc1(nsq, &g->Q));
  memcpy(g->Q, g->K, nsq * sizeof(double));
  dsyevd_("V", "L", &nn, g->Q, &nn, g->lambda, &wq, &lwork, &iq, &liwork, &info, 1, 1);
  CvxCheckInfo(PETSC_COMM_SELF, "dsyevd (workspace query)", info);
  lwork  = (int)wq;
  liwork = iq;
  PetscCall(PetscMalloc1((size_t)lwork, &work));
  PetscCall(PetscMalloc1((size_t)liwork, &iwork));
  dsyevd_("V", "L", &nn, g->Q, &nn, g->lambda, work, &lwork, iwork, &liwork, &info, 1, 1);
  CvxCheckInfo(PETSC_COMM_SELF, "dsyevd", info);
  PetscCall(PetscFree(work));
  PetscCall(PetscFree(iwork));
  GramEigDone(g);
  PetscCall(PetscInfo(NULL, "replicated n = %d: dsyevd %.3f s\n", nn, CvxWallTime() - t0));
  PetscFunctionReturn(0);
}

/* Minv = (sigma I + tau K)^{-1} from a Cholesky factor: dpotrf and dpotri,
 * n^3 flops on every rank, and an n x n scratch while it is formed. On one
 * rank it is kept whole; on several, each rank keeps its share of the
 * columns of the lower triangle (GramPackedColumns), so that a product reads
 * n^2 / (2 p) entries per rank instead of the n^2 / p of whole rows. *ok is
 * false (and nothing is prepared) when the factorization finds the matrix
 * not numerically positive definite. Local (every rank decides the same). */
static PetscErrorCode GramReplicatedPrepare(CvxGram g, double sigma, double tau, PetscBool *ok)
{
  int     n = (int)g->n, info = 0;
  size_t  nsq = (size_t)n * (size_t)n;
  double *M;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nsq, &M));
  for (size_t i = 0; i < nsq; i++) M[i] = tau * g->K[i];
  for (int i = 0; i < n; i++) M[i + (size_t)i * n] += sigma;
  dpotrf_("L", &n, M, &n, &info, 1);
  PetscCheck(info >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "gram.c: dpotrf: argument %d is invalid", -info);
  PetscCall(PetscFree(g->Minv));
  *ok = (PetscBool)(info == 0);
  if (!*ok) {
    PetscCall(PetscFree(M));
    PetscFunctionReturn(0);
  }
  dpotri_("L", &n, M, &n, &info, 1);
  CvxCheckInfo(PETSC_COMM_SELF, "dpotri", info);
  if (g->size == 1) {
    /* dsymv reads the lower triangle */
    g->Minv = M;
    PetscFunctionReturn(0);
  }
  size_t cnt = 0, pos = 0;
  for (int j = g->pc0; j < g->pc1; j++) cnt += (size_t)(n - j);
  PetscCall(PetscMalloc1(cnt + 1, &g->Minv));
  for (int j = g->pc0; j < g->pc1; j++) {
    memcpy(g->Minv + pos, M + j + (size_t)j * n, (size_t)(n - j) * sizeof(double));
    pos += (size_t)(n - j);
  }
  PetscCall(PetscFree(M));
  PetscFunctionReturn(0);
}

/* The columns [pc0, pc1) of the lower triangle of an n x n matrix that
 * this rank keeps: rank r starts at the first column where the entries
 * before it reach r / p of the triangle's. Local. */
static void GramPackedColumns(CvxGram g)
{
  PetscInt64 n = g->n, total = n * (n + 1) / 2, before = 0;
  int        r = g->rank, p = g->size;
  g->pc0 = g->pc1 = (int)n;
  for (PetscInt64 j = 0; j < n; j++) {
    if (g->pc0 == n && before * p >= total * r) g->pc0 = (int)j;
    if (before * p >= total * (r + 1)) {
      g->pc1 = (int)j;
      break;
    }
    before += n - j;
  }
  if (g->pc1 < g->pc0) g->pc1 = g->pc0;
}

/* t += M b for the symmetric M whose lower-triangle columns [c0, c1) are
 * packed in P (column j: rows j..n-1): column j adds its dot product with
 * b to t_j and b_j times itself to t below j, reading each entry once. */
CVX_SIMD_CLONES static void GramPackedKernel(int n, int c0, int c1, const double *P, const double *b, double *t)
{
  for (int j = c0; j < c1; j++) {
    const double *col = P + 1, *bb = b + j + 1;
    double       *tt = t + j + 1, bj = b[j], s = P[0] * bj;
    int           len = n - j - 1;
#pragma omp simd reduction(+ : s)
    for (int i = 0; i < len; i++) {
      s += col[i] * bb[i];
      tt[i] += bj * col[i];
    }
    t[j] += s;
    P += n - j;
  }
}

/* x = Minv b on several ranks: each rank's packed columns give a partial
 * product, one Allreduce of n doubles sums them (x may alias b).
 * Collective. */
static PetscErrorCode GramPackedProduct(CvxGram g, const double *b, double *x)
{
  PetscFunctionBeginUser;
  memset(g->t, 0, (size_t)g->n * sizeof(double));
  GramPackedKernel((int)g->n, g->pc0, g->pc1, g->Minv, b, g->t);
  PetscCallMPI(MPI_Allreduce(g->t, x, (int)g->n, MPI_DOUBLE, MPI_SUM, g->comm));
  PetscFunctionReturn(0);
}

/* Whether a solve at (sigma, tau) can use the inverse M prepared by
 * CvxGramPrepare (NULL: none). */
static PetscBool GramPreparedAt(CvxGram g, const double *M, double sigma, double tau)
{
  return (PetscBool)(M && sigma == g->msigma && tau == g->mtau);
}

/* x = M b for a symmetric M given by this rank's columns r0..r0+m
 * (n x m, leading dimension n; the whole matrix on one rank, where dsymv
 * reads one triangle), x on every rank (x may alias b): each rank forms
 * its m entries, one Allgather assembles them. Collective. */
static PetscErrorCode GramReplicatedRows(CvxGram g, const double *M, const double *b, double *x)
{
  int n = (int)g->n, r0 = g->rdispls[g->rank], m = g->rcounts[g->rank];

  PetscFunctionBeginUser;
  if (g->size == 1) {
    /* dsymv may not alias: x = b goes through t */
    cblas_dsymv(CblasColMajor, CblasLower, n, 1.0, M, n, b, 1, 0.0, g->t, 1);
    memcpy(x, g->t, (size_t)n * sizeof(double));
  } else {
    if (m > 0) cblas_dgemv(CblasColMajor, CblasTrans, n, m, 1.0, M, n, b, 1, 0.0, g->t + r0, 1);
    /* b is no longer read: x may alias it */
    if (m > 0) memcpy(x + r0, g->t + r0, (size_t)m * sizeof(double));
    PetscCallMPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, x, g->rcounts, g->rdispls, MPI_DOUBLE, g->comm));
  }
  PetscFunctionReturn(0);
}

/* x = (sigma I + tau K)^{-1} b (inverse) or K b, on every rank (x may
 * alias b). K b reads the rank's n^2 / p entries of K once
 * (GramReplicatedRows), a solve at the prepared shift its share of Minv's
 * lower triangle, n^2 / (2 p) entries (GramPackedProduct; on one rank
 * dsymv reads the triangle). A solve at another
 * shift goes through the eigendecomposition (computed on first need):
 * x = Q diag(1 / (sigma + tau lambda)) Q^T b, each rank forming its block
 * of rows of Q^T b and then of Q t, with two Allgathers of n doubles, so
 * that every rank reads 2 n^2 / p entries of Q. Collective. */
static PetscErrorCode GramReplicatedProduct(CvxGram g, double sigma, double tau, PetscBool inverse, const double *b,
                                            double *x)
{
  int n = (int)g->n, r0 = g->rdispls[g->rank], m = g->rcounts[g->rank];

  PetscFunctionBeginUser;
  if (!inverse) {
    PetscCall(GramReplicatedRows(g, g->size == 1 ? g->K : g->K + (size_t)r0 * n, b, x));
    PetscFunctionReturn(0);
  }
  if (GramPreparedAt(g, g->Minv, sigma, tau)) {
    if (g->size == 1) PetscCall(GramReplicatedRows(g, g->Minv, b, x));
    else PetscCall(GramPackedProduct(g, b, x));
    PetscFunctionReturn(0);
  }
  PetscCall(GramReplicatedEig(g));
  if (m > 0) {
    cblas_dgemv(CblasColMajor, CblasTrans, n, m, 1.0, g->Q + (size_t)r0 * n, n, b, 1, 0.0, g->t + r0, 1);
    for (int i = r0; i < r0 + m; i++) g->t[i] /= sigma + tau * g->lambda[i];
  }
  if (g->size > 1)
    PetscCallMPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, g->t, g->rcounts, g->rdispls, MPI_DOUBLE, g->comm));
  /* b is no longer read: x may alias it */
  if (m > 0) cblas_dgemv(CblasColMajor, CblasNoTrans, m, n, 1.0, g->Q + r0, n, g->t, 1, 0.0, x + r0, 1);
  if (g->size > 1)
    PetscCallMPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, x, g->rcounts, g->rdispls, MPI_DOUBLE, g->comm));
  PetscFunctionReturn(0);
}

/* ----------------------------------------------------------------- scalapack */

/* Global index of local row (or column) l of a block-cyclic distribution
 * with block nb over np processes, this process at coordinate p, source 0. */
static PetscInt GramGlobalIndex(int l, int nb, int p, int np)
{
  return ((PetscInt)(l / nb) * np + p) * nb + l % nb;
}

/* All ranks' packed patterns, in global order, on every rank. */
static PetscErrorCode GramAllgatherPatterns(CvxGram g, const CvxArrangementSet *set, uint64_t **all)
{
  int       *counts, *displs, local;
  PetscInt64 total = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(g->size, &counts, g->size, &displs));
  local = (int)((set->rend - set->rstart) * set->words);
  PetscCallMPI(MPI_Allgather(&local, 1, MPI_INT, counts, 1, MPI_INT, g->comm));
  for (int r = 0; r < g->size; r++) {
    displs[r] = (int)total;
    total += counts[r];
  }
  PetscCheck(total == (PetscInt64)set->P * set->words, g->comm, PETSC_ERR_PLIB,
             "gram.c: the ranks' pattern ranges hold %lld words, P * words = %lld", (long long)total,
             (long long)((PetscInt64)set->P * set->words));
  PetscCall(PetscMalloc1((size_t)total + 1, all));
  PetscCallMPI(MPI_Allgatherv(set->bits, local, MPI_UINT64_T, *all, counts, displs, MPI_UINT64_T, g->comm));
  PetscCall(PetscFree2(counts, displs));
  PetscFunctionReturn(0);
}

static PetscErrorCode GramCreateScalapack(CvxGram g, const CvxArrangementSet *set, const double *Z)
{
  int       n = (int)g->n, k = (int)g->k, izero = 0, ione = 1, info = 0, lld;
  int       nprow;
  double   *Cl, *Zr, *Zc, *Dr, *Dc, *ZZ;
  uint64_t *all;

  PetscFunctionBeginUser;
  /* Grid as square as possible: nprow the largest divisor <= sqrt(size). */
  nprow = (int)floor(sqrt((double)g->size));
  while (nprow > 1 && g->size % nprow) nprow--;
  if (nprow < 1) nprow = 1;
  g->blacs_handle = Csys2blacs_handle(g->comm);
  g->ctxt         = g->blacs_handle;
  Cblacs_gridinit(&g->ctxt, "Row", nprow, g->size / nprow);
  g->grid         = PETSC_TRUE;
  gram_blacs_used = PETSC_TRUE;
  Cblacs_gridinfo(g->ctxt, &g->nprow, &g->npcol, &g->myrow, &g->mycol);
  PetscCheck(g->myrow >= 0 && g->mycol >= 0 && g->nprow * g->npcol == g->size, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "gram.c: BLACS grid %d x %d on %d ranks: this rank is not on it", g->nprow, g->npcol, (int)g->size);

  g->nb   = (int)PetscMin(g->opt.block_size, (PetscInt)n);
  g->mloc = numroc_(&n, &g->nb, &g->myrow, &izero, &g->nprow);
  g->nloc = numroc_(&n, &g->nb, &g->mycol, &izero, &g->npcol);
  lld     = g->mloc > 1 ? g->mloc : 1;
  descinit_(g->descQ, &n, &n, &g->nb, &g->nb, &izero, &izero, &g->ctxt, &lld, &info);
  CvxCheckInfo(PETSC_COMM_SELF, "descinit (matrix)", info);
  descinit_(g->descv, &n, &ione, &g->nb, &ione, &izero, &izero, &g->ctxt, &lld, &info);
  CvxCheckInfo(PETSC_COMM_SELF, "descinit (vector)", info);

  size_t loc = (size_t)g->mloc * (size_t)g->nloc;
  PetscCall(PetscMalloc2(g->mloc + 1, &g->rows, g->nloc + 1, &g->cols));
  for (int l = 0; l < g->mloc; l++) g->rows[l] = GramGlobalIndex(l, g->nb, g->myrow, g->nprow);
  for (int l = 0; l < g->nloc; l++) g->cols[l] = GramGlobalIndex(l, g->nb, g->mycol, g->npcol);
  PetscCall(PetscCalloc3(lld, &g->vb, lld, &g->vt, lld, &g->vx));
  PetscCall(PetscCalloc1(loc + 1, &Cl));

  /* Local blocks of C = Dmat Dmat^T: rows and columns of the 0/1 panels. */
  double t0 = CvxWallTime(), t1;
  PetscCall(GramAllgatherPatterns(g, set, &all));
  t1 = CvxWallTime();
  if (loc > 0 && set->P > 0) {
    PetscInt cap;
    PetscCall(GramChunkCap(&cap));
    PetscInt chunk = GramChunkColumns(g->mloc + g->nloc, set->P, cap);
    PetscInt pcols = GRAM_PANEL;
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-gram_panel_columns", &pcols, NULL));
    int panel = g->nb * (int)PetscMax(1, pcols / g->nb);
    PetscCall(PetscMalloc2((size_t)g->mloc * chunk, &Dr, (size_t)g->nloc * chunk, &Dc));
    for (PetscInt j0 = 0; j0 < set->P; j0 += chunk) {
      PetscInt        nc = PetscMin(chunk, set->P - j0);
      const uint64_t *b  = all + (size_t)j0 * (size_t)set->words;
      GramUnpack(b, set->words, nc, g->mloc, g->rows, Dr);
      GramUnpack(b, set->words, nc, g->nloc, g->cols, Dc);
      /* the lower triangle is all that is read: per panel of local block
       * columns, the local rows from its first diagonal block down (rows
       * ascend globally). Panels of about GRAM_PANEL columns keep each GEMM
       * wide enough that repacking Dr does not dominate. */
      for (int c0 = 0, r0 = 0; c0 < g->nloc; c0 += panel) {
        int w = PetscMin(panel, g->nloc - c0);
        while (r0 < g->mloc && g->rows[r0] < g->cols[c0]) r0++;
        if (r0 == g->mloc) break;
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, g->mloc - r0, w, (int)nc, 1.0, Dr + r0, g->mloc,
                    Dc + c0, g->nloc, 1.0, Cl + r0 + (size_t)c0 * lld, lld);
      }
    }
    PetscCall(PetscFree2(Dr, Dc));
  }
  PetscCall(PetscFree(all));

  /* K = (Z Z^T) o C on the local blocks, Z Z^T by panels of GRAM_PANEL
   * columns in a scratch (an n^2 / p one would raise the setup's peak) */
  if (loc > 0) {
    int w0 = PetscMin(GRAM_PANEL, g->nloc);
    PetscCall(PetscMalloc2((size_t)g->mloc * k, &Zr, (size_t)g->nloc * k, &Zc));
    PetscCall(PetscMalloc1((size_t)g->mloc * w0, &ZZ));
    for (int c = 0; c < k; c++) {
      for (int l = 0; l < g->mloc; l++) Zr[l + (size_t)c * g->mloc] = Z[g->rows[l] + (size_t)c * n];
      for (int l = 0; l < g->nloc; l++) Zc[l + (size_t)c * g->nloc] = Z[g->cols[l] + (size_t)c * n];
    }
    /* Only the lower triangle is read (every ScaLAPACK call takes "L"), so
     * each panel's product starts at its first diagonal block, as C's did:
     * about half the n^2 k flops. The rows above it, strictly above the
     * diagonal in every column of the panel, are set to 0 (C's panels
     * differ in width and left some of them nonzero). */
    for (int c0 = 0, r0 = 0; c0 < g->nloc; c0 += w0) {
      int w = PetscMin(w0, g->nloc - c0);
      while (r0 < g->mloc && g->rows[r0] < g->cols[c0]) r0++;
      for (int c = 0; c < w; c++) memset(Cl + (size_t)(c0 + c) * lld, 0, (size_t)r0 * sizeof(double));
      if (r0 == g->mloc) continue;
      int m = g->mloc - r0;
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, m, w, k, 1.0, Zr + r0, g->mloc, Zc + c0, g->nloc, 0.0, ZZ,
                  m);
      for (int c = 0; c < w; c++)
        for (int l = 0; l < m; l++) Cl[r0 + l + (size_t)(c0 + c) * lld] *= ZZ[l + (size_t)c * m];
    }
    PetscCall(PetscFree(ZZ));
    PetscCall(PetscFree2(Zr, Zc));
  }
  g->Kloc = Cl;
  PetscCall(PetscInfo(NULL, "scalapack n = %d on %d x %d, block %d: allgather %.3f s, local K %.3f s\n", n, g->nprow,
                      g->npcol, g->nb, t1 - t0, CvxWallTime() - t1));
  PetscFunctionReturn(0);
}

/* The eigendecomposition of K (pdsyevd on a copy of Kloc, the eigenvalues
 * broadcast from rank 0 and clamped at 0), on first need: a solve at a
 * shift other than the prepared one. Collective. */
static PetscErrorCode GramScalapackEig(CvxGram g)
{
  int     n = (int)g->n, ione = 1, info = 0, lwork = -1, liwork = -1, iq = 0;
  double  wq = 0, *Cl, *work;
  int    *iwork;
  size_t  loc = (size_t)g->mloc * (size_t)g->nloc;

  PetscFunctionBeginUser;
  if (g->eig) PetscFunctionReturn(0);
  double t2 = CvxWallTime();
  PetscCall(PetscMalloc1(loc + 1, &Cl));
  if (loc > 0) memcpy(Cl, g->Kloc, loc * sizeof(double));
  PetscCall(PetscCalloc1(loc + 1, &g->Qloc));
  pdsyevd_("V", "L", &n, Cl, &ione, &ione, g->descQ, g->lambda, g->Qloc, &ione, &ione, g->descQ, &wq, &lwork, &iq,
           &liwork, &info, 1, 1);
  CvxCheckInfo(PETSC_COMM_SELF, "pdsyevd (workspace query)", info);
  PetscCheck(wq >= 1 && wq < (double)PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "gram.c: pdsyevd asks for a workspace of %g doubles", wq);
  lwork  = (int)wq;
  liwork = iq > 1 ? iq : 1;
  PetscCall(PetscMalloc2((size_t)lwork, &work, (size_t)liwork, &iwork));
  pdsyevd_("V", "L", &n, Cl, &ione, &ione, g->descQ, g->lambda, g->Qloc, &ione, &ione, g->descQ, work, &lwork, iwork,
           &liwork, &info, 1, 1);
  CvxCheckInfo(PETSC_COMM_SELF, "pdsyevd", info);
  PetscCall(PetscInfo(NULL, "scalapack n = %d: pdsyevd %.3f s\n", n, CvxWallTime() - t2));
  PetscCall(PetscFree2(work, iwork));
  PetscCall(PetscFree(Cl));
  /* Every rank holds all eigenvalues; take rank 0's so they are identical. */
  PetscCallMPI(MPI_Bcast(g->lambda, n, MPI_DOUBLE, 0, g->comm));
  GramEigDone(g);
  PetscFunctionReturn(0);
}

/* Mloc = the local block of the lower triangle of (sigma I + tau K)^{-1},
 * from a Cholesky factor: pdpotrf and pdpotri, n^3 / p flops. *ok as for
 * GramReplicatedPrepare (Mloc freed then). Collective. */
static PetscErrorCode GramScalapackPrepare(CvxGram g, double sigma, double tau, PetscBool *ok)
{
  int    n = (int)g->n, ione = 1, info = 0;
  size_t loc = (size_t)g->mloc * (size_t)g->nloc;

  PetscFunctionBeginUser;
  if (!g->Mloc) PetscCall(PetscCalloc1(loc + 1, &g->Mloc));
  for (size_t i = 0; i < loc; i++) g->Mloc[i] = tau * g->Kloc[i];
  for (int c = 0; c < g->nloc; c++)
    for (int l = 0; l < g->mloc; l++)
      if (g->rows[l] == g->cols[c]) g->Mloc[l + (size_t)c * g->mloc] += sigma;
  pdpotrf_("L", &n, g->Mloc, &ione, &ione, g->descQ, &info, 1);
  PetscCheck(info >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "gram.c: pdpotrf: argument %d is invalid", -info);
  /* info is global in ScaLAPACK; the reduction makes sure */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &info, 1, MPI_INT, MPI_MAX, g->comm));
  *ok = (PetscBool)(info == 0);
  if (!*ok) {
    PetscCall(PetscFree(g->Mloc));
    PetscFunctionReturn(0);
  }
  pdpotri_("L", &n, g->Mloc, &ione, &ione, g->descQ, &info, 1);
  CvxCheckInfo(PETSC_COMM_SELF, "pdpotri", info);
  PetscFunctionReturn(0);
}

/* x = (sigma I + tau K)^{-1} b (inverse) or K b, replicated on every rank
 * (x may alias b): K b and a solve at the prepared shift by one pdsymv
 * with Kloc or Mloc (lower triangles), a solve at another shift by two
 * pdgemv with the eigenvectors (computed on first need),
 * x = Q diag(1 / (sigma + tau lambda)) Q^T b. Collective. */
static PetscErrorCode GramScalapackProduct(CvxGram g, double sigma, double tau, PetscBool inverse, const double *b,
                                           double *x)
{
  int    n = (int)g->n, ione = 1;
  double one = 1, zero = 0;

  PetscFunctionBeginUser;
  PetscBool prepared = (PetscBool)(inverse && GramPreparedAt(g, g->Mloc, sigma, tau));
  if (inverse && !prepared) PetscCall(GramScalapackEig(g));
  if (g->mycol == 0)
    for (int l = 0; l < g->mloc; l++) g->vb[l] = b[g->rows[l]];
  if (!inverse || prepared) {
    pdsymv_("L", &n, &one, inverse ? g->Mloc : g->Kloc, &ione, &ione, g->descQ, g->vb, &ione, &ione, g->descv, &ione,
            &zero, g->vx, &ione, &ione, g->descv, &ione, 1);
  } else {
    pdgemv_("T", &n, &n, &one, g->Qloc, &ione, &ione, g->descQ, g->vb, &ione, &ione, g->descv, &ione, &zero, g->vt,
            &ione, &ione, g->descv, &ione, 1);
    if (g->mycol == 0)
      for (int l = 0; l < g->mloc; l++) g->vt[l] /= sigma + tau * g->lambda[g->rows[l]];
    pdgemv_("N", &n, &n, &one, g->Qloc, &ione, &ione, g->descQ, g->vt, &ione, &ione, g->descv, &ione, &zero, g->vx,
            &ione, &ione, g->descv, &ione, 1);
  }
  PetscCall(PetscArrayzero(g->t, g->n));
  if (g->mycol == 0)
    for (int l = 0; l < g->mloc; l++) g->t[g->rows[l]] = g->vx[l];
  /* One owner per entry: the sum is exact and the same on every rank. */
  PetscCallMPI(MPI_Allreduce(g->t, x, n, MPI_DOUBLE, MPI_SUM, g->comm));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------ cg */

/* out = sum over ranks of in, bit-identical on every rank (summed on rank 0,
 * then broadcast). Collective. */
static PetscErrorCode GramSumIdentical(CvxGram g, const double *in, double *out)
{
  PetscFunctionBeginUser;
  if (g->size == 1) {
    if (out != in) PetscCall(PetscArraycpy(out, in, g->n));
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Reduce(in, out, (int)g->n, MPI_DOUBLE, MPI_SUM, 0, g->comm));
  PetscCallMPI(MPI_Bcast(out, (int)g->n, MPI_DOUBLE, 0, g->comm));
  PetscFunctionReturn(0);
}

/* y = K x through the patterns. With w_j = Z^T (d_j o x) and
 * K x = sum_j d_j o (Z w_j), row i of K x is z_i . (sum_j d_ij w_j), so per
 * chunk of local patterns (D, n x c, 0/1):
 *     W = (diag(x) Z)^T D      (k x c),     U += D W^T      (n x k),
 * and y_i = z_i . U_i, then the sum over ranks: 4 n k c flops per chunk in
 * two GEMMs. The chunk is unpacked once at setup when all local patterns fit
 * in one, else at every product. Collective. */
static PetscErrorCode GramCGApplyK(CvxGram g, const double *x, double *y)
{
  PetscInt n = g->n, k = g->k;

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < k; c++)
    for (PetscInt i = 0; i < n; i++) g->Zx[i + c * n] = x[i] * g->Z[i + c * n];
  PetscCall(PetscArrayzero(g->U, (size_t)n * (size_t)k));
  for (PetscInt j0 = 0; j0 < g->Pl; j0 += g->chunk) {
    PetscInt nc = PetscMin(g->chunk, g->Pl - j0);
    if (!g->cached) GramUnpack(g->bits + (size_t)j0 * (size_t)g->words, g->words, nc, n, NULL, g->D);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)k, (int)nc, (int)n, 1.0, g->Zx, (int)n, g->D, (int)n,
                0.0, g->W, (int)k);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)nc, 1.0, g->D, (int)n, g->W, (int)k,
                1.0, g->U, (int)n);
  }
  for (PetscInt i = 0; i < n; i++) g->ysum[i] = 0;
  for (PetscInt c = 0; c < k; c++)
    for (PetscInt i = 0; i < n; i++) g->ysum[i] += g->Z[i + c * n] * g->U[i + c * n];
  PetscCall(GramSumIdentical(g, g->ysum, y));
  PetscFunctionReturn(0);
}

/* Shell operator y = sigma x + tau K x (the same on every rank). */
static PetscErrorCode GramCGMult(Mat A, Vec xv, Vec yv)
{
  CvxGram            g;
  const double      *x;
  double            *y;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &g));
  PetscCall(VecGetArrayRead(xv, &x));
  PetscCall(VecGetArray(yv, &y));
  PetscCall(GramCGApplyK(g, x, y));
  for (PetscInt i = 0; i < g->n; i++) y[i] = g->sigma * x[i] + g->tau * y[i];
  PetscCall(VecRestoreArray(yv, &y));
  PetscCall(VecRestoreArrayRead(xv, &x));
  PetscFunctionReturn(0);
}

/* Diagonal of sigma I + tau K, for the Jacobi preconditioner. */
static PetscErrorCode GramCGDiagonal(Mat A, Vec dv)
{
  CvxGram g;
  double *d;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &g));
  PetscCall(VecGetArray(dv, &d));
  for (PetscInt i = 0; i < g->n; i++) d[i] = g->sigma + g->tau * g->diagK[i];
  PetscCall(VecRestoreArray(dv, &d));
  PetscFunctionReturn(0);
}

static PetscErrorCode GramCreateCG(CvxGram g, const CvxArrangementSet *set, const double *Z)
{
  PetscInt n = g->n, k = g->k;
  PC       pc;

  PetscFunctionBeginUser;
  g->Pl    = set->rend - set->rstart;
  g->words = set->words;
  PetscCall(GramChunkCap(&g->chunk));
  g->chunk = GramChunkColumns(n, g->Pl, g->chunk);
  PetscCall(PetscMalloc1((size_t)g->Pl * (size_t)g->words + 1, &g->bits));
  if (g->Pl > 0) PetscCall(PetscArraycpy(g->bits, set->bits, (size_t)g->Pl * (size_t)g->words));
  PetscCall(PetscMalloc1((size_t)n * (size_t)k, &g->Z));
  PetscCall(PetscArraycpy(g->Z, Z, (size_t)n * (size_t)k));
  PetscCall(PetscMalloc2((size_t)n * (size_t)g->chunk, &g->D, (size_t)k * (size_t)g->chunk, &g->W));
  PetscCall(PetscMalloc2((size_t)n * (size_t)k, &g->Zx, (size_t)n * (size_t)k, &g->U));
  g->cached = g->Pl <= g->chunk ? PETSC_TRUE : PETSC_FALSE;
  if (g->cached) GramUnpack(g->bits, g->words, g->Pl, n, NULL, g->D);
  PetscCall(PetscMalloc2(n, &g->diagK, n, &g->ysum));

  /* diag K_ii = ||z_i||^2 C_ii; the counts C_ii sum exactly. */
  PetscCall(PetscArrayzero(g->ysum, n));
  for (PetscInt j = 0; j < g->Pl; j++) {
    const uint64_t *p = g->bits + (size_t)j * (size_t)g->words;
    for (PetscInt i = 0; i < n; i++) g->ysum[i] += (double)((p[i / 64] >> (i % 64)) & 1u);
  }
  PetscCallMPI(MPI_Allreduce(g->ysum, g->diagK, (int)n, MPI_DOUBLE, MPI_SUM, g->comm));
  for (PetscInt i = 0; i < n; i++) {
    double zz = 0;
    for (PetscInt c = 0; c < k; c++) zz += Z[i + c * n] * Z[i + c * n];
    g->diagK[i] *= zz;
  }

  /* A sequential KSP on every rank; the products sum over the ranks inside
   * the operator, so all ranks iterate identically. */
  g->sigma = 1;
  g->tau   = 0;
  PetscCall(MatCreateShell(PETSC_COMM_SELF, n, n, n, n, g, &g->A));
  PetscCall(MatShellSetOperation(g->A, MATOP_MULT, (void (*)(void))GramCGMult));
  PetscCall(MatShellSetOperation(g->A, MATOP_GET_DIAGONAL, (void (*)(void))GramCGDiagonal));
  PetscCall(MatSetOption(g->A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(g->A, MAT_SPD, PETSC_TRUE));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, n, &g->xv));
  PetscCall(VecDuplicate(g->xv, &g->bv));
  PetscCall(VecSet(g->xv, 0.0));
  PetscCall(KSPCreate(PETSC_COMM_SELF, &g->ksp));
  PetscCall(KSPSetOptionsPrefix(g->ksp, "gram_"));
  PetscCall(KSPSetType(g->ksp, KSPCG));
  PetscCall(KSPSetOperators(g->ksp, g->A, g->A));
  PetscCall(KSPGetPC(g->ksp, &pc));
  PetscCall(PCSetType(pc, PCJACOBI));
  PetscCall(KSPSetNormType(g->ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetTolerances(g->ksp, g->opt.cg_rtol, 0.0, PETSC_DEFAULT, (PetscInt)g->opt.cg_max_it));
  /* Warm start: each solve starts from the previous solution. */
  PetscCall(KSPSetInitialGuessNonzero(g->ksp, PETSC_TRUE));
  PetscCall(KSPSetFromOptions(g->ksp));
  PetscFunctionReturn(0);
}

/* Solves with CG; a solve that does not reach cg_rtol within cg_max_it
 * iterations (or breaks down) raises PETSC_ERR_NOT_CONVERGED on every rank. */
static PetscErrorCode GramCGSolve(CvxGram g, double sigma, double tau, const double *b, double *x)
{
  double            *a, bnorm = 0;
  KSPConvergedReason reason;
  PetscInt           its;
  PetscReal          rnorm;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < g->n; i++) bnorm += b[i] * b[i];
  if (tau == 0 || bnorm == 0) { /* nothing to iterate on */
    for (PetscInt i = 0; i < g->n; i++) x[i] = b[i] / sigma;
    PetscFunctionReturn(0);
  }
  if (sigma != g->sigma || tau != g->tau) {
    g->sigma = sigma;
    g->tau   = tau;
    /* The operator changed: assembling bumps its state, so the Jacobi
     * preconditioner is rebuilt at the next KSPSolve. */
    PetscCall(MatAssemblyBegin(g->A, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(g->A, MAT_FINAL_ASSEMBLY));
  }
  PetscCall(VecGetArray(g->bv, &a));
  PetscCall(PetscArraycpy(a, b, g->n));
  PetscCall(VecRestoreArray(g->bv, &a));
  PetscCall(KSPSolve(g->ksp, g->bv, g->xv));
  PetscCall(KSPGetConvergedReason(g->ksp, &reason));
  PetscCall(KSPGetIterationNumber(g->ksp, &its));
  PetscCall(KSPGetResidualNorm(g->ksp, &rnorm));
  if (reason < 0) {
    PetscCall(VecSet(g->xv, 0.0)); /* do not warm-start from a failed solve */
    SETERRQ(g->comm, PETSC_ERR_NOT_CONVERGED,
            "gram.c: CG on (sigma I + tau K), sigma = %g, tau = %g, did not converge: %s after %d iterations, "
            "residual %g, ||b|| %g, cg_rtol %g, cg_max_it %d",
            sigma, tau, KSPConvergedReasons[reason], (int)its, (double)rnorm, sqrt(bnorm), g->opt.cg_rtol,
            (int)g->opt.cg_max_it);
  }
  PetscCall(VecGetArray(g->xv, &a));
  PetscCall(PetscArraycpy(x, a, g->n));
  PetscCall(VecRestoreArray(g->xv, &a));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ public */

/* Builds the system for Z (n x k) and the distributed pattern set; see gram.h.
 * Collective on set->comm. Input errors (bad options, sizes) raise
 * CVX_ERR_INPUT on every rank. */
PetscErrorCode CvxGramCreate(const CvxArrangementSet *set, PetscInt k, const double *Z, const CvxGramOptions *opt,
                             CvxGram *gram)
{
  CvxGram     g;
  CvxGramPath path;

  PetscFunctionBeginUser;
  PetscCheck(set && gram, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "gram.c: CvxGramCreate needs a set and an output");
  *gram = NULL;
  PetscCall(GramCheckArguments(set->comm, set, k, Z, opt, &path));
  PetscCall(PetscNew(&g));
  PetscCallMPI(MPI_Comm_dup(set->comm, &g->comm));
  PetscCallMPI(MPI_Comm_rank(g->comm, &g->rank));
  PetscCallMPI(MPI_Comm_size(g->comm, &g->size));
  g->path = path;
  g->opt  = *opt;
  g->n    = set->n;
  g->k    = k;
  PetscCall(PetscMalloc1((size_t)g->n, &g->t));
  switch (path) {
  case CVX_GRAM_REPLICATED:
    PetscCall(PetscMalloc1((size_t)g->n, &g->lambda));
    PetscCall(GramCreateReplicated(g, set, Z));
    PetscCall(PetscMalloc2(g->size, &g->rcounts, g->size, &g->rdispls));
    for (int r = 0; r < g->size; r++) {
      g->rdispls[r] = (int)((PetscInt64)g->n * r / g->size);
      g->rcounts[r] = (int)((PetscInt64)g->n * (r + 1) / g->size) - g->rdispls[r];
    }
    GramPackedColumns(g);
    break;
  case CVX_GRAM_SCALAPACK:
    PetscCall(PetscMalloc1((size_t)g->n, &g->lambda));
    PetscCall(GramCreateScalapack(g, set, Z));
    break;
  case CVX_GRAM_CG: PetscCall(GramCreateCG(g, set, Z)); break;
  default: SETERRQ(g->comm, PETSC_ERR_PLIB, "gram.c: unresolved path %s", GramPathName(path));
  }
  *gram = g;
  PetscFunctionReturn(0);
}

/* Input checks of Solve and Prepare: sigma > 0 and tau >= 0, finite. */
static PetscErrorCode GramCheckShift(CvxGram gram, const char *caller, double sigma, double tau)
{
  PetscFunctionBeginUser;
  PetscCheck(gram, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "gram.c: %s on a NULL system", caller);
  PetscCheck(sigma > 0 && isfinite(sigma), gram->comm, CVX_ERR_INPUT, "gram.c: sigma = %g must be finite and > 0",
             sigma);
  PetscCheck(tau >= 0 && isfinite(tau), gram->comm, CVX_ERR_INPUT, "gram.c: tau = %g must be finite and >= 0", tau);
  PetscFunctionReturn(0);
}

/* x = (sigma I + tau K)^{-1} b on every rank; see gram.h. Collective on the
 * set's communicator. sigma > 0 and tau >= 0 (finite) or CVX_ERR_INPUT. The
 * dense paths are exact up to rounding at any (sigma, tau) for 4 n^2 flops
 * (spread over the ranks; 2 n^2 at a prepared shift).
 * The cg path iterates from the previous solution to ||b - A x|| <= cg_rtol
 * ||b||; when it cannot within cg_max_it iterations it raises
 * PETSC_ERR_NOT_CONVERGED on every rank (the system stays usable). */
PetscErrorCode CvxGramSolve(CvxGram gram, double sigma, double tau, const double *b, double *x)
{
  PetscFunctionBeginUser;
  PetscCall(GramCheckShift(gram, "CvxGramSolve", sigma, tau));
  switch (gram->path) {
  case CVX_GRAM_REPLICATED: PetscCall(GramReplicatedProduct(gram, sigma, tau, PETSC_TRUE, b, x)); break;
  case CVX_GRAM_SCALAPACK: PetscCall(GramScalapackProduct(gram, sigma, tau, PETSC_TRUE, b, x)); break;
  case CVX_GRAM_CG: PetscCall(GramCGSolve(gram, sigma, tau, b, x)); break;
  default: SETERRQ(gram->comm, PETSC_ERR_PLIB, "gram.c: path %s has no solve", GramPathName(gram->path));
  }
  PetscFunctionReturn(0);
}

/* See gram.h. Collective. */
PetscErrorCode CvxGramPrepare(CvxGram gram, double sigma, double tau)
{
  PetscFunctionBeginUser;
  PetscCall(GramCheckShift(gram, "CvxGramPrepare", sigma, tau));
  if (gram->path == CVX_GRAM_CG) PetscFunctionReturn(0);
  double    t0 = CvxWallTime();
  PetscBool ok;
  if (gram->path == CVX_GRAM_REPLICATED) PetscCall(GramReplicatedPrepare(gram, sigma, tau, &ok));
  else PetscCall(GramScalapackPrepare(gram, sigma, tau, &ok));
  gram->msigma = sigma;
  gram->mtau   = tau;
  if (ok)
    PetscCall(PetscInfo(NULL, "%s n = %d: inverse at sigma %g tau %g in %.3f s\n", GramPathName(gram->path),
                        (int)gram->n, sigma, tau, CvxWallTime() - t0));
  else
    PetscCall(PetscInfo(NULL,
                        "%s n = %d: sigma I + tau K (sigma %g, tau %g) is not numerically positive definite; its "
                        "solves go through the eigendecomposition of K (eigenvalues clamped at 0)\n",
                        GramPathName(gram->path), (int)gram->n, sigma, tau));
  PetscFunctionReturn(0);
}

/* y = K x on every rank; see gram.h. Collective. On the dense paths K is
 * applied as stored. */
PetscErrorCode CvxGramApply(CvxGram gram, const double *x, double *y)
{
  PetscFunctionBeginUser;
  PetscCheck(gram, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "gram.c: CvxGramApply on a NULL system");
  switch (gram->path) {
  case CVX_GRAM_REPLICATED: PetscCall(GramReplicatedProduct(gram, 0, 0, PETSC_FALSE, x, y)); break;
  case CVX_GRAM_SCALAPACK: PetscCall(GramScalapackProduct(gram, 0, 0, PETSC_FALSE, x, y)); break;
  case CVX_GRAM_CG: PetscCall(GramCGApplyK(gram, x, y)); break;
  default: SETERRQ(gram->comm, PETSC_ERR_PLIB, "gram.c: path %s has no apply", GramPathName(gram->path));
  }
  PetscFunctionReturn(0);
}

/* The resolved path. Not collective. */
PetscErrorCode CvxGramGetPath(CvxGram gram, CvxGramPath *path)
{
  PetscFunctionBeginUser;
  PetscCheck(gram && path, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "gram.c: CvxGramGetPath needs a system and output");
  *path = gram->path;
  PetscFunctionReturn(0);
}

/* Frees the system and sets *gram to NULL. Collective. */
PetscErrorCode CvxGramDestroy(CvxGram *gram)
{
  CvxGram g;

  PetscFunctionBeginUser;
  if (!gram || !*gram) PetscFunctionReturn(0);
  g = *gram;
  PetscCall(PetscFree(g->K));
  PetscCall(PetscFree(g->Q));
  PetscCall(PetscFree(g->Minv));
  PetscCall(PetscFree2(g->rcounts, g->rdispls));
  PetscCall(PetscFree(g->lambda));
  PetscCall(PetscFree(g->t));
  PetscCall(PetscFree2(g->rows, g->cols));
  PetscCall(PetscFree3(g->vb, g->vt, g->vx));
  PetscCall(PetscFree(g->Kloc));
  PetscCall(PetscFree(g->Qloc));
  PetscCall(PetscFree(g->Mloc));
  if (g->grid) {
    Cblacs_gridexit(g->ctxt);
    Cfree_blacs_system_handle(g->blacs_handle);
  }
  PetscCall(PetscFree(g->bits));
  PetscCall(PetscFree(g->Z));
  PetscCall(PetscFree2(g->D, g->W));
  PetscCall(PetscFree2(g->Zx, g->U));
  PetscCall(PetscFree2(g->diagK, g->ysum));
  PetscCall(KSPDestroy(&g->ksp));
  PetscCall(MatDestroy(&g->A));
  PetscCall(VecDestroy(&g->xv));
  PetscCall(VecDestroy(&g->bv));
  PetscCallMPI(MPI_Comm_free(&g->comm));
  PetscCall(PetscFree(g));
  *gram = NULL;
  PetscFunctionReturn(0);
}

/* Cblacs_exit(1) once at shutdown if BLACS was used on this rank; see gram.h.
 * Not collective beyond that (BLACS grids are already freed by Destroy). */
PetscErrorCode CvxGramFinalizePackage(void)
{
  PetscFunctionBeginUser;
  if (gram_blacs_used) {
    Cblacs_exit(1);
    gram_blacs_used = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}
