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
 *   replicated: n^2 (Q) + the dsyevd workspace 1 + 6n + 2n^2 during setup
 *               (3 n^2 in all: 384 MB at n = 4000), one unpacked chunk of
 *               at most GRAM_CHUNK_BYTES, and O(n) afterwards besides Q.
 */
#include "convex/gram.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/lapack.h"

/* Largest unpacked 0/1 pattern block held at once. */
#define GRAM_CHUNK_BYTES ((size_t)32 << 20)

/* The replicated path stores n^2 doubles and hands 1 + 6n + 2n^2 to dsyevd
 * as a 32-bit integer: n must stay below this. */
#define GRAM_REPLICATED_LIMIT 32767

struct _p_CvxGram {
  MPI_Comm       comm; /* duplicate of set->comm, owned */
  PetscMPIInt    rank, size;
  CvxGramPath    path; /* resolved (never AUTO) */
  CvxGramOptions opt;
  PetscInt       n, k;
  double        *lambda; /* eigenvalues of K, ascending, clamped at 0 (dense paths) */
  double        *t;      /* length n scratch */

  /* replicated */
  double *Q; /* n x n eigenvectors */
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

/* Columns of an unpacked chunk of `rows` rows: at most `total`, at least 1. */
static PetscInt GramChunkColumns(PetscInt rows, PetscInt total)
{
  size_t cols = GRAM_CHUNK_BYTES / (sizeof(double) * (size_t)(rows > 0 ? rows : 1));
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
 * raised with CVX_ERR_INPUT; every argument is identical on every rank except
 * the set's local range, so the checks agree across ranks. */
static PetscErrorCode GramCheckArguments(MPI_Comm comm, const CvxArrangementSet *set, PetscInt k, const double *Z,
                                         const CvxGramOptions *opt, CvxGramPath *path)
{
  PetscFunctionBeginUser;
  PetscCheck(set->n >= 1, comm, CVX_ERR_INPUT, "gram.c: pattern set has n = %d samples, need n >= 1", (int)set->n);
  PetscCheck(set->words == (set->n + 63) / 64, comm, CVX_ERR_INPUT,
             "gram.c: pattern set has %d words per pattern, expected (n + 63) / 64 = %d", (int)set->words,
             (int)((set->n + 63) / 64));
  PetscCheck(set->P >= 0 && set->rstart >= 0 && set->rstart <= set->rend && set->rend <= set->P, PETSC_COMM_SELF,
             CVX_ERR_INPUT, "gram.c: bad local pattern range [%d, %d) of P = %d", (int)set->rstart, (int)set->rend,
             (int)set->P);
  PetscCheck(set->rend == set->rstart || set->bits, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "gram.c: pattern set has local patterns but no bits");
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
  if (*path == CVX_GRAM_SCALAPACK)
    PetscCheck(opt->block_size >= 1, comm, CVX_ERR_INPUT, "gram.c: scalapack block_size = %d must be >= 1",
               (int)opt->block_size);
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
  PetscInt cols = GramChunkColumns(n, Pl);
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
  int      nn = (int)n, info = 0, lwork = -1, liwork = -1, iq = 0;
  double   wq = 0, *A, *work;
  int     *iwork;
  size_t   nsq = (size_t)n * (size_t)n;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(nsq, &A));
  PetscCall(GramLocalCountsReplicated(set, A));
  /* Counts are integers below 2^53: the sum is exact on every rank. */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, A, (int)nsq, MPI_DOUBLE, MPI_SUM, g->comm));

  dsyevd_("V", "L", &nn, A, &nn, g->lambda, &wq, &lwork, &iq, &liwork, &info, 1, 1);
  CvxCheckInfo(PETSC_COMM_SELF, "dsyevd (workspace query)", info);
  lwork  = (int)wq;
  liwork = iq;
  PetscCheck((size_t)lwork >= nsq, PETSC_COMM_SELF, PETSC_ERR_LIB, "gram.c: dsyevd workspace %d below n^2", lwork);
  PetscCall(PetscMalloc1((size_t)lwork, &work));
  PetscCall(PetscMalloc1((size_t)liwork, &iwork));

  /* K = (Z Z^T) o C on the lower triangle; Z Z^T goes to the workspace. */
  cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, nn, (int)g->k, 1.0, Z, nn, 0.0, work, nn);
  for (size_t j = 0; j < (size_t)n; j++)
    for (size_t i = j; i < (size_t)n; i++) A[i + j * n] *= work[i + j * n];

  dsyevd_("V", "L", &nn, A, &nn, g->lambda, work, &lwork, iwork, &liwork, &info, 1, 1);
  CvxCheckInfo(PETSC_COMM_SELF, "dsyevd", info);
  PetscCall(PetscFree(work));
  PetscCall(PetscFree(iwork));
  g->Q = A;
  PetscFunctionReturn(0);
}

/* x = Q diag(scale) Q^T b, with scale applied through t (x may alias b). */
static void GramReplicatedProduct(CvxGram g, double sigma, double tau, PetscBool inverse, const double *b, double *x)
{
  int n = (int)g->n;
  cblas_dgemv(CblasColMajor, CblasTrans, n, n, 1.0, g->Q, n, b, 1, 0.0, g->t, 1);
  if (inverse)
    for (int i = 0; i < n; i++) g->t[i] /= sigma + tau * g->lambda[i];
  else
    for (int i = 0; i < n; i++) g->t[i] *= g->lambda[i];
  cblas_dgemv(CblasColMajor, CblasNoTrans, n, n, 1.0, g->Q, n, g->t, 1, 0.0, x, 1);
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
    break;
  default: SETERRQ(g->comm, PETSC_ERR_SUP, "gram.c: path %s is not available yet", GramPathName(path));
  }
  if (g->lambda)
    for (PetscInt i = 0; i < g->n; i++)
      if (!(g->lambda[i] > 0)) g->lambda[i] = 0; /* K is PSD: rounding leaves tiny negatives */
  *gram = g;
  PetscFunctionReturn(0);
}

/* x = (sigma I + tau K)^{-1} b on every rank; see gram.h. Collective on the
 * set's communicator. sigma > 0 and tau >= 0 (finite) or CVX_ERR_INPUT. */
PetscErrorCode CvxGramSolve(CvxGram gram, double sigma, double tau, const double *b, double *x)
{
  PetscFunctionBeginUser;
  PetscCheck(gram, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "gram.c: CvxGramSolve on a NULL system");
  PetscCheck(sigma > 0 && isfinite(sigma), gram->comm, CVX_ERR_INPUT, "gram.c: sigma = %g must be finite and > 0",
             sigma);
  PetscCheck(tau >= 0 && isfinite(tau), gram->comm, CVX_ERR_INPUT, "gram.c: tau = %g must be finite and >= 0", tau);
  switch (gram->path) {
  case CVX_GRAM_REPLICATED: GramReplicatedProduct(gram, sigma, tau, PETSC_TRUE, b, x); break;
  default: SETERRQ(gram->comm, PETSC_ERR_SUP, "gram.c: path %s has no solve", GramPathName(gram->path));
  }
  PetscFunctionReturn(0);
}

/* y = K x on every rank; see gram.h. Collective. On the dense paths K is
 * applied through its eigendecomposition (the clamped one that Solve uses). */
PetscErrorCode CvxGramApply(CvxGram gram, const double *x, double *y)
{
  PetscFunctionBeginUser;
  PetscCheck(gram, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "gram.c: CvxGramApply on a NULL system");
  switch (gram->path) {
  case CVX_GRAM_REPLICATED: GramReplicatedProduct(gram, 0, 0, PETSC_FALSE, x, y); break;
  default: SETERRQ(gram->comm, PETSC_ERR_SUP, "gram.c: path %s has no apply", GramPathName(gram->path));
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
  PetscCall(PetscFree(g->Q));
  PetscCall(PetscFree(g->lambda));
  PetscCall(PetscFree(g->t));
  PetscCallMPI(MPI_Comm_free(&g->comm));
  PetscCall(PetscFree(g));
  *gram = NULL;
  PetscFunctionReturn(0);
}
