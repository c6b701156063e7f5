/* Internal state of the convex solver, shared by admm.c (ADMM, certificate,
 * recovery) and polish.c (second stage). Not part of the public interface. */
#ifndef CVXNN_CONVEX_ADMM_IMPL_H
#define CVXNN_CONVEX_ADMM_IMPL_H

#include <cblas.h>

#include "convex/admm.h"
#include "convex/cone.h"
#include "convex/patprod.h"
#include "core/blas.h"

/* The most memory one cache of active-set factors may take on a rank. */
#define CVX_CONE_CACHE_MAX_BYTES (128.0 * 1024 * 1024)
/* Certificates whose gaps predict the iteration of the next one
 * (AdmmCertifyInterval in admm.c). */
#define ADMM_GAP_MARKS 4
/* Buffer size of the fused slack iteration's chunks (a chunk's products
 * X U and X^T B have one side d and the other the chunk's patterns).
 * OpenBLAS's AVX-512 kernels (SkylakeX, Cooperlake, Sapphire Rapids) have
 * a path for small matrices that runs such thin products fastest at 8
 * patterns (n = 2000): 16 fall off it, and 32 were slower in the iteration
 * (analysis/SCALING.md section 5). The other kernels pack X at every call,
 * which wider chunks amortize: with the Zen kernels on an AMD EPYC (Zen 3)
 * the iteration at n = 2000, d = 51 took 0.030-0.034 s at 8 patterns,
 * 0.023-0.026 s at 32 and 0.022-0.025 s at 64 (one rank; the Haswell
 * kernels there gained alike). */
#define ADMM_FUSED_BYTES_SMALL ((size_t)256 << 10)
#define ADMM_FUSED_BYTES_WIDE  ((size_t)2048 << 10)

/* The chunk buffer size for the OpenBLAS core `corename` (e.g. "Zen"). */
static inline size_t CvxAdmmFusedBytesFor(const char *corename)
{
  return CvxBlasCoreLevel(corename) == CVX_BLAS_LEVEL_AVX512 ? ADMM_FUSED_BYTES_SMALL : ADMM_FUSED_BYTES_WIDE;
}

/* The chunk buffer size for the kernels OpenBLAS runs. */
static inline size_t CvxAdmmFusedBytes(void)
{
  return CvxAdmmFusedBytesFor(CvxBlasCoreName());
}

/* X (8 n d bytes) above this is read from memory by every product of a
 * chunk (it stays in no cache), so a chunk's products then run at the rate
 * memory delivers X unless they have many columns: with the Zen kernels on
 * an AMD EPYC (Zen 3), X^T B at n = 10,000, d = 3073 ran at 10 GFlop/s with
 * 13 columns, 16 with 26, 23 with 52 and 30 with 100 (dgemm 1000^3: 30-36 that hour).
 * Such chunks take buffers of up to ADMM_FUSED_BYTES_STREAM each instead;
 * the passes between the products stream the slacks either way, and at
 * that size they are a small part of the iteration (n x 2 PL doubles
 * against the n x d of X per product). */
#define ADMM_FUSED_STREAM_X     ((size_t)32 << 20)
#define ADMM_FUSED_BYTES_STREAM ((size_t)64 << 20)

/* Patterns per chunk of the fused slack iteration at n samples, d columns
 * and PL local patterns: each of its n x 2 chunk buffers (a column per v
 * and w block) holds CvxAdmmFusedBytes(), or ADMM_FUSED_BYTES_STREAM when X
 * is larger than ADMM_FUSED_STREAM_X. The benchmark times the iteration's
 * GEMMs at the same shapes. */
static inline PetscInt CvxAdmmFusedChunk(PetscInt n, PetscInt d, PetscInt PL)
{
  size_t bytes = CvxAdmmFusedBytes();
  if (sizeof(double) * (size_t)n * (size_t)d > ADMM_FUSED_STREAM_X) bytes = ADMM_FUSED_BYTES_STREAM;
  size_t c = bytes / (2 * sizeof(double) * (size_t)n);
  if (c > (size_t)PL) c = (size_t)PL;
  return c < 1 ? 1 : (PetscInt)c;
}

/* C = alpha op(X) B + beta C (m x ncol, op(X) m x k, X column-major). Products of
 * one column, or two with X transposed, go through dgemv, one column at a
 * time: dgemm packs X at every call, and when X is large and the columns
 * few that costs more than the flops. Measured with OpenBLAS's Zen kernels
 * on a Zen 3 EPYC at n = 10,000, d = 3073 (X of 246 MB), in ms: X^T B 39.5
 * by dgemm against 14.6 by dgemv with one column, 51.6 against 30.0 with
 * two, 48.7 against 61.2 with four; X U 22.9 against 14.9 with one column,
 * 32.8 against 34.2 with two. Local. */
static inline void CvxAdmmThinGemmBeta(CBLAS_TRANSPOSE tr, int m, int ncol, int k, double alpha, const double *X,
                                       int ldx, const double *B, int ldb, double beta, double *C, int ldc)
{
  if (ncol <= (tr == CblasTrans ? 2 : 1)) {
    for (int c = 0; c < ncol; c++)
      cblas_dgemv(CblasColMajor, tr, tr == CblasTrans ? k : m, tr == CblasTrans ? m : k, alpha, X, ldx,
                  B + (size_t)c * (size_t)ldb, 1, beta, C + (size_t)c * (size_t)ldc, 1);
  } else
    cblas_dgemm(CblasColMajor, tr, CblasNoTrans, m, ncol, k, alpha, X, ldx, B, ldb, beta, C, ldc);
}

/* The same with beta 0 (C = alpha op(X) B). */
static inline void CvxAdmmThinGemm(CBLAS_TRANSPOSE tr, int m, int ncol, int k, double alpha, const double *X, int ldx,
                                   const double *B, int ldb, double *C, int ldc)
{
  CvxAdmmThinGemmBeta(tr, m, ncol, k, alpha, X, ldx, B, ldb, 0.0, C, ldc);
}

/* C = alpha op(X) B + beta C for the v and w blocks of a chunk: Cv from Bv
 * and Cw from Bw, each cc columns. When the w columns follow the v columns in
 * both B and C (a chunk that holds every local pattern), one product of
 * 2 cc columns, which reads X once instead of twice; otherwise one per
 * side. m x k is the shape of op(X). Local. */
static inline void CvxAdmmSidesGemmBeta(CBLAS_TRANSPOSE tr, int m, int cc, int k, double alpha, const double *X,
                                        int ldx, const double *Bv, const double *Bw, int ldb, double beta, double *Cv,
                                        double *Cw, int ldc)
{
  if (Bw == Bv + (size_t)cc * (size_t)ldb && Cw == Cv + (size_t)cc * (size_t)ldc)
    CvxAdmmThinGemmBeta(tr, m, 2 * cc, k, alpha, X, ldx, Bv, ldb, beta, Cv, ldc);
  else {
    CvxAdmmThinGemmBeta(tr, m, cc, k, alpha, X, ldx, Bv, ldb, beta, Cv, ldc);
    CvxAdmmThinGemmBeta(tr, m, cc, k, alpha, X, ldx, Bw, ldb, beta, Cw, ldc);
  }
}

/* The same with beta 0 (C = alpha op(X) B). */
static inline void CvxAdmmSidesGemm(CBLAS_TRANSPOSE tr, int m, int cc, int k, double alpha, const double *X, int ldx,
                                    const double *Bv, const double *Bw, int ldb, double *Cv, double *Cw, int ldc)
{
  CvxAdmmSidesGemmBeta(tr, m, cc, k, alpha, X, ldx, Bv, Bw, ldb, 0.0, Cv, Cw, ldc);
}

typedef struct {
  MPI_Comm                 comm; /* set->comm (not owned) */
  PetscMPIInt              rank, size;
  CvxAdmmOptions           opt;
  const CvxArrangementSet *set;
  PetscInt                 n, d, PL, nb, P; /* samples, columns, local patterns, local blocks (2 PL), all patterns */
  const double            *X, *y;
  double                   ynorm2; /* ||y||^2 */
  PetscBool                slack;  /* slack splitting */
  double                   rho, alpha, beta;
  double                   t0; /* wall time at the start of the solve */
  PetscBool                polish_all; /* small program: the first second-stage attempt takes every block */
  PetscBool                colgen;       /* the second stage grows its support by column generation */
  double                   colgen_print; /* wall time of the last column generation progress line */
  double                   deadline;  /* wall time of the time limit (INFINITY: none) */
  PetscInt                 cert_cut;  /* block tests bounded from above instead of projected, past their stop time */
  PetscInt64               cert_pruned; /* exact projections a certificate left out (bound below the largest ratio) */
  PetscBool                in_polish;   /* inside the second stage: certificates project every block */

  double     *Dm; /* n x PL dense 0/1 patterns */
  CvxConeSet   cones;
  CvxConeWork  cw;
  double      *rowpen; /* n: 0, or +inf for rows of norm 0 (no constraint; cones.rowinv is 0 there) */
  double      *slk;    /* n: scratch, the normalized slacks of a checked block's rows (AdmmRecordFeasible) */
  PetscInt    *slki;   /* n: their rows */
  CvxConeCache zcache, ccache; /* factors of the z-step's / the certificates' active sets (empty, never
                                  created, when they would take over CVX_CONE_CACHE_MAX_BYTES) */
  CvxGram     gram;
  double      lambda_max; /* largest eigenvalue of K */

  /* cone splitting */
  double *Ky2; /* 2 K y */
  /* slack splitting */
  double *Ainv; /* A^{-1} = (I + X^T X)^{-1}, d x d, full */
  double *Fty; /* F^T y (d x nb) */
  double *S;   /* n x PL signs 2 D - 1 */

  /* DR state: t (state), zs = prox_g(t), w = 2 zs - t, au = A u, f = alpha (au - zs) */
  size_t  ns, nz; /* state length; length of the block part (d nb) */
  double *t, *zs, *zprev, *w, *au, *f;

  /* scratch */
  double   *M, *h, *q, *e, *Xe, *G, *Dl; /* n x d, n + extra, n, n, n x d, d x PL, d x PL (M and Xe not with
                                            pat_side) */
  PetscBool pat_side; /* d > PL: F x and F^T e through n x PL products with X (Wp), not through M and Xe */
  CvxPatProd pp;      /* F x and F^T e by table lookup (opt.pattern_tables, not with pat_side), or NULL */
  double   *Wp;       /* n x PL, with pat_side */
  double   *cand, *Y, *Ys;               /* d x nb, n x chunk, n x chunk (the bulk check's products of the
                                            blocks it sends to an exact solve, which seed its first pass) */
  PetscInt  ychunk;
  PetscInt *act, *nact;   /* z-step active sets (d per block) */
  char     *skip;         /* nb flags: exact projection skipped (norm bound below the threshold, or the
                             candidate known to be feasible: AdmmKnownFeasible) */
  PetscInt *cact, *ncact; /* certificate active sets */
  double   *xc, *Cc, *Pc; /* certificate: thresholded point, F^T r blocks, projections (d x nb) */
  double   *xproj;        /* slack: projected primal point (d x nb) */
  double   *norms;        /* nb block norms */
  double   *norms2;       /* nb, scratch copy of norms */

  /* slack splitting without Anderson: one fused pass over the slacks per
   * iteration (AdmmSlackFused) */
  PetscBool fused;
  double   *gb;         /* d x nb: G^T |t_s| per block, for the next u-step */
  double   *fu;         /* n: this rank's part of F u for the next u-step (AdmmSlackHead) */
  double   *Yc, *Bc;    /* n x 2 fchunk: X u and S o |t_s| of a chunk of patterns */
  PetscInt  fchunk;     /* patterns per chunk */
  double    dr2_carry;  /* slack part of the next iteration's ||zs - zprev||^2 */
  double    dz2_head;   /* its block part, from the z-step done ahead (AdmmSlackHead) */
  PetscBool fused_init; /* gb, dr2_carry and the head (fu, dz2_head) are those of the current t */

  /* Anderson acceleration */
  PetscInt  mem, hcount, hhead;
  /* history ring (ns x mem, columns 0..hcount-1 in use, hhead the next):
   * dF = f - f_prev and dG = (t + f) - (t_prev + f_prev), the steps of the
   * residual and of the plain iterate; aab: [dF_new, f] (ns x 2) and aac
   * (3 mem): the products of the ring with them and the weights by slot */
  double   *dG, *dF, *AtA, *gam, *red, *aab, *aac;
  double   *tprev, *fprev, *tplain;
  double    fprev_norm2;
  PetscBool have_prev, accelerated;
  PetscInt  aa_rejected;

  /* best certified pair */
  double   *xbest;
  double    best_obj, best_lb, last_obj, last_lb;
  PetscBool have_best;
  PetscInt  best_nonzero;
  double   *rbest; /* residual y - F xbest (n) */
  double   *rdual; /* n: the certificate's dual direction when it is not the point's residual */
  double    polish_deadline; /* wall time by which a second-stage attempt stops (see AdmmSecondStage) */
  double    project_stop;    /* stop time of the next CvxAdmmProjectAll only (INFINITY: none; it resets it) */
  PetscInt  primal_cut;      /* blocks of feasible points (the slack splitting's primal points, the cone
                                splitting's z-step) left at 0 past their stop time */
  double    iter_min;        /* shortest iteration so far, seconds (0 before the first) */
  double    polish_step_block; /* seconds per block of a second-stage Newton step, as measured (0: none yet) */

  CvxAdmmResult *res; /* the caller's result (stage timings accumulate there) */

  /* statistics */
  double     time_projection;
  PetscInt   certificates, iterations;
  PetscInt   dual_corrections; /* certificates that also tried a corrected dual direction (AdmmDualCorrect) */
  PetscInt   refits;           /* certificates whose point a refit of its block lengths improved (AdmmRefit) */
  /* the automatic rho's adaptation (AdmmAdaptRho) */
  double     rho_pr, rho_dr; /* sums of the window's residuals */
  PetscInt   rho_count, rho_changes;
  PetscInt64 zstep_capped;
  /* the certified gap at the last certificates, for their spacing
   * (AdmmCertifyInterval): a ring of ADMM_GAP_MARKS slots */
  PetscInt gap_mark_it[ADMM_GAP_MARKS], gap_marks;
  double   gap_mark[ADMM_GAP_MARKS];
} CvxAdmm;

/* Empties Anderson's history (after the state t was set from outside the
 * iteration, or the accelerated point was rejected). */
static inline void CvxAdmmAndersonReset(CvxAdmm *A)
{
  A->hcount      = 0;
  A->hhead       = 0;
  A->have_prev   = PETSC_FALSE;
  A->accelerated = PETSC_FALSE;
}

/* Applies F to a block point x (d x nb): out (n) = sum of the local blocks'
 * D_i X (x_v - x_w). Local, no reduction. */
PetscErrorCode CvxAdmmFLocal(CvxAdmm *A, const double *x, double *out);

/* G (d x PL) = X^T D_i e for the local patterns (F^T e = [G, -G]). Local. */
PetscErrorCode CvxAdmmFTLocal(CvxAdmm *A, const double *e, double *G);

/* Reorders val[0..m) (no NaN), and idx with it, so that val[k] (k < m) is
 * the (k+1)-th smallest: none larger before it, none smaller after it.
 * The z-step's feasibility checks keep a block's rows of lowest slack with
 * it. Local. */
void CvxAdmmSelectLowest(double *val, PetscInt *idx, PetscInt m, PetscInt k);

/* Projects every column V[:, j] (j < nb) onto cone j mod PL into C, warm-
 * started by act/nact; norms[j] = ||C[:, j]||. With feasible, a projection
 * cut short is replaced by 0 (always feasible); otherwise its norm is
 * replaced by ||V[:, j]|| (never below ||P_K||). Blocks of cones kept with
 * all rows whose warm-start candidate (a projection onto a relaxation, so
 * of norm >= ||P_K||) has norm <= skip_below keep that candidate without
 * the exact solve (the z-step shrinks them to 0 anyway), and an exact
 * solve stops at the first such relaxation it reaches. With prune (for a
 * certificate, which needs only the largest norm), a block whose candidate
 * norm is not above the largest exact norm found so far on any rank keeps
 * its candidate too, and an exact solve stops once it proves its block's
 * norm is not above it: max_j norms[j] is exact, the other norms[j] are
 * upper bounds. Local; collective with prune. */
PetscErrorCode CvxAdmmProjectAll(CvxAdmm *A, const double *V, double *C, PetscInt *act, PetscInt *nact,
                                 CvxConeCache *cache, PetscBool feasible, double skip_below, double *norms,
                                 PetscBool prune);

/* Certifies the block point x (d x nb, feasible): thresholds small blocks,
 * evaluates the objective and a lower bound, updates the best pair. The
 * bound's dual direction is y - fu when fu (n, replicated) is given, else
 * the residual of x (see the function). Collective. */
PetscErrorCode CvxAdmmCertify(CvxAdmm *A, const double *x, const double *fu, double *obj, double *lb);

/* The second stage (polish.c): solves the program on the support of the
 * best point with a barrier method, certifies over all patterns and, on
 * success, updates the best pair. *improved tells whether it did. Collective. */
PetscErrorCode CvxAdmmPolish(CvxAdmm *A, PetscBool *improved);

/* Dense Cholesky of a small d x d SPD matrix (lower, in place) and the solve
 * x <- (L L^T)^{-1} x with its factor; used by the face Newton blocks and
 * Anderson's least-squares system. Not collective. */
PetscBool CvxAdmmSmallChol(PetscInt d, double *B);
void      CvxAdmmSmallCholSolve(PetscInt d, const double *L, double *x);

/* An upper triangular R (N x N) with R^T R = A^T A + C^T C, for upper
 * triangular A and C (N x N, leading dimension N), from the QR
 * factorization of [A; C]: the second stage's factor of its free blocks'
 * system without forming it (polish.c). R overwrites A, whose strict lower
 * triangle is set to 0; C is destroyed. Not collective. */
PetscErrorCode CvxAdmmStackedTriangleFactor(PetscInt N, double *A, double *C);

#endif
