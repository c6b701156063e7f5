/* The exact method: every chamber pattern of the central arrangement
 * {x_i^T g = 0} for data of numerical rank r <= 3.
 *
 * Reduction. The pattern of g depends only on the directions of the rows,
 * so rows are first scaled to unit length (zero rows stay zero: their bit is
 * always 1). The numerical rank r of the scaled matrix A is the number of
 * singular values above max(n, d) * eps * s_max; r > 3 is an input error.
 * The rows are projected on the top-r right singular vectors (Y = A V_r, rows
 * renormalized to a_i), and cells are enumerated in R^r: the component of g
 * orthogonal to the row space does not change any sign.
 *
 * Enumeration.
 *  - r = 0 (every row zero): the single pattern of all ones.
 *  - r = 1: the patterns of h = +1 and h = -1.
 *  - r = 2: every line a_i^T h = 0 gives two rays +-t_i (t_i orthogonal to
 *    a_i); each ray is pushed to both sides, h = t_i +- eps a_i.
 *  - r = 3: every pair of distinct planes (i, j) gives two vertex rays
 *    +-v, v = a_i x a_j / |a_i x a_j|. All planes through v (|a_k^T v| below
 *    a tolerance) are collected, their traces on the tangent plane at v are
 *    sorted by angle, and h = v + eps w is taken for w the bisector of every
 *    sector between consecutive traces: this reaches every cell adjacent to
 *    v, also at degenerate vertices where more than two planes meet. A
 *    vertex is handled only by its pair of smallest indices (i = the
 *    smallest plane through v, j = the smallest one not parallel to it).
 *  Each probe h and its opposite -h give two patterns (the vertex -v is the
 *  mirror image of v).
 *  The step is eps = 0.5 * min(1, min_k |a_k^T v| / |a_k^T w|) over the
 *  planes k not through the ray, so no other plane is crossed, and every
 *  such plane keeps a sign margin of at least half its distance to the ray.
 *  With rank 2 every chamber is bounded by a ray; with rank 3 (the normals
 *  span R^3) every chamber is a pointed cone with a vertex ray; so every
 *  chamber is probed.
 *
 * Guarantees.
 *  - Every pattern reported is the pattern 1[a_k^T h >= 0] of an explicit
 *    direction h (the lifted direction g = V_r h realizes it for the data up
 *    to the rounding of the projection), and it is the pattern of an open
 *    cell, never of a lower-dimensional face (for which Gaussian sampling
 *    has probability zero).
 *  - The set is complete for data in general position and for exactly
 *    degenerate data (duplicate, opposite or zero rows, parallel planes,
 *    several planes through one ray, rank-deficient X), as long as the
 *    geometry is resolved well above rounding: angles between distinct
 *    planes above about 1e-10, distances from a vertex ray to the planes
 *    not through it above about 1e-12 / sin(angle of the pair), sectors at
 *    a vertex wider than 1e-9 radians. Cells thinner than that may be
 *    missed; the set is then still a valid subset of real patterns.
 *  - Rows that are tiny but nonzero count fully (rows are scaled first);
 *    data that is rank <= 3 only up to a relative 1e-15 perturbation is
 *    treated as its rank-r projection.
 *  The work splits across ranks by rows (r = 2) or pairs of rows (r = 3).
 */
#include "arrangements/arrangements_impl.h"

#include "core/error.h"
#include "core/lapack.h"
#include "core/timer.h"

#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOL_LINE  1e-12 /* rank 2: |a_k . t_i| at most this: line k is line i */
#define TOL_VERT  1e-12 /* rank 3: plane k passes through v when |a_k . v| <= TOL_VERT / |a_i x a_j| */
#define TOL_PAR   1e-10 /* rank 3: |a_i x a_j| at most this: the same plane */
#define TOL_ANGLE 1e-9  /* rank 3: narrower sectors at a vertex are not probed */
#define TOL_PRE   1e-6  /* d > 3: residual above which a row counts as independent in the quick rank test */

typedef struct {
  PetscInt      n, d;
  const double *X;
  PetscInt      r; /* numerical rank */
  double       *Y; /* n x r, column-major: the scaled rows in the row-space basis */
} ProjectCtx;

/* Greedy quick test for d > 3: finds up to 4 rows of A (unit or zero rows,
 * column-major n x d) that are independent with a clear margin. Returns the
 * number found (4 means the rank is at least 4). */
static PetscErrorCode QuickRank(PetscInt n, PetscInt d, const double *A, PetscInt *found)
{
  double *Q, *row;
  int     q = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2((size_t)4 * d, &Q, (size_t)d, &row));
  for (PetscInt i = 0; i < n && q < 4; i++) {
    double nrm = 0;
    for (PetscInt c = 0; c < d; c++) row[c] = A[i + (size_t)c * n];
    for (int pass = 0; pass < 2; pass++) {
      for (int b = 0; b < q; b++) {
        double dot = 0;
        for (PetscInt c = 0; c < d; c++) dot += Q[(size_t)b * d + c] * row[c];
        for (PetscInt c = 0; c < d; c++) row[c] -= dot * Q[(size_t)b * d + c];
      }
    }
    for (PetscInt c = 0; c < d; c++) nrm += row[c] * row[c];
    nrm = sqrt(nrm);
    if (nrm > TOL_PRE) {
      for (PetscInt c = 0; c < d; c++) Q[(size_t)q * d + c] = row[c] / nrm;
      q++;
    }
  }
  PetscCall(PetscFree2(Q, row));
  *found = q;
  PetscFunctionReturn(0);
}

/* Rank 0: scales the rows, finds the numerical rank and projects. */
static PetscErrorCode ProjectRowSpace(void *vctx)
{
  ProjectCtx *ctx = (ProjectCtx *)vctx;
  PetscInt    n = ctx->n, d = ctx->d, k = PetscMin(n, d), r = 0, quick = 0;
  double     *A, *S, *s, *VT, *work, wq, udummy = 0;
  int         m_ = (int)n, n_ = (int)d, lda = (int)n, ldvt = (int)k, ldu = 1, lwork = -1, info;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4((size_t)n * d, &A, (size_t)n * d, &S, (size_t)k, &s, (size_t)k * d, &VT));
  for (PetscInt i = 0; i < n; i++) {
    double mx = 0, sum = 0;
    for (PetscInt c = 0; c < d; c++) mx = PetscMax(mx, fabs(ctx->X[i + (size_t)c * n]));
    for (PetscInt c = 0; c < d; c++) {
      double t = mx > 0 ? ctx->X[i + (size_t)c * n] / mx : 0;
      sum += t * t;
      A[i + (size_t)c * n] = t;
    }
    if (mx > 0)
      for (PetscInt c = 0; c < d; c++) A[i + (size_t)c * n] /= sqrt(sum);
  }
  if (d > 3) {
    PetscCall(QuickRank(n, d, A, &quick));
    if (quick >= 4) PetscCall(PetscFree4(A, S, s, VT));
    PetscCheck(quick < 4, PETSC_COMM_SELF, CVX_ERR_INPUT,
               "arrangements.method: exact supports data of rank at most 3, but the data (n = %d, d = %d columns) "
               "has rank at least 4; use arrangements.method: sample",
               (int)n, (int)d);
  }
  memcpy(S, A, (size_t)n * d * sizeof(double));
  dgesvd_("N", "S", &m_, &n_, S, &lda, s, &udummy, &ldu, VT, &ldvt, &wq, &lwork, &info, 1, 1);
  CvxCheckInfo(PETSC_COMM_SELF, "dgesvd (workspace query)", info);
  lwork = (int)wq;
  PetscCall(PetscMalloc1((size_t)lwork, &work));
  dgesvd_("N", "S", &m_, &n_, S, &lda, s, &udummy, &ldu, VT, &ldvt, work, &lwork, &info, 1, 1);
  PetscCall(PetscFree(work));
  CvxCheckInfo(PETSC_COMM_SELF, "dgesvd", info);
  const double tol = (double)PetscMax(n, d) * DBL_EPSILON * (k > 0 ? s[0] : 0.0);
  for (PetscInt j = 0; j < k; j++)
    if (s[j] > tol) r++;
  if (r > 3) PetscCall(PetscFree4(A, S, s, VT));
  PetscCheck(r <= 3, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "arrangements.method: exact supports data of rank at most 3, but the data (n = %d, d = %d columns) has "
             "rank %d; use arrangements.method: sample",
             (int)n, (int)d, (int)r);
  ctx->r = r;
  if (r > 0) {
    PetscCall(PetscMalloc1((size_t)n * r, &ctx->Y));
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)n, (int)r, (int)d, 1.0, A, (int)n, VT, ldvt, 0.0, ctx->Y,
                (int)n);
  }
  PetscCall(PetscFree4(A, S, s, VT));
  PetscFunctionReturn(0);
}

static inline double Dot3(const double *x, const double *y)
{
  return x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
}

static inline void Cross3(const double *x, const double *y, double *z)
{
  z[0] = x[1] * y[2] - x[2] * y[1];
  z[1] = x[2] * y[0] - x[0] * y[2];
  z[2] = x[0] * y[1] - x[1] * y[0];
}

typedef struct {
  PetscInt         n, words;
  const double    *a;   /* n rows of 3 (zero-padded), unit or zero */
  const char      *nz;  /* row is nonzero */
  uint64_t        *pos, *neg;
  CvxPatternTable *table;
  double           interval; /* seconds between progress lines (rank 0), 0 = none */
  int (*interrupted)(void);   /* the caller's stop request, or NULL */
  PetscBool        stopped;   /* it answered nonzero: the enumeration ended early */
} Probe;

/* Whether the caller asked for a stop (then remembered in pr->stopped). */
static PetscBool ProbeStopped(Probe *pr)
{
  if (!pr->stopped && pr->interrupted && (*pr->interrupted)()) pr->stopped = PETSC_TRUE;
  return pr->stopped;
}

/* Inserts the patterns of h and of -h. */
static PetscErrorCode Emit(Probe *pr, const double h[3])
{
  PetscFunctionBeginUser;
  memset(pr->pos, 0, (size_t)pr->words * sizeof(uint64_t));
  memset(pr->neg, 0, (size_t)pr->words * sizeof(uint64_t));
  for (PetscInt k = 0; k < pr->n; k++) {
    double s = Dot3(pr->a + 3 * k, h);
    pr->pos[k >> 6] |= (uint64_t)(s >= 0.0) << (k & 63);
    pr->neg[k >> 6] |= (uint64_t)(s <= 0.0) << (k & 63);
  }
  PetscCall(CvxPatternTableInsert(pr->table, pr->pos));
  PetscCall(CvxPatternTableInsert(pr->table, pr->neg));
  PetscFunctionReturn(0);
}

/* Rank 2: rays of the lines of rows [i0, i1). */
static PetscErrorCode EnumerateRank2(Probe *pr, PetscInt i0, PetscInt i1)
{
  const double *a = pr->a;

  PetscFunctionBeginUser;
  for (PetscInt i = i0; i < i1; i++) {
    if (((i - i0) & 255) == 255 && ProbeStopped(pr)) break;
    if (!pr->nz[i]) continue;
    const double *ai = a + 3 * i;
    double        t[3] = {-ai[1], ai[0], 0.0}, minr = 1.0, h[3];
    PetscBool     mine = PETSC_TRUE;
    for (PetscInt k = 0; k < pr->n; k++) {
      if (!pr->nz[k] || k == i) continue;
      double dv = Dot3(a + 3 * k, t);
      if (fabs(dv) <= TOL_LINE) { /* the same line */
        if (k < i) {
          mine = PETSC_FALSE;
          break;
        }
        continue;
      }
      double aw = fabs(Dot3(a + 3 * k, ai));
      if (aw > 0 && fabs(dv) < minr * aw) minr = fabs(dv) / aw;
    }
    if (!mine) continue;
    const double eps = 0.5 * minr;
    for (int s = -1; s <= 1; s += 2) {
      for (int c = 0; c < 3; c++) h[c] = t[c] + s * eps * ai[c];
      PetscCall(Emit(pr, h));
    }
  }
  PetscFunctionReturn(0);
}

static int CompareDouble(const void *x, const void *y)
{
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Rank 3: vertex rays of the pairs with linear index [L0, L1) in the order
 * (0,1), (0,2), ..., (0,n-1), (1,2), ... */
static PetscErrorCode EnumerateRank3(Probe *pr, int64_t L0, int64_t L1)
{
  const PetscInt n = pr->n;
  const double  *a = pr->a;
  double        *dv, *ang;
  PetscInt      *tl;
  char          *thr;
  int64_t        L = 0;
  PetscInt       i = 0, j;

  PetscFunctionBeginUser;
  if (L0 >= L1) PetscFunctionReturn(0);
  PetscCall(PetscMalloc4((size_t)n, &dv, (size_t)n, &ang, (size_t)n, &tl, (size_t)n, &thr));
  memset(thr, 0, (size_t)n);
  while (L + (n - 1 - i) <= L0) {
    L += n - 1 - i;
    i++;
  }
  j = i + 1 + (PetscInt)(L0 - L);
  double t0 = CvxWallTime(), last = t0;
  for (int64_t idx = L0; idx < L1; idx++) {
    const PetscInt pi = i, pj = j;
    /* every 4096 pairs: a stop request, a progress line */
    if (((idx - L0) & 4095) == 4095) {
      if (ProbeStopped(pr)) break;
      double now = pr->interval > 0 ? CvxWallTime() : 0;
      if (pr->interval > 0 && now - last >= pr->interval) {
        double done = (double)(idx - L0) / (double)(L1 - L0);
        fprintf(stderr,
                "arrangements: exact enumeration %.1f%% of rank 0's %lld pairs of rows, rank 0 holds %lld distinct "
                "patterns, %.0f s, about %.0f s left\n",
                100.0 * done, (long long)(L1 - L0), (long long)pr->table->count, now - t0,
                (now - t0) * (1.0 - done) / done);
        last = now;
      }
    }
    if (++j == n) {
      i++;
      j = i + 1;
    }
    if (!pr->nz[pi] || !pr->nz[pj]) continue;
    const double *ai = a + 3 * pi, *aj = a + 3 * pj;
    double        v[3], e1[3], e2[3], cn;
    Cross3(ai, aj, v);
    cn = sqrt(Dot3(v, v));
    if (cn <= TOL_PAR) continue;
    for (int c = 0; c < 3; c++) v[c] /= cn;
    const double tau = TOL_VERT / cn;

    /* planes through v, in ascending order */
    PetscInt nt = 0;
    for (PetscInt k = 0; k < n; k++) {
      if (!pr->nz[k]) continue;
      dv[k] = Dot3(a + 3 * k, v);
      if (k == pi || k == pj || fabs(dv[k]) <= tau) {
        thr[k]     = 1;
        tl[nt++]   = k;
      }
    }
    /* handled only by its pair of smallest indices */
    PetscInt i0 = tl[0], j0 = -1;
    for (PetscInt m = 1; m < nt && j0 < 0; m++) {
      double c[3];
      Cross3(a + 3 * i0, a + 3 * tl[m], c);
      if (sqrt(Dot3(c, c)) > TOL_PAR) j0 = tl[m];
    }
    if (i0 == pi && j0 == pj) {
      /* tangent basis at v and the angle of every trace (a line through v) */
      double d1 = Dot3(ai, v);
      for (int c = 0; c < 3; c++) e1[c] = ai[c] - d1 * v[c];
      double n1 = sqrt(Dot3(e1, e1));
      for (int c = 0; c < 3; c++) e1[c] /= n1;
      Cross3(v, e1, e2);
      for (PetscInt m = 0; m < nt; m++) {
        const double *ak  = a + 3 * tl[m];
        double        phi = atan2(Dot3(ak, e2), Dot3(ak, e1)) + 0.5 * PETSC_PI;
        phi               = fmod(phi, PETSC_PI);
        if (phi < 0) phi += PETSC_PI;
        if (phi >= PETSC_PI) phi -= PETSC_PI;
        ang[m] = phi;
      }
      qsort(ang, (size_t)nt, sizeof(double), CompareDouble);
      /* sectors: between consecutive angles of ang[0..nt) and ang[0..nt) + pi, cyclically */
      for (PetscInt m = 0; m < 2 * nt; m++) {
        double lo = ang[m % nt] + (m >= nt ? PETSC_PI : 0.0);
        double hi = (m + 1 < 2 * nt) ? ang[(m + 1) % nt] + (m + 1 >= nt ? PETSC_PI : 0.0) : ang[0] + 2.0 * PETSC_PI;
        if (hi - lo <= TOL_ANGLE) continue;
        double psi = 0.5 * (lo + hi), w[3], h[3], minr = 1.0;
        for (int c = 0; c < 3; c++) w[c] = cos(psi) * e1[c] + sin(psi) * e2[c];
        for (PetscInt k = 0; k < n; k++) {
          if (!pr->nz[k] || thr[k]) continue;
          double aw = fabs(Dot3(a + 3 * k, w));
          if (aw > 0 && fabs(dv[k]) < minr * aw) minr = fabs(dv[k]) / aw;
        }
        const double eps = 0.5 * minr;
        for (int c = 0; c < 3; c++) h[c] = v[c] + eps * w[c];
        PetscCall(Emit(pr, h));
      }
    }
    for (PetscInt m = 0; m < nt; m++) thr[tl[m]] = 0;
  }
  PetscCall(PetscFree4(dv, ang, tl, thr));
  PetscFunctionReturn(0);
}

/* The physical memory of this node over the ranks of comm on it, in bytes,
 * the smallest over comm (0 when the system does not tell). Collective. */
static PetscErrorCode MemoryPerRank(MPI_Comm comm, double *bytes)
{
  MPI_Comm    node;
  PetscMPIInt nr;
  long        pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGE_SIZE);

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &nr));
  PetscCallMPI(MPI_Comm_free(&node));
  *bytes = pages > 0 && psz > 0 ? (double)pages * (double)psz / (double)nr : 0.0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, bytes, 1, MPI_DOUBLE, MPI_MIN, comm));
  PetscFunctionReturn(0);
}

/* Without a cap, the complete set of data of rank r has up to
 * 2 sum_{k<r} C(n-1, k) patterns (about n^2 at r = 3). A set whose words
 * alone would take over half the memory per rank (the enumeration's
 * tables hold about twice the set) is refused before the enumeration, which
 * would otherwise run for minutes and then fail to allocate. Collective. */
static PetscErrorCode CheckExactSize(MPI_Comm comm, PetscInt n, int r, PetscInt limit)
{
  PetscMPIInt size;
  double      mem, count = 0, c = 1;

  PetscFunctionBeginUser;
  if (limit > 0) PetscFunctionReturn(0); /* the dedup tables hold at most 2 * limit patterns */
  for (int k = 0; k < r; k++) {
    count += c;
    c = c * (double)(n - 1 - k) / (double)(k + 1);
  }
  count *= 2;
  double bytes = count * (double)((n + 63) / 64) * 8.0;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(MemoryPerRank(comm, &mem));
  PetscCheck(!(mem > 0 && bytes / size > 0.5 * mem), comm, CVX_ERR_INPUT,
             "arrangements.method: exact on n = %d samples of rank %d gives up to %.4g patterns, whose bits alone take "
             "%.3g GB (%.3g GB on each of %d ranks; building them takes about twice that), more than this node's "
             "%.3g GB of memory per rank allows; cap the set with arrangements.max_patterns, or use "
             "arrangements.method: sample",
             (int)n, r, count, bytes / 1e9, bytes / 1e9 / size, (int)size, mem / 1e9);
  PetscFunctionReturn(0);
}

PetscErrorCode CvxArrangementExactLocal(MPI_Comm comm, PetscInt n, PetscInt d, const double *X, PetscInt limit,
                                        double progress_interval, int (*interrupted)(void), int64_t *m,
                                        uint64_t **pat, PetscBool *dropped, PetscBool *stopped)
{
  PetscMPIInt     size, rank;
  ProjectCtx      ctx;
  int             r;
  const PetscInt  words = (n + 63) / 64;
  double         *a;
  char           *nz;
  CvxPatternTable table;
  Probe           pr;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  memset(&ctx, 0, sizeof(ctx));
  ctx.n = n;
  ctx.d = d;
  ctx.X = X;
  PetscCall(CvxRootRun(comm, ProjectRowSpace, &ctx));
  r = (int)ctx.r;
  PetscCallMPI(MPI_Bcast(&r, 1, MPI_INT, 0, comm));
  PetscCheck((int64_t)n * r <= INT_MAX, comm, PETSC_ERR_SUP, "n = %d is too large for the exact method", (int)n);
  PetscCall(CheckExactSize(comm, n, r, limit));
  if (rank != 0 && r > 0) PetscCall(PetscMalloc1((size_t)n * r, &ctx.Y));
  if (r > 0) PetscCallMPI(MPI_Bcast(ctx.Y, (int)(n * r), MPI_DOUBLE, 0, comm));

  /* unit rows, zero-padded to 3 columns */
  PetscCall(PetscCalloc2((size_t)3 * n, &a, (size_t)n, &nz));
  for (PetscInt i = 0; i < n; i++) {
    double nrm = 0;
    for (int c = 0; c < r; c++) nrm += ctx.Y[i + (size_t)c * n] * ctx.Y[i + (size_t)c * n];
    nrm = sqrt(nrm);
    if (nrm > 0) {
      nz[i] = 1;
      for (int c = 0; c < r; c++) a[3 * i + c] = ctx.Y[i + (size_t)c * n] / nrm;
    }
  }
  PetscCall(PetscFree(ctx.Y));

  PetscCall(CvxPatternTableCreate(words, limit, &table));
  pr.n     = n;
  pr.words = words;
  pr.a     = a;
  pr.nz    = nz;
  pr.table = &table;
  pr.interval = rank == 0 ? progress_interval : 0.0;
  pr.interrupted = interrupted;
  pr.stopped     = PETSC_FALSE;
  PetscCall(PetscMalloc2((size_t)words, &pr.pos, (size_t)words, &pr.neg));
  if (r <= 1) {
    if (rank == 0) {
      const double h[3] = {r == 1 ? 1.0 : 0.0, 0.0, 0.0};
      PetscCall(Emit(&pr, h));
    }
  } else if (r == 2) {
    PetscInt i0 = (n / size) * rank + PetscMin((PetscInt)rank, n % size);
    PetscInt i1 = i0 + n / size + (rank < n % size ? 1 : 0);
    PetscCall(EnumerateRank2(&pr, i0, i1));
  } else {
    const int64_t N  = (int64_t)n * (n - 1) / 2;
    const int64_t L0 = (N / size) * rank + PetscMin((int64_t)rank, N % size);
    const int64_t L1 = L0 + N / size + (rank < N % size ? 1 : 0);
    PetscCall(EnumerateRank3(&pr, L0, L1));
  }
  PetscCall(PetscFree2(pr.pos, pr.neg));
  PetscCall(PetscFree2(a, nz));
  PetscCall(CvxPatternTableTake(&table, m, pat, dropped));
  int any = pr.stopped ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, comm));
  *stopped = any ? PETSC_TRUE : PETSC_FALSE;
  if (any) {
    PetscCall(PetscFree(*pat));
    *m = 0;
  }
  PetscFunctionReturn(0);
}
