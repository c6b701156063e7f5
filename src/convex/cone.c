/* Polyhedral cones of the convex program: facet reduction for d <= 3 and
 * projections by a dual active-set method. See cone.h. */
#include "convex/cone.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "core/timer.h"

/* A row is dependent on the active rows when its component outside their
 * span is below this fraction of its norm. */
#define CONE_DEP_TOL 1e-9
/* Constraint violations below this fraction of ||a_k|| * scale are ignored. */
#define CONE_FEAS_TOL 1e-12
/* Violated rows an active-set solve keeps from one full pass over the
 * constraints, to add before the next pass. */
#define CONE_CANDIDATES 64

/* The constraint list of one cone: either all n rows s_k x_k or the facets. */
typedef struct {
  const CvxConeSet *cs;
  PetscInt          i;   /* cone index */
  PetscBool         red; /* facet list */
  PetscInt          m;   /* number of constraints */
  const double     *F;   /* facets (d x m) when red */
} ConeCons;

static void ConsInit(const CvxConeSet *cs, PetscInt i, PetscBool use_reduced, ConeCons *K)
{
  K->cs  = cs;
  K->i   = i;
  K->red = (PetscBool)(use_reduced && cs->reduced && cs->reduced[i]);
  if (K->red) {
    K->m = cs->foff[i + 1] - cs->foff[i];
    K->F = cs->facets + (size_t)cs->foff[i] * (size_t)cs->d;
  } else {
    K->m = cs->n;
    K->F = NULL;
  }
}

static void ConsRow(const ConeCons *K, PetscInt k, double *a)
{
  const CvxConeSet *cs = K->cs;
  if (K->red) {
    memcpy(a, K->F + (size_t)k * (size_t)cs->d, (size_t)cs->d * sizeof(double));
  } else {
    double        s  = CvxConeSign(cs, K->i, k);
    const double *xr = cs->Xrow + (size_t)k * (size_t)cs->d;
    for (PetscInt j = 0; j < cs->d; j++) a[j] = s * xr[j];
  }
}

/* a_k^T x without forming a_k. */
static double ConsDot(const ConeCons *K, PetscInt k, const double *x)
{
  const CvxConeSet *cs = K->cs;
  PetscInt          d  = cs->d;
  const double     *a  = K->red ? K->F + (size_t)k * (size_t)d : cs->Xrow + (size_t)k * (size_t)d;
  double            s0 = 0, s1 = 0;
  PetscInt          l  = 0;
  for (; l + 2 <= d; l += 2) {
    s0 += a[l] * x[l];
    s1 += a[l + 1] * x[l + 1];
  }
  if (l < d) s0 += a[l] * x[l];
  return K->red ? s0 + s1 : CvxConeSign(cs, K->i, k) * (s0 + s1);
}

static double ConsNorm(const ConeCons *K, PetscInt k)
{
  return K->red ? 1.0 : K->cs->rownorm[k];
}

/* vals[k] = s_k y_k from y = X c (all n rows; vals may be y). */
static void ConsSeedValues(const ConeCons *K, const double *y, double *vals)
{
  const CvxConeSet *cs = K->cs;
  PetscInt          n  = cs->n;
  if (cs->dm) {
    const double *D = cs->dm + (size_t)K->i * (size_t)n;
    for (PetscInt k = 0; k < n; k++) vals[k] = (2.0 * D[k] - 1.0) * y[k];
  } else
    for (PetscInt k = 0; k < n; k++) vals[k] = CvxConeSign(cs, K->i, k) * y[k];
}

/* vals[k] = a_k^T x for every constraint. */
static void ConsValues(const ConeCons *K, const double *x, double *vals)
{
  const CvxConeSet *cs = K->cs;
  PetscInt          d  = cs->d;
  if (K->red) {
    for (PetscInt k = 0; k < K->m; k++) {
      const double *a = K->F + (size_t)k * (size_t)d;
      double        s = 0;
      for (PetscInt j = 0; j < d; j++) s += a[j] * x[j];
      vals[k] = s;
    }
  } else {
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)cs->n, (int)d, 1.0, cs->X, (int)cs->n, x, 1, 0.0, vals, 1);
    ConsSeedValues(K, vals, vals);
  }
}

/* ------------------------------------------------------------ small QR */

/* Orthogonalizes a against the q orthonormal columns of Q (d x q, leading
 * dimension d): r = Q^T a, rem = a - Q r. Returns ||rem||. From
 * QR_BLAS_MIN entries of Q on, each pass is two dgemv (classical
 * Gram-Schmidt), and a second pass follows only when the first lost over
 * 1 - 1/sqrt(2) of a's norm ("twice is enough": after a pass that keeps
 * more, rem is as orthogonal as a repeated one makes it); the plain loops'
 * dot products do not vectorize, and at d in the hundreds this routine was
 * most of a certificate's time. s: scratch of length q. */
#define QR_BLAS_MIN 256
static double QROrth(PetscInt d, PetscInt q, const double *Q, const double *a, double *r, double *rem, double *s)
{
  memcpy(rem, a, (size_t)d * sizeof(double));
  for (PetscInt j = 0; j < q; j++) r[j] = 0;
  if (q > 0 && d * q >= QR_BLAS_MIN) {
    double an = 0;
    for (PetscInt l = 0; l < d; l++) an += a[l] * a[l];
    for (int pass = 0; pass < 2; pass++) {
      cblas_dgemv(CblasColMajor, CblasTrans, (int)d, (int)q, 1.0, Q, (int)d, rem, 1, 0.0, s, 1);
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)d, (int)q, -1.0, Q, (int)d, s, 1, 1.0, rem, 1);
      for (PetscInt j = 0; j < q; j++) r[j] += s[j];
      if (pass == 0) {
        double rn = 0;
        for (PetscInt l = 0; l < d; l++) rn += rem[l] * rem[l];
        if (rn >= 0.5 * an) return sqrt(rn);
      }
    }
  } else {
    for (int pass = 0; pass < 2; pass++) {
      for (PetscInt j = 0; j < q; j++) {
        const double *qj = Q + (size_t)j * (size_t)d;
        double        sj = 0;
        for (PetscInt l = 0; l < d; l++) sj += qj[l] * rem[l];
        r[j] += sj;
        for (PetscInt l = 0; l < d; l++) rem[l] -= sj * qj[l];
      }
    }
  }
  double nrm = 0;
  for (PetscInt l = 0; l < d; l++) nrm += rem[l] * rem[l];
  return sqrt(nrm);
}

/* Appends column q: Q[:, q] = rem / nrm, R[0..q, q] = (r, nrm). */
static void QRAppend(PetscInt d, PetscInt q, double *Q, double *R, const double *r, const double *rem, double nrm)
{
  double *qj = Q + (size_t)q * (size_t)d;
  for (PetscInt l = 0; l < d; l++) qj[l] = rem[l] / nrm;
  for (PetscInt j = 0; j < q; j++) R[j + q * d] = r[j];
  R[q + q * d] = nrm;
}

/* Solves R x = b (upper triangular q x q, leading dimension d) in place,
 * by columns: each step is an axpy down a contiguous column, which
 * vectorizes (the row-wise sums read R d apart, one cache line per entry,
 * and were a quarter of a warm projection's time at d = 51). */
static void QRSolveUpper(PetscInt d, PetscInt q, const double *R, double *x)
{
  for (PetscInt j = q - 1; j >= 0; j--) {
    const double *rj = R + (size_t)j * (size_t)d;
    double        xj = x[j] / rj[j];
    x[j]             = xj;
    for (PetscInt l = 0; l < j; l++) x[l] -= xj * rj[l];
  }
}

/* Solves R^T x = b in place: dot products down the columns of R, in four
 * partial sums (a single sum is one dependent add after another). */
static void QRSolveLower(PetscInt d, PetscInt q, const double *R, double *x)
{
  for (PetscInt j = 0; j < q; j++) {
    const double *rj = R + (size_t)j * (size_t)d;
    double        s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    PetscInt      l  = 0;
    for (; l + 4 <= j; l += 4) {
      s0 += rj[l] * x[l];
      s1 += rj[l + 1] * x[l + 1];
      s2 += rj[l + 2] * x[l + 2];
      s3 += rj[l + 3] * x[l + 3];
    }
    for (; l < j; l++) s0 += rj[l] * x[l];
    x[j] = (x[j] - ((s0 + s1) + (s2 + s3))) / rj[j];
  }
}

/* Reorders val[0..m) (with idx alongside) so that its first k entries are
 * the k largest (quickselect; 1 <= k <= m). */
static void TopK(double *val, PetscInt *idx, PetscInt m, PetscInt k)
{
  PetscInt lo = 0, hi = m - 1;
  while (lo < hi) {
    double   pivot = val[lo + (hi - lo) / 2];
    PetscInt i = lo, j = hi;
    while (i <= j) {
      while (val[i] > pivot) i++;
      while (val[j] < pivot) j--;
      if (i <= j) {
        double   tv = val[i];
        PetscInt ti = idx[i];
        val[i]      = val[j];
        idx[i]      = idx[j];
        val[j]      = tv;
        idx[j]      = ti;
        i++;
        j--;
      }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else break;
  }
}

/* s = Q^T v for the q columns of Q (d x q, leading dimension d). */
static void SubspaceCoef(PetscInt d, PetscInt q, const double *Q, const double *v, double *s)
{
  if (d * q >= QR_BLAS_MIN) cblas_dgemv(CblasColMajor, CblasTrans, (int)d, (int)q, 1.0, Q, (int)d, v, 1, 0.0, s, 1);
  else
    for (PetscInt j = 0; j < q; j++) {
      const double *qj = Q + (size_t)j * (size_t)d;
      double        t  = 0;
      for (PetscInt l = 0; l < d; l++) t += qj[l] * v[l];
      s[j] = t;
    }
}

/* c -= Q s. */
static void SubspaceRemove(PetscInt d, PetscInt q, const double *Q, const double *s, double *c)
{
  if (d * q >= QR_BLAS_MIN) cblas_dgemv(CblasColMajor, CblasNoTrans, (int)d, (int)q, -1.0, Q, (int)d, s, 1, 1.0, c, 1);
  else
    for (PetscInt j = 0; j < q; j++) {
      const double *qj = Q + (size_t)j * (size_t)d;
      for (PetscInt l = 0; l < d; l++) c[l] -= s[j] * qj[l];
    }
}

/* Removes column l of the factored rows: A_J^T = Q R (d x q, R upper q x q,
 * leading dimension d) becomes the factorization without row l, by Givens
 * rotations that restore the triangle (O(d q) flops instead of the
 * O(d q^2) of refactoring). */
static void QRDelete(PetscInt d, PetscInt q, double *Q, double *R, PetscInt l)
{
  for (PetscInt j = l; j + 1 < q; j++)
    for (PetscInt i = 0; i <= j + 1; i++) R[i + j * d] = R[i + (j + 1) * d];
  /* R is upper Hessenberg from column l on: zero R[j + 1, j] */
  for (PetscInt j = l; j + 1 < q; j++) {
    double a = R[j + j * d], b = R[j + 1 + j * d], h = hypot(a, b);
    if (h == 0) continue;
    double cs = a / h, sn = b / h;
    for (PetscInt m = j; m + 1 < q; m++) {
      double x = R[j + m * d], y = R[j + 1 + m * d];
      R[j + m * d]     = cs * x + sn * y;
      R[j + 1 + m * d] = -sn * x + cs * y;
    }
    R[j + 1 + j * d] = 0;
    double *qa = Q + (size_t)j * d, *qb = Q + (size_t)(j + 1) * d;
    for (PetscInt m = 0; m < d; m++) {
      double x = qa[m], y = qb[m];
      qa[m]    = cs * x + sn * y;
      qb[m]    = -sn * x + cs * y;
    }
  }
}

/* lam = -M v for M q x d (leading dimension q): minus the multipliers of
 * the set whose fast maps hold M (see CvxConeCache). */
static void MapMultipliers(PetscInt d, PetscInt q, const double *M, const double *v, double *lam)
{
  if (d * q >= QR_BLAS_MIN) {
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)q, (int)d, -1.0, M, (int)q, v, 1, 0.0, lam, 1);
    return;
  }
  for (PetscInt j = 0; j < q; j++) lam[j] = 0;
  for (PetscInt l = 0; l < d; l++) {
    const double *ml = M + (size_t)l * (size_t)q;
    double        vl = -v[l];
    for (PetscInt j = 0; j < q; j++) lam[j] += ml[j] * vl;
  }
}

/* The fast maps of a set (CvxConeCache) from its factors Q (d x q) and R
 * (q x q, leading dimension d): MN = [M, N] with M = R^{-1} Q^T and, when
 * 2 q >= d, N an orthonormal basis of the complement of
 * Q's columns, from the unit vectors with the smallest part in the span
 * so far (their parts outside add up to d - q, so the best one keeps at
 * least a (d - q - f) / d share of its norm), orthogonalized by QROrth; *mrow
 * = max_j ||M_j||, the largest row norm of M. Q's columns q..d-1 are
 * scratch. x, rn: scratch of d; r, rem, s: QROrth's.
 * Returns PETSC_FALSE when no such basis was found. */
static PetscBool ConeMaps(PetscInt d, PetscInt q, double *Q, const double *R, double *MN, double *mrow, double *x,
                          double *rn, double *r, double *rem, double *s)
{
  /* M = R^{-1} Q^T: Q^T into place, one triangular solve with d columns */
  for (PetscInt l = 0; l < d; l++)
    for (PetscInt j = 0; j < q; j++) MN[j + (size_t)l * q] = Q[l + (size_t)j * d];
  cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)q, (int)d, 1.0, R, (int)d, MN,
              (int)q);
  for (PetscInt j = 0; j < q; j++) rn[j] = 0;
  for (PetscInt l = 0; l < d; l++)
    for (PetscInt j = 0; j < q; j++) rn[j] += MN[j + (size_t)l * q] * MN[j + (size_t)l * q];
  *mrow = 0;
  for (PetscInt j = 0; j < q; j++) *mrow = PetscMax(*mrow, sqrt(rn[j]));
  if (!isfinite(*mrow)) return PETSC_FALSE;
  if (2 * q < d) return PETSC_TRUE;
  double *N = MN + (size_t)q * (size_t)d;
  for (PetscInt k = 0; k < d; k++) {
    double t = 0;
    for (PetscInt j = 0; j < q; j++) t += Q[k + (size_t)j * d] * Q[k + (size_t)j * d];
    rn[k] = t;
  }
  for (PetscInt f = 0; q + f < d; f++) {
    PetscInt k = 0;
    for (PetscInt l = 1; l < d; l++)
      if (rn[l] < rn[k]) k = l;
    for (PetscInt l = 0; l < d; l++) x[l] = 0;
    x[k]       = 1;
    double nrm = QROrth(d, q + f, Q, x, r, rem, s);
    if (!(nrm > 1e-3)) return PETSC_FALSE;
    double *nf = Q + (size_t)(q + f) * d;
    for (PetscInt l = 0; l < d; l++) {
      nf[l] = rem[l] / nrm;
      rn[l] += nf[l] * nf[l];
    }
    rn[k] = INFINITY;
    memcpy(N + (size_t)f * d, nf, (size_t)d * sizeof(double));
  }
  return PETSC_TRUE;
}

static void ActiveRemove(CvxConeWork *w, PetscInt *q, PetscInt l)
{
  for (PetscInt j = l; j + 1 < *q; j++) {
    w->J[j]   = w->J[j + 1];
    w->lam[j] = w->lam[j + 1];
  }
  (*q)--;
}

/* See cone.h. For d <= CONE_CLOCK_SMALL_D, where a projection step or a
 * block's warm start costs little more than the clock read, the clock is
 * read only every CONE_CLOCK_EVERY calls and the last reading compared in
 * between (it can only be late, never early): the solves of benchmark (c)
 * (d = 3, two ranks' 40,000 blocks per pass) had spent 3.3% of their time
 * reading the clock. Larger d read it at every call (one step there can
 * take seconds). */
#define CONE_CLOCK_SMALL_D 16
#define CONE_CLOCK_EVERY   32
PetscBool CvxConePast(double stop_time, PetscInt d)
{
  static double   last;
  static unsigned calls;
  if (!isfinite(stop_time)) return PETSC_FALSE;
  if (d > CONE_CLOCK_SMALL_D || calls++ % CONE_CLOCK_EVERY == 0) last = CvxWallTime();
  return (PetscBool)(last > stop_time);
}

/* A pass over the rows at c from the last full pass of the same solve
 * (values rvals at the point rc): with dn = ||c - rc||, row k's normalized
 * value is at least rvals_k / ||x_k|| - dn, so the rows where that bound
 * clears -tol (with room for the rounding of both passes) cannot be
 * violated, and keep their reference value (which shows them satisfied);
 * the others, near their constraint, get a_k^T c (d flops each). Returns
 * PETSC_FALSE, and leaves
 * vals to a full pass, once more than n / CONE_BOUND_FRACTION rows need
 * their product. Between ADMM iterations most solves add a row or two to
 * a warm set and move c by a small step, so only a few rows are near: on
 * benchmark (d) (two ranks, rank 0's profile) about 3 in 4 such passes
 * succeed, and the full passes' share of the samples fell from 7.4% to
 * 1.6%, these passes and their rows' products adding 3.3%: 2.5% of the
 * run. */
#define CONE_BOUND_FRACTION 16
static PetscBool ConeBoundPass(const ConeCons *K, const CvxConeWork *w, const double *c, double tol, double *vals)
{
  const CvxConeSet *cs = K->cs;
  PetscInt          n = cs->n, d = cs->d, limit = n / CONE_BOUND_FRACTION, near = 0;
  const double     *ri = cs->rowinv, *rn = cs->rownorm, *rv = w->rvals;
  double            dn = 0, cn = 0, rcn = 0;
  for (PetscInt l = 0; l < d; l++) {
    dn += (c[l] - w->rc[l]) * (c[l] - w->rc[l]);
    cn += c[l] * c[l];
    rcn += w->rc[l] * w->rc[l];
  }
  /* the bound's slack: the step, and 1e-13 of the points' norms for the
   * rounding of the passes (d eps |x_k| |c| each, 6e-15 at d = 51) */
  double slack = sqrt(dn) * (1 + 1e-12) + 1e-13 * (sqrt(cn) + sqrt(rcn)) - tol;
  /* count first (a cheap loop), so that a pass that fails costs little */
  for (PetscInt k = 0; k < n; k++) {
    double lb = rv[k] * ri[k] - slack;
    near += rn[k] > 0 && !(lb >= 0 && lb < INFINITY);
  }
  if (near > limit) return PETSC_FALSE;
  for (PetscInt k = 0; k < n; k++) {
    double lb = rv[k] * ri[k] - slack;
    if (!(rn[k] > 0)) vals[k] = 0; /* a zero row is no constraint */
    else if (lb >= 0 && lb < INFINITY) vals[k] = rv[k];
    else vals[k] = ConsDot(K, k, c); /* near, or unknown in the reference (+-inf) */
  }
  return PETSC_TRUE;
}

/* Solves min 1/2 ||c - v||^2 s.t. a_k^T c >= margin ||a_k|| for the
 * constraints K. w->J[0..*q) is the warm-start set on input, the final active
 * set on output. status: 0 solved, 1 infeasible, 2 step cap reached, 3
 * stopped at a point of norm <= stop_below, 4 stopped at the wall time
 * stop_time (3 and 4: margin 0 only, c the projection onto the working
 * set's relaxation; see CvxConeProjectBelow). */
static void ActiveSetSolve(const ConeCons *K, CvxConeWork *w, const double *v, double margin, double *c, PetscInt *q,
                           PetscInt max_steps, PetscBool warm_only, double stop_below, double stop_time, int *status,
                           PetscInt64 *nsteps)
{
  PetscInt d = w->d, qq = 0, steps = 0, ncand = 0;
  double   vnorm = 0;
  /* the caller's values for the first pass, this solve only, at the point
   * c holds on entry; they and that point are the first reference of the
   * later passes (ConeBoundPass), which every full pass then renews */
  const double *seed = w->seed;
  PetscBool     ref  = PETSC_FALSE, refs = (PetscBool)(!K->red && margin == 0);
  w->seed            = NULL;
  if (seed && refs) memcpy(w->rc, c, (size_t)d * sizeof(double));
  /* the cached factors serve projections (margin 0) only */
  CvxConeCache *cache =
    (w->cache && w->cache->d == d && margin == 0 && w->slot >= 0 && w->slot < w->cache->nslots) ? w->cache : NULL;
  PetscInt      slot  = w->slot, cone = K->i;
  /* hit: the warm start took the slot's factors; changes: rows added or
   * dropped since (the slot's fast maps hold for an unchanged set) */
  PetscBool     hit = PETSC_FALSE, fast = PETSC_FALSE;
  PetscInt      changes = 0;

  *status = 0;
  for (PetscInt l = 0; l < d; l++) vnorm += v[l] * v[l];
  vnorm = sqrt(vnorm);
  if (CvxConePast(stop_time, d)) {
    /* already past the stop time: not even the warm start (up to d^3
     * flops); the warm-start set stays for the next solve */
    qq = *q;
    goto late;
  }

  /* Warm start: the equality-constrained solution on the previous active set,
   * dropping rows until every multiplier is nonnegative. The set's factors
   * come from the cache when it holds them. */
  if (cache && cache->q[slot] == *q && *q <= d && cache->cone[slot] == cone &&
      !memcmp(cache->J + (size_t)slot * d, w->J, (size_t)*q * sizeof(PetscInt))) {
    /* the slot's buffers and the scratch space trade places (no copy); the
     * slot holds scratch until the end of the solve */
    double *t       = w->Q;
    w->Q            = cache->Q[slot];
    cache->Q[slot]  = t;
    t               = w->R;
    w->R            = cache->R[slot];
    cache->R[slot]  = t;
    cache->q[slot]  = -1;
    qq              = *q;
    hit             = PETSC_TRUE;
    cache->hits++;
  } else if (cache) cache->misses++;
  for (PetscInt j = (cache && qq == *q) ? *q : 0; j < *q && qq < d; j++) {
    PetscInt k = w->J[j];
    if (k < 0 || k >= K->m) continue;
    if (CvxConePast(stop_time, d)) goto late;
    ConsRow(K, k, w->arow);
    double an = ConsNorm(K, k);
    if (!(an > 0)) continue;
    double nrm = QROrth(d, qq, w->Q, w->arow, w->r, w->rem, w->orth);
    if (nrm > CONE_DEP_TOL * an) {
      QRAppend(d, qq, w->Q, w->R, w->r, w->rem, nrm);
      w->J[qq++] = k;
    }
  }
  if (hit && qq > 0 && cache->mn[slot]) {
    /* the slot's maps: when no multiplier is negative, c is the
     * projection onto the set's null space, N N^T v (or v - Q Q^T v for a
     * set of fewer than d / 2 rows), and the warm start is done */
    const double *M  = cache->MN[slot];
    double       *vr = cache->vref + (size_t)slot * (size_t)d;
    PetscBool     neg = PETSC_FALSE, known = PETSC_FALSE;
    if (warm_only && cache->lref[slot] > 0) {
      /* no multiplier can be negative yet (see CvxConeCache) */
      double dist = 0;
      for (PetscInt l = 0; l < d; l++) dist += (v[l] - vr[l]) * (v[l] - vr[l]);
      known = (PetscBool)(sqrt(dist) * cache->mrow[slot] < cache->lref[slot]);
      if (known) cache->bounded++;
    }
    if (!known) {
      MapMultipliers(d, qq, M, v, w->lam);
      double lmin = INFINITY;
      for (PetscInt j = 0; j < qq; j++) lmin = PetscMin(lmin, w->lam[j]);
      neg = (PetscBool)!(lmin >= 0);
      if (!neg) {
        memcpy(vr, v, (size_t)d * sizeof(double));
        cache->lref[slot] = lmin;
      }
    }
    if (!neg) {
      if (2 * qq >= d) {
        const double *N = M + (size_t)qq * (size_t)d;
        SubspaceCoef(d, d - qq, N, v, w->r);
        for (PetscInt j = 0; j < d - qq; j++) w->r[j] = -w->r[j];
        for (PetscInt l = 0; l < d; l++) c[l] = 0;
        SubspaceRemove(d, d - qq, N, w->r, c);
      } else {
        memcpy(c, v, (size_t)d * sizeof(double));
        SubspaceCoef(d, qq, w->Q, v, w->r);
        SubspaceRemove(d, qq, w->Q, w->r, c);
      }
      fast = PETSC_TRUE;
      cache->fast++;
    }
  }
  /* whether w->r holds Q^T v for the current factors (no row dropped since) */
  PetscBool coef = PETSC_FALSE;
  for (;;) {
    if (qq == 0 || fast) break;
    if (CvxConePast(stop_time, d)) goto late;
    if (margin == 0) {
      /* A_J = R^T Q^T: R^T R lam = -A_J v is R lam = -Q^T v */
      SubspaceCoef(d, qq, w->Q, v, w->r);
      coef = PETSC_TRUE;
      for (PetscInt j = 0; j < qq; j++) w->lam[j] = -w->r[j];
    } else {
      for (PetscInt j = 0; j < qq; j++) {
        ConsRow(K, w->J[j], w->arow);
        double s = 0;
        for (PetscInt l = 0; l < d; l++) s += w->arow[l] * v[l];
        w->lam[j] = margin * ConsNorm(K, w->J[j]) - s;
      }
      QRSolveLower(d, qq, w->R, w->lam);
    }
    QRSolveUpper(d, qq, w->R, w->lam);
    PetscInt worst = -1;
    double   wl    = 0;
    for (PetscInt j = 0; j < qq; j++)
      if (w->lam[j] < wl) {
        wl    = w->lam[j];
        worst = j;
      }
    if (worst < 0) break;
    QRDelete(d, qq, w->Q, w->R, worst);
    ActiveRemove(w, &qq, worst);
    coef = PETSC_FALSE;
    changes++;
  }
  if (!fast) {
    memcpy(c, v, (size_t)d * sizeof(double));
    if (margin == 0 && qq > 0) {
      /* c = v + A_J^T lam = v - Q Q^T v, the projection onto the subspace
       * (Q^T v from the multipliers' solve when no row was dropped after it) */
      if (!coef) SubspaceCoef(d, qq, w->Q, v, w->r);
      SubspaceRemove(d, qq, w->Q, w->r, c);
    } else
      for (PetscInt j = 0; j < qq; j++) {
        ConsRow(K, w->J[j], w->arow);
        for (PetscInt l = 0; l < d; l++) c[l] += w->lam[j] * w->arow[l];
      }
  }
  if (warm_only) goto done;

  for (;;) {
    /* Most violated constraint (relative to its norm). */
    double cnorm = 0;
    for (PetscInt l = 0; l < d; l++) cnorm += c[l] * c[l];
    cnorm = sqrt(cnorm);
    /* c is here the projection onto the cone of the working set's rows, a
     * relaxation of K, so ||P_K(v)|| <= ||c||, and ||c|| only falls from
     * here on (||c||^2 = ||v||^2 - ||c - v||^2 at every such point) */
    if (stop_below > 0 && cnorm <= stop_below) {
      *status = 3;
      goto done;
    }
    if (CvxConePast(stop_time, d)) {
      *status = 4;
      goto done;
    }
    double tol = CONE_FEAS_TOL * (PetscMax(vnorm, cnorm) + margin);
    /* The row to add: any violated one will do (each addition raises the
     * dual objective). The most violated of the candidates, rows the last
     * full pass found violated, costs d flops per candidate; only when
     * none of them is violated any more is the full pass (n d flops)
     * repeated, which also ends the solve when it finds no violated row. */
    PetscInt p = -1, pc = -1;
    double   worst = tol, pval = 0;
    for (PetscInt t = 0; t < ncand; t++) {
      PetscInt k  = w->cidx[t];
      double   an = ConsNorm(K, k), val = ConsDot(K, k, c);
      double viol = (margin * an - val) / an;
      if (viol > worst) {
        worst = viol;
        p     = k;
        pc    = t;
        pval  = val;
      }
    }
    if (p >= 0) w->cidx[pc] = w->cidx[--ncand];
    else {
      PetscBool seeded = (PetscBool)(seed && !K->red), bounded = PETSC_FALSE;
      if (seeded) ConsSeedValues(K, seed, w->vals);
      else if (ref) bounded = ConeBoundPass(K, w, c, tol, w->vals);
      if (!seeded && !bounded) ConsValues(K, c, w->vals);
      if (refs && !bounded) {
        /* a new reference (before the active rows are set aside below) */
        memcpy(w->rvals, w->vals, (size_t)K->m * sizeof(double));
        if (!seeded) memcpy(w->rc, c, (size_t)d * sizeof(double));
        ref = PETSC_TRUE;
      }
      seed = NULL;
      for (PetscInt j = 0; j < qq; j++) w->vals[w->J[j]] = INFINITY; /* active rows are satisfied */
      ncand = 0;
      if (!K->red && margin == 0) {
        /* the same test with the norms' reciprocals, without a division,
         * and branch-free: every row is written at the end of the list,
         * which grows only past the violated ones (whether a row is
         * violated follows no pattern the branch predictor could learn) */
        const double *ri = K->cs->rowinv, *vals = w->vals;
        double       *cv = w->cval;
        PetscInt     *ci = w->cidx;
        for (PetscInt k = 0; k < K->m; k++) {
          double viol = -vals[k] * ri[k];
          cv[ncand]   = viol;
          ci[ncand]   = k;
          ncand += viol > tol;
        }
      } else
        for (PetscInt k = 0; k < K->m; k++) {
          double an = ConsNorm(K, k);
          if (!(an > 0)) continue;
          double viol = (margin * an - w->vals[k]) / an;
          if (viol > tol) {
            w->cval[ncand]   = viol;
            w->cidx[ncand++] = k;
          }
        }
      /* only a computed pass ends the solve */
      if (ncand == 0 && seeded) continue;
      if (ncand == 0) break;
      /* the most violated first, then up to CONE_CANDIDATES more */
      TopK(w->cval, w->cidx, ncand, PetscMin(ncand, CONE_CANDIDATES + 1));
      ncand = PetscMin(ncand, CONE_CANDIDATES + 1);
      PetscInt best = 0;
      for (PetscInt t = 1; t < ncand; t++)
        if (w->cval[t] > w->cval[best]) best = t;
      p               = w->cidx[best];
      pval            = w->vals[p];
      w->cidx[best]   = w->cidx[--ncand];
    }

    double sp = pval - margin * ConsNorm(K, p), u = 0;
    ConsRow(K, p, w->tmp); /* a_p, kept in tmp for the inner loop */
    double apn = ConsNorm(K, p);
    for (;;) {
      if (++steps > max_steps) {
        *status = 2;
        goto done;
      }
      /* mid-step c is no relaxation's projection: ||v|| is the bound
       * left (at large q and d one step, with its QR rebuilds, can take
       * seconds) */
      if (CvxConePast(stop_time, d)) goto late;
      double nrm = QROrth(d, qq, w->Q, w->tmp, w->r, w->rem, w->orth);
      /* dual direction x = R^{-1} Q^T a_p */
      memcpy(w->c, w->r, (size_t)qq * sizeof(double));
      QRSolveUpper(d, qq, w->R, w->c);
      double   t1 = INFINITY;
      PetscInt l  = -1;
      for (PetscInt j = 0; j < qq; j++)
        if (w->c[j] > 0) {
          double ratio = w->lam[j] / w->c[j];
          if (ratio < t1) {
            t1 = ratio;
            l  = j;
          }
        }
      PetscBool dependent = (PetscBool)(nrm <= CONE_DEP_TOL * apn);
      double    t2        = dependent ? INFINITY : -sp / (nrm * nrm);
      if (isinf(t1) && isinf(t2)) {
        *status = 1;
        goto done;
      }
      double t = PetscMin(t1, t2);
      if (t < 0) t = 0;
      if (!dependent) {
        for (PetscInt m = 0; m < d; m++) c[m] += t * w->rem[m];
        sp += t * nrm * nrm;
      }
      for (PetscInt j = 0; j < qq; j++) w->lam[j] -= t * w->c[j];
      u += t;
      changes++;
      if (!dependent && t2 <= t1) {
        QRAppend(d, qq, w->Q, w->R, w->r, w->rem, nrm);
        w->J[qq]   = p;
        w->lam[qq] = u;
        qq++;
        break;
      }
      QRDelete(d, qq, w->Q, w->R, l);
      ActiveRemove(w, &qq, l);
    }
  }
done:
  *q = qq;
  *nsteps += steps;
  if (cache) {
    /* solved, stopped below the bound or warm start only: the factors are
     * those of J[0..qq); otherwise the slot is emptied */
    if (*status == 0 || *status == 3) {
      /* the factors move to the slot, its buffers become the scratch */
      double *t         = cache->Q[slot];
      cache->Q[slot]    = w->Q;
      w->Q              = t;
      t                 = cache->R[slot];
      cache->R[slot]    = w->R;
      w->R              = t;
      cache->q[slot]    = qq;
      cache->cone[slot] = cone;
      memcpy(cache->J + (size_t)slot * d, w->J, (size_t)qq * sizeof(PetscInt));
      /* a set that solves kept twice in a row gets its fast maps (early
       * in a solve the sets change at almost every call, and maps made
       * at the first repeat mostly went unused) */
      if (!(hit && changes == 0)) {
        cache->mn[slot]     = PETSC_FALSE;
        cache->sref[slot]   = -1;
        cache->streak[slot] = 0;
      } else if (++cache->streak[slot] >= 2 && !cache->mn[slot] && cache->MN[slot] && qq > 0) {
        cache->mn[slot]   = ConeMaps(d, qq, cache->Q[slot], cache->R[slot], cache->MN[slot], &cache->mrow[slot],
                                     w->c, w->arow, w->r, w->rem, w->orth);
        cache->lref[slot] = -1;
        /* maps that could not be made (factors too far from orthonormal,
         * or M not finite) are tried again after 64 more solves, not at
         * every one */
        if (!cache->mn[slot]) cache->streak[slot] = -64;
      }
    } else {
      cache->q[slot]      = -1;
      cache->mn[slot]     = PETSC_FALSE;
      cache->sref[slot]   = -1;
      cache->streak[slot] = 0;
    }
  }
  return;
late:
  /* stopped by stop_time where c is not (yet) a relaxation's projection:
   * c = v, the projection onto the empty relaxation */
  memcpy(c, v, (size_t)d * sizeof(double));
  *status = 4;
  goto done;
}

/* ------------------------------------------------------------ facets */

/* Facets of a cone of dimension d <= 3 with unit interior direction c:
 * indices of the rows that are extreme rays of cone{a_k}. Returns the count,
 * or -1 when the reduction failed (the caller keeps all rows). */
static PetscInt ConeFacets(const ConeCons *K, const double *c, PetscInt *idx, double *px, double *py,
                           PetscInt *pk)
{
  const CvxConeSet *cs = K->cs;
  PetscInt          d = cs->d, n = cs->n, np = 0;
  double            a[3], e1[3] = {0, 0, 0}, e2[3] = {0, 0, 0};

  if (d == 1) {
    for (PetscInt k = 0; k < n; k++)
      if (cs->rownorm[k] > 0) {
        idx[0] = k;
        return 1;
      }
    return 0;
  }
  if (d == 2) {
    e1[0] = -c[1];
    e1[1] = c[0];
  } else {
    /* e1 orthogonal to c: cross product with the axis least aligned with c */
    int    ax = 0;
    double mn = fabs(c[0]);
    for (int j = 1; j < 3; j++)
      if (fabs(c[j]) < mn) {
        mn = fabs(c[j]);
        ax = j;
      }
    double ea[3] = {0, 0, 0};
    ea[ax]       = 1;
    e1[0]        = c[1] * ea[2] - c[2] * ea[1];
    e1[1]        = c[2] * ea[0] - c[0] * ea[2];
    e1[2]        = c[0] * ea[1] - c[1] * ea[0];
    double nn    = sqrt(e1[0] * e1[0] + e1[1] * e1[1] + e1[2] * e1[2]);
    for (int j = 0; j < 3; j++) e1[j] /= nn;
    e2[0] = c[1] * e1[2] - c[2] * e1[1];
    e2[1] = c[2] * e1[0] - c[0] * e1[2];
    e2[2] = c[0] * e1[1] - c[1] * e1[0];
  }
  for (PetscInt k = 0; k < n; k++) {
    if (!(cs->rownorm[k] > 0)) continue;
    ConsRow(K, k, a);
    double h = 0, x1 = 0, x2 = 0;
    for (PetscInt j = 0; j < d; j++) {
      h += c[j] * a[j];
      x1 += e1[j] * a[j];
      x2 += e2[j] * a[j];
    }
    if (!(h > 0)) return -1;
    px[np] = x1 / h;
    py[np] = x2 / h;
    pk[np] = k;
    np++;
  }
  if (np == 0) return 0;
  if (d == 2) {
    PetscInt lo = 0, hi = 0;
    for (PetscInt t = 1; t < np; t++) {
      if (px[t] < px[lo]) lo = t;
      if (px[t] > px[hi]) hi = t;
    }
    idx[0] = pk[lo];
    if (px[hi] > px[lo]) {
      idx[1] = pk[hi];
      return 2;
    }
    return 1;
  }
  /* d == 3: counter-clockwise convex hull by gift wrapping. */
  PetscInt start = 0;
  double   scale = 0;
  for (PetscInt t = 1; t < np; t++)
    if (px[t] < px[start] || (px[t] == px[start] && py[t] < py[start])) start = t;
  for (PetscInt t = 0; t < np; t++) scale = PetscMax(scale, fabs(px[t] - px[start]) + fabs(py[t] - py[start]));
  if (scale == 0) {
    idx[0] = pk[start];
    return 1;
  }
  double   eps = 1e-13 * scale * scale;
  PetscInt cur = start, nf = 0;
  do {
    if (nf >= np) return -1;
    idx[nf++]    = pk[cur];
    PetscInt nxt = -1;
    for (PetscInt t = 0; t < np; t++) {
      double dx = px[t] - px[cur], dy = py[t] - py[cur];
      if (fabs(dx) + fabs(dy) <= 1e-15 * scale) continue; /* same point */
      if (nxt < 0) {
        nxt = t;
        continue;
      }
      double ex = px[nxt] - px[cur], ey = py[nxt] - py[cur];
      double cr = ex * dy - ey * dx;
      if (cr < -eps) nxt = t; /* t lies to the right of cur -> nxt */
      else if (cr <= eps && dx * dx + dy * dy > ex * ex + ey * ey) nxt = t;
    }
    if (nxt < 0) return nf; /* all points coincide */
    cur = nxt;
  } while (cur != start);
  return nf;
}

/* ------------------------------------------------------------ public */

/* Bytes of a cache of nslots slots for cones in R^d. */
double CvxConeCacheBytes(PetscInt d, PetscInt nslots, PetscBool maps, PetscBool near)
{
  double rows = CVX_CONE_NEAR_ROWS; /* the lists: index, slack and weight per row, count and cut per slot */
  return (double)nslots * ((double)(d + 2) * sizeof(PetscInt) + sizeof(PetscBool) +
                           (2.0 * (double)d * d + d + 1) * sizeof(double) + sizeof(PetscInt) +
                           (maps ? ((double)d * d + d + 2) * sizeof(double) : 0.0) +
                           (near ? (rows + 2) * sizeof(PetscInt) +
                                     (2.0 * rows + 1 + ((double)d + rows) * CVX_CONE_SUB_MAX) * sizeof(double)
                                 : 0.0));
}

/* Allocates an empty cache; see cone.h. Not collective. */
PetscErrorCode CvxConeCacheCreate(PetscInt d, PetscInt nslots, PetscBool maps, PetscBool near, CvxConeCache *cache)
{
  size_t ns = (size_t)PetscMax(nslots, 1);

  PetscFunctionBeginUser;
  memset(cache, 0, sizeof(*cache));
  cache->d      = d;
  cache->nslots = nslots;
  PetscCall(PetscMalloc5(ns, &cache->q, ns, &cache->cone, (size_t)d * ns, &cache->J, ns, &cache->Q, ns, &cache->R));
  PetscCall(PetscCalloc2(ns, &cache->MN, ns, &cache->mn));
  if (maps) PetscCall(PetscMalloc3((size_t)d * ns, &cache->vref, ns, &cache->lref, ns, &cache->mrow));
  PetscCall(PetscMalloc3((size_t)d * ns, &cache->cref, ns, &cache->sref, ns, &cache->streak));
  if (near) {
    PetscCall(PetscMalloc5((size_t)CVX_CONE_NEAR_ROWS * ns, &cache->sval, (size_t)CVX_CONE_NEAR_ROWS * ns,
                           &cache->swt, ns, &cache->stau, (size_t)CVX_CONE_NEAR_ROWS * ns, &cache->near, ns,
                           &cache->nnear));
    PetscCall(PetscMalloc3((size_t)d * CVX_CONE_SUB_MAX * ns, &cache->sbasis,
                           (size_t)CVX_CONE_NEAR_ROWS * CVX_CONE_SUB_MAX * ns, &cache->swk, ns, &cache->nsub));
    for (PetscInt s = 0; s < nslots; s++) {
      cache->stau[s]  = INFINITY;
      cache->nnear[s] = 0;
      cache->nsub[s]  = 0;
    }
  }
  for (PetscInt s = 0; s < nslots; s++) {
    cache->q[s]      = -1;
    cache->sref[s]   = -1;
    cache->streak[s] = 0;
    PetscCall(PetscMalloc1((size_t)d * (size_t)d, &cache->Q[s]));
    PetscCall(PetscCalloc1((size_t)d * (size_t)d, &cache->R[s]));
    if (maps) PetscCall(PetscMalloc1((size_t)d * (size_t)d, &cache->MN[s]));
  }
  PetscFunctionReturn(0);
}

/* Frees a cache (also one never created: zeroed). Not collective. */
PetscErrorCode CvxConeCacheDestroy(CvxConeCache *cache)
{
  PetscFunctionBeginUser;
  if (cache->q) {
    for (PetscInt s = 0; s < cache->nslots; s++) {
      PetscCall(PetscFree(cache->Q[s]));
      PetscCall(PetscFree(cache->R[s]));
      PetscCall(PetscFree(cache->MN[s]));
    }
    PetscCall(PetscFree5(cache->q, cache->cone, cache->J, cache->Q, cache->R));
    PetscCall(PetscFree2(cache->MN, cache->mn));
    PetscCall(PetscFree3(cache->vref, cache->lref, cache->mrow));
    PetscCall(PetscFree3(cache->cref, cache->sref, cache->streak));
    PetscCall(PetscFree5(cache->sval, cache->swt, cache->stau, cache->near, cache->nnear));
    PetscCall(PetscFree3(cache->sbasis, cache->swk, cache->nsub));
  }
  memset(cache, 0, sizeof(*cache));
  PetscFunctionReturn(0);
}

/* Allocates scratch space for cones in R^d over n samples. Not collective. */
PetscErrorCode CvxConeWorkCreate(PetscInt n, PetscInt d, CvxConeWork *w)
{
  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && d >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "cone.c: bad sizes n = %d, d = %d",
             (int)n, (int)d);
  memset(w, 0, sizeof(*w));
  w->n = n;
  w->d = d;
  PetscCall(PetscMalloc1((size_t)d * (size_t)d, &w->Q));
  PetscCall(PetscCalloc1((size_t)d * (size_t)d, &w->R));
  PetscCall(PetscMalloc1((size_t)d + 1, &w->lam));
  PetscCall(PetscMalloc1((size_t)d + 1, &w->c));
  PetscCall(PetscMalloc1((size_t)d, &w->rem));
  PetscCall(PetscMalloc1((size_t)d + 1, &w->r));
  PetscCall(PetscMalloc1((size_t)d, &w->tmp));
  PetscCall(PetscMalloc1((size_t)d, &w->arow));
  PetscCall(PetscMalloc1((size_t)d + 1, &w->orth));
  PetscCall(PetscMalloc1((size_t)n, &w->vals));
  PetscCall(PetscMalloc1((size_t)d + 1, &w->J));
  PetscCall(PetscMalloc2((size_t)n, &w->cval, (size_t)n, &w->cidx));
  PetscCall(PetscMalloc2((size_t)n, &w->rvals, (size_t)d, &w->rc));
  PetscFunctionReturn(0);
}

/* Frees scratch space. Not collective. */
PetscErrorCode CvxConeWorkDestroy(CvxConeWork *w)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(w->Q));
  PetscCall(PetscFree(w->R));
  PetscCall(PetscFree(w->lam));
  PetscCall(PetscFree(w->c));
  PetscCall(PetscFree(w->rem));
  PetscCall(PetscFree(w->r));
  PetscCall(PetscFree(w->tmp));
  PetscCall(PetscFree(w->arow));
  PetscCall(PetscFree(w->orth));
  PetscCall(PetscFree(w->vals));
  PetscCall(PetscFree(w->J));
  PetscCall(PetscFree2(w->cval, w->cidx));
  PetscCall(PetscFree2(w->rvals, w->rc));
  PetscFunctionReturn(0);
}

/* Builds the cone set; see cone.h. Not collective. */
PetscErrorCode CvxConeSetCreate(PetscInt n, PetscInt d, const double *X, PetscInt np, PetscInt words,
                                const uint64_t *bits, PetscBool reduce, CvxConeSet *cs)
{
  CvxConeWork w;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && d >= 1 && np >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "cone.c: bad sizes n = %d, d = %d, patterns = %d", (int)n, (int)d, (int)np);
  memset(cs, 0, sizeof(*cs));
  cs->n         = n;
  cs->d         = d;
  cs->np        = np;
  cs->words     = words;
  cs->X         = X;
  cs->bits      = bits;
  cs->max_steps = 10 * d + 50;
  cs->stop_time = INFINITY;
  PetscCall(PetscMalloc1((size_t)n, &cs->rownorm));
  PetscCall(PetscMalloc1((size_t)n, &cs->rowinv));
  PetscCall(PetscMalloc1((size_t)n * (size_t)d, &cs->Xrow));
  for (PetscInt j = 0; j < d; j++)
    for (PetscInt k = 0; k < n; k++) cs->Xrow[(size_t)k * d + j] = X[k + (size_t)j * n];
  for (PetscInt k = 0; k < n; k++) {
    const double *xr = cs->Xrow + (size_t)k * d;
    double        s  = 0;
    for (PetscInt j = 0; j < d; j++) s += xr[j] * xr[j];
    cs->rownorm[k] = sqrt(s);
    cs->rowinv[k]  = cs->rownorm[k] > 0 ? 1.0 / cs->rownorm[k] : 0.0;
  }
  PetscCall(PetscCalloc1((size_t)d * (size_t)(np > 0 ? np : 1), &cs->interior));
  PetscCall(PetscCalloc1((size_t)np + 1, &cs->reduced));
  PetscCall(PetscCalloc1((size_t)np + 1, &cs->foff));
  if (!reduce || d > 3 || np == 0) PetscFunctionReturn(0);

  /* Facet reduction: interior direction, then extreme rays of cone{a_k}. */
  PetscInt cap = 8 * np + 8, used = 0;
  PetscInt *idx, *pk;
  double   *px, *py;
  PetscCall(PetscMalloc1((size_t)cap * (size_t)d, &cs->facets));
  PetscCall(PetscMalloc1((size_t)n, &idx));
  PetscCall(PetscMalloc1((size_t)n, &pk));
  PetscCall(PetscMalloc1((size_t)n, &px));
  PetscCall(PetscMalloc1((size_t)n, &py));
  PetscCall(CvxConeWorkCreate(n, d, &w));
  for (PetscInt i = 0; i < np; i++) {
    double   *c = cs->interior + (size_t)i * (size_t)d;
    PetscBool found;
    cs->foff[i] = used;
    PetscCall(CvxConeInterior(cs, &w, i, c, &found));
    if (!found) continue;
    ConeCons K;
    ConsInit(cs, i, PETSC_FALSE, &K);
    PetscInt nf = ConeFacets(&K, c, idx, px, py, pk);
    if (nf < 0) continue;
    if (used + nf > cap) {
      double *nfacets;
      PetscInt ncap = 2 * cap + nf;
      PetscCall(PetscMalloc1((size_t)ncap * (size_t)d, &nfacets));
      PetscCall(PetscArraycpy(nfacets, cs->facets, (size_t)used * (size_t)d));
      PetscCall(PetscFree(cs->facets));
      cs->facets = nfacets;
      cap        = ncap;
    }
    for (PetscInt f = 0; f < nf; f++) {
      double *a = cs->facets + (size_t)(used + f) * (size_t)d;
      ConsRow(&K, idx[f], a);
      for (PetscInt j = 0; j < d; j++) a[j] /= cs->rownorm[idx[f]];
    }
    used += nf;
    cs->reduced[i] = PETSC_TRUE;
  }
  cs->foff[np] = used;
  PetscCall(CvxConeWorkDestroy(&w));
  PetscCall(PetscFree(idx));
  PetscCall(PetscFree(pk));
  PetscCall(PetscFree(px));
  PetscCall(PetscFree(py));
  PetscFunctionReturn(0);
}

/* Frees the cone set. Not collective. */
PetscErrorCode CvxConeSetDestroy(CvxConeSet *cs)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(cs->rownorm));
  PetscCall(PetscFree(cs->rowinv));
  PetscCall(PetscFree(cs->Xrow));
  PetscCall(PetscFree(cs->reduced));
  PetscCall(PetscFree(cs->foff));
  PetscCall(PetscFree(cs->facets));
  PetscCall(PetscFree(cs->interior));
  PetscFunctionReturn(0);
}

/* c = P_{K_i}(v) with warm-started active set; see cone.h. Not collective. */
PetscErrorCode CvxConeProject(CvxConeSet *cs, CvxConeWork *w, PetscInt i, const double *v, double *c, PetscInt *J,
                              PetscInt *q, PetscBool *ok)
{
  PetscBool below;

  PetscFunctionBeginUser;
  PetscCall(CvxConeProjectBelow(cs, w, i, v, c, J, q, 0.0, ok, &below));
  PetscFunctionReturn(0);
}

/* CvxConeProject that stops once ||P_K(v)|| <= bound is proven; see
 * cone.h. Not collective. */
PetscErrorCode CvxConeProjectBelow(CvxConeSet *cs, CvxConeWork *w, PetscInt i, const double *v, double *c,
                                   PetscInt *J, PetscInt *q, double bound, PetscBool *ok, PetscBool *below)
{
  ConeCons K;
  int      status;
  PetscInt qq = PetscMin(*q, cs->d);

  PetscFunctionBeginUser;
  ConsInit(cs, i, PETSC_TRUE, &K);
  for (PetscInt j = 0; j < qq; j++) w->J[j] = J[j];
  ActiveSetSolve(&K, w, v, 0.0, c, &qq, cs->max_steps, PETSC_FALSE, bound, cs->stop_time, &status, &cs->steps);
  cs->solves++;
  for (PetscInt j = 0; j < qq; j++) J[j] = w->J[j];
  *q     = qq;
  *ok    = (PetscBool)(status == 0 || status == 3 || status == 4);
  *below = (PetscBool)(status == 3);
  if (status == 1 || status == 2) cs->capped++;
  if (status == 4) cs->timed++;
  PetscFunctionReturn(0);
}

/* Warm-start phase only; see cone.h. Not collective. */
PetscErrorCode CvxConeProjectWarm(CvxConeSet *cs, CvxConeWork *w, PetscInt i, const double *v, double *c, PetscInt *J,
                                  PetscInt *q)
{
  ConeCons   K;
  int        status;
  PetscInt   qq = PetscMin(*q, cs->d);
  PetscInt64 steps = 0;

  PetscFunctionBeginUser;
  ConsInit(cs, i, PETSC_TRUE, &K);
  for (PetscInt j = 0; j < qq; j++) w->J[j] = J[j];
  ActiveSetSolve(&K, w, v, 0.0, c, &qq, cs->max_steps, PETSC_TRUE, 0.0, cs->stop_time, &status, &steps);
  for (PetscInt j = 0; j < qq; j++) J[j] = w->J[j];
  *q = qq;
  if (status == 4) cs->timed++;
  PetscFunctionReturn(0);
}

/* Largest normalized violation over all rows; see cone.h. Not collective. */
PetscErrorCode CvxConeViolation(const CvxConeSet *cs, CvxConeWork *w, PetscInt i, const double *c, double *viol)
{
  ConeCons K;

  PetscFunctionBeginUser;
  ConsInit(cs, i, PETSC_FALSE, &K);
  ConsValues(&K, c, w->vals);
  double worst = -INFINITY;
  for (PetscInt k = 0; k < cs->n; k++)
    if (cs->rownorm[k] > 0) worst = PetscMax(worst, -w->vals[k] / cs->rownorm[k]);
  *viol = isinf(worst) ? 0 : worst;
  PetscFunctionReturn(0);
}

/* Unit interior direction of cone i; see cone.h. Not collective. */
PetscErrorCode CvxConeInterior(CvxConeSet *cs, CvxConeWork *w, PetscInt i, double *c, PetscBool *found)
{
  ConeCons K;
  int      status;
  PetscInt q = 0;
  double   nrm = 0;

  PetscFunctionBeginUser;
  ConsInit(cs, i, PETSC_FALSE, &K);
  for (PetscInt j = 0; j < cs->d; j++) w->tmp[j] = 0;
  double *zero;
  PetscCall(PetscCalloc1((size_t)cs->d, &zero));
  ActiveSetSolve(&K, w, zero, 1.0, c, &q, 4 * cs->max_steps, PETSC_FALSE, 0.0, INFINITY, &status, &cs->steps);
  PetscCall(PetscFree(zero));
  for (PetscInt j = 0; j < cs->d; j++) nrm += c[j] * c[j];
  nrm    = sqrt(nrm);
  *found = (PetscBool)(status == 0 && nrm > 0);
  if (*found) {
    for (PetscInt j = 0; j < cs->d; j++) c[j] /= nrm;
    /* confirm strict interior */
    double viol;
    PetscCall(CvxConeViolation(cs, w, i, c, &viol));
    if (!(viol < 0)) *found = PETSC_FALSE;
  }
  if (!*found)
    for (PetscInt j = 0; j < cs->d; j++) c[j] = 0;
  PetscFunctionReturn(0);
}
