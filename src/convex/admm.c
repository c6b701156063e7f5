/* Distributed ADMM for the convex program, its duality certificate and the
 * recovery of the network. See admm.h and DESIGN.md section 3.
 *
 * Both splittings are written as Douglas-Rachford iterations on a state t:
 *
 *     zs = prox_g(t)            (z-step: cone projection + shrink, slack clamp)
 *     u  = prox_f(2 zs - t)     (u-step: Woodbury solve through CvxGram)
 *     f  = alpha (A u - zs)     (fixed-point residual, alpha = relaxation)
 *     t <- t + f                (or the Anderson-accelerated point)
 *
 * which is exactly over-relaxed scaled ADMM (t = A u_hat + lambda). With
 * that form Anderson acceleration acts on one vector and any t yields a
 * feasible zs in the cone splitting.
 *
 * Layout: each rank holds its PL patterns as a dense 0/1 matrix Dm (n x PL)
 * and its 2 PL blocks as the columns of d x 2 PL matrices (v blocks first,
 * then w blocks). F u and F^T e are
 *     F u   = rowsum(X o (Dm (V - W)^T))          (n x d result)
 *     F^T e = [G, -G],  G = (diag(e) X)^T Dm      (d x PL result)
 * formed by table lookups over the bits of Dm when d <= PL (patprod.h;
 * two to three times faster than the GEMMs at d = 51) and as GEMMs
 * otherwise, so the u-step costs two such products and one Allreduce of
 * n doubles.
 */
#include "convex/admm_impl.h"

#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/lapack.h"
#include "core/simd.h"
#include "core/timer.h"

static PetscClassId  admm_classid;
static PetscLogEvent ev_setup, ev_iter, ev_cert, ev_polish;
static PetscBool     admm_registered = PETSC_FALSE;

/* Largest dense block (bytes) of n x columns scratch used for bulk checks. */
#define ADMM_CHUNK_BYTES ((size_t)32 << 20)
/* Certificates over which the gap's rate (for the time-left estimate) is taken. */
#define ADMM_ETA_WINDOW 64
/* From this n on the solve says when its setup starts and ends. */
#define ADMM_SETUP_NOTE_N 4000

/* Memory cap of the Anderson history. */
#define ADMM_AA_BYTES ((size_t)1 << 30)
/* Largest accepted distance of an Anderson point from the plain step's, in
 * units of the plain step ||f||. Measured over the cone splitting's solves
 * of five sampled programs (n = 400-2000, d = 4-51): accepted steps were at
 * most 3.4 ||f|| away (99.9% below 2.1), while the first step of a history
 * (one column, f barely changed since the start at z = 0) went 530 to
 * 27,000 ||f|| away; on benchmark (d) projecting that point took 0.7 s and
 * 40% of the solve's active-set steps before the step was rejected. */
#define ADMM_AA_MAX_STEP 10.0

static PetscErrorCode AdmmRegisterEvents(void)
{
  PetscFunctionBeginUser;
  if (admm_registered) PetscFunctionReturn(0);
  PetscCall(PetscClassIdRegister("Convex solver", &admm_classid));
  PetscCall(PetscLogEventRegister("CvxAdmmSetup", admm_classid, &ev_setup));
  PetscCall(PetscLogEventRegister("CvxAdmmIterate", admm_classid, &ev_iter));
  PetscCall(PetscLogEventRegister("CvxAdmmCertify", admm_classid, &ev_cert));
  PetscCall(PetscLogEventRegister("CvxAdmmPolish", admm_classid, &ev_polish));
  admm_registered = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Sets the documented defaults. Not collective. */
PetscErrorCode CvxAdmmOptionsSetDefaults(CvxAdmmOptions *opt)
{
  PetscFunctionBeginUser;
  PetscCheck(opt, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "admm.c: CvxAdmmOptionsSetDefaults needs an options struct");
  memset(opt, 0, sizeof(*opt));
  opt->splitting          = CVX_SPLIT_AUTO;
  opt->beta               = 1e-3;
  opt->rho                = 0;
  opt->relaxation         = 1.6;
  opt->anderson           = -1;
  opt->max_iter           = 100000;
  opt->tol                = 1e-6;
  opt->certify_every      = 20;
  opt->certify_fixed      = PETSC_FALSE;
  opt->time_limit         = 0;
  opt->polish             = PETSC_TRUE;
  opt->column_generation  = CVX_COLGEN_AUTO;
  opt->progress_interval  = 0;
  opt->verbosity          = CVX_LOG_NORMAL;
  opt->trace_every        = 0;
  opt->stall_certificates = 50;
  opt->polish_gap         = 1e-2;
  opt->polish_rounds      = 4;
  opt->polish_min_seconds = 2.0;
  opt->certificate_min_seconds = 10.0;
  opt->certificate_share       = 0.25;
  opt->recover_threshold  = 1e-10;
  opt->slack_nnls         = PETSC_TRUE;
  opt->slack_fused        = PETSC_TRUE;
  opt->certificate_prune  = PETSC_TRUE;
  opt->pattern_tables     = PETSC_TRUE;
  opt->dual_correction    = PETSC_TRUE;
  opt->primal_refit       = PETSC_TRUE;
  opt->rho_adapt          = PETSC_TRUE;
  opt->row_space          = PETSC_TRUE;
  PetscCall(CvxGramOptionsSetDefaults(&opt->gram));
  PetscFunctionReturn(0);
}

/* Name of a stop reason. */
const char *CvxAdmmStopReasonName(CvxAdmmStopReason reason)
{
  switch (reason) {
  case CVX_ADMM_CONVERGED: return "converged";
  case CVX_ADMM_MAX_ITER: return "max_iter";
  case CVX_ADMM_TIME_LIMIT: return "time_limit";
  case CVX_ADMM_STALLED: return "stalled";
  case CVX_ADMM_INTERRUPTED: return "interrupted";
  }
  return "unknown";
}

/* Frees the network of a result. Not collective. */
PetscErrorCode CvxAdmmResultDestroy(CvxAdmmResult *result)
{
  PetscFunctionBeginUser;
  if (!result) PetscFunctionReturn(0);
  PetscCall(CvxNetworkDestroy(&result->network));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ products */

/* out = local part of F x (n); see admm_impl.h. */
PetscErrorCode CvxAdmmFLocal(CvxAdmm *A, const double *x, double *out)
{
  PetscInt n = A->n, d = A->d, PL = A->PL;

  PetscFunctionBeginUser;
  if (PL == 0) {
    for (PetscInt k = 0; k < n; k++) out[k] = 0;
    PetscFunctionReturn(0);
  }
  const double *xv = x, *xw = x + (size_t)d * (size_t)PL;
  for (size_t t = 0; t < (size_t)d * (size_t)PL; t++) A->Dl[t] = xv[t] - xw[t];
  if (A->pp) {
    CvxPatProdF(A->pp, A->Dl, out);
    PetscFunctionReturn(0);
  }
  for (PetscInt k = 0; k < n; k++) out[k] = 0;
  if (A->pat_side) {
    /* sum_i D_i (X x_i): X [x_1 .. x_PL] (n x PL), masked and summed */
    CvxAdmmThinGemm(CblasNoTrans, (int)n, (int)PL, (int)d, 1.0, A->X, (int)n, A->Dl, (int)d, A->Wp, (int)n);
    for (PetscInt i = 0; i < PL; i++) {
      const double *Di = A->Dm + (size_t)i * (size_t)n, *Wi = A->Wp + (size_t)i * (size_t)n;
      for (PetscInt k = 0; k < n; k++) out[k] += Di[k] * Wi[k];
    }
    PetscFunctionReturn(0);
  }
  /* row k of sum_i D_i X x_i is x_k^T (sum_i D_ki x_i): M = Dm Dl^T (n x d) */
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)n, (int)d, (int)PL, 1.0, A->Dm, (int)n, A->Dl, (int)d, 0.0,
              A->M, (int)n);
  for (PetscInt l = 0; l < d; l++) {
    const double *Xl = A->X + (size_t)l * (size_t)n, *Ml = A->M + (size_t)l * (size_t)n;
    for (PetscInt k = 0; k < n; k++) out[k] += Xl[k] * Ml[k];
  }
  PetscFunctionReturn(0);
}

/* W[:, q] = e o Dm[:, i0 + q] for the cnt patterns from i0 (n x cnt,
 * leading dimension n): diag(e) D, the other side of X^T diag(e) D when
 * X is not scaled (pat_side). Local. */
static void AdmmScalePatterns(const CvxAdmm *A, const double *e, PetscInt i0, PetscInt cnt, double *W)
{
  PetscInt n = A->n;
  for (PetscInt q = 0; q < cnt; q++) {
    const double *Dq = A->Dm + (size_t)(i0 + q) * (size_t)n;
    double       *Wq = W + (size_t)q * (size_t)n;
    for (PetscInt k = 0; k < n; k++) Wq[k] = e[k] * Dq[k];
  }
}

/* A->Xe = diag(e) X (n x d). Local. */
static void AdmmScaleRows(CvxAdmm *A, const double *e)
{
  PetscInt n = A->n, d = A->d;
  for (PetscInt l = 0; l < d; l++) {
    const double *Xl = A->X + (size_t)l * (size_t)n;
    double       *Ol = A->Xe + (size_t)l * (size_t)n;
    for (PetscInt k = 0; k < n; k++) Ol[k] = e[k] * Xl[k];
  }
}

/* G = (diag(e) X)^T Dm (d x PL); see admm_impl.h. */
PetscErrorCode CvxAdmmFTLocal(CvxAdmm *A, const double *e, double *G)
{
  PetscInt n = A->n, d = A->d, PL = A->PL;

  PetscFunctionBeginUser;
  if (PL == 0) PetscFunctionReturn(0);
  if (A->pp) {
    CvxPatProdFT(A->pp, e, G);
    PetscFunctionReturn(0);
  }
  if (A->pat_side) {
    /* G = X^T (diag(e) Dm) */
    AdmmScalePatterns(A, e, 0, PL, A->Wp);
    CvxAdmmThinGemm(CblasTrans, (int)d, (int)PL, (int)n, 1.0, A->X, (int)n, A->Wp, (int)n, G, (int)d);
    PetscFunctionReturn(0);
  }
  AdmmScaleRows(A, e);
  /* G^T = Dm^T Xe (PL x d) into the scratch Dl, then transposed: this
   * shape runs about 15% faster in OpenBLAS than d x PL at d = 51 */
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)PL, (int)d, (int)n, 1.0, A->Dm, (int)n, A->Xe, (int)n, 0.0,
              A->Dl, (int)PL);
  for (PetscInt i = 0; i < PL; i++)
    for (PetscInt l = 0; l < d; l++) G[l + i * d] = A->Dl[i + l * PL];
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ projections */

/* Euclidean norm of a block of d entries. */
static double AdmmNorm(const double *c, PetscInt d)
{
  double s = 0;
  for (PetscInt l = 0; l < d; l++) s += c[l] * c[l];
  return sqrt(s);
}

/* c = P_K(v) for cone i by the active set. When the step cap is hit, the
 * z-step (feasible) takes 0, which is feasible, and a certificate takes v,
 * whose norm bounds ||P_K(v)|| from above. With bound > 0 (certificates
 * only) the solve stops once ||P_K(v)|| <= bound is proven, leaving in c
 * the upper bound that proved it (*below). Not collective. */
static PetscErrorCode AdmmProjectExact(CvxAdmm *A, PetscInt i, const double *v, double *c, PetscInt *J, PetscInt *nact,
                                       PetscBool feasible, double bound, PetscBool *below)
{
  PetscInt  d = A->d;
  PetscBool ok;

  PetscFunctionBeginUser;
  PetscInt64 timed0 = A->cones.timed;
  PetscCall(CvxConeProjectBelow(&A->cones, &A->cw, i, v, c, J, nact, bound, &ok, below));
  /* stopped by the stop time: c only bounds the norm, it need not be in K */
  if (feasible && A->cones.timed > timed0) ok = PETSC_FALSE;
  if (!ok) {
    if (feasible) {
      for (PetscInt l = 0; l < d; l++) c[l] = 0;
    } else {
      memcpy(c, v, (size_t)d * sizeof(double));
    }
    *nact = 0;
  }
  PetscFunctionReturn(0);
}

/* The normalized slack of row k (see AdmmLowestSlack). */
static inline double AdmmSlack(const double *D, const double *y, const double *rowinv, const double *rowpen,
                               PetscInt k)
{
  return (2.0 * D[k] - 1.0) * y[k] * rowinv[k] + rowpen[k];
}

/* Lowest normalized slack min_k (2 D_k - 1) y_k rowinv_k + rowpen_k of a
 * block's cone constraints at c, with y = X c, rowinv_k = 1 / ||x_k|| and
 * rowpen_k = 0, or 0 and +inf for a row of norm 0 (y_k = 0 there): such a
 * row is no constraint and left out, as are the rows where y_k is +-inf
 * (+inf, or NaN, which the min passes over). Negative for a violated
 * constraint, +inf when no row is left. A branch-free simd min, which
 * vectorizes; the minimum does not depend on the order. */
CVX_SIMD_CLONES static double AdmmLowestSlack(PetscInt n, const double *D, const double *y, const double *rowinv,
                                               const double *rowpen)
{
  double low = INFINITY;
#pragma omp simd reduction(min : low)
  for (PetscInt k = 0; k < n; k++) {
    double val = AdmmSlack(D, y, rowinv, rowpen, k);
    low        = val < low ? val : low;
  }
  return low;
}

/* x^T c over d entries, in simd partial sums (a plain loop's sum is one
 * chain of dependent additions). */
static inline double AdmmDot(PetscInt d, const double *x, const double *c)
{
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (PetscInt l = 0; l < d; l++) s += x[l] * c[l];
  return s;
}

/* The rows whose normalized slack (as in AdmmLowestSlack) is below tau:
 * their slacks and indices at the front of val and idx, in row order;
 * returns their count. Branch-free: every row is written at the end of
 * the list, which grows only past the rows below tau. */
static PetscInt AdmmSlackBelow(PetscInt n, const double *D, const double *y, const double *rowinv,
                               const double *rowpen, double tau, double *val, PetscInt *idx)
{
  PetscInt cnt = 0;
  for (PetscInt k = 0; k < n; k++) {
    double s = AdmmSlack(D, y, rowinv, rowpen, k);
    val[cnt] = s;
    idx[cnt] = k;
    cnt += s < tau;
  }
  return cnt;
}

/* See admm_impl.h (Hoare's selection, median-of-three pivots). */
void CvxAdmmSelectLowest(double *val, PetscInt *idx, PetscInt m, PetscInt k)
{
#define ADMM_SWAP(a, b) \
  do { \
    double   tv = val[a]; \
    PetscInt ti = idx[a]; \
    val[a]      = val[b]; \
    idx[a]      = idx[b]; \
    val[b]      = tv; \
    idx[b]      = ti; \
  } while (0)
  PetscInt lo = 0, hi = m - 1;
  while (lo < hi) {
    PetscInt mid = lo + (hi - lo) / 2;
    if (val[mid] < val[lo]) ADMM_SWAP(mid, lo);
    if (val[hi] < val[lo]) ADMM_SWAP(hi, lo);
    if (val[hi] < val[mid]) ADMM_SWAP(hi, mid);
    double   pv = val[mid];
    PetscInt a = lo, b = hi;
    while (a <= b) {
      while (val[a] < pv) a++;
      while (val[b] > pv) b--;
      if (a <= b) {
        ADMM_SWAP(a, b);
        a++;
        b--;
      }
    }
    /* [lo, b] <= pv <= [a, hi], and pv between */
    if (k <= b) hi = b;
    else if (k >= a) lo = a;
    else break;
  }
#undef ADMM_SWAP
}

/* Slot j's null-space weights for its listed rows (see CvxConeCache): the
 * set's basis N from the slot's maps, when they hold it (q >= d / 2, at
 * most CVX_CONE_SUB_MAX columns), and each listed row's weight times
 * N^T x_k. Made at the record when the maps are there, else at the first
 * check after they come (the maps come at a set's second repeat, mostly
 * after its first record); kept until the next record. */
static void AdmmRecordSubspace(const CvxAdmm *A, CvxConeCache *cache, PetscInt j)
{
  PetscInt d = A->d, q = cache->q[j], rs = d - q;
  if (!cache->MN || !cache->mn[j] || 2 * q < d || rs < 1 || rs > CVX_CONE_SUB_MAX) return;
  const double   *Nm   = cache->MN[j] + (size_t)q * (size_t)d;
  double         *N    = cache->sbasis + (size_t)j * d * CVX_CONE_SUB_MAX;
  double         *W    = cache->swk + (size_t)j * CVX_CONE_NEAR_ROWS * CVX_CONE_SUB_MAX;
  const PetscInt *near = cache->near + (size_t)j * CVX_CONE_NEAR_ROWS;
  const double   *swt  = cache->swt + (size_t)j * CVX_CONE_NEAR_ROWS;
  memcpy(N, Nm, (size_t)d * (size_t)rs * sizeof(double));
  for (PetscInt t = 0; t < cache->nnear[j]; t++) {
    const double *x = A->cones.Xrow + (size_t)near[t] * (size_t)d;
    for (PetscInt a = 0; a < rs; a++) W[(size_t)t * CVX_CONE_SUB_MAX + a] = swt[t] * AdmmDot(d, N + (size_t)a * d, x);
  }
  cache->nsub[j] = rs;
}

/* Feasibility without the full check. When slot j's set is the one of its
 * last checked point c_ref, every constraint outside the set and outside
 * the slot's listed rows had normalized slack s_ref or more there; at a
 * point c of the same subspace with ||c - c_ref|| < s_ref each of them
 * still holds (it moves by at most ||c - c_ref|| relative to its norm),
 * and the set's own rows hold by construction. So only the listed rows,
 * the CVX_CONE_NEAR_ROWS of lowest slack at c_ref, are tested (d flops
 * each), and of those only the ones whose slack there is not above
 * ||c - c_ref||. The full check is the block's column of the GEMM
 * X C and its pass over the n rows. Between ADMM iterations a block moves
 * far less than that once the iterations settle. A listed row holds when
 * its normalized slack is at least -1e-12 max(||v||, ||c||), the full
 * check's tolerance (v: the point c projects). With the set's null-space
 * weights (AdmmRecordSubspace) a listed row's test is r = d - q products
 * with the slot's own numbers instead of d with a row of X, read from
 * memory: on benchmark (d) (r about 3) the projections' share of the late
 * iterations' samples fell from 12.4% to 9.5% (rank 0 of two). c - c_ref
 * lies in the set's null space up to the rounding of the two projections,
 * about 1e-16 ||c||, far below the tolerance. */
static PetscBool AdmmKnownFeasible(const CvxAdmm *A, CvxConeCache *cache, PetscInt j, const double *v,
                                   const double *c)
{
  PetscInt d = A->d;
  if (!cache || cache->q[j] < 0 || !(cache->sref[j] > 0)) return PETSC_FALSE;
  const double *r    = cache->cref + (size_t)j * (size_t)d;
  double        dist = 0;
  for (PetscInt l = 0; l < d; l++) dist += (c[l] - r[l]) * (c[l] - r[l]);
  dist = sqrt(dist);
  if (!(dist < cache->sref[j])) return PETSC_FALSE;
  if (!cache->near) return PETSC_TRUE; /* no list: s_ref bounds every row */
  const PetscInt *near = cache->near + (size_t)j * CVX_CONE_NEAR_ROWS;
  const double   *sval = cache->sval + (size_t)j * CVX_CONE_NEAR_ROWS;
  const double   *swt  = cache->swt + (size_t)j * CVX_CONE_NEAR_ROWS;
  double          tol  = -1; /* computed at the first row tested */
  if (cache->nsub[j] == 0) AdmmRecordSubspace(A, cache, j);
  /* with the null-space weights, c - c_ref = N delta (the same set): a
   * row's slack is its slack at c_ref plus rs products */
  PetscInt      rs = cache->nsub[j];
  const double *W  = rs > 0 ? cache->swk + (size_t)j * CVX_CONE_NEAR_ROWS * CVX_CONE_SUB_MAX : NULL;
  double        delta[CVX_CONE_SUB_MAX];
  for (PetscInt t = 0; t < cache->nnear[j]; t++) {
    if (dist < sval[t]) continue; /* holds, as the unlisted ones */
    if (tol < 0) {
      /* the first row tested: the tolerance, and delta */
      tol = 1e-12 * PetscMax(AdmmNorm(v, d), AdmmNorm(c, d));
      for (PetscInt a = 0; a < rs; a++) {
        const double *N = cache->sbasis + ((size_t)j * CVX_CONE_SUB_MAX + (size_t)a) * d;
        double        e = 0;
        for (PetscInt l = 0; l < d; l++) e += N[l] * (c[l] - r[l]);
        delta[a] = e;
      }
    }
    double s;
    if (rs > 0) {
      const double *w = W + (size_t)t * CVX_CONE_SUB_MAX;
      s               = sval[t];
      for (PetscInt a = 0; a < rs; a++) s += w[a] * delta[a];
    } else s = swt[t] * AdmmDot(d, A->cones.Xrow + (size_t)near[t] * (size_t)d, c);
    if (!(s >= -tol)) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* Records c, just found feasible by the full check (y = X c, the set's rows
 * at +-inf, low the lowest slack of the others), as slot j's reference
 * point (AdmmKnownFeasible): its rows of lowest normalized slack and the
 * bound on the others' slack, both reduced by round (the check's
 * rounding); in a cache without lists, low. The rows below the slot's last cut
 * (stau) are collected; when there are more than CVX_CONE_NEAR_ROWS the
 * lowest of them are kept and the next one's slack becomes the cut (a
 * selection over all n rows only at a slot's first record), and when
 * fewer than half as many the cut doubles for the next record. On
 * benchmark (d) a block's rows below the cut at its point's distance from
 * c_ref numbered about 18 of the 64, and the blocks sent to the full check
 * fell from 46% to 14% (two ranks). */
static void AdmmRecordFeasible(CvxAdmm *A, CvxConeCache *cache, PetscInt j, const double *c, const double *y,
                               double low, double round)
{
  PetscInt d = A->d, n = A->n, L = CVX_CONE_NEAR_ROWS;
  if (!cache || cache->q[j] < 0) return;
  if (!cache->near) {
    memcpy(cache->cref + (size_t)j * (size_t)d, c, (size_t)d * sizeof(double));
    cache->sref[j] = low - round > 0 ? low - round : -1;
    return;
  }
  const double *D   = A->Dm + (size_t)(j % A->PL) * (size_t)n;
  double        tau = cache->stau[j];
  PetscInt      cnt = AdmmSlackBelow(n, D, y, A->cones.rowinv, A->rowpen, tau, A->slk, A->slki);
  if (cnt > L) {
    CvxAdmmSelectLowest(A->slk, A->slki, cnt, L);
    tau = A->slk[L];
    cnt = L;
    cache->stau[j] = tau;
  } else if (2 * cnt < L) cache->stau[j] = tau > 0 ? 2 * tau : INFINITY; /* a cut at 0 would stay there */
  PetscInt *near = cache->near + (size_t)j * (size_t)L;
  double   *sval = cache->sval + (size_t)j * (size_t)L, *swt = cache->swt + (size_t)j * (size_t)L;
  for (PetscInt t = 0; t < cnt; t++) {
    PetscInt k = A->slki[t];
    near[t]    = k;
    sval[t]    = A->slk[t] - round;
    /* the sign and norm with the row: the check reads no pattern */
    swt[t] = (2.0 * D[k] - 1.0) * A->cones.rowinv[k];
  }
  memcpy(cache->cref + (size_t)j * (size_t)d, c, (size_t)d * sizeof(double));
  cache->nnear[j] = cnt;
  cache->sref[j]  = tau - round > 0 ? tau - round : -1;
  cache->nsub[j] = 0;
  AdmmRecordSubspace(A, cache, j);
}

/* Order of the certificate's exact projections: decreasing relaxed norm. */
typedef struct {
  double   bound;
  PetscInt j;
  PetscInt seed; /* column of A->Ys holding X c of the block's candidate, or -1 */
} AdmmPending;

static int AdmmPendingCompare(const void *a, const void *b)
{
  const AdmmPending *x = (const AdmmPending *)a, *y = (const AdmmPending *)b;
  if (x->bound != y->bound) return x->bound > y->bound ? -1 : 1;
  return x->j < y->j ? -1 : x->j > y->j;
}

/* Projects all columns; see admm_impl.h. Cones without a facet list are
 * checked in bulk: warm-start candidates for all of them, one GEMM X C per
 * chunk, and a full active-set solve only for the candidates that violate a
 * constraint (after the bulk check, in decreasing order of the candidate's
 * norm when pruning). */
PetscErrorCode CvxAdmmProjectAll(CvxAdmm *A, const double *V, double *C, PetscInt *act, PetscInt *nact,
                                 CvxConeCache *cache, PetscBool feasible, double skip_below, double *norms,
                                 PetscBool prune)
{
  PetscInt     d = A->d, n = A->n, PL = A->PL, nb = A->nb, nfull = 0, npend = 0, nseed = 0;
  double       t_start = CvxWallTime(), known = 0;
  AdmmPending *pend    = NULL;
  PetscInt64   timed0  = A->cones.timed, cuts = 0; /* blocks past the stop time */

  PetscFunctionBeginUser;
  /* The exact projections stop at A->project_stop when a caller set it (a
   * certificate: the time limit or its own budget, CvxAdmmCertify; the
   * slack splitting's primal point, AdmmPrimalPoint; the cone splitting's
   * z-step, the time limit). Past it a certificate keeps an upper bound on the block's norm,
   * which keeps the bound valid, and a feasible point takes the block as 0,
   * which keeps it feasible. */
  double stop = A->project_stop;
  A->project_stop    = INFINITY;
  A->cones.stop_time = stop;
  A->cw.cache        = cache && cache->q ? cache : NULL;
  for (PetscInt j = 0; j < nb; j++) {
    PetscInt      i = j % PL;
    const double *v = V + (size_t)j * (size_t)d;
    double       *c = C + (size_t)j * (size_t)d;
    PetscInt     *J = act + (size_t)j * (size_t)d;
    A->cw.slot = j;
    if (A->cones.reduced[i]) {
      PetscBool below;
      PetscCall(AdmmProjectExact(A, i, v, c, J, &nact[j], feasible, 0.0, &below));
      known = PetscMax(known, AdmmNorm(c, d));
    } else {
      /* past the stop time even the warm start (up to d^3 flops) is
       * skipped, and one stopped inside (cones.timed counts it) is done
       * with: ||P_K(v)|| <= ||v||, or 0 for a feasible point */
      PetscBool late = CvxConePast(stop, d);
      if (late) cuts++;
      else {
        PetscInt64 tw = A->cones.timed;
        PetscCall(CvxConeProjectWarm(&A->cones, &A->cw, i, v, c, J, &nact[j]));
        late = (PetscBool)(A->cones.timed > tw);
      }
      if (late) {
        if (feasible) {
          for (PetscInt l = 0; l < d; l++) c[l] = 0;
        } else {
          memcpy(c, v, (size_t)d * sizeof(double));
        }
        A->skip[j] = 1;
      } else if (skip_below > 0 && AdmmNorm(c, d) <= skip_below) {
        /* c projects onto a relaxation of the cone: ||c|| >= ||P_K(v)||,
         * so this block needs no exact projection */
        A->skip[j] = 1;
      } else if (AdmmKnownFeasible(A, A->cw.cache, j, v, c)) {
        A->skip[j] = 1;
        known      = PetscMax(known, AdmmNorm(c, d));
      } else {
        A->skip[j] = 0;
        nfull++;
      }
    }
  }
  if (nfull > 0) {
    /* bulk feasibility check of the warm-start candidates, chunk by chunk;
     * the violators are projected exactly afterwards */
    PetscCall(PetscMalloc1((size_t)nfull, &pend));
    PetscInt j0 = 0;
    while (j0 < nb) {
      PetscInt nc = 0, j1 = j0;
      while (j1 < nb && nc < A->ychunk) {
        if (!A->cones.reduced[j1 % PL] && !A->skip[j1]) {
          memcpy(A->cand + (size_t)nc * (size_t)d, C + (size_t)j1 * (size_t)d, (size_t)d * sizeof(double));
          nc++;
        }
        j1++;
      }
      if (nc > 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)nc, (int)d, 1.0, A->X, (int)n, A->cand,
                    (int)d, 0.0, A->Y, (int)n);
      PetscInt col = 0;
      for (PetscInt j = j0; j < j1; j++) {
        PetscInt i = j % PL;
        if (A->cones.reduced[i] || A->skip[j]) continue;
        const double   *v = V + (size_t)j * (size_t)d;
        const double   *c = C + (size_t)j * (size_t)d;
        double         *y = A->Y + (size_t)col * (size_t)n;
        const double   *D = A->Dm + (size_t)i * (size_t)n;
        const PetscInt *J = act + (size_t)j * (size_t)d;
        double          vn = AdmmNorm(v, d), cn = AdmmNorm(c, d);
        col++;
        /* the active rows hold by construction (c is in their null
         * space): left out, so that the minimum is the slack of the others */
        for (PetscInt t = 0; t < nact[j]; t++) y[J[t]] = (2.0 * D[J[t]] - 1.0) * INFINITY;
        double tol = 1e-12 * PetscMax(vn, cn), low = AdmmLowestSlack(n, D, y, A->cones.rowinv, A->rowpen);
        if (-low > tol) {
          pend[npend].bound = cn;
          pend[npend].j     = j;
          pend[npend].seed  = nseed < A->ychunk ? nseed : -1;
          /* its product seeds the exact solve's first pass */
          if (nseed < A->ychunk) memcpy(A->Ys + (size_t)nseed++ * (size_t)n, y, (size_t)n * sizeof(double));
          npend++;
        } else {
          known = PetscMax(known, cn);
          AdmmRecordFeasible(A, A->cw.cache, j, c, y, low, 1e-12 * cn);
        }
      }
      j0 = j1;
    }
  }
  if (prune) {
    /* the largest exact norm over all ranks so far; a violator whose
     * candidate norm (an upper bound) is not above the running largest
     * exact norm cannot raise the maximum and keeps its candidate */
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &known, 1, MPI_DOUBLE, MPI_MAX, A->comm));
    if (npend > 1) qsort(pend, (size_t)npend, sizeof(*pend), AdmmPendingCompare);
  }
  for (PetscInt s = 0; s < npend; s++) {
    PetscInt      j = pend[s].j, i = j % PL;
    const double *v = V + (size_t)j * (size_t)d;
    double       *c = C + (size_t)j * (size_t)d;
    PetscBool     below = PETSC_FALSE;
    if (prune && pend[s].bound <= known) {
      A->cert_pruned += npend - s;
      break;
    }
    if (CvxWallTime() > stop) {
      /* past the stop time no exact projection starts: a certificate keeps
       * the candidate c, the projection onto a relaxation of the cone
       * (||c|| >= ||P_K(v)||: the bound stays valid, only weaker), a
       * feasible point takes 0 */
      if (feasible) {
        for (PetscInt l = 0; l < d; l++) c[l] = 0;
        nact[j] = 0;
      }
      cuts++;
    } else {
      /* the solve may stop as soon as this block is proven not to raise
       * the largest norm (pruning), or to be shrunk to 0 (skip_below: on
       * benchmark (d) 1 in 19 of the z-step's exact solves, which had
       * taken half of their time) */
      A->cw.slot = j;
      A->cw.seed = pend[s].seed >= 0 ? A->Ys + (size_t)pend[s].seed * (size_t)n : NULL;
      PetscCall(AdmmProjectExact(A, i, v, c, act + (size_t)j * (size_t)d, &nact[j], feasible,
                                 prune ? known : skip_below, &below));
    }
    if (below) {
      if (prune) A->cert_pruned++;
    } else if (prune) known = PetscMax(known, AdmmNorm(c, d));
  }
  PetscCall(PetscFree(pend));
  cuts += A->cones.timed - timed0; /* solves stopped by the stop time */
  if (feasible) A->primal_cut += (PetscInt)cuts;
  else A->cert_cut += (PetscInt)cuts;
  A->cones.stop_time = INFINITY;
  A->cw.cache        = NULL;
  if (norms)
    for (PetscInt j = 0; j < nb; j++) norms[j] = AdmmNorm(C + (size_t)j * (size_t)d, d);
  A->time_projection += CvxWallTime() - t_start;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ the steps */

/* Group shrinkage of the blocks [j0, j1) of zs by beta / rho, in place. */
static void AdmmShrink(CvxAdmm *A, PetscInt j0, PetscInt j1)
{
  PetscInt d = A->d;
  double   thr = A->beta / A->rho;
  for (PetscInt j = j0; j < j1; j++) {
    double *c = A->zs + (size_t)j * (size_t)d, nrm = AdmmNorm(c, d);
    double  factor = nrm > thr ? 1.0 - thr / nrm : 0.0;
    for (PetscInt l = 0; l < d; l++) c[l] *= factor;
  }
}

/* zs = prox_g(t): cone splitting: projection onto the block's cone, then
 * group shrinkage by beta / rho; slack splitting: shrinkage of the z part,
 * clamp at 0 of the s part. (The fused slack iteration does its own z-step,
 * block by block, in AdmmSlackHead.) */
static PetscErrorCode AdmmZStep(CvxAdmm *A)
{
  PetscInt nb = A->nb;
  double   thr = A->beta / A->rho;

  PetscFunctionBeginUser;
  if (!A->slack) {
    /* at large d a cold projection takes seconds and one z-step minutes
     * (n = 2000, d = 201: 35 s): past the time limit the blocks left are
     * 0, a feasible point, and the loop stops after this iteration */
    A->project_stop = A->deadline;
    PetscCall(CvxAdmmProjectAll(A, A->t, A->zs, A->act, A->nact, &A->zcache, PETSC_TRUE, thr, NULL, PETSC_FALSE));
  } else {
    memcpy(A->zs, A->t, A->nz * sizeof(double));
    for (size_t s = A->nz; s < A->ns; s++) A->zs[s] = A->t[s] > 0 ? A->t[s] : 0;
  }
  AdmmShrink(A, 0, nb);
  PetscFunctionReturn(0);
}

/* au = A prox_f(w) for the cone splitting: u = w + F^T (y - q) / rho with
 * q = (rho I + 2K)^{-1} (2 K y + rho F w). extra[0..nextra) are summed
 * across ranks along with F w (the caller's scalars ride on the same
 * reduction). */
static PetscErrorCode AdmmUStepCone(CvxAdmm *A, double *extra, PetscInt nextra)
{
  PetscInt n = A->n, d = A->d, PL = A->PL;

  PetscFunctionBeginUser;
  PetscCall(CvxAdmmFLocal(A, A->w, A->h));
  for (PetscInt s = 0; s < nextra; s++) A->h[n + s] = extra[s];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, A->h, (int)(n + nextra), MPI_DOUBLE, MPI_SUM, A->comm));
  for (PetscInt s = 0; s < nextra; s++) extra[s] = A->h[n + s];
  for (PetscInt k = 0; k < n; k++) A->q[k] = A->Ky2[k] + A->rho * A->h[k];
  PetscCall(CvxGramSolve(A->gram, A->rho, 2.0, A->q, A->q));
  for (PetscInt k = 0; k < n; k++) A->e[k] = A->y[k] - A->q[k];
  PetscCall(CvxAdmmFTLocal(A, A->e, A->G));
  double       ir = 1.0 / A->rho;
  const double *wv = A->w, *ww = A->w + (size_t)d * (size_t)PL;
  double       *uv = A->au, *uw = A->au + (size_t)d * (size_t)PL;
  for (size_t s = 0; s < (size_t)d * (size_t)PL; s++) {
    uv[s] = wv[s] + ir * A->G[s];
    uw[s] = ww[s] - ir * A->G[s];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode AdmmUStepSlack(CvxAdmm *A, double *extra, PetscInt nextra);
static PetscErrorCode AdmmSlackFused(CvxAdmm *A, double *extra, PetscInt nextra, double *pr2_out, double *dr2_out);

/* ------------------------------------------------------------ certificate */

/* The wall time by which the exact projections of a certificate (or of the
 * slack splitting's primal point) started at t_start stop. In the
 * iterations: once they have taken opt.certificate_share (a quarter) of
 * the solve so far, or opt.certificate_min_seconds if that is more. At large n and d one exact
 * projection can take minutes (n = 10,000, d = 3073), and an unbounded
 * certificate would hold the iterations up for that long. The second
 * stage's certificates stop with the attempt (AdmmSecondStage), those of
 * column generation at the time limit. */
static double AdmmProjectionBudget(const CvxAdmm *A, double t_start)
{
  if (A->in_polish) return A->polish_deadline;
  if (A->colgen) return A->deadline;
  return PetscMin(A->deadline,
                  t_start + PetscMax(A->opt.certificate_min_seconds, A->opt.certificate_share * (t_start - A->t0)));
}

/* The bound from a dual direction r (ry = r^T y, r2 = ||r||^2) whose
 * largest block ratio is ratio. The block tests are positively homogeneous
 * in r (and mu), so r / ratio is dual feasible, also when ratio < 1 (scaled
 * up then: y - F u of a near-interpolating iterate is often far inside);
 * the best multiple t in [0, 1] of it. */
static double AdmmBound(double ry, double r2, double ratio)
{
  double gamma = ratio > 0 ? ratio : 1.0;
  double a = ry / gamma, b = r2 / (gamma * gamma), lb;
  if (b > 0) {
    double tt = PetscMin(1.0, PetscMax(0.0, a / b));
    lb        = tt * a - 0.5 * tt * tt * b;
  } else lb = 0;
  if (!isfinite(lb)) lb = -INFINITY;
  return lb;
}

/* ------------------------------------------------------------ dual correction */

/* Limits of the support systems of the dual correction and the refit
 * (AdmmDualCorrect, AdmmRefit, AdmmSupportSize). */
#define ADMM_CORRECT_MAX_M 4000
#define ADMM_CORRECT_BYTES ((size_t)256 << 20)
#define ADMM_CORRECT_FLOPS 64.0

/* The total m of the ranks' mloc columns of a support system (the dual
 * correction's, the refit's) into *mt, and how many m x m Cholesky factors
 * (m^3 / 3 flops each, on every rank) it can afford into *factors: 0 when
 * m < 1, m > ADMM_CORRECT_MAX_M or its n m doubles are over
 * ADMM_CORRECT_BYTES, else as many as fit, with its products (2 n d m +
 * 2 n m^2 over the ranks), in ADMM_CORRECT_FLOPS iterations' flops
 * (counted as 8 n d P or 12 n d P over the ranks). Collective. */
static PetscErrorCode AdmmSupportSize(CvxAdmm *A, PetscInt mloc, PetscInt *mt, PetscInt *factors)
{
  PetscInt n = A->n, d = A->d;
  double   m = (double)mloc;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_SUM, A->comm));
  double iter_flops = (A->slack ? 12.0 : 8.0) * (double)n * d * (double)A->P / A->size;
  double left       = ADMM_CORRECT_FLOPS * iter_flops - (2.0 * n * d * m + 2.0 * n * m * m) / A->size;
  *factors          = 0;
  if (m >= 1 && m <= ADMM_CORRECT_MAX_M && 8.0 * n * m <= (double)ADMM_CORRECT_BYTES && left > 0)
    *factors = (PetscInt)PetscMin(1e6, left / (m * m * m / 3.0));
  *mt = (PetscInt)m;
  PetscFunctionReturn(0);
}

/* cols (n x mloc) = s_c D_i X dirs[:, c] for the local blocks sel[c] (i
 * their pattern), with s_c = scale for a v block and -scale for a w one:
 * one GEMM, then the patterns. */
static void AdmmSupportColumns(const CvxAdmm *A, PetscInt mloc, const PetscInt *sel, const double *dirs, double scale,
                               double *cols)
{
  PetscInt n = A->n, d = A->d, PL = A->PL;
  if (mloc > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)mloc, (int)d, 1.0, A->X, (int)n, dirs,
                (int)d, 0.0, cols, (int)n);
  for (PetscInt c = 0; c < mloc; c++) {
    PetscInt      j  = sel[c];
    const double *Dj = A->Dm + (size_t)(j % PL) * n;
    double        sg = j < PL ? scale : -scale, *a = cols + (size_t)c * n;
    for (PetscInt k = 0; k < n; k++) a[k] *= sg * Dj[k];
  }
}

/* The columns Bl (n x mloc) of every rank gathered on every rank, in rank
 * order, into *B (n x mt, mt the total), and their Gram matrix *G = B^T B
 * (mt x mt, symmetric): its lower triangle in column ranges of about equal
 * area, one per rank, then gathered and mirrored, n mt^2 / p flops per
 * rank instead of 2 n mt^2 / p for whole columns. On benchmark (d) (two
 * ranks, mt = 766, two of these per certificate) a call took about 20 ms
 * instead of 33 ms. *cnt and *dsp (PetscFree2) hold each rank's column
 * count and first column. Collective. */
static PetscErrorCode AdmmGatherGram(CvxAdmm *A, PetscInt mloc, PetscInt mt, const double *Bl, double **B, double **G,
                                     int **cnt, int **dsp)
{
  PetscInt n = A->n, p = A->size;
  int     *cntn, *dspn, mine = (int)mloc;
  double  *Gl;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(p, cnt, p, dsp));
  PetscCall(PetscMalloc2(p, &cntn, p, &dspn));
  PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, *cnt, 1, MPI_INT, A->comm));
  int off = 0;
  for (int q = 0; q < p; q++) {
    (*dsp)[q] = off;
    cntn[q]   = (*cnt)[q] * (int)n;
    dspn[q]   = off * (int)n;
    off += (*cnt)[q];
  }
  PetscCall(PetscMalloc1((size_t)n * mt + 1, B));
  PetscCall(PetscMalloc1((size_t)mt * mt + 1, G));
  PetscCallMPI(MPI_Allgatherv(Bl, cntn[A->rank], MPI_DOUBLE, *B, cntn, dspn, MPI_DOUBLE, A->comm));
  /* columns [c_q, c_q+1) of the lower triangle (rows c_q..mt-1) to rank q,
   * the boundaries at equal shares of its mt (mt + 1) / 2 entries */
  PetscInt *cb;
  PetscCall(PetscMalloc1((size_t)p + 1, &cb));
  {
    double   total = 0.5 * (double)mt * (double)(mt + 1), acc = 0;
    PetscInt j     = 0;
    cb[0]          = 0;
    for (int q = 1; q < p; q++) {
      while (j < mt && acc + (double)(mt - j) <= total * q / p) acc += (double)(mt - j++);
      cb[q] = j;
    }
    cb[p] = mt;
  }
  PetscInt c0 = cb[A->rank], w = cb[A->rank + 1] - c0, h = mt - c0;
  /* the piece's diagonal block by dsyrk (its lower triangle only: a whole
   * rectangle would give the rank holding the largest diagonal block twice
   * its share), the rows below it by GEMM */
  PetscCall(PetscCalloc1((size_t)h * w + 1, &Gl));
  if (w > 0) {
    const double *Bc = *B + (size_t)c0 * n;
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)w, (int)n, 1.0, Bc, (int)n, 0.0, Gl, (int)h);
    if (h > w)
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)(h - w), (int)w, (int)n, 1.0, Bc + (size_t)w * n,
                  (int)n, Bc, (int)n, 0.0, Gl + w, (int)h);
  }
  /* the pieces, one after another in rank order, then into G's lower
   * triangle and mirrored */
  double *pieces;
  int     tot = 0;
  for (int q = 0; q < p; q++) {
    PetscInt wq = cb[q + 1] - cb[q], hq = mt - cb[q];
    PetscCheck((double)tot + (double)hq * (double)wq < (double)INT_MAX, A->comm, PETSC_ERR_SUP,
               "admm.c: a support system of %d blocks is too large to gather", (int)mt);
    cntn[q] = (int)(hq * wq);
    dspn[q] = tot;
    tot += cntn[q];
  }
  PetscCall(PetscMalloc1((size_t)tot + 1, &pieces));
  PetscCallMPI(MPI_Allgatherv(Gl, cntn[A->rank], MPI_DOUBLE, pieces, cntn, dspn, MPI_DOUBLE, A->comm));
  for (int q = 0; q < p; q++) {
    PetscInt      hq = mt - cb[q];
    const double *pq = pieces + dspn[q];
    for (PetscInt c = cb[q]; c < cb[q + 1]; c++)
      for (PetscInt r = c; r < mt; r++) {
        double v                  = pq[(r - cb[q]) + (size_t)(c - cb[q]) * hq];
        (*G)[r + (size_t)c * mt] = v;
        (*G)[c + (size_t)r * mt] = v;
      }
  }
  PetscCall(PetscFree(pieces));
  PetscCall(PetscFree(cb));
  PetscCall(PetscFree(Gl));
  PetscCall(PetscFree2(cntn, dspn));
  PetscFunctionReturn(0);
}

/* The certificate's bound falls short of the objective by about the largest
 * dual ratio's excess, max_j ||P_K(+-X^T D_i r)|| / beta - 1, and on small
 * beta that excess lags the iterate's objective by one to two orders of
 * magnitude (benchmark (d): 1e-4 with the objective 3.6e-6 above the
 * optimum), spread over hundreds of support blocks. At the optimum every
 * nonzero block has ratio exactly 1. To first order, with p_j the unit
 * direction of block j's projection (its active set held fixed), the
 * ratio moves by a_j^T delta for r + delta, a_j = s_j D_i X p_j / beta
 * (s_j = +1 for v, -1 for w). The correction takes the blocks S that are
 * nonzero in x or have a ratio above 1, and the least-norm delta in the
 * span of their a_j with a_j^T delta = 1 - ratio_j on S: delta = A c with
 * (A^T A + ridge) c = 1 - ratio. r + delta is then certified like r
 * (exact ratios, scaled to be feasible), so the bound stays valid whatever
 * the linearization's error; the larger of the bounds is kept. Up to
 * ADMM_CORRECT_STEPS - 1 further chord steps (the same factor, the new
 * direction's ratios) follow while the bound rises. On benchmark (d) the
 * corrected excess is 5-100 times smaller.
 *
 * Cost: the m = |S| columns of A (2 n d m flops over the ranks), A^T A
 * (2 n m^2 over the ranks), an m x m Cholesky factor (m^3 / 3 on every
 * rank), A gathered on every rank (8 n m bytes) and one more round of
 * block tests per step. Skipped above ADMM_CORRECT_GAP (the bound's lag
 * is then a small part of the gap), when S is empty or over
 * ADMM_CORRECT_MAX_M blocks, A over ADMM_CORRECT_BYTES, or the products
 * and the factor over ADMM_CORRECT_FLOPS iterations' worth of flops
 * (counted as 8 n d P or 12 n d P; at d = 11 an iteration runs at a fifth of that rate, its
 * projections taking most of it, and a correction over 880 blocks costs
 * about 8 iterations' time for 35 iterations' flops). A certificate that
 * takes longer is made less often (AdmmCertifyInterval), so its share of
 * the time stays near a third at most. Collective. */
#define ADMM_CORRECT_GAP   1e-2
#define ADMM_CORRECT_STEPS 3
static PetscErrorCode AdmmDualCorrect(CvxAdmm *A, const double *r, double obj, double stop, PetscBool prune,
                                      double *lb)
{
  PetscInt n = A->n, d = A->d, PL = A->PL, nb = A->nb, mloc = 0, *sel = NULL;
  double  *Pd = NULL, *Al = NULL, *rl = NULL, *Aa = NULL, *ra = NULL, *G = NULL, *th = NULL, *C2 = NULL, *P2 = NULL,
         *nrm2 = NULL;
  int     *cnt = NULL, *dsp = NULL;

  PetscFunctionBeginUser;
  if (!(obj > 0) || !((obj - *lb) < ADMM_CORRECT_GAP * obj)) PetscFunctionReturn(0);
  /* S on this rank */
  PetscCall(PetscMalloc1((size_t)nb + 1, &sel));
  for (PetscInt j = 0; j < nb; j++)
    if (A->norms[j] > 0 && (A->norms[j] > A->beta || AdmmNorm(A->xc + (size_t)j * d, d) > 0)) sel[mloc++] = j;
  PetscInt mt, factors;
  PetscCall(AdmmSupportSize(A, mloc, &mt, &factors));
  if (factors < 1) {
    PetscCall(PetscFree(sel));
    PetscFunctionReturn(0);
  }

  /* this rank's columns of A and right-hand sides */
  PetscCall(PetscMalloc1((size_t)d * mloc + 1, &Pd));
  PetscCall(PetscMalloc1((size_t)n * mloc + 1, &Al));
  PetscCall(PetscMalloc1((size_t)mloc + 1, &rl));
  for (PetscInt c = 0; c < mloc; c++) {
    PetscInt      j  = sel[c];
    const double *pj = A->Pc + (size_t)j * d;
    for (PetscInt l = 0; l < d; l++) Pd[(size_t)c * d + l] = pj[l] / A->norms[j];
    rl[c] = 1.0 - A->norms[j] / A->beta;
  }
  AdmmSupportColumns(A, mloc, sel, Pd, 1.0 / A->beta, Al);

  /* every rank: all of A (rank order), its Gram matrix, the factor and
   * delta */
  int mine = (int)mloc;
  PetscCall(AdmmGatherGram(A, mloc, mt, Al, &Aa, &G, &cnt, &dsp));
  PetscCall(PetscMalloc1((size_t)mt + 1, &ra));
  PetscCallMPI(MPI_Allgatherv(rl, mine, MPI_DOUBLE, ra, cnt, dsp, MPI_DOUBLE, A->comm));
  double tr = 0;
  for (PetscInt q = 0; q < mt; q++) tr += G[q + (size_t)q * mt];
  for (PetscInt q = 0; q < mt; q++) G[q + (size_t)q * mt] += 1e-10 * tr / (double)mt;
  int info = 0, one = 1, mm = (int)mt;
  dpotrf_("L", &mm, G, &mm, &info, 1);
  /* identical on every rank (the same data and calls) */
  if (info == 0) {
    PetscCall(PetscMalloc1((size_t)n, &th));
    PetscCall(PetscMalloc1(A->nz + 1, &C2));
    PetscCall(PetscMalloc1(A->nz + 1, &P2));
    PetscCall(PetscMalloc1((size_t)nb + 1, &nrm2));
    memcpy(th, r, (size_t)n * sizeof(double));
    /* chord steps: the first from r; each further one from the last
     * direction's ratios with the same factor, while the bound rises */
    for (int step = 0; step < ADMM_CORRECT_STEPS; step++) {
      if (step > 0) {
        for (PetscInt c = 0; c < mloc; c++) rl[c] = 1.0 - nrm2[sel[c]] / A->beta;
        PetscCallMPI(MPI_Allgatherv(rl, mine, MPI_DOUBLE, ra, cnt, dsp, MPI_DOUBLE, A->comm));
      }
      dpotrs_("L", &mm, &one, G, &mm, ra, &mm, &info, 1);
      CvxCheckInfo(A->comm, "dpotrs", info);
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)mt, 1.0, Aa, (int)n, ra, 1, 1.0, th, 1);
      double t2 = 0, ty = 0;
      for (PetscInt k = 0; k < n; k++) {
        t2 += th[k] * th[k];
        ty += th[k] * A->y[k];
      }
      /* its exact block tests, as for r */
      PetscCall(CvxAdmmFTLocal(A, th, C2));
      for (size_t s = 0; s < (size_t)d * (size_t)PL; s++) C2[(size_t)d * (size_t)PL + s] = -C2[s];
      A->project_stop = stop;
      PetscCall(CvxAdmmProjectAll(A, C2, P2, A->cact, A->ncact, &A->ccache, PETSC_FALSE, 0.0, nrm2, prune));
      double ratio = 0;
      for (PetscInt j = 0; j < nb; j++) ratio = PetscMax(ratio, nrm2[j] / A->beta);
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ratio, 1, MPI_DOUBLE, MPI_MAX, A->comm));
      double lb2 = AdmmBound(ty, t2, ratio);
      if (step == 0) A->dual_corrections++;
      if (!(lb2 > *lb)) break;
      *lb = lb2;
    }
  }
  /* a failed factorization (A^T A singular to rounding) only skips the
   * correction: r's bound stands */
  PetscCall(PetscFree(sel));
  PetscCall(PetscFree(Pd));
  PetscCall(PetscFree(Al));
  PetscCall(PetscFree(rl));
  PetscCall(PetscFree(Aa));
  PetscCall(PetscFree(ra));
  PetscCall(PetscFree(G));
  PetscCall(PetscFree(th));
  PetscCall(PetscFree(C2));
  PetscCall(PetscFree(P2));
  PetscCall(PetscFree(nrm2));
  PetscCall(PetscFree2(cnt, dsp));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ primal refit */

/* Near the optimum the certified gap of the iterations is often held up by
 * the primal point, not the bound: on benchmark (d) (two ranks) the bound
 * came within 1e-5 of the optimum from about iteration 1,300 while the
 * point's objective was still 2.7e-4 above it. The refit keeps each
 * nonzero block's direction zhat_j = x_j / ||x_j|| (in its cone) and
 * chooses new lengths s_j >= 0: with b_j = +-D_i X zhat_j (+ for v, - for
 * w) the objective of the point sum_j s_j zhat_j is
 *
 *     f(s) = 1/2 ||y - B s||^2 + beta sum_j s_j,
 *
 * a convex quadratic over the nonnegative orthant. Every s >= 0 is a
 * feasible point of the program, so the refit can only be used or left
 * aside, never make a bound or network wrong. A primal active-set method
 * from the current lengths: each round solves the free lengths' normal
 * equations (B_F^T B_F) s_F = B_F^T y - beta (the others at 0) and steps
 * from s towards that solution as far as every length stays nonnegative
 * (f falls along the step), freezing at 0 the lengths that reach it; at
 * most ADMM_REFIT_ROUNDS rounds, each an m x m Cholesky factor on every
 * rank (fewer when the flop limit below leaves room for fewer). The new point's objective is then computed as the certificate's
 * (F x and the norms in one reduction), and the point replaces x, its
 * residual e and its objective when that is lower. On (d) the point's
 * excess over the optimum fell 3-8 times at every certificate below gap
 * 0.1, and the solve to 1e-4 took 1,363 iterations instead of about 1,520.
 *
 * Cost: the columns and their Gram matrix as for the dual correction, under
 * the same limits (AdmmSupportSize: ADMM_CORRECT_MAX_M, ADMM_CORRECT_BYTES,
 * ADMM_CORRECT_FLOPS with the factors counted), about 0.05 s a certificate
 * on (d) (m = 766); only
 * below a gap of ADMM_REFIT_GAP, where the lengths have settled (above
 * it, on (d), rounds ran to the limit and took up to 0.3 s). Collective. */
#define ADMM_REFIT_GAP    0.1
#define ADMM_REFIT_ROUNDS 20
static PetscErrorCode AdmmRefit(CvxAdmm *A, double lb, double *obj, PetscInt *nnz)
{
  PetscInt n = A->n, d = A->d, nb = A->nb, mloc = 0, *sel = NULL, *fi = NULL;
  double  *Zl = NULL, *Bl = NULL, *sl = NULL, *B = NULL, *G = NULL, *s = NULL, *g = NULL, *L = NULL, *xf = NULL,
         *xnew = NULL;
  char    *freeb = NULL;
  int     *cnt = NULL, *dsp = NULL;

  PetscFunctionBeginUser;
  if (!(*obj > 0) || !((*obj - lb) < ADMM_REFIT_GAP * *obj)) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1((size_t)nb + 1, &sel));
  for (PetscInt j = 0; j < nb; j++)
    if (AdmmNorm(A->xc + (size_t)j * d, d) > 0) sel[mloc++] = j;
  PetscInt mt, factors;
  PetscCall(AdmmSupportSize(A, mloc, &mt, &factors));
  if (factors < 1) {
    PetscCall(PetscFree(sel));
    PetscFunctionReturn(0);
  }

  /* this rank's directions, lengths and columns */
  PetscCall(PetscMalloc1((size_t)d * mloc + 1, &Zl));
  PetscCall(PetscMalloc1((size_t)n * mloc + 1, &Bl));
  PetscCall(PetscMalloc1((size_t)mloc + 1, &sl));
  for (PetscInt c = 0; c < mloc; c++) {
    const double *xj = A->xc + (size_t)sel[c] * d;
    sl[c]            = AdmmNorm(xj, d);
    for (PetscInt l = 0; l < d; l++) Zl[(size_t)c * d + l] = xj[l] / sl[c];
  }
  AdmmSupportColumns(A, mloc, sel, Zl, 1.0, Bl);

  /* every rank: all columns, their Gram matrix, B^T y and the lengths; the
   * rounds are identical on every rank (the same data and calls) */
  PetscCall(AdmmGatherGram(A, mloc, mt, Bl, &B, &G, &cnt, &dsp));
  PetscCall(PetscMalloc1((size_t)mt, &s));
  PetscCall(PetscMalloc1((size_t)mt, &g));
  PetscCall(PetscMalloc1((size_t)mt, &xf));
  PetscCall(PetscMalloc1((size_t)mt, &fi));
  PetscCall(PetscMalloc1((size_t)mt, &freeb));
  PetscCall(PetscMalloc1((size_t)mt * mt, &L));
  PetscCallMPI(MPI_Allgatherv(sl, (int)mloc, MPI_DOUBLE, s, cnt, dsp, MPI_DOUBLE, A->comm));
  cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)mt, 1.0, B, (int)n, A->y, 1, 0.0, g, 1);
  double tr = 0;
  for (PetscInt q = 0; q < mt; q++) {
    tr += G[q + (size_t)q * mt];
    freeb[q] = 1;
  }
  PetscBool moved = PETSC_FALSE;
  for (int round = 0; round < PetscMin(ADMM_REFIT_ROUNDS, factors); round++) {
    int nf = 0, info = 0, one = 1;
    for (PetscInt q = 0; q < mt; q++)
      if (freeb[q]) fi[nf++] = (PetscInt)q;
    if (nf == 0) break;
    for (int b = 0; b < nf; b++) {
      for (int a = b; a < nf; a++) L[a + (size_t)b * nf] = G[fi[a] + (size_t)fi[b] * mt];
      L[b + (size_t)b * nf] += 1e-12 * tr / (double)mt;
      xf[b] = g[fi[b]] - A->beta;
    }
    dpotrf_("L", &nf, L, &nf, &info, 1);
    /* a singular set (to rounding) ends the rounds with the lengths so far */
    if (info != 0) break;
    dpotrs_("L", &nf, &one, L, &nf, xf, &nf, &info, 1);
    CvxCheckInfo(A->comm, "dpotrs", info);
    /* the step, and the lengths that block it (they reach 0 and freeze) */
    double step = 1;
    for (int a = 0; a < nf; a++)
      if (xf[a] < 0) step = PetscMin(step, s[fi[a]] / (s[fi[a]] - xf[a]));
    for (int a = 0; a < nf; a++) {
      PetscInt q = fi[a];
      if (xf[a] < 0 && s[q] / (s[q] - xf[a]) <= step) {
        s[q]     = 0;
        freeb[q] = 0;
      } else s[q] += step * (xf[a] - s[q]);
    }
    moved = PETSC_TRUE;
    if (step >= 1) break;
  }
  if (moved) {
    /* the new point and its objective, computed as the certificate's */
    double   *red = A->h, sumnorm = 0, count = 0;
    PetscCall(PetscMalloc1(A->nz + 1, &xnew));
    memcpy(xnew, A->xc, A->nz * sizeof(double));
    for (PetscInt c = 0; c < mloc; c++) {
      double  f  = s[dsp[A->rank] + c], *xj = xnew + (size_t)sel[c] * d;
      for (PetscInt l = 0; l < d; l++) xj[l] = f * Zl[(size_t)c * d + l];
      if (f > 0) {
        sumnorm += AdmmNorm(xj, d);
        count += 1;
      }
    }
    PetscCall(CvxAdmmFLocal(A, xnew, red));
    red[n]     = sumnorm;
    red[n + 1] = count;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, red, (int)(n + 2), MPI_DOUBLE, MPI_SUM, A->comm));
    double rr = 0;
    for (PetscInt k = 0; k < n; k++) rr += (A->y[k] - red[k]) * (A->y[k] - red[k]);
    double obj2 = 0.5 * rr + A->beta * red[n];
    if (obj2 < *obj) {
      *obj = obj2;
      *nnz = (PetscInt)red[n + 1];
      memcpy(A->xc, xnew, A->nz * sizeof(double));
      for (PetscInt k = 0; k < n; k++) A->e[k] = A->y[k] - red[k];
      A->refits++;
    }
  }
  PetscCall(PetscFree(sel));
  PetscCall(PetscFree(Zl));
  PetscCall(PetscFree(Bl));
  PetscCall(PetscFree(sl));
  PetscCall(PetscFree(B));
  PetscCall(PetscFree(G));
  PetscCall(PetscFree(s));
  PetscCall(PetscFree(g));
  PetscCall(PetscFree(xf));
  PetscCall(PetscFree(fi));
  PetscCall(PetscFree(freeb));
  PetscCall(PetscFree(L));
  PetscCall(PetscFree(xnew));
  PetscCall(PetscFree2(cnt, dsp));
  PetscFunctionReturn(0);
}

/* Certifies the feasible block point x; see admm_impl.h. */
PetscErrorCode CvxAdmmCertify(CvxAdmm *A, const double *x, const double *fu, double *obj_out, double *lb_out)
{
  PetscInt n = A->n, d = A->d, PL = A->PL, nb = A->nb;
  double   gmax = 0, *red, sumnorm = 0, count = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(ev_cert, 0, 0, 0, 0));
  double t_start = CvxWallTime();
  /* past its budget a certificate bounds the block tests it has not done
   * from above: a valid, weaker bound */
  double stop = AdmmProjectionBudget(A, t_start);
  /* threshold small blocks relative to the largest */
  for (PetscInt j = 0; j < nb; j++) gmax = PetscMax(gmax, AdmmNorm(x + (size_t)j * (size_t)d, d));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &gmax, 1, MPI_DOUBLE, MPI_MAX, A->comm));
  double thr = A->opt.recover_threshold * gmax;
  for (PetscInt j = 0; j < nb; j++) {
    const double *c  = x + (size_t)j * (size_t)d;
    double       *xc = A->xc + (size_t)j * (size_t)d, s = AdmmNorm(c, d);
    if (s > thr && s > 0) {
      memcpy(xc, c, (size_t)d * sizeof(double));
      sumnorm += s;
      count += 1;
    } else {
      for (PetscInt l = 0; l < d; l++) xc[l] = 0;
    }
  }
  /* objective: F x and the norms in one reduction */
  red = A->h;
  PetscCall(CvxAdmmFLocal(A, A->xc, red));
  red[n]     = sumnorm;
  red[n + 1] = count;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, red, (int)(n + 2), MPI_DOUBLE, MPI_SUM, A->comm));
  double rr = 0, yr = 0;
  for (PetscInt k = 0; k < n; k++) {
    A->e[k] = A->y[k] - red[k];
    rr += A->e[k] * A->e[k];
    yr += A->y[k] * A->e[k];
  }
  double obj = 0.5 * rr + A->beta * red[n];
  PetscInt nnz = (PetscInt)red[n + 1];

  /* The dual direction r. Any r gives a valid bound. In the iterations the
   * caller passes F u of the ADMM's last u-step: r = y - F u is the dual
   * point the iteration itself converges to. The residual of x instead
   * carries the change that thresholding (and, for the slack splitting,
   * the projection onto the cones) made to F u, which near interpolation
   * (small beta, the fit term a tiny part of the objective) is far larger
   * than the residual at the optimum and points elsewhere: on benchmark
   * (d) its bound stayed near 1.6e-3 against about 0.2 for y - F u. */
  const double *r  = A->e;
  double        ry = yr, r2 = rr;
  if (fu) {
    r = A->rdual;
    ry = r2 = 0;
    for (PetscInt k = 0; k < n; k++) {
      A->rdual[k] = A->y[k] - fu[k];
      r2 += A->rdual[k] * A->rdual[k];
      ry += A->y[k] * A->rdual[k];
    }
  }

  /* dual: block test ||P_K(+-X^T D_i r)|| <= beta */
  PetscCall(CvxAdmmFTLocal(A, r, A->Cc));
  for (size_t s = 0; s < (size_t)d * (size_t)PL; s++) A->Cc[(size_t)d * (size_t)PL + s] = -A->Cc[s];
  double ratio = 0;
  if (A->slack && !A->opt.slack_nnls) {
    /* multipliers of the slack splitting: mu = -rho nu >= 0 with the scaled
     * dual nu = t - s = s - w of the last iteration; the test is
     * ||+-X^T D_i r + X^T (2 D_i - I) mu_j|| <= beta */
    double *mu = A->au + A->nz;
    for (PetscInt j = 0; j < nb; j++) {
      const double *Dj = A->Dm + (size_t)(j % PL) * n;
      const double *wj = A->w + A->nz + (size_t)j * n, *sj = A->zs + A->nz + (size_t)j * n;
      double       *mj = mu + (size_t)j * n;
      for (PetscInt k = 0; k < n; k++) {
        double v = A->rho * (wj[k] - sj[k]);
        v        = v > 0 ? v : 0;
        mj[k]    = Dj[k] != 0 ? v : -v;
      }
    }
    memcpy(A->Pc, A->Cc, A->nz * sizeof(double));
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)d, (int)nb, (int)n, 1.0, A->X, (int)n, mu, (int)n, 1.0,
                A->Pc, (int)d);
    for (PetscInt j = 0; j < nb; j++) {
      double q = 0;
      for (PetscInt l = 0; l < d; l++) q += A->Pc[(size_t)j * d + l] * A->Pc[(size_t)j * d + l];
      A->norms[j] = sqrt(q);
      ratio       = PetscMax(ratio, A->norms[j] / A->beta);
    }
  } else {
    /* pruned outside the second stage, whose support picks need every
     * block's exact ratio (collective then, also on a rank without blocks) */
    A->project_stop = stop;
    if (fu && !A->slack) {
      /* The iterations' certificates of the cone splitting start each
       * block's test from the z-step's active set: at the fixed point
       * t_j - z_j = F_j^T r / rho, so the z-step projects (up to the shift
       * by z_j along its face) the very vector tested here, and its face is
       * the test's. The certificate's own sets are from the last one,
       * often hundreds of iterations old: on benchmark (d) (two ranks, to
       * 1e-4, then to 1e-6 stopped at 1,800 iterations) their exact solves
       * took 1.7 s of the certificates' 2.6 s; from the z-step's sets,
       * 0.03 s. */
      memcpy(A->cact, A->act, (size_t)d * (size_t)nb * sizeof(PetscInt));
      memcpy(A->ncact, A->nact, (size_t)nb * sizeof(PetscInt));
    }
    PetscCall(CvxAdmmProjectAll(A, A->Cc, A->Pc, A->cact, A->ncact, &A->ccache, PETSC_FALSE, 0.0, A->norms,
                                (PetscBool)(A->opt.certificate_prune && !A->colgen && !A->in_polish)));
    for (PetscInt j = 0; j < nb; j++) ratio = PetscMax(ratio, A->norms[j] / A->beta);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ratio, 1, MPI_DOUBLE, MPI_MAX, A->comm));
  double lb = AdmmBound(ry, r2, ratio);
  /* the iterations' certificates (fu given) with exact cone tests: a
   * corrected dual direction as well (AdmmDualCorrect) */
  if (fu && A->opt.dual_correction && !(A->slack && !A->opt.slack_nnls) && !A->colgen && !A->in_polish)
    PetscCall(AdmmDualCorrect(A, r, obj, stop, (PetscBool)A->opt.certificate_prune, &lb));
  /* and a refit of the point's block lengths (AdmmRefit) */
  if (fu && A->opt.primal_refit && !A->colgen && !A->in_polish) PetscCall(AdmmRefit(A, lb, &obj, &nnz));

  A->certificates++;
  A->last_obj = obj;
  A->last_lb  = lb;
  if (!A->have_best || obj < A->best_obj) {
    A->best_obj     = obj;
    A->best_nonzero = nnz;
    memcpy(A->xbest, A->xc, A->nz * sizeof(double));
    memcpy(A->rbest, A->e, (size_t)n * sizeof(double));
  }
  if (!A->have_best || lb > A->best_lb) A->best_lb = lb;
  /* Every dual value is at most every primal value. At an exact solution
   * the two agree to rounding, and the computed bound can then come out
   * above the objective by an ulp or two (the order of BLAS sums varies
   * with the alignment of the buffers): the interval is closed there. A
   * larger excess is left as it is, for the tests to catch. */
  if (A->best_lb > A->best_obj && A->best_lb <= A->best_obj + 64 * DBL_EPSILON * fabs(A->best_obj))
    A->best_lb = A->best_obj;
  A->have_best = PETSC_TRUE;
  if (obj_out) *obj_out = obj;
  if (lb_out) *lb_out = lb;
  A->res->time_certificate += CvxWallTime() - t_start;
  PetscCall(PetscLogEventEnd(ev_cert, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Objective only (trace rows between certificates). Collective. */
static PetscErrorCode AdmmObjective(CvxAdmm *A, const double *x, double *obj)
{
  PetscInt n = A->n, d = A->d, nb = A->nb;
  double   sumnorm = 0;

  PetscFunctionBeginUser;
  for (PetscInt j = 0; j < nb; j++) sumnorm += AdmmNorm(x + (size_t)j * (size_t)d, d);
  PetscCall(CvxAdmmFLocal(A, x, A->h));
  A->h[n] = sumnorm;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, A->h, (int)(n + 1), MPI_DOUBLE, MPI_SUM, A->comm));
  double rr = 0;
  for (PetscInt k = 0; k < n; k++) rr += (A->y[k] - A->h[k]) * (A->y[k] - A->h[k]);
  *obj = 0.5 * rr + A->beta * A->h[n];
  PetscFunctionReturn(0);
}

/* The feasible primal point of the current iterate: zs for the cone
 * splitting, the projection of z onto the cones for the slack splitting. */
static PetscErrorCode AdmmPrimalPoint(CvxAdmm *A, const double **x)
{
  PetscFunctionBeginUser;
  if (!A->slack) {
    *x = A->zs;
  } else {
    /* within a budget of the certificate's size (its own, taken before
     * the certificate's); blocks past it are left at 0 */
    A->project_stop = AdmmProjectionBudget(A, CvxWallTime());
    PetscCall(CvxAdmmProjectAll(A, A->zs, A->xproj, A->act, A->nact, &A->zcache, PETSC_TRUE, 0.0, NULL, PETSC_FALSE));
    *x = A->xproj;
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ recovery */

/* Rank 0 gathers the nonzero blocks of the best point and builds the
 * network in canonical order (all v blocks by pattern index, then all w
 * blocks). Collective. */
static PetscErrorCode AdmmRecover(CvxAdmm *A, CvxAdmmResult *res)
{
  PetscInt     d = A->d, PL = A->PL, nb = A->nb, cnt = 0;
  double      *loc, *all = NULL;
  int          mycount, *counts = NULL, *displs = NULL, total = 0;

  PetscFunctionBeginUser;
  for (PetscInt j = 0; j < nb; j++) {
    const double *c = A->xbest + (size_t)j * (size_t)d;
    double        s = 0;
    for (PetscInt l = 0; l < d; l++) s += c[l] * c[l];
    if (s > 0) cnt++;
  }
  PetscCall(PetscMalloc1((size_t)(cnt + 1) * (size_t)(d + 1), &loc));
  cnt = 0;
  for (PetscInt j = 0; j < nb; j++) {
    const double *c = A->xbest + (size_t)j * (size_t)d;
    double        s = 0;
    for (PetscInt l = 0; l < d; l++) s += c[l] * c[l];
    if (!(s > 0)) continue;
    PetscInt gi = j < PL ? A->set->rstart + j : A->P + A->set->rstart + (j - PL);
    loc[(size_t)cnt * (size_t)(d + 1)] = (double)gi;
    memcpy(loc + (size_t)cnt * (size_t)(d + 1) + 1, c, (size_t)d * sizeof(double));
    cnt++;
  }
  PetscCheck((size_t)cnt * (size_t)(d + 1) < (size_t)INT32_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "admm.c: too many nonzero blocks to gather (%d)", (int)cnt);
  mycount = (int)(cnt * (d + 1));
  if (A->rank == 0) {
    PetscCall(PetscMalloc1((size_t)A->size, &counts));
    PetscCall(PetscMalloc1((size_t)A->size, &displs));
  }
  PetscCallMPI(MPI_Gather(&mycount, 1, MPI_INT, counts, 1, MPI_INT, 0, A->comm));
  if (A->rank == 0) {
    for (int r = 0; r < A->size; r++) {
      displs[r] = total;
      PetscCheck((size_t)total + (size_t)counts[r] < (size_t)INT32_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "admm.c: too many nonzero blocks to gather");
      total += counts[r];
    }
    PetscCall(PetscMalloc1((size_t)total + 1, &all));
  }
  PetscCallMPI(MPI_Gatherv(loc, mycount, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, A->comm));
  PetscCall(PetscFree(loc));
  if (A->rank == 0) {
    PetscInt m = total / (d + 1);
    /* ranks own increasing contiguous ranges, but v and w blocks interleave
     * by rank: order by global key (insertion sort on indices; m is small) */
    PetscInt *order;
    PetscCall(PetscMalloc1((size_t)m + 1, &order));
    for (PetscInt j = 0; j < m; j++) order[j] = j;
    for (PetscInt j = 1; j < m; j++) {
      PetscInt o = order[j], l = j;
      double   key = all[(size_t)o * (size_t)(d + 1)];
      while (l > 0 && all[(size_t)order[l - 1] * (size_t)(d + 1)] > key) {
        order[l] = order[l - 1];
        l--;
      }
      order[l] = o;
    }
    PetscCall(CvxNetworkCreate(m, d, &res->network));
    for (PetscInt j = 0; j < m; j++) {
      const double *rec = all + (size_t)order[j] * (size_t)(d + 1);
      PetscInt      gi  = (PetscInt)rec[0];
      double        s   = 0;
      for (PetscInt l = 0; l < d; l++) s += rec[1 + l] * rec[1 + l];
      s             = sqrt(s);
      double sq     = sqrt(s);
      res->network.a[j] = gi < A->P ? sq : -sq;
      for (PetscInt l = 0; l < d; l++) res->network.U[l + j * d] = rec[1 + l] / sq;
    }
    PetscCall(PetscFree(order));
    PetscCall(PetscFree(all));
    PetscCall(PetscFree(counts));
    PetscCall(PetscFree(displs));
    PetscCall(CvxNetworkEvaluate(&res->network, A->n, A->X, A->y, A->beta, &res->network_objective,
                                 &res->network_accuracy));
    res->network_mismatch = fabs(res->network_objective - res->objective) / PetscMax(fabs(res->objective), 1e-300);
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ setup */

static PetscErrorCode AdmmCheckInput(const CvxArrangementSet *set, PetscInt d, const double *X, const double *y,
                                     const CvxAdmmOptions *opt)
{
  MPI_Comm comm = set->comm;

  PetscFunctionBeginUser;
  PetscCheck(opt, comm, CVX_ERR_INPUT, "admm.c: options are NULL (use CvxAdmmOptionsSetDefaults)");
  PetscCheck(set->n >= 1 && set->P >= 1, comm, CVX_ERR_INPUT, "admm.c: need n >= 1 samples and P >= 1 patterns, got n = %d, P = %d",
             (int)set->n, (int)set->P);
  PetscCheck(set->words == (set->n + 63) / 64, comm, CVX_ERR_INPUT, "admm.c: pattern set has %d words per pattern, expected %d",
             (int)set->words, (int)((set->n + 63) / 64));
  PetscCheck(set->rstart >= 0 && set->rstart <= set->rend && set->rend <= set->P, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "admm.c: bad local pattern range [%d, %d) of P = %d", (int)set->rstart, (int)set->rend, (int)set->P);
  PetscCheck(d >= 1 && X && y, comm, CVX_ERR_INPUT, "admm.c: need d >= 1 and data (d = %d)", (int)d);
  PetscCheck(opt->beta > 0 && isfinite(opt->beta), comm, CVX_ERR_INPUT, "admm.c: beta = %g must be finite and > 0", opt->beta);
  PetscCheck(opt->rho >= 0 && isfinite(opt->rho), comm, CVX_ERR_INPUT, "admm.c: rho = %g must be >= 0 (0 = automatic)", opt->rho);
  PetscCheck(opt->relaxation > 0 && opt->relaxation < 2, comm, CVX_ERR_INPUT, "admm.c: relaxation = %g must lie in (0, 2)",
             opt->relaxation);
  PetscCheck(opt->anderson >= -1 && opt->anderson <= 100, comm, CVX_ERR_INPUT, "admm.c: anderson = %d must lie in [-1, 100]",
             (int)opt->anderson);
  PetscCheck(opt->max_iter >= 0, comm, CVX_ERR_INPUT, "admm.c: max_iter = %d must be >= 0", (int)opt->max_iter);
  PetscCheck(opt->tol >= 0 && opt->tol < 1, comm, CVX_ERR_INPUT, "admm.c: tol = %g must lie in [0, 1)", opt->tol);
  PetscCheck(opt->certify_every >= 1, comm, CVX_ERR_INPUT, "admm.c: certify_every = %d must be >= 1", (int)opt->certify_every);
  PetscCheck(opt->time_limit >= 0, comm, CVX_ERR_INPUT, "admm.c: time_limit = %g must be >= 0", opt->time_limit);
  PetscCheck(opt->polish_min_seconds >= 0, comm, CVX_ERR_INPUT, "admm.c: polish_min_seconds = %g must be >= 0",
             opt->polish_min_seconds);
  PetscCheck(opt->certificate_min_seconds >= 0, comm, CVX_ERR_INPUT,
             "admm.c: certificate_min_seconds = %g must be >= 0", opt->certificate_min_seconds);
  PetscCheck(opt->certificate_share >= 0 && opt->certificate_share <= 1, comm, CVX_ERR_INPUT,
             "admm.c: certificate_share = %g must lie in [0, 1]", opt->certificate_share);
  PetscCheck(opt->trace_every >= 0, comm, CVX_ERR_INPUT, "admm.c: trace_every = %d must be >= 0", (int)opt->trace_every);
  PetscCheck(opt->recover_threshold >= 0 && opt->recover_threshold < 1, comm, CVX_ERR_INPUT,
             "admm.c: recover_threshold = %g must lie in [0, 1)", opt->recover_threshold);
  PetscCheck(opt->splitting == CVX_SPLIT_CONE || opt->splitting == CVX_SPLIT_SLACK || opt->splitting == CVX_SPLIT_AUTO,
             comm, CVX_ERR_INPUT,
             "admm.c: unknown splitting %d", (int)opt->splitting);
  PetscInt PL = set->rend - set->rstart;
  PetscCheck((size_t)set->n * (size_t)(PL > 0 ? PL : 1) <= ((size_t)1 << 33), PETSC_COMM_SELF, CVX_ERR_INPUT,
             "admm.c: %d samples x %d local patterns is too large for one rank", (int)set->n, (int)PL);
  PetscCheck((size_t)d * (size_t)(PL > 0 ? PL : 1) <= ((size_t)1 << 33), PETSC_COMM_SELF, CVX_ERR_INPUT,
             "admm.c: %d columns x %d local patterns is too large for one rank", (int)d, (int)PL);
  for (PetscInt k = 0; k < set->n; k++) PetscCheck(isfinite(y[k]), comm, CVX_ERR_INPUT, "admm.c: label %d is not finite", (int)k);
  for (size_t s = 0; s < (size_t)set->n * (size_t)d; s++)
    PetscCheck(isfinite(X[s]), comm, CVX_ERR_INPUT, "admm.c: X entry %zu is not finite", s);
  PetscFunctionReturn(0);
}

/* Largest eigenvalue of K by power iteration (a few CvxGramApply). */
static PetscErrorCode AdmmLambdaMax(CvxAdmm *A, double *lmax)
{
  PetscInt n = A->n;
  double  *x, *y2, lam = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1((size_t)n, &x));
  PetscCall(PetscMalloc1((size_t)n, &y2));
  for (PetscInt k = 0; k < n; k++) x[k] = 1.0 / sqrt((double)n) * (1.0 + 0.01 * (double)(k % 7));
  for (int it = 0; it < 50; it++) {
    PetscCall(CvxGramApply(A->gram, x, y2));
    double nrm = 0, xy = 0;
    for (PetscInt k = 0; k < n; k++) {
      nrm += y2[k] * y2[k];
      xy += x[k] * y2[k];
    }
    nrm = sqrt(nrm);
    if (!(nrm > 0)) break;
    double prev = lam;
    lam         = xy;
    for (PetscInt k = 0; k < n; k++) x[k] = y2[k] / nrm;
    if (it > 5 && fabs(lam - prev) <= 1e-6 * fabs(lam)) break;
  }
  *lmax = lam;
  PetscCall(PetscFree(x));
  PetscCall(PetscFree(y2));
  PetscFunctionReturn(0);
}

static PetscErrorCode AdmmSetupSlack(CvxAdmm *A);
static PetscErrorCode AdmmLambdaMax(CvxAdmm *A, double *lmax);

static PetscErrorCode AdmmSetup(CvxAdmm *A, const CvxArrangementSet *set, PetscInt d, const double *X,
                                const double *y, const CvxAdmmOptions *opt)
{
  PetscInt n, PL, nb;

  PetscFunctionBeginUser;
  A->comm = set->comm;
  PetscCallMPI(MPI_Comm_rank(A->comm, &A->rank));
  PetscCallMPI(MPI_Comm_size(A->comm, &A->size));
  A->opt   = *opt;
  A->set   = set;
  A->n = n = set->n;
  A->d     = d;
  A->PL = PL = set->rend - set->rstart;
  A->nb = nb = 2 * PL;
  A->P     = set->P;
  A->X     = X;
  A->y     = y;
  A->beta  = opt->beta;
  A->alpha = opt->relaxation;
  /* auto: the cone splitting needs far fewer iterations; its projections
   * are closed-form up to d = 3 and active-set solves over n constraints
   * above, whose cost grows quickly with d. Measured at 30-40 s, beta 1e-3,
   * n = 2000 (gap, cone against slack; analysis/SCALING.md section 5):
   * d = 11: 0.61 / 0.79; d = 51: 0.41 / 0.62; d = 86: 0.046 / 0.094; but
   * d = 101: 0.67 / 0.069 (45 iterations against 642) */
  A->slack = (PetscBool)(opt->splitting == CVX_SPLIT_SLACK ||
                         (opt->splitting == CVX_SPLIT_AUTO && d > CVX_AUTO_CONE_MAX_D));
  A->ynorm2 = 0;
  for (PetscInt k = 0; k < n; k++) A->ynorm2 += y[k] * y[k];

  /* dense patterns */
  PetscCall(PetscMalloc1((size_t)n * (size_t)PetscMax(PL, 1), &A->Dm));
  for (PetscInt i = 0; i < PL; i++) {
    const uint64_t *p = set->bits + (size_t)i * (size_t)set->words;
    double         *col = A->Dm + (size_t)i * (size_t)n;
    for (PetscInt k = 0; k < n; k++) col[k] = (double)((p[k / 64] >> (k % 64)) & 1u);
  }
  PetscCall(CvxConeSetCreate(n, d, X, PL, set->words, set->bits, PETSC_TRUE, &A->cones));
  A->cones.dm = A->Dm;
  PetscCall(CvxConeWorkCreate(n, d, &A->cw));
  PetscCall(PetscMalloc1((size_t)n, &A->rowpen));
  PetscCall(PetscMalloc2((size_t)n, &A->slk, (size_t)n, &A->slki));
  for (PetscInt k = 0; k < n; k++) A->rowpen[k] = A->cones.rownorm[k] > 0 ? 0.0 : INFINITY;
  /* factor caches, with the fast maps when they fit too, and then the
   * checks' lists of rows when a cone is checked in bulk (one without a
   * facet list) and they fit as well */
  PetscBool anyfull = PETSC_FALSE;
  for (PetscInt i = 0; i < PL; i++)
    if (!A->cones.reduced[i]) anyfull = PETSC_TRUE;
  if (CvxConeCacheBytes(d, 2 * PL, PETSC_FALSE, PETSC_FALSE) <= CVX_CONE_CACHE_MAX_BYTES) {
    PetscBool maps = (PetscBool)(CvxConeCacheBytes(d, 2 * PL, PETSC_TRUE, PETSC_FALSE) <= CVX_CONE_CACHE_MAX_BYTES);
    PetscBool near = (PetscBool)(anyfull && CvxConeCacheBytes(d, 2 * PL, maps, PETSC_TRUE) <= CVX_CONE_CACHE_MAX_BYTES);
    PetscCall(CvxConeCacheCreate(d, 2 * PL, maps, near, &A->zcache));
    PetscCall(CvxConeCacheCreate(d, 2 * PL, maps, near, &A->ccache));
  }

  /* scratch */
  size_t dPL = (size_t)d * (size_t)PetscMax(PL, 1), dnb = 2 * dPL;
  A->nz = (size_t)d * (size_t)nb;
  A->ns = A->nz + (A->slack ? (size_t)n * (size_t)nb : 0);
  /* the products with F by the pattern tables (patprod.h; their copy of X
   * by rows takes the place of M and Xe), through n x d scratch (M, Xe)
   * without them, or, with more columns than local patterns, through
   * n x PL (Wp): at n = 10,000, d = 3073, P = 50 on two ranks 2 MB instead
   * of 469 MB per rank, and no 246 MB pass to scale X at every F^T e */
  A->pat_side = (PetscBool)(d > PL);
  if (A->pat_side) PetscCall(PetscMalloc1((size_t)n * (size_t)PetscMax(PL, 1), &A->Wp));
  else if (opt->pattern_tables && PL > 0) {
    PetscCall(CvxPatProdCreate(n, d, PL, A->Dm, X, &A->pp));
    PetscCall(PetscInfo(NULL, "pattern tables for F and F^T: %.1f MB on this rank\n",
                        (double)CvxPatProdBytes(A->pp) / (1024.0 * 1024.0)));
  } else {
    PetscCall(PetscMalloc1((size_t)n * (size_t)d, &A->M));
    PetscCall(PetscMalloc1((size_t)n * (size_t)d, &A->Xe));
  }
  PetscCall(PetscMalloc1((size_t)n + 8, &A->h));
  PetscCall(PetscMalloc1((size_t)n, &A->q));
  PetscCall(PetscMalloc1((size_t)n, &A->e));
  PetscCall(PetscMalloc1(dPL, &A->G));
  PetscCall(PetscMalloc1(dPL, &A->Dl));
  PetscCall(PetscMalloc1(dnb, &A->cand));
  PetscCall(PetscMalloc1(2 * (size_t)PetscMax(PL, 1), &A->norms));
  PetscCall(PetscMalloc1(2 * (size_t)PetscMax(PL, 1), &A->norms2));
  PetscCall(PetscCalloc1(dnb, &A->act));
  PetscCall(PetscCalloc1(2 * (size_t)PetscMax(PL, 1), &A->skip));
  PetscCall(PetscCalloc1(2 * (size_t)PetscMax(PL, 1), &A->nact));
  PetscCall(PetscCalloc1(dnb, &A->cact));
  PetscCall(PetscCalloc1(2 * (size_t)PetscMax(PL, 1), &A->ncact));
  PetscCall(PetscMalloc1(dnb, &A->xc));
  PetscCall(PetscMalloc1(dnb, &A->Cc));
  PetscCall(PetscMalloc1(dnb, &A->Pc));
  PetscCall(PetscCalloc1(dnb, &A->xbest));
  PetscCall(PetscMalloc1((size_t)n, &A->rbest));
  PetscCall(PetscMalloc1((size_t)n, &A->rdual));
  A->ychunk = (PetscInt)PetscMax(1, PetscMin((size_t)PetscMax(nb, 1), ADMM_CHUNK_BYTES / (sizeof(double) * (size_t)n)));
  if (anyfull) PetscCall(PetscMalloc2((size_t)n * (size_t)A->ychunk, &A->Y, (size_t)n * (size_t)A->ychunk, &A->Ys));

  size_t ns = PetscMax(A->ns, (size_t)1);
  PetscCall(PetscCalloc1(ns, &A->t));
  PetscCall(PetscCalloc1(ns, &A->zs));
  PetscCall(PetscCalloc1(ns, &A->zprev));
  PetscCall(PetscCalloc1(ns, &A->w));
  PetscCall(PetscCalloc1(ns, &A->au));
  PetscCall(PetscCalloc1(ns, &A->f));

  /* the coupling system */
  if (!A->slack) {
    PetscCall(CvxGramCreate(set, d, X, &opt->gram, &A->gram));
    PetscCall(PetscMalloc1((size_t)n, &A->Ky2));
    PetscCall(CvxGramApply(A->gram, y, A->Ky2));
    for (PetscInt k = 0; k < n; k++) A->Ky2[k] *= 2.0;
    PetscCall(AdmmLambdaMax(A, &A->lambda_max));
  } else {
    PetscCall(AdmmSetupSlack(A));
  }

  /* penalty: scale-aware default rho = c beta sqrt(2 lambda_max(K)) / ||y||
   * (invariant under (y, beta) -> s (y, beta) and scales like F^T F under
   * X -> s X). c = 2 for the cone splitting: on seven sampled programs
   * (n = 200-2000, d = 6-71, beta 1e-3 and 1e-2; analysis/SCALING.md
   * section 5) the smallest gap after 30 s came with 0.01-0.03 times the
   * former c = 100, which had left gaps 8 to 10,000 times larger; the
   * benchmarks solved by their first second stage do not depend on it.
   * c = 100 for the slack splitting, which is far less sensitive
   * (benchmark (d): gap 0.43-0.60 after 30 s for 0.03-10 times its rho). */
  if (opt->rho > 0) A->rho = opt->rho;
  else {
    double ynorm = sqrt(A->ynorm2), lm = sqrt(2.0 * PetscMax(A->lambda_max, 1e-300));
    double c     = A->slack ? CVX_RHO_SLACK_FACTOR : CVX_RHO_CONE_FACTOR;
    A->rho       = ynorm > 0 ? c * A->beta * lm / ynorm : 1.0;
    if (!(A->rho > 0) || !isfinite(A->rho)) A->rho = 1.0;
  }
  /* the u-step's shift of K; the cone splitting's automatic rho may move
   * later (AdmmAdaptRho), at the cost of another such Prepare */
  if (A->slack) PetscCall(CvxGramPrepare(A->gram, 1.0, 2.0 / A->rho));
  else PetscCall(CvxGramPrepare(A->gram, A->rho, 2.0));

  /* Anderson history, capped in memory */
  /* automatic: on for the cone splitting (about 2x fewer iterations); off
   * for the slack one, whose iteration is then one fused pass over the
   * slacks, 2-3x cheaper, which more than makes up for it (benchmark (d)) */
  A->mem = opt->anderson >= 0 ? opt->anderson : (A->slack ? 0 : 10);
  while (A->mem > 0 && 2 * ((size_t)A->mem + 1) * ns * sizeof(double) > ADMM_AA_BYTES) A->mem /= 2;
  if (A->mem > 0) {
    PetscInt m = A->mem;
    PetscCall(PetscMalloc1(ns * (size_t)m, &A->dG));
    PetscCall(PetscMalloc1(ns * (size_t)m, &A->dF));
    PetscCall(PetscMalloc1(2 * ns, &A->aab));
    PetscCall(PetscMalloc1((size_t)3 * (size_t)m + 8, &A->aac));
    PetscCall(PetscCalloc1((size_t)m * (size_t)m, &A->AtA));
    PetscCall(PetscMalloc1((size_t)2 * (size_t)m + 8, &A->gam));
    PetscCall(PetscMalloc1((size_t)2 * (size_t)m + 8, &A->red));
    PetscCall(PetscMalloc1(ns, &A->tprev));
    PetscCall(PetscMalloc1(ns, &A->fprev));
    PetscCall(PetscMalloc1(ns, &A->tplain));
  } else {
    PetscCall(PetscMalloc1(8, &A->red));
  }
  /* the fused slack iteration: chunks of about CvxAdmmFusedBytes() per buffer (admm_impl.h) */
  A->fused = (PetscBool)(A->slack && A->mem == 0 && opt->slack_nnls && opt->slack_fused && PL > 0);
  if (A->fused) {
    A->fchunk = CvxAdmmFusedChunk(n, d, PL);
    PetscCall(PetscCalloc1((size_t)2 * n * A->fchunk, &A->Yc)); /* zero: see AdmmSlackPass */
    PetscCall(PetscMalloc1((size_t)2 * n * A->fchunk, &A->Bc));
    PetscCall(PetscCalloc1(A->nz, &A->gb));
    PetscCall(PetscCalloc1((size_t)n, &A->fu));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode AdmmDestroy(CvxAdmm *A)
{
  PetscFunctionBeginUser;
  PetscCall(CvxGramDestroy(&A->gram));
  PetscCall(CvxConeWorkDestroy(&A->cw));
  PetscCall(PetscFree(A->rowpen));
  PetscCall(PetscFree2(A->slk, A->slki));
  PetscCall(CvxConeCacheDestroy(&A->zcache));
  PetscCall(CvxConeCacheDestroy(&A->ccache));
  PetscCall(CvxConeSetDestroy(&A->cones));
  PetscCall(PetscFree(A->Dm));
  PetscCall(CvxPatProdDestroy(&A->pp));
  PetscCall(PetscFree(A->Ky2));
  PetscCall(PetscFree(A->Ainv));
  PetscCall(PetscFree(A->Fty));
  PetscCall(PetscFree(A->S));
  PetscCall(PetscFree(A->t));
  PetscCall(PetscFree(A->zs));
  PetscCall(PetscFree(A->zprev));
  PetscCall(PetscFree(A->w));
  PetscCall(PetscFree(A->au));
  PetscCall(PetscFree(A->f));
  PetscCall(PetscFree(A->M));
  PetscCall(PetscFree(A->h));
  PetscCall(PetscFree(A->q));
  PetscCall(PetscFree(A->e));
  PetscCall(PetscFree(A->Xe));
  PetscCall(PetscFree(A->Wp));
  PetscCall(PetscFree(A->G));
  PetscCall(PetscFree(A->Dl));
  PetscCall(PetscFree(A->cand));
  PetscCall(PetscFree(A->norms));
  PetscCall(PetscFree(A->norms2));
  PetscCall(PetscFree2(A->Y, A->Ys));
  PetscCall(PetscFree(A->act));
  PetscCall(PetscFree(A->skip));
  PetscCall(PetscFree(A->nact));
  PetscCall(PetscFree(A->cact));
  PetscCall(PetscFree(A->ncact));
  PetscCall(PetscFree(A->xc));
  PetscCall(PetscFree(A->Cc));
  PetscCall(PetscFree(A->Pc));
  PetscCall(PetscFree(A->xproj));
  PetscCall(PetscFree(A->xbest));
  PetscCall(PetscFree(A->rbest));
  PetscCall(PetscFree(A->rdual));
  PetscCall(PetscFree(A->dG));
  PetscCall(PetscFree(A->dF));
  PetscCall(PetscFree(A->aab));
  PetscCall(PetscFree(A->aac));
  PetscCall(PetscFree(A->AtA));
  PetscCall(PetscFree(A->gam));
  PetscCall(PetscFree(A->red));
  PetscCall(PetscFree(A->tprev));
  PetscCall(PetscFree(A->fprev));
  PetscCall(PetscFree(A->tplain));
  PetscCall(PetscFree(A->Yc));
  PetscCall(PetscFree(A->Bc));
  PetscCall(PetscFree(A->gb));
  PetscCall(PetscFree(A->fu));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ slack splitting */

/* Slack splitting setup: A = I + X^T X = L L^T, Z = X L^{-T} (so that
 * Z Z^T = X A^{-1} X^T), the coupling system of Z, F^T y, and the projected
 * primal point. */
static PetscErrorCode AdmmSetupSlack(CvxAdmm *A)
{
  PetscInt n = A->n, d = A->d, PL = A->PL;
  int      dd = (int)d, info = 0;
  double  *Z, *L;

  PetscFunctionBeginUser;
  /* X^T X and Z = X L^{-T} split by rows over the ranks (each rank's
   * rows, then a sum and a gather): n d^2 flops each, which at n = 10,000,
   * d = 3073 had taken 6-9 s on every rank (X^T X then a full dgemm) */
  double t0 = CvxWallTime();
  int   *cnt, *dsp; /* rows of each rank */
  PetscCall(PetscMalloc2(A->size, &cnt, A->size, &dsp));
  for (int q = 0; q < A->size; q++) {
    dsp[q] = (int)((int64_t)n * q / A->size);
    cnt[q] = (int)((int64_t)n * (q + 1) / A->size) - dsp[q];
  }
  PetscInt r0 = dsp[A->rank], r1 = r0 + cnt[A->rank];
  PetscCall(PetscCalloc1((size_t)d * d, &L));
  if (r1 > r0)
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, dd, (int)(r1 - r0), 1.0, A->X + r0, (int)n, 0.0, L, dd);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, L, (int)(d * d), MPI_DOUBLE, MPI_SUM, A->comm));
  for (PetscInt l = 0; l < d; l++) L[l + l * d] += 1.0;
  dpotrf_("L", &dd, L, &dd, &info, 1);
  CvxCheckInfo(A->comm, "dpotrf (I + X^T X)", info);
  double t1 = CvxWallTime();
  PetscCall(PetscMalloc1((size_t)n * d, &Z));
  memcpy(Z, A->X, (size_t)n * d * sizeof(double));
  if (r1 > r0)
    cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)(r1 - r0), dd, 1.0, L, dd,
                Z + r0, (int)n);
  {
    /* one row of the column-major Z as a datatype of extent one double, so
     * that counts and displacements count rows */
    MPI_Datatype row, rowr;
    PetscCallMPI(MPI_Type_vector(dd, 1, (int)n, MPI_DOUBLE, &row));
    PetscCallMPI(MPI_Type_create_resized(row, 0, (MPI_Aint)sizeof(double), &rowr));
    PetscCallMPI(MPI_Type_commit(&rowr));
    PetscCallMPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, Z, cnt, dsp, rowr, A->comm));
    PetscCallMPI(MPI_Type_free(&rowr));
    PetscCallMPI(MPI_Type_free(&row));
    PetscCall(PetscFree2(cnt, dsp));
  }
  PetscCall(PetscInfo(NULL, "slack setup: I + X^T X and its factor %.3f s, Z = X L^-T %.3f s\n", t1 - t0,
                      CvxWallTime() - t1));
  /* A^{-1} in full, in place of the factor: the u-steps apply it with GEMMs,
   * several times faster than the triangular solves at d = 51 (A >= I is
   * well conditioned for scaled data) */
  dpotri_("L", &dd, L, &dd, &info, 1);
  CvxCheckInfo(A->comm, "dpotri (I + X^T X)", info);
  for (PetscInt j = 0; j < d; j++)
    for (PetscInt i = j + 1; i < d; i++) L[j + i * d] = L[i + j * d];
  A->Ainv = L;
  PetscCall(CvxGramCreate(A->set, d, Z, &A->opt.gram, &A->gram));
  PetscCall(PetscFree(Z));
  PetscCall(AdmmLambdaMax(A, &A->lambda_max));
  PetscCall(PetscMalloc1(A->nz + 1, &A->Fty));
  PetscCall(CvxAdmmFTLocal(A, A->y, A->G));
  for (size_t s = 0; s < (size_t)d * PL; s++) {
    A->Fty[s]                  = A->G[s];
    A->Fty[(size_t)d * PL + s] = -A->G[s];
  }
  PetscCall(PetscCalloc1(A->nz + 1, &A->xproj));
  PetscFunctionReturn(0);
}

/* The coupling part of the slack u-step's Woodbury solve: for t (d x nb,
 * the block-diagonal solve), A->q = (I + (2/rho) K_Z)^{-1} F t (extra[]
 * rides on the Allreduce of F t). With t NULL, A->fu holds this rank's
 * part of F t. Collective. */
static PetscErrorCode AdmmSlackCoupling(CvxAdmm *A, const double *t, double *extra, PetscInt nextra)
{
  PetscInt n = A->n;

  PetscFunctionBeginUser;
  if (t) PetscCall(CvxAdmmFLocal(A, t, A->h));
  else memcpy(A->h, A->fu, (size_t)n * sizeof(double));
  for (PetscInt s = 0; s < nextra; s++) A->h[n + s] = extra[s];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, A->h, (int)(n + nextra), MPI_DOUBLE, MPI_SUM, A->comm));
  for (PetscInt s = 0; s < nextra; s++) extra[s] = A->h[n + s];
  PetscCall(CvxGramSolve(A->gram, 1.0, 2.0 / A->rho, A->h, A->q));
  PetscFunctionReturn(0);
}

/* The rest of the correction after AdmmSlackCoupling: A->cand = (1/rho)
 * A^{-1} F^T q, so that u = t - A->cand. Local. */
static PetscErrorCode AdmmSlackCorrection(CvxAdmm *A)
{
  PetscInt d = A->d, PL = A->PL, nb = A->nb;
  int      dd = (int)d;

  PetscFunctionBeginUser;
  if (nb == 0) PetscFunctionReturn(0);
  PetscCall(CvxAdmmFTLocal(A, A->q, A->G));
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, dd, (int)PL, dd, 1.0 / A->rho, A->Ainv, dd, A->G, dd, 0.0,
              A->cand, dd);
  for (size_t s = 0; s < (size_t)d * PL; s++) A->cand[(size_t)d * PL + s] = -A->cand[s];
  PetscFunctionReturn(0);
}

/* au = (u, G u) with u = argmin 1/2||F u - y||^2 + rho/2 ||u - a||^2 +
 * rho/2 ||G u - b||^2 for w = (a, b): by Woodbury,
 *   t = (1/rho) A^{-1} (F^T y + rho (a + G^T b)),
 *   q = (I + (2/rho) K_Z)^{-1} F t,   u = t - (1/rho) A^{-1} F^T q,
 * with G_j = (2 D_i - I) X and A = I + X^T X. Two GEMMs with X (G^T b and
 * G u) besides the passes over the patterns. */
static PetscErrorCode AdmmUStepSlack(CvxAdmm *A, double *extra, PetscInt nextra)
{
  PetscInt n = A->n, d = A->d, PL = A->PL, nb = A->nb;
  int      dd = (int)d, nbb = (int)nb;
  double  *a = A->w, *b = A->w + A->nz, *u = A->au, *Gu = A->au + A->nz;

  PetscFunctionBeginUser;
  if (nb > 0) {
    /* signed b into the s part of au (scratch), then G^T b = X^T (S o b) */
    for (PetscInt j = 0; j < nb; j++) {
      const double *Dj = A->Dm + (size_t)(j % PL) * n;
      const double *bj = b + (size_t)j * n;
      double       *sj = Gu + (size_t)j * n;
      for (PetscInt k = 0; k < n; k++) sj[k] = Dj[k] != 0 ? bj[k] : -bj[k];
    }
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, dd, nbb, (int)n, A->rho, A->X, (int)n, Gu, (int)n, 0.0,
                A->cand, dd);
    for (size_t s = 0; s < A->nz; s++) A->cand[s] = (A->cand[s] + A->Fty[s] + A->rho * a[s]) / A->rho;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, dd, nbb, dd, 1.0, A->Ainv, dd, A->cand, dd, 0.0, u, dd);
  }
  PetscCall(AdmmSlackCoupling(A, u, extra, nextra));
  PetscCall(AdmmSlackCorrection(A));
  if (nb > 0) {
    for (size_t s = 0; s < A->nz; s++) u[s] -= A->cand[s];
    /* G u = S o (X u) */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, nbb, dd, 1.0, A->X, (int)n, u, dd, 0.0, Gu, (int)n);
    for (PetscInt j = 0; j < nb; j++) {
      const double *Dj = A->Dm + (size_t)(j % PL) * n;
      double       *gj = Gu + (size_t)j * n;
      for (PetscInt k = 0; k < n; k++)
        if (Dj[k] == 0) gj[k] = -gj[k];
    }
  }
  PetscFunctionReturn(0);
}

/* gb of the chunk of patterns [i0, i0 + cc): X^T Bc for its v blocks (the
 * first cc columns of Bc) and its w blocks (the next cc). Local. */
static void AdmmSlackGb(CvxAdmm *A, PetscInt i0, PetscInt cc)
{
  int n = (int)A->n, d = (int)A->d;
  CvxAdmmSidesGemm(CblasTrans, d, (int)cc, n, 1.0, A->X, n, A->Bc, A->Bc + (size_t)cc * n, n, A->gb + (size_t)i0 * d,
                   A->gb + (size_t)(A->PL + i0) * d, d);
}

/* The head of the next fused iteration for the chunk of patterns
 * [i0, i0 + cc), once t and gb of its blocks are final: the z-step (group
 * shrinkage) of its blocks and its change (added to *dz2), the right side
 * with w = 2 zs - t, u = A^{-1} (right side), and its share of F u,
 * sum_q D_q X (u_v - u_w), added to A->fu while the chunk's patterns are
 * in cache (with the pattern tables only u_v - u_w, into Dl: AdmmSlackFu
 * forms F u). Local. */
static void AdmmSlackHead(CvxAdmm *A, PetscInt i0, PetscInt cc, double *dz2)
{
  PetscInt n = A->n, d = A->d, PL = A->PL;
  int      dd = (int)d, ccc = (int)cc;
  double   ir = 1.0 / A->rho, dz = 0;

  for (int side = 0; side < 2; side++) {
    PetscInt j0 = side == 0 ? i0 : PL + i0;
    size_t   off = (size_t)j0 * d, len = (size_t)cc * d;
    memcpy(A->zprev + off, A->zs + off, len * sizeof(double));
    memcpy(A->zs + off, A->t + off, len * sizeof(double));
    AdmmShrink(A, j0, j0 + cc);
    for (size_t s = off; s < off + len; s++) {
      double z = A->zs[s];
      dz += (z - A->zprev[s]) * (z - A->zprev[s]);
      A->cand[s] = A->gb[s] + ir * A->Fty[s] + 2.0 * z - A->t[s];
    }
  }
  {
    size_t ov = (size_t)i0 * d, ow = (size_t)(PL + i0) * d;
    CvxAdmmSidesGemm(CblasNoTrans, dd, ccc, dd, 1.0, A->Ainv, dd, A->cand + ov, A->cand + ow, dd, A->au + ov,
                     A->au + ow, dd);
  }
  /* u_v - u_w into the first cc columns of cand's v part (scratch now);
   * with the pattern tables into the chunk's columns of Dl (its F^T q
   * is used by now), for one table product after the last chunk
   * (AdmmSlackFu) */
  double *dl = A->pp ? A->Dl + (size_t)i0 * d : A->cand + (size_t)i0 * d;
  for (size_t s = 0; s < (size_t)cc * d; s++) dl[s] = A->au[(size_t)i0 * d + s] - A->au[(size_t)(PL + i0) * d + s];
  *dz2 += dz;
  if (A->pp) return;
  CvxAdmmThinGemm(CblasNoTrans, (int)n, ccc, dd, 1.0, A->X, (int)n, dl, dd, A->Yc, (int)n);
  for (PetscInt q = 0; q < cc; q++) {
    const double *Dq = A->Dm + (size_t)(i0 + q) * n, *yq = A->Yc + (size_t)q * n;
    for (PetscInt k = 0; k < n; k++) A->fu[k] += Dq[k] * yq[k];
  }
}

/* With the pattern tables, F u of the next iteration from the differences
 * u_v - u_w the heads left in Dl (AdmmSlackHead), all patterns at once.
 * Local. */
static void AdmmSlackFu(CvxAdmm *A)
{
  if (A->pp) CvxPatProdF(A->pp, A->Dl, A->fu);
}

/* gb = G^T |t_s| = X^T (S o |t_s|) for every block, the slack part of
 * ||prox(t) - zs||^2, and the head of the first iteration (AdmmSlackHead),
 * for the state t as it is (the start of the fused iterations). Local. */
static PetscErrorCode AdmmSlackFusedInit(CvxAdmm *A)
{
  PetscInt n = A->n, PL = A->PL, c = A->fchunk;
  double   dc = 0;

  PetscFunctionBeginUser;
  A->dz2_head = 0;
  for (PetscInt k = 0; k < n; k++) A->fu[k] = 0;
  for (PetscInt i0 = 0; i0 < PL; i0 += c) {
    PetscInt cc = PetscMin(c, PL - i0);
    for (PetscInt q = 0; q < 2 * cc; q++) {
      PetscInt      i = i0 + q % cc, j = q < cc ? i : PL + i;
      const double *Dj = A->Dm + (size_t)i * n, *ts = A->t + A->nz + (size_t)j * n, *zj = A->zs + A->nz + (size_t)j * n;
      double       *b  = A->Bc + (size_t)q * n;
      for (PetscInt k = 0; k < n; k++) {
        double z = ts[k] > 0 ? ts[k] : 0, dz = z - zj[k];
        dc += dz * dz;
        b[k] = Dj[k] != 0 ? fabs(ts[k]) : -fabs(ts[k]);
      }
    }
    AdmmSlackGb(A, i0, cc);
    AdmmSlackHead(A, i0, cc, &A->dz2_head);
  }
  AdmmSlackFu(A);
  A->dr2_carry  = dc;
  A->fused_init = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* The slack update of one block (the loop of AdmmSlackFused): with the
 * signs sg of pattern Dj and y = X u, r = sg y - max(0, t), t += alpha r,
 * b = sg |t|; adds ||r||^2 to *pr2 and ||max(0, t_new) - max(0, t_old)||^2
 * to *dc. With zero_y it leaves y at 0, so that the next product X u can
 * add into it (beta 1, which spares OpenBLAS its pass that clears the
 * output first: 3.4-4.5% of the iteration's profile). Written branch-free
 * with a simd reduction so that it vectorizes (the order of the two sums
 * changes, not the iterate). */
CVX_SIMD_CLONES static void AdmmSlackPass(PetscInt n, const double *Dj, double *y, PetscBool zero_y, double alpha,
                                           double *ts, double *b, double *pr2, double *dc)
{
  double p = 0, c = 0;
#pragma omp simd reduction(+ : p, c)
  for (PetscInt k = 0; k < n; k++) {
    double sg = Dj[k] != 0 ? 1.0 : -1.0, tv = ts[k], zv = tv > 0 ? tv : 0.0;
    double r = sg * y[k] - zv, tn = tv + alpha * r, dz = (tn > 0 ? tn : 0.0) - zv;
    p += r * r;
    c += dz * dz;
    ts[k] = tn;
    b[k]  = sg * fabs(tn);
  }
  if (zero_y) memset(y, 0, (size_t)n * sizeof(double));
  *pr2 += p;
  *dc += c;
}

/* One iteration of the slack splitting without Anderson acceleration, the
 * same as the generic loop (z-step, w = 2 zs - t, u-step, residuals,
 * t += alpha (au - zs)) but with the slacks (n per block, most of the
 * state) touched once. In the slack part zs = max(0, t) and w = 2 zs - t =
 * |t|, so the u-step needs only G^T |t_s| (gb). The iteration starts after
 * the block-diagonal part of its u-step (AdmmSlackHead, done by the
 * previous iteration or by the start): the sum of F u over the ranks, the
 * coupling solve q, and then, chunk by chunk while the chunk's patterns and
 * slacks stay in cache: the rest of its blocks' u-step (F^T q with its
 * patterns, a GEMM; with the pattern tables one table product for all
 * chunks before the first) and their state update, X u (GEMM), the
 * residual S o (X u) - max(0, t_s), the update of t_s, the next
 * iteration's ||max(0, t_new) - max(0, t_old)|| (its dual residual),
 * G^T |t_new| (GEMM) and the next iteration's head (with the tables, F u
 * after the last chunk). So between iterations zs is already prox(t) of
 * the current t. pr2, dr2: this rank's residual sums. extra[] rides on
 * the Allreduce of F u. Collective. */
static PetscErrorCode AdmmSlackFused(CvxAdmm *A, double *extra, PetscInt nextra, double *pr2_out, double *dr2_out)
{
  PetscInt n = A->n, d = A->d, PL = A->PL, c = A->fchunk;
  int      dd = (int)d;
  double   alpha = A->alpha, pr2 = 0, dr2, dc = 0, dz2 = 0;
  double  *u = A->au, *zs = A->zs, *tb = A->t;

  PetscFunctionBeginUser;
  if (!A->fused_init) PetscCall(AdmmSlackFusedInit(A));
  dr2 = A->dr2_carry + A->dz2_head;
  PetscCall(AdmmSlackCoupling(A, NULL, extra, nextra));
  /* F^T q = X^T (diag(q) D) is formed as (diag(q) X)^T D, scaling the n x d
   * X once per iteration, when that is less data than the n x PL local
   * patterns; otherwise (d > PL, pat_side: at n = 10,000, d = 3073, writing
   * diag(q) X would move 246 MB per iteration and rank) each chunk's
   * patterns are scaled into Bc, which is free until the chunk's slack
   * pass */
  if (A->pp) {
    /* with the pattern tables all of (1/rho) X^T diag(q) D at once (no
     * pass over the patterns) */
    CvxPatProdFT(A->pp, A->q, A->Dl);
    for (size_t s = 0; s < (size_t)d * PL; s++) A->Dl[s] *= 1.0 / A->rho;
  } else if (!A->pat_side) AdmmScaleRows(A, A->q);
  for (PetscInt k = 0; k < n; k++) A->fu[k] = 0; /* the next iteration's F u */
  for (PetscInt i0 = 0; i0 < PL; i0 += c) {
    PetscInt cc = PetscMin(c, PL - i0), ccc = (int)cc;
    /* the chunk's blocks: u -= (1/rho) A^{-1} F^T q, where F^T q is G_c =
     * X^T diag(q) D for the v blocks and -G_c for the w blocks, then the
     * block residual and state update */
    double *Gc = A->G + (size_t)i0 * d, *Hc = A->Dl + (size_t)i0 * d;
    if (!A->pp) { /* with the pattern tables Hc holds it already */
      if (!A->pat_side)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, dd, ccc, (int)n, 1.0 / A->rho, A->Xe, (int)n,
                    A->Dm + (size_t)i0 * n, (int)n, 0.0, Hc, dd);
      else {
        AdmmScalePatterns(A, A->q, i0, cc, A->Bc);
        CvxAdmmThinGemm(CblasTrans, dd, ccc, (int)n, 1.0 / A->rho, A->X, (int)n, A->Bc, (int)n, Hc, dd);
      }
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, dd, ccc, dd, 1.0, A->Ainv, dd, Hc, dd, 0.0, Gc, dd);
    for (int side = 0; side < 2; side++) {
      size_t off = (size_t)(side == 0 ? i0 : PL + i0) * d;
      double sg  = side == 0 ? 1.0 : -1.0;
      for (size_t s = 0; s < (size_t)cc * d; s++) {
        u[off + s] -= sg * Gc[s];
        double r = u[off + s] - zs[off + s];
        pr2 += r * r;
        tb[off + s] += alpha * r;
      }
    }
    /* X u of the chunk's blocks; with the pattern tables Yc is 0 here
     * (no head product writes it) and the product adds into it */
    CvxAdmmSidesGemmBeta(CblasNoTrans, (int)n, ccc, dd, 1.0, A->X, (int)n, u + (size_t)i0 * d,
                         u + (size_t)(PL + i0) * d, dd, A->pp ? 1.0 : 0.0, A->Yc, A->Yc + (size_t)cc * n, (int)n);
    for (PetscInt q = 0; q < 2 * cc; q++) {
      PetscInt i = i0 + q % cc, j = q < cc ? i : PL + i;
      AdmmSlackPass(n, A->Dm + (size_t)i * n, A->Yc + (size_t)q * n, (PetscBool)(A->pp != NULL), alpha,
                    A->t + A->nz + (size_t)j * n, A->Bc + (size_t)q * n, &pr2, &dc);
    }
    AdmmSlackGb(A, i0, cc);
    AdmmSlackHead(A, i0, cc, &dz2);
  }
  AdmmSlackFu(A);
  A->dr2_carry = dc;
  A->dz2_head  = dz2;
  *pr2_out     = pr2;
  *dr2_out     = dr2;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ Anderson */

/* Solves the small m x m system (AtA + reg I) g = b in place of b with a
 * Cholesky factorization; returns PETSC_FALSE when it is not SPD. */
static PetscBool AdmmSmallSolve(PetscInt m, const double *AtA, PetscInt ld, double *b, double *work)
{
  double maxd = 0;
  for (PetscInt i = 0; i < m; i++) maxd = PetscMax(maxd, AtA[i + i * ld]);
  if (!(maxd > 0)) return PETSC_FALSE;
  double reg = 1e-10 * maxd;
  for (PetscInt j = 0; j < m; j++)
    for (PetscInt i = 0; i < m; i++) work[i + j * m] = AtA[i + j * ld] + (i == j ? reg : 0);
  if (!CvxAdmmSmallChol(m, work)) return PETSC_FALSE;
  CvxAdmmSmallCholSolve(m, work, b);
  return PETSC_TRUE;
}

/* ------------------------------------------------------------ progress */

typedef struct {
  double   last_print, last_time, last_gap;
  PetscInt last_it;
  double   hist_time[ADMM_ETA_WINDOW], hist_lgap[ADMM_ETA_WINDOW];
  PetscInt hist_n;
  PetscInt next_cert; /* iteration of the next certificate when the interval grew, else 0 */
} AdmmProgress;

static void AdmmProgressRecord(AdmmProgress *pg, double time, double gap)
{
  if (!(gap > 0) || !isfinite(gap)) return;
  if (pg->hist_n < ADMM_ETA_WINDOW) {
    pg->hist_time[pg->hist_n] = time;
    pg->hist_lgap[pg->hist_n] = log(gap);
    pg->hist_n++;
  } else {
    memmove(pg->hist_time, pg->hist_time + 1, (ADMM_ETA_WINDOW - 1) * sizeof(double));
    memmove(pg->hist_lgap, pg->hist_lgap + 1, (ADMM_ETA_WINDOW - 1) * sizeof(double));
    pg->hist_time[ADMM_ETA_WINDOW - 1] = time;
    pg->hist_lgap[ADMM_ETA_WINDOW - 1] = log(gap);
  }
}

/* The estimated time to the target gap, in the unit a reader takes in at a
 * glance; past the time limit (left seconds) it says so instead. */
static void AdmmFormatEta(char *buf, size_t len, double secs, double left)
{
  if (secs > left) snprintf(buf, len, "past the time limit (%.0fs left)", PetscMax(left, 0.0));
  else if (secs < 120) snprintf(buf, len, "%.1fs", secs);
  else if (secs < 7200) snprintf(buf, len, "%.0fmin", secs / 60);
  else if (secs < 172800) snprintf(buf, len, "%.1fh", secs / 3600);
  else if (secs < 3.2e9) snprintf(buf, len, "%.0fd", secs / 86400);
  else snprintf(buf, len, "over a century");
}

static PetscErrorCode AdmmProgressPrint(CvxAdmm *A, AdmmProgress *pg, PetscInt it, double now, PetscBool force)
{
  PetscFunctionBeginUser;
  if (A->rank != 0 || A->opt.verbosity == CVX_LOG_QUIET) PetscFunctionReturn(0);
  if (!force && (A->opt.progress_interval <= 0 || now - pg->last_print < A->opt.progress_interval)) PetscFunctionReturn(0);
  double gap   = A->have_best ? (A->best_obj - A->best_lb) / A->best_obj : NAN;
  double rate  = now > pg->last_time ? (double)(it - pg->last_it) / (now - pg->last_time) : 0;
  char   eta[64] = "?";
  if (A->res && A->res->reason == CVX_ADMM_INTERRUPTED)
    PetscCall(PetscSNPrintf(eta, sizeof(eta), "- (stop requested)"));
  else if (pg->hist_n >= 2 && isfinite(gap) && gap > A->opt.tol) {
    double dt = pg->hist_time[pg->hist_n - 1] - pg->hist_time[0];
    double dl = pg->hist_lgap[0] - pg->hist_lgap[pg->hist_n - 1];
    if (dt > 0 && dl > 0) {
      double secs = (log(gap) - log(PetscMax(A->opt.tol, 1e-300))) / (dl / dt);
      AdmmFormatEta(eta, sizeof(eta), secs, isfinite(A->deadline) ? A->deadline - now : INFINITY);
    }
  } else if (isfinite(gap) && gap <= A->opt.tol) PetscCall(PetscSNPrintf(eta, sizeof(eta), "0s"));
  char next[64] = "";
  if (pg->next_cert > it) PetscCall(PetscSNPrintf(next, sizeof(next), "  next certificate at it %d", (int)pg->next_cert));
  if (A->have_best)
    fprintf(stderr, "convex: it %d  obj %.10e  lb %.10e  gap %.3e  %.0f it/s  eta %s%s\n", (int)it, A->best_obj,
            A->best_lb, gap, rate, eta, next);
  else /* before the first certificate (every certify_every iterations) */
    fprintf(stderr, "convex: it %d  (first certificate at iteration %d)  %.0f it/s\n", (int)it,
            (int)A->opt.certify_every, rate);
  fflush(stderr);
  pg->last_print = now;
  pg->last_time  = now;
  pg->last_it    = it;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ the solve */

/* The best pair's relative gap (INFINITY before a finite bound). */
static double AdmmGap(const CvxAdmm *A)
{
  if (!A->have_best || !isfinite(A->best_lb)) return INFINITY;
  return (A->best_obj - A->best_lb) / PetscMax(A->best_obj, 1e-300);
}

/* A certificate under this many seconds keeps opt.certify_every (see
 * AdmmCertifyInterval). */
#define ADMM_CERT_MIN_SECONDS 0.01

/* Iterations until the next certificate. At least opt.certify_every, and
 * more when a certificate (cert seconds, its point's projection included)
 * costs more than a third of the iterations in between (iter seconds each),
 * so that certificates take at most about a quarter of the run: at large d
 * their cone projections can cost hundreds of iterations.
 *
 * Beyond that, a certificate that costs c >= 1 iterations is spaced by the
 * gap's own progress. The certified gap falls about geometrically once the
 * iterations converge, so the rate since the oldest of the last
 * ADMM_GAP_MARKS (admm_impl.h) certificates predicts the iterations N left
 * to opt.tol, and the next certificate comes after N / 2 of them, at most
 * 20 c (a certificate overhead of 5%): the certificates close in on the
 * predicted crossing instead of following it at a fixed step, and one that
 * comes too late costs at most that many iterations. On benchmark (d) a
 * certificate with its corrected dual costs about 6 iterations, and the
 * first rule's interval of about 20 spent a fifth of the run on them (two
 * ranks, 1e-6: 134 certificates in 8.0 s of 40 s; now 34 in 2.7 s).
 * Without progress (no finite gap yet, or none smaller than before) the
 * interval stays at the first rule's, which also keeps stall detection on
 * its schedule. A certificate under ADMM_CERT_MIN_SECONDS keeps
 * opt.certify_every (small programs, whose second stage starts at a
 * certificate). That limit was 0.05 s; once the certificates of benchmark
 * (d) started from the z-step's active sets (CvxAdmmCertify) they cost
 * 20-60 ms (5-16 iterations), most of them under 0.05 s, so they came
 * every 20 iterations, a quarter of the run or more, and left no progress
 * marks (72 certificates to 1e-4, 11.1 s, two ranks). With
 * 0.01 s: 21 certificates, 8.0-8.6 s in three runs, alternated with three
 * of the build before these two changes (and before gram.c's packed
 * inverse), 10.2-10.3 s. Rank 0's timings
 * decide for every rank. Collective. */
static PetscErrorCode AdmmCertifyInterval(CvxAdmm *A, double cert, double iter, PetscInt it, PetscInt *interval)
{
  PetscFunctionBeginUser;
  double k = A->opt.certify_every, gap = AdmmGap(A);
  if (!A->opt.certify_fixed && iter > 0 && isfinite(cert) && cert >= ADMM_CERT_MIN_SECONDS) {
    double c = cert / iter;
    k        = PetscMax(k, PetscMin(ceil(3.0 * c), 1e9));
    /* the oldest mark, then this certificate's into its slot */
    PetscInt slot = A->gap_marks % ADMM_GAP_MARKS;
    if (A->gap_marks >= ADMM_GAP_MARKS && c >= 1 && isfinite(gap) && gap > A->opt.tol) {
      PetscInt it0 = A->gap_mark_it[slot];
      double   g0  = A->gap_mark[slot];
      if (gap < g0 && it > it0) {
        double rate = log(g0 / gap) / (double)(it - it0), left = log(gap / A->opt.tol) / rate;
        k           = PetscMax(k, PetscMin(0.5 * left, ceil(20.0 * c)));
      }
    }
    A->gap_mark_it[slot] = it;
    A->gap_mark[slot]    = gap;
    A->gap_marks++;
  }
  PetscCallMPI(MPI_Bcast(&k, 1, MPI_DOUBLE, 0, A->comm));
  k = floor(k);
  if (A->rank == 0 && A->opt.verbosity == CVX_LOG_VERBOSE && (PetscInt)k != *interval)
    fprintf(stderr, "convex: certificate every %d iterations (certificate %.3gs, iteration %.3gs)\n", (int)k, cert,
            iter);
  *interval = (PetscInt)k;
  PetscFunctionReturn(0);
}

/* The cone splitting's automatic rho, adapted by relative residual
 * balancing. Over windows of ADMM_RHO_WINDOW iterations the mean primal
 * residual ||u - z|| relative to ||z|| is compared with the mean dual
 * residual rho ||z - z_prev|| relative to the scaled dual's norm
 * rho ||t - z||; when one is over ADMM_RHO_BALANCE times the other, rho
 * is multiplied by the square root of their ratio (at most 10 either way)
 * and t rescaled about z (t - z = F^T r / rho at the fixed point), which
 * restarts Anderson's history. On benchmark (d) the two stay within a
 * factor of 2 at the automatic rho and nothing moves; on a d = 11 program
 * (analysis/SCALING.md section 5) the ratio was 35-40 and rho rose from
 * 0.041 to 1.3 in two windows: 1e-6 after 17 s of iterations instead
 * of a gap of 3.3e-3 after 60 s. A change costs a new Prepare of the
 * n x n system (n^3 flops: at n = 2000 about 0.15 s against 0.8 s for
 * the window), so it is made only when that is at most two windows'
 * worth of the iterations' flops. Collective. */
#define ADMM_RHO_WINDOW  200
#define ADMM_RHO_BALANCE 5.0
static PetscErrorCode AdmmAdaptRho(CvxAdmm *A, double presid, double dresid)
{
  PetscFunctionBeginUser;
  A->rho_pr += presid;
  A->rho_dr += dresid;
  if (++A->rho_count < ADMM_RHO_WINDOW) PetscFunctionReturn(0);
  double nn[2] = {0, 0};
  for (size_t s = 0; s < A->ns; s++) {
    double dz = A->t[s] - A->zs[s];
    nn[0] += A->zs[s] * A->zs[s];
    nn[1] += dz * dz;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, nn, 2, MPI_DOUBLE, MPI_SUM, A->comm));
  double pr = A->rho_pr / sqrt(nn[0]), dr = A->rho_dr / (A->rho * sqrt(nn[1]));
  double rel = pr / dr, fac = 1;
  if (isfinite(rel) && rel > 0 && (rel > ADMM_RHO_BALANCE || rel < 1.0 / ADMM_RHO_BALANCE))
    fac = PetscMin(10.0, PetscMax(0.1, sqrt(rel)));
  /* a dense Prepare (n^3 flops) at most two windows' worth of flops
   * (8 n d P per iteration over the ranks): a count, so that the decision
   * does not depend on timings; rank 0's decision holds for all */
  CvxGramPath path;
  PetscCall(CvxGramGetPath(A->gram, &path));
  double nn3    = (double)A->n * A->n * A->n;
  double wflops = 2.0 * ADMM_RHO_WINDOW * 8.0 * A->n * A->d * (double)A->P / A->size;
  if (path != CVX_GRAM_CG && nn3 > wflops) fac = 1;
  PetscCallMPI(MPI_Bcast(&fac, 1, MPI_DOUBLE, 0, A->comm));
  A->rho_pr = A->rho_dr = 0;
  A->rho_count          = 0;
  if (fac == 1) PetscFunctionReturn(0);
  double rn = A->rho * fac, keep = A->rho / rn;
  for (size_t s = 0; s < A->ns; s++) A->t[s] = A->zs[s] + (A->t[s] - A->zs[s]) * keep;
  if (A->rank == 0 && A->opt.verbosity == CVX_LOG_VERBOSE)
    fprintf(stderr, "convex: rho %.4g -> %.4g (relative residuals: primal %.3g times the dual)\n", A->rho, rn, rel);
  A->rho = rn;
  PetscCall(CvxGramPrepare(A->gram, A->rho, 2.0));
  A->rho_changes++;
  CvxAdmmAndersonReset(A);
  PetscFunctionReturn(0);
}

/* One second-stage attempt (CvxAdmmPolish) with its log event, its time
 * and count in the result, and the certificate seconds spent inside it
 * added to *cert_in (they also count in time_certificate).
 *
 * Outside column generation an attempt stops (with the best point it has,
 * certified) once it has taken as long as the solve before it, or
 * opt.polish_min_seconds if that is more: a barrier problem that does not
 * centre (seen at n = 200 with 200 blocks of 200 columns) would otherwise
 * take the rest of the run from iterations that still make progress. The
 * later attempts, from better first-order points, get longer, so at most
 * about half the run goes to attempts that are cut. Column generation has
 * no iterations to return to and keeps the whole time limit. Collective. */
static PetscErrorCode AdmmSecondStage(CvxAdmm *A, PetscBool *improved, double *cert_in)
{
  double tp = CvxWallTime(), tc = A->res->time_certificate;

  PetscFunctionBeginUser;
  A->polish_deadline = A->deadline;
  if (!A->colgen) A->polish_deadline = PetscMin(A->deadline, tp + PetscMax(A->opt.polish_min_seconds, tp - A->t0));
  PetscCall(PetscLogEventBegin(ev_polish, 0, 0, 0, 0));
  A->in_polish = PETSC_TRUE;
  PetscCall(CvxAdmmPolish(A, improved));
  A->in_polish = PETSC_FALSE;
  PetscCall(PetscLogEventEnd(ev_polish, 0, 0, 0, 0));
  A->res->time_polish += CvxWallTime() - tp;
  *cert_in += A->res->time_certificate - tc;
  A->res->polish_attempts++;
  /* rank 0's clock decides, as it does for the attempt's own stop */
  int cut = CvxWallTime() >= A->polish_deadline;
  PetscCallMPI(MPI_Bcast(&cut, 1, MPI_INT, 0, A->comm));
  A->res->polish_cut += cut;
  PetscFunctionReturn(0);
}

/* The solve on the columns given (CvxAdmmSolve reduces them first when d > n). */
static PetscErrorCode AdmmSolveColumns(const CvxArrangementSet *set, PetscInt d, const double *X, const double *y,
                                       const CvxAdmmOptions *opt, CvxAdmmResult *result)
{
  CvxAdmm      A;
  AdmmProgress pg;
  PetscInt     it = 0, stall_count = 0, last_polish_it = -1, settled = 0;
  double       stall_ref = INFINITY, stall_obj = INFINITY, polish_ref_gap = INFINITY, prev_obj = INFINITY;
  double       iter_ref = INFINITY, iter_obj = INFINITY;
  /* the primal residual's smallest value since the last certificate, and
   * at the last progress (stall detection) */
  double pres_min = INFINITY, pres_ref = INFINITY;
  PetscBool    stop = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(AdmmRegisterEvents());
  PetscCall(AdmmCheckInput(set, d, X, y, opt));
  memset(result, 0, sizeof(*result));
  memset(&A, 0, sizeof(A));
  memset(&pg, 0, sizeof(pg));
  A.res         = result;
  A.t0          = CvxWallTime();
  /* a small program gets the second stage on all of its blocks at the first
   * certificate after 100 iterations (a start good enough that the barrier
   * ends well inside the tolerance): it needs tens of Newton steps
   * where first-order iterations need tens of thousands at small beta.
   * Small: at most about 4e9 flops per Newton step (2 P d n^2) and 40,000
   * unknowns (the n x 2 P d scratch) */
  A.polish_all = (PetscBool)(opt->polish && (double)set->n * set->n * 2.0 * set->P * d <= 4e9 &&
                             2.0 * set->P * d <= 40000);
  A.deadline    = opt->time_limit > 0 ? A.t0 + opt->time_limit : INFINITY;
  A.polish_deadline = A.deadline;
  A.project_stop    = INFINITY;
  result->lower_bound = -INFINITY;

  /* at large n the setup (the n x n system's factor, O(n^3)) takes minutes
   * before the first progress line: say so (n = 12,000, d = 785, slack
   * splitting: 105 s on two ranks of a Zen 3 EPYC) */
  int       crank;
  PetscBool say_setup = (PetscBool)(opt->verbosity != CVX_LOG_QUIET && opt->progress_interval > 0 &&
                                    set->n >= ADMM_SETUP_NOTE_N);
  PetscCallMPI(MPI_Comm_rank(set->comm, &crank));
  if (say_setup && crank == 0)
    fprintf(stderr, "convex: setting up the n x n coupling system (n = %d, P = %d, d = %d): its factor takes O(n^3)\n",
            (int)set->n, (int)set->P, (int)d);
  PetscCall(PetscLogEventBegin(ev_setup, 0, 0, 0, 0));
  PetscCall(AdmmSetup(&A, set, d, X, y, opt));
  PetscCall(PetscLogEventEnd(ev_setup, 0, 0, 0, 0));
  result->time_setup = CvxWallTime() - A.t0;
  if (say_setup && crank == 0) fprintf(stderr, "convex: setup done in %.1f s\n", result->time_setup);
  result->rho        = A.rho;
  result->splitting  = A.slack ? CVX_SPLIT_SLACK : CVX_SPLIT_CONE;
  pg.last_print = pg.last_time = CvxWallTime();

  double   t_iter_start = CvxWallTime(), cert_in_polish = 0; /* certificate seconds inside second stages */
  double   iter_avg = 0;                   /* running mean of an iteration's seconds */
  PetscInt last_cert_it = 0, cert_interval = opt->certify_every;
  PetscInt nred         = 0;
  result->reason        = CVX_ADMM_MAX_ITER;
  if (opt->polish && (opt->column_generation == CVX_COLGEN_ON ||
                      (opt->column_generation == CVX_COLGEN_AUTO && !A.polish_all && 2 * set->P >= 10 * set->n))) {
    /* Column generation from the zero point. With many more patterns than
     * samples the optimum uses few blocks, while first-order iterations
     * spread the mass over all of them (and the bound stays near 0): grow
     * the support instead, a few blocks per peak of the dual ratio per
     * round, each round a second-stage solve, until no block outside the
     * support fails its test. When the rounds end above tol (their
     * barrier solves stop short of it: at d > 3, where each block keeps
     * all n rows, n = 200, d = 6, P = 4000 sampled stalled at a gap of
     * 7.7e-6 after 40 s), the ADMM iterations go on from their point (the
     * cone splitting's state is set to its fixed point there), with the
     * next second stage after 400 iterations or a ten times smaller gap. */
    PetscBool improved = PETSC_FALSE;
    A.colgen                  = PETSC_TRUE;
    result->column_generation = PETSC_TRUE;
    PetscCall(CvxAdmmCertify(&A, A.zs, NULL, NULL, NULL)); /* the zero point: t = 0 */
    PetscCall(AdmmSecondStage(&A, &improved, &cert_in_polish));
    A.colgen = PETSC_FALSE;
    if (AdmmGap(&A) <= opt->tol) {
      result->reason = CVX_ADMM_CONVERGED;
      stop           = PETSC_TRUE;
    } else if (isfinite(A.deadline) && CvxWallTime() > A.deadline) {
      result->reason = CVX_ADMM_TIME_LIMIT;
      stop           = PETSC_TRUE;
    } else {
      if (A.rank == 0 && opt->verbosity == CVX_LOG_VERBOSE)
        fprintf(stderr, "convex: column generation ended at gap %.3e, above tol: ADMM iterations from its point\n",
                AdmmGap(&A));
      last_polish_it = 200;
      polish_ref_gap = AdmmGap(&A);
    }
  }
  while (!stop && it < opt->max_iter) {
    PetscCall(PetscLogEventBegin(ev_iter, 0, 0, 0, 0));
    double t_it = CvxWallTime();
    /* rank 0's time flag and every rank's stop request ride on the u-step's
     * reduction, so that all ranks stop at the same iteration */
    double flag[2] = {0, 0}, pr2 = 0, dr2 = 0, fn2 = 0;
    if (A.rank == 0 && opt->time_limit > 0 && CvxWallTime() - A.t0 > opt->time_limit) flag[0] = 1;
    if (opt->interrupted && (*opt->interrupted)()) flag[1] = 1;
    if (A.fused) {
      /* the whole iteration, state update included */
      PetscCall(AdmmSlackFused(&A, flag, 2, &pr2, &dr2));
    } else {
      /* z-step */
      memcpy(A.zprev, A.zs, A.ns * sizeof(double));
      PetscCall(AdmmZStep(&A));
      for (size_t s = 0; s < A.ns; s++) A.w[s] = 2.0 * A.zs[s] - A.t[s];
      /* u-step */
      if (!A.slack) PetscCall(AdmmUStepCone(&A, flag, 2));
      else PetscCall(AdmmUStepSlack(&A, flag, 2));
      /* residuals ||au - zs||^2, ||zs - zprev||^2 and the step f */
      for (size_t s = 0; s < A.ns; s++) {
        double r = A.au[s] - A.zs[s], dz = A.zs[s] - A.zprev[s];
        A.f[s] = A.alpha * r;
        pr2 += r * r;
        dr2 += dz * dz;
      }
    }
    it++;

    /* reductions: the residuals and Anderson's dots */
    fn2 = A.alpha * A.alpha * pr2;
    PetscInt slot = -1, m = A.mem;
    nred          = 2;
    A.red[0]      = pr2;
    A.red[1]      = dr2;
    if (m > 0 && A.have_prev) {
      /* new history column, and its products and f's with the ring's
       * columns 0..cnt-1 (all in use: the ring fills from slot 0) in one
       * GEMM, a single pass over the history */
      slot       = A.hhead;
      double *dG = A.dG + (size_t)slot * A.ns, *dF = A.dF + (size_t)slot * A.ns, *b0 = A.aab, *b1 = A.aab + A.ns;
      for (size_t s = 0; s < A.ns; s++) {
        double df = A.f[s] - A.fprev[s];
        dF[s]     = df;
        dG[s]     = (A.t[s] - A.tprev[s]) + df;
        b0[s]     = df;
        b1[s]     = A.f[s];
      }
      PetscInt cnt = PetscMin(A.hcount + 1, m);
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)cnt, 2, (int)A.ns, 1.0, A.dF, (int)A.ns, A.aab,
                  (int)A.ns, 0.0, A.aac, (int)cnt);
      for (PetscInt c = 0; c < cnt; c++) {
        PetscInt sc          = (slot - c + m) % m;
        A.red[2 + 2 * c]     = A.aac[sc];
        A.red[2 + 2 * c + 1] = A.aac[cnt + sc];
      }
      nred = 2 + 2 * cnt;
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, A.red, (int)nred, MPI_DOUBLE, MPI_SUM, A.comm));
    pr2 = A.red[0];
    dr2 = A.red[1];
    fn2 = A.alpha * A.alpha * pr2;
    double presid = sqrt(pr2), dresid = A.rho * sqrt(dr2);

    /* next state */
    if (m > 0) {
      if (A.accelerated && fn2 > A.fprev_norm2) {
        /* safeguard: the accelerated point did worse; take the plain step
         * from the last accepted point and restart the history */
        memcpy(A.t, A.tplain, A.ns * sizeof(double));
        CvxAdmmAndersonReset(&A);
        A.aa_rejected++;
      } else {
        PetscInt cnt = 0;
        if (slot >= 0) {
          cnt = PetscMin(A.hcount + 1, m);
          for (PetscInt c = 0; c < cnt; c++) {
            PetscInt sc = (slot - c + m) % m;
            A.AtA[slot + sc * m] = A.AtA[sc + slot * m] = A.red[2 + 2 * c];
          }
          A.hcount = cnt;
          A.hhead  = (slot + 1) % m;
        }
        memcpy(A.tprev, A.t, A.ns * sizeof(double));
        memcpy(A.fprev, A.f, A.ns * sizeof(double));
        A.fprev_norm2 = fn2;
        A.have_prev   = PETSC_TRUE;
        PetscBool solved = PETSC_FALSE;
        if (A.hcount >= 1) {
          /* gamma = argmin ||f - dF gamma||: (dF^T dF) gamma = dF^T f over the
           * slots in the order c = 0..cnt-1 (newest first) */
          PetscInt hc = A.hcount;
          double  *Ab, *wk;
          PetscCall(PetscMalloc1((size_t)hc * (size_t)hc, &Ab));
          PetscCall(PetscMalloc1((size_t)hc * (size_t)hc, &wk));
          for (PetscInt c1 = 0; c1 < hc; c1++) {
            PetscInt s1 = (A.hhead - 1 - c1 + 2 * m) % m;
            for (PetscInt c2 = 0; c2 < hc; c2++) {
              PetscInt s2        = (A.hhead - 1 - c2 + 2 * m) % m;
              Ab[c1 + c2 * hc]   = A.AtA[s1 + s2 * m];
            }
            A.gam[c1] = A.red[2 + 2 * c1 + 1];
          }
          solved = AdmmSmallSolve(hc, Ab, hc, A.gam, wk);
          PetscCall(PetscFree(Ab));
          PetscCall(PetscFree(wk));
          if (solved) {
            /* t = (t + f) - dG gamma: the weights by ring slot, one GEMV
             * over the ring's columns 0..hc-1 */
            double *gs = A.aac + 2 * m;
            for (PetscInt c1 = 0; c1 < hc; c1++) gs[(A.hhead - 1 - c1 + 2 * m) % m] = A.gam[c1];
            for (size_t s = 0; s < A.ns; s++) {
              double v    = A.t[s] + A.f[s];
              A.tplain[s] = v;
              A.t[s]      = v;
            }
            cblas_dgemv(CblasColMajor, CblasNoTrans, (int)A.ns, (int)hc, -1.0, A.dG, (int)A.ns, gs, 1, 1.0, A.t, 1);
            A.accelerated = PETSC_TRUE;
            /* a step far from the plain one is dropped before the z-step
             * projects it (see ADMM_AA_MAX_STEP) */
            double e2 = 0;
            for (size_t s = 0; s < A.ns; s++) {
              double e = A.t[s] - A.tplain[s];
              e2 += e * e;
            }
            PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &e2, 1, MPI_DOUBLE, MPI_SUM, A.comm));
            if (!(e2 <= ADMM_AA_MAX_STEP * ADMM_AA_MAX_STEP * fn2)) {
              memcpy(A.t, A.tplain, A.ns * sizeof(double));
              CvxAdmmAndersonReset(&A);
              A.aa_rejected++;
            }
          }
        }
        if (!solved) {
          for (size_t s = 0; s < A.ns; s++) A.t[s] += A.f[s];
          A.accelerated = PETSC_FALSE;
        }
      }
    } else if (!A.fused) {
      for (size_t s = 0; s < A.ns; s++) A.t[s] += A.f[s];
    }
    if (!A.slack && opt->rho <= 0 && opt->rho_adapt) PetscCall(AdmmAdaptRho(&A, presid, dresid));
    pres_min = PetscMin(pres_min, presid);
    PetscCall(PetscLogEventEnd(ev_iter, 0, 0, 0, 0));
    t_it     = CvxWallTime() - t_it;
    iter_avg = iter_avg > 0 ? 0.9 * iter_avg + 0.1 * t_it : t_it;
    A.iter_min = A.iter_min > 0 ? PetscMin(A.iter_min, t_it) : t_it;
    if (A.rank == 0 && opt->idle) PetscCall((*opt->idle)(opt->idle_ctx));

    /* certificate, trace row, stopping; the last iteration before a stop
     * request or the time limit is certified too (its certificate cut short
     * by the deadline), so that the trace ends with the point returned */
    PetscBool halt = (PetscBool)(flag[0] > 0 || flag[1] > 0);
    if (flag[1] > 0) A.deadline = CvxWallTime();
    PetscBool certify = (PetscBool)(it - last_cert_it >= cert_interval || halt);
    double    t_cert  = CvxWallTime();
    PetscBool trace   = (PetscBool)(certify || (opt->trace_every > 0 && it % opt->trace_every == 0));
    if (trace) {
      CvxAdmmTraceRow row;
      const double   *x = NULL;
      double          obj, lb = NAN;
      PetscInt        cuts0 = A.cert_cut + A.primal_cut;
      int             cut   = 0;
      PetscCall(AdmmPrimalPoint(&A, &x));
      if (certify) {
        /* the slack splitting's projected point counts as certificate time */
        result->time_certificate += CvxWallTime() - t_cert;
        /* A.q = F u of this iteration's u-step (both splittings) */
        PetscCall(CvxAdmmCertify(&A, x, A.q, &obj, &lb));
        /* whether its time budget cut this certificate (or its point) short,
         * on any rank: then it says nothing about progress (below) */
        cut = A.cert_cut + A.primal_cut > cuts0;
        PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &cut, 1, MPI_INT, MPI_MAX, A.comm));
        last_cert_it = it;
        PetscCall(AdmmCertifyInterval(&A, CvxWallTime() - t_cert, iter_avg, it, &cert_interval));
        pg.next_cert = cert_interval > opt->certify_every ? it + cert_interval : 0;
      } else PetscCall(AdmmObjective(&A, x, &obj));
      row.iteration       = it;
      row.time            = CvxWallTime() - A.t0;
      row.objective       = obj;
      row.primal_residual = presid;
      row.dual_residual   = dresid;
      row.rho             = A.rho;
      row.lower_bound     = lb;
      if (A.rank == 0 && opt->monitor) PetscCall((*opt->monitor)(&row, opt->monitor_ctx));
      if (certify) {
        double gap = AdmmGap(&A);
        AdmmProgressRecord(&pg, row.time, gap);
        if (gap <= opt->tol) {
          result->reason = CVX_ADMM_CONVERGED;
          stop           = PETSC_TRUE;
        } else {
          /* stall detection: progress is a 1% smaller gap or a 1e-5
           * (relative) smaller objective, of the best pair or of the
           * iterate's own certificate (at small beta the bound lags while
           * the objective still moves; after a second stage the best pair
           * is far ahead of the iterate, which still makes progress), or a
           * 1% smaller primal residual ||u - z||, the distance to the
           * iteration's fixed point: the iterates' objective and bound can
           * swing for a thousand iterations and more while it still falls
           * (n = 3000, d = 6: "stalled" at gap 2.6e-2 after 15 s, 1.0e-2
           * after 30 s without the stall rule) */
          double igap = (obj - lb) / obj;
          if (gap < 0.99 * stall_ref || A.best_obj < stall_obj - 1e-5 * fabs(stall_obj) || igap < 0.99 * iter_ref ||
              obj < iter_obj - 1e-5 * fabs(iter_obj) || pres_min < 0.99 * pres_ref) {
            stall_ref   = PetscMin(gap, stall_ref);
            stall_obj   = PetscMin(A.best_obj, stall_obj);
            pres_ref    = PetscMin(pres_ref, pres_min);
            stall_count = 0;
          } else if (!cut) stall_count++; /* a cut certificate's weaker pair is no sign of a stall */
          pres_min = INFINITY;
          if (isfinite(igap)) iter_ref = PetscMin(iter_ref, igap);
          iter_obj = PetscMin(iter_obj, obj);
          PetscBool stalled = (PetscBool)(opt->stall_certificates > 0 && stall_count >= opt->stall_certificates);
          /* second stage: once the gap is moderate (again ten times smaller
           * than at the last attempt, or after as many iterations again), or
           * when the iterations stall */
          PetscBool try_polish = PETSC_FALSE;
          /* the objective has settled when it moved by less than 1e-5
           * (relative) over three consecutive certificates */
          if (fabs(prev_obj - obj) <= 1e-5 * fabs(obj)) settled++;
          else settled = 0;
          prev_obj = obj;
          if (opt->polish && isfinite(gap) && !halt) {
            PetscBool ready = (PetscBool)(gap <= opt->polish_gap || settled >= 3);
            if (stalled || (A.polish_all && last_polish_it < 0 && it >= 100)) try_polish = PETSC_TRUE;
            else if (ready && (last_polish_it < 0 || gap <= 0.1 * polish_ref_gap || it >= 2 * last_polish_it))
              try_polish = PETSC_TRUE;
          }
          if (try_polish) {
            PetscBool improved = PETSC_FALSE;
            PetscCall(AdmmSecondStage(&A, &improved, &cert_in_polish));
            last_polish_it = it;
            polish_ref_gap = gap;
            A.polish_all   = PETSC_FALSE; /* later attempts grow a support from the best point */
            gap            = AdmmGap(&A);
            if (A.rank == 0 && opt->monitor) {
              /* the second stage's result as its own row: the best point's
               * objective and bound, no residuals (no ADMM step was taken) */
              CvxAdmmTraceRow prow = row;
              prow.time            = CvxWallTime() - A.t0;
              prow.objective       = A.best_obj;
              prow.lower_bound     = A.best_lb;
              prow.primal_residual = NAN;
              prow.dual_residual   = NAN;
              PetscCall((*opt->monitor)(&prow, opt->monitor_ctx));
            }
            if (gap <= opt->tol) {
              result->reason = CVX_ADMM_CONVERGED;
              stop           = PETSC_TRUE;
            } else if (improved) {
              stall_ref   = gap;
              stall_obj   = A.best_obj;
              stall_count = 0;
              stalled     = PETSC_FALSE;
            }
          }
          if (!stop && stalled) {
            result->reason = CVX_ADMM_STALLED;
            stop           = PETSC_TRUE;
          }
        }
      }
    }
    if (!stop && flag[1] > 0) {
      result->reason = CVX_ADMM_INTERRUPTED;
      stop           = PETSC_TRUE;
    } else if (!stop && flag[0] > 0) {
      result->reason = CVX_ADMM_TIME_LIMIT;
      stop           = PETSC_TRUE;
    }
    PetscCall(AdmmProgressPrint(&A, &pg, it, CvxWallTime(), PETSC_FALSE));
  }
  /* never report an uncertified final iterate: certify it when the last
   * certificate is older */
  if (!result->column_generation && (it == 0 || it != last_cert_it)) {
    const double *x = NULL;
    if (it == 0) PetscCall(AdmmZStep(&A));
    double t_point = CvxWallTime();
    PetscCall(AdmmPrimalPoint(&A, &x));
    result->time_certificate += CvxWallTime() - t_point;
    PetscCall(CvxAdmmCertify(&A, x, NULL, NULL, NULL));
    if (AdmmGap(&A) <= opt->tol) result->reason = CVX_ADMM_CONVERGED;
  }
  /* The empty network (x = 0, objective ||y||^2 / 2) is always feasible.
   * When every certified point is worse, return it instead: at beta =
   * 1e-10 (n = 300, d = 6) the automatic rho is 2.6e-10 (cone splitting)
   * or 1.1e-9 (slack) and the best certified objectives were 6e6 and 1.2
   * times the empty network's. The lower bound stays valid. */
  if (A.have_best && A.best_obj > 0.5 * A.ynorm2) {
    if (A.rank == 0 && opt->verbosity != CVX_LOG_QUIET)
      fprintf(stderr,
              "convex: every certified point has a larger objective (best %.6e) than the empty network (%.6e): "
              "returning the empty network; the iterations did not converge (a very small beta makes the "
              "automatic rho tiny; try a larger convex.rho)\n",
              A.best_obj, 0.5 * A.ynorm2);
    memset(A.xbest, 0, A.nz * sizeof(double));
    memcpy(A.rbest, A.y, (size_t)A.n * sizeof(double));
    A.best_obj     = 0.5 * A.ynorm2;
    A.best_nonzero = 0;
    if (A.best_lb > A.best_obj) A.best_lb = A.best_obj;
  }
  result->time_iterations =
    CvxWallTime() - t_iter_start - (result->time_certificate - cert_in_polish) - result->time_polish;
  result->iterations      = it;
  result->objective       = A.best_obj;
  result->lower_bound     = A.best_lb;
  result->certified       = (PetscBool)isfinite(A.best_lb);
  result->gap             = AdmmGap(&A);
  result->certificates    = A.certificates;
  result->nonzero_blocks  = A.best_nonzero;
  result->projection_steps = A.cones.steps;
  result->time_projection  = A.time_projection;
  PetscCall(AdmmRecover(&A, result));
  {
    PetscInt cut = A.cert_cut;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &cut, 1, MPIU_INT, MPI_SUM, A.comm));
    result->certificate_cuts = cut;
    PetscInt64 pruned = A.cert_pruned;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &pruned, 1, MPIU_INT64, MPI_SUM, A.comm));
    result->certificate_pruned = pruned;
    PetscInt pcut = A.primal_cut;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &pcut, 1, MPIU_INT, MPI_SUM, A.comm));
    result->primal_cuts = pcut;
    result->dual_corrections = A.dual_corrections;
    result->primal_refits    = A.refits;
    result->rho_changes      = A.rho_changes;
    result->rho              = A.rho; /* the last one */
    if (A.rank == 0 && cut > 0 && opt->verbosity != CVX_LOG_QUIET)
      fprintf(stderr,
              "convex: the time limit, a stop request or their time budget cut certificates short: %d block tests "
              "used an upper bound on ||P_K(v)|| (the bound stays valid, only weaker)\n",
              (int)cut);
    if (A.rank == 0 && pcut > 0 && opt->verbosity != CVX_LOG_QUIET)
      fprintf(stderr,
              "convex: the time limit, a stop request or the certificates' time budget left %d blocks of feasible "
              "points at 0 instead of projecting them (those points stay feasible, their objective only higher)\n",
              (int)pcut);
  }
  if (A.rank == 0 && opt->verbosity != CVX_LOG_QUIET) {
    PetscCall(AdmmProgressPrint(&A, &pg, it, CvxWallTime(), PETSC_TRUE));
    fprintf(stderr,
            "convex: %s after %d iterations: objective %.12e, lower bound %.12e, gap %.3e, %d neurons, "
            "network p1 mismatch %.2e\n",
            CvxAdmmStopReasonName(result->reason), (int)it, result->objective, result->lower_bound, result->gap,
            (int)result->network.m, result->network_mismatch);
    if (opt->verbosity == CVX_LOG_VERBOSE)
      fprintf(stderr,
              "convex: rho %.3e, setup %.3fs, iterations %.3fs, certificates %d (%d with a corrected dual, %d with a "
              "refit point) in %.3fs, polish %d in %.3fs, "
              "projections %.3fs (%lld active-set steps, %lld left out by certificates), anderson rejections %d\n",
              A.rho, result->time_setup, result->time_iterations, (int)A.certificates, (int)A.dual_corrections,
              (int)A.refits, result->time_certificate,
              (int)result->polish_attempts, result->time_polish, result->time_projection,
              (long long)result->projection_steps, (long long)result->certificate_pruned, (int)A.aa_rejected);
    fflush(stderr);
  }
  PetscCall(AdmmDestroy(&A));
  PetscFunctionReturn(0);
}

/* Row space of X for d > n: the thin QR X^T = V R (V d x n with orthonormal
 * columns, R n x n upper triangular) gives X = R^T V^T. The program depends
 * on a block u only through X u and ||u||, and the part of u outside the
 * row space only adds to ||u|| (it changes no X u and no cone constraint),
 * so every optimal block is V u' and the program on Xr = R^T (n columns)
 * has the same optimum, bound and patterns, with u = V u'. Formed on rank 0
 * and broadcast, so that every rank count solves the same reduced program.
 * On return Xr (n x n) and V (d x n) are allocated. Collective. */
static PetscErrorCode AdmmRowSpace(MPI_Comm comm, PetscInt n, PetscInt d, const double *X, double **Xr_out,
                                   double **V_out)
{
  PetscMPIInt rank;
  double     *V, *Xr;
  int         info = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck((double)n * (double)d < (double)INT32_MAX, comm, PETSC_ERR_SUP,
             "admm.c: the row space reduction needs n d = %.0f below 2^31", (double)n * (double)d);
  PetscCall(PetscMalloc1((size_t)d * (size_t)n, &V));
  PetscCall(PetscCalloc1((size_t)n * (size_t)n, &Xr));
  if (rank == 0) {
    int     dd = (int)d, nn = (int)n, lwork = -1;
    double *tau, wq = 0, *work;
    for (PetscInt k = 0; k < n; k++)
      for (PetscInt l = 0; l < d; l++) V[l + k * d] = X[k + l * n];
    PetscCall(PetscMalloc1((size_t)n, &tau));
    dgeqrf_(&dd, &nn, V, &dd, tau, &wq, &lwork, &info);
    if (info == 0) {
      lwork = (int)wq + 1;
      PetscCall(PetscMalloc1((size_t)lwork, &work));
      dgeqrf_(&dd, &nn, V, &dd, tau, work, &lwork, &info);
      if (info == 0) {
        /* Xr = R^T (lower triangular), then V = Q */
        for (PetscInt c = 0; c < n; c++)
          for (PetscInt r = 0; r <= c; r++) Xr[c + r * n] = V[r + c * d];
        dorgqr_(&dd, &nn, &nn, V, &dd, tau, work, &lwork, &info);
      }
      PetscCall(PetscFree(work));
    }
    PetscCall(PetscFree(tau));
  }
  PetscCallMPI(MPI_Bcast(&info, 1, MPI_INT, 0, comm));
  PetscCheck(info == 0, comm, PETSC_ERR_LIB, "admm.c: QR of X^T (dgeqrf/dorgqr) failed, info = %d", info);
  PetscCallMPI(MPI_Bcast(Xr, (int)(n * n), MPI_DOUBLE, 0, comm));
  PetscCallMPI(MPI_Bcast(V, (int)(n * d), MPI_DOUBLE, 0, comm));
  *Xr_out = Xr;
  *V_out  = V;
  PetscFunctionReturn(0);
}

/* Collective. See admm.h. */
PetscErrorCode CvxAdmmSolve(const CvxArrangementSet *set, PetscInt d, const double *X, const double *y,
                            const CvxAdmmOptions *opt, CvxAdmmResult *result)
{
  PetscInt n;
  double  *Xr = NULL, *V = NULL;

  PetscFunctionBeginUser;
  PetscCheck(set && result && opt, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
             "admm.c: CvxAdmmSolve needs a set, options and a result");
  n = set->n;
  if (!opt->row_space || d <= n) {
    PetscCall(AdmmSolveColumns(set, d, X, y, opt, result));
    PetscFunctionReturn(0);
  }
  PetscCall(AdmmCheckInput(set, d, X, y, opt));
  PetscCall(AdmmRowSpace(set->comm, n, d, X, &Xr, &V));
  {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(set->comm, &rank));
    if (rank == 0 && opt->verbosity != CVX_LOG_QUIET)
      fprintf(stderr, "convex: d = %d > n = %d: solving in the row space of X (%d columns)\n", (int)d, (int)n, (int)n);
  }
  PetscCall(AdmmSolveColumns(set, n, Xr, y, opt, result));
  PetscCall(PetscFree(Xr));
  /* rank 0: the network's input weights back in R^d, u = V u', and its
   * objective through the ReLU on the original X */
  if (result->network.m > 0) {
    CvxNetwork full;
    PetscCall(CvxNetworkCreate(result->network.m, d, &full));
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)full.m, (int)n, 1.0, V, (int)d,
                result->network.U, (int)n, 0.0, full.U, (int)d);
    memcpy(full.a, result->network.a, (size_t)full.m * sizeof(double));
    PetscCall(CvxNetworkDestroy(&result->network));
    result->network = full;
    PetscCall(CvxNetworkEvaluate(&result->network, n, X, y, opt->beta, &result->network_objective,
                                 &result->network_accuracy));
    result->network_mismatch =
      fabs(result->network_objective - result->objective) / PetscMax(fabs(result->objective), 1e-300);
  }
  PetscCall(PetscFree(V));
  PetscFunctionReturn(0);
}
