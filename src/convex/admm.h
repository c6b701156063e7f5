/* Distributed solver of the convex program (eq. 7 of DESIGN.md section 1):
 *
 *   p0 = min  1/2 || sum_i D_i X (v_i - w_i) - y ||^2 + beta sum_i (||v_i|| + ||w_i||)
 *        s.t. (2 D_i - I) X v_i >= 0,  (2 D_i - I) X w_i >= 0
 *
 * over a pattern set distributed by contiguous block ranges (each rank of
 * set->comm owns patterns [rstart, rend) and their blocks v_i, w_i). X (n x d,
 * column-major, bias column included by the caller) and y are replicated.
 *
 * Engine: ADMM (DESIGN.md section 3) in one of two splittings,
 *  - cone:  u = z consensus, the z-step projects each block onto its cone
 *           and shrinks it; the u-step is a Woodbury solve with
 *           rho I + 2 (X X^T) o (Dmat Dmat^T) (CvxGram, Z = X);
 *  - slack: slacks s = G u >= 0 (Bai et al.), u-step with
 *           I + (2/rho) (X A^{-1} X^T) o (Dmat Dmat^T), A = I + X^T X;
 * with over-relaxation and safeguarded type-II Anderson acceleration. Every
 * certify_every iterations a duality certificate gives a lower bound on p0;
 * the relative gap (objective - lower bound) / objective is the stopping
 * rule. A second stage (polish) solves the program restricted to the
 * identified support with a barrier method and certifies it over all
 * patterns. The result carries the best certified pair and, on rank 0, the
 * network recovered from the primal point (Theorem 1). With more columns
 * than samples (d > n) all of this runs on the n columns of the row space
 * of X (see row_space below) and the network is mapped back to R^d.
 */
#ifndef CVXNN_CONVEX_ADMM_H
#define CVXNN_CONVEX_ADMM_H

#include "arrangements/arrangements.h"
#include "config/config.h"
#include "convex/gram.h"
#include "convex/network.h"

/* Why the iterations stopped. */
typedef enum {
  CVX_ADMM_CONVERGED,  /* certified relative gap <= tol */
  CVX_ADMM_MAX_ITER,   /* max_iter iterations done */
  CVX_ADMM_TIME_LIMIT, /* time_limit seconds elapsed */
  CVX_ADMM_STALLED,    /* the certified gap stopped improving */
  CVX_ADMM_INTERRUPTED /* opt.interrupted asked for a stop (a signal) */
} CvxAdmmStopReason;

/* One recorded row of the convex trace. */
typedef struct {
  PetscInt iteration;       /* ADMM iterations done */
  double   time;            /* seconds since CvxAdmmSolve started */
  double   objective;       /* primal objective at the current feasible point */
  double   primal_residual; /* ||u - z|| (cone) or ||(u - z, G u - s)|| (slack) */
  double   dual_residual;   /* rho ||z - z_prev|| (and the slack part) */
  double   rho;             /* penalty in use */
  double   lower_bound;     /* certified lower bound on p0, NaN where not computed */
} CvxAdmmTraceRow;

/* Called on rank 0 for every recorded trace row (every certificate, plus
 * every trace_every iterations). A nonzero return is raised as an error on
 * rank 0 only; with several ranks the program's error handler
 * (CvxErrorHandlerPush) then aborts the job, so only fail on fatal errors. */
typedef PetscErrorCode (*CvxAdmmMonitorFn)(const CvxAdmmTraceRow *row, void *ctx);

/* Called on rank 0 once per iteration (so the program can drain messages
 * from other ranks); it should return quickly. NULL = none. */
typedef PetscErrorCode (*CvxAdmmIdleFn)(void *ctx);

/* The automatic penalty is c beta sqrt(2 lambda_max(K)) / ||y|| with these
 * c for the two splittings (see admm.c). */
#define CVX_RHO_CONE_FACTOR  2.0
#define CVX_RHO_SLACK_FACTOR 100.0

/* The largest number of columns (after the row-space reduction) for which
 * the automatic splitting is the cone one. */
#define CVX_AUTO_CONE_MAX_D 80

typedef struct {
  CvxSplitting splitting;     /* CVX_SPLIT_AUTO (default: cone for d <= CVX_AUTO_CONE_MAX_D after the row-space
                                 reduction, slack above), CVX_SPLIT_CONE or CVX_SPLIT_SLACK */
  double       beta;          /* weight decay beta > 0 */
  double       rho;           /* ADMM penalty; 0 (default) = automatic: c beta sqrt(2 lambda_max(K)) / ||y|| with c =
                                 CVX_RHO_CONE_FACTOR or CVX_RHO_SLACK_FACTOR, invariant under (y, beta) ->
                                 s (y, beta) */
  double       relaxation;    /* over-relaxation alpha in (0, 2); default 1.6 */
  PetscInt     anderson;      /* Anderson memory; 0 = off; -1 (default) = 10 for the cone splitting, 0 for the slack
                                 one (its fused iteration) */
  PetscInt     max_iter;      /* ADMM iteration cap; default 100000 */
  double       tol;           /* target relative gap; default 1e-6 */
  PetscInt     certify_every; /* iterations between certificates; default 20; more when a certificate costs over
                                 0.01 s and a third of the iterations between (they then take about a quarter
                                 of the run), and, for one that costs over an iteration, up to half the
                                 iterations the gap's progress predicts are left to tol */
  PetscBool    certify_fixed; /* certificates exactly every certify_every iterations, whatever they cost
                                 (default false: the schedule above, which reads the clock; tests that
                                 compare two solves certificate by certificate need the same schedule in
                                 both, also on a loaded machine) */
  double       time_limit;    /* seconds; 0 = none */
  PetscBool    polish;        /* second stage on; default true */
  CvxColumnGeneration column_generation; /* CVX_COLGEN_AUTO (default): start with column generation when
                                            2 P >= 10 n and the program is too large for a second stage
                                            on every block; ON, OFF: always, never (ON needs polish) */
  CvxGramOptions gram;        /* u-step coupling system path and its options */
  double       progress_interval; /* seconds between progress lines on stderr (rank 0); 0 = none */
  CvxLogLevel  verbosity;     /* quiet: no lines; normal: progress + summary; verbose: details */
  CvxAdmmMonitorFn monitor;   /* trace-row callback on rank 0, or NULL */
  void            *monitor_ctx;
  CvxAdmmIdleFn    idle;      /* per-iteration callback on rank 0, or NULL */
  void            *idle_ctx;
  int (*interrupted)(void); /* nonzero: stop as at the time limit, reason CVX_ADMM_INTERRUPTED; asked on
                               every rank once per iteration (any rank's request stops all) and by rank 0
                               in the second stage; NULL (default): never */
  /* finer controls */
  PetscInt  trace_every;        /* extra trace rows every this many iterations; 0 (default) = only at certificates */
  PetscInt  stall_certificates; /* stalled after this many certificates without a 1% smaller gap or a 1e-5
                                   (relative) smaller objective; 0 = never; default 50 */
  double    polish_gap;         /* try the second stage once the certified gap is below this (default 1e-2),
                                   or earlier when the objective has settled or the iterations stall */
  PetscInt  polish_rounds;      /* support-growing rounds per second-stage attempt; default 4 */
  double    polish_min_seconds; /* outside column generation an attempt stops once it has taken as long as the
                                   solve before it or this many seconds, whichever is more; default 2 */
  double    certificate_min_seconds; /* a certificate in the iterations bounds the block tests it has not done by
                                        then from above once it has taken certificate_share of the solve so far
                                        or this many seconds, whichever is more; default 10 */
  double    certificate_share;  /* see certificate_min_seconds; in [0, 1], default 0.25 (both 0: every
                                   certificate is cut short at once, which tests use) */
  double    recover_threshold;  /* blocks with norm <= this times the largest block norm are zeroed before
                                   the objective is evaluated and the network recovered; default 1e-10 */
  PetscBool slack_nnls;         /* slack splitting: test each block with the exact cone projection (its best
                                   multiplier, a nonnegative least-squares problem) instead of the ADMM
                                   multipliers mu = -rho nu; default true (the cone splitting always
                                   uses the projection) */
  PetscBool slack_fused;        /* slack splitting without Anderson acceleration (and with slack_nnls): the
                                   fused iteration, one pass over the slacks; false runs the generic loop,
                                   the same iterates (tests compare the two); default true */
  PetscBool certificate_prune;  /* a certificate outside the second stage projects exactly only the blocks that
                                   can hold the largest dual ratio (their relaxed ratio is above the largest
                                   exact one found): the same bound, fewer projections; false projects every
                                   block (tests compare the two); default true */
  PetscBool dual_correction;    /* the iterations' certificates below a 1e-2 gap also certify a dual direction
                                   corrected so that the support's dual ratios are 1 to first order (a
                                   bound up to 100 times closer on small beta; the iterates are the same);
                                   false: only y - F u (tests compare the two); default true */
  PetscBool primal_refit;       /* the iterations' certificates below a 0.1 gap also refit the point's block
                                   lengths (nonnegative least squares over the nonzero blocks' directions) and
                                   keep the refit point when its objective is lower (3-8 times closer to the
                                   optimum on benchmark (d); the iterates are the same); false: only the point
                                   itself (tests compare the two); default true */
  PetscBool rho_adapt;          /* the cone splitting's automatic rho (rho 0) follows relative residual
                                   balancing every 200 iterations (AdmmAdaptRho); default true */
  PetscBool row_space;          /* d > n: solve in the row space of X (n columns, the same program: the part
                                   of a block outside it only adds to its norm) and map the network back;
                                   costs n d + n^2 more doubles per rank (the basis and the new data) and
                                   turns the solver's n x d work arrays into n x n ones; false keeps the d columns
                                   (tests compare the two); default true */
  PetscBool polish_check;       /* the second stage checks the factorization behind the first Newton direction
                                   of every barrier solve: K y = K dx solved again through it, with K dx
                                   formed apart from it (result.newton_check); for tests and diagnosis,
                                   default false */
  PetscBool pattern_tables;     /* F and F^T go through table lookups over the 0/1 patterns (patprod.h)
                                   instead of GEMMs with them, when d <= the rank's patterns; false: the
                                   GEMMs (tests and benchmarks compare the two); default true */
} CvxAdmmOptions;

typedef struct {
  double            objective;   /* primal objective of the returned point (= p1 of the network) */
  double            lower_bound; /* certified lower bound on p0 (-inf when none) */
  double            gap;         /* (objective - lower_bound) / objective */
  PetscBool         certified;   /* a finite lower bound was computed */
  PetscInt          iterations;  /* ADMM iterations done */
  CvxAdmmStopReason reason;
  double            rho;         /* penalty used */
  CvxSplitting      splitting;   /* splitting used (CVX_SPLIT_CONE or CVX_SPLIT_SLACK) */
  double            time_setup, time_iterations, time_certificate, time_polish; /* seconds per stage */
  PetscInt          certificates;     /* certificates computed */
  PetscInt          dual_corrections; /* of those, certificates that also certified a corrected dual direction */
  PetscInt          primal_refits;    /* of those, certificates whose point a refit of its block lengths improved */
  PetscInt          rho_changes;      /* changes of the automatic rho (rho: the last one) */
  PetscInt          polish_attempts;  /* second-stage attempts */
  PetscInt          polish_cut;       /* of those, attempts that ended at their time budget (or the time limit) */
  PetscBool         column_generation; /* the solve started with column generation */
  PetscInt          column_rounds;     /* its rounds (reduced solves) */
  PetscInt          nonzero_blocks;   /* blocks of the returned point above the recovery threshold */
  PetscInt64        projection_steps; /* active-set steps of all cone projections (this rank) */
  PetscInt          certificate_cuts; /* block tests bounded from above (a relaxed projection) instead of finished,
                                         past the time limit or a certificate's budget (all ranks) */
  PetscInt64        certificate_pruned; /* exact projections certificates left out (all ranks) */
  PetscInt          primal_cuts;        /* blocks of feasible points left at 0 instead of projected (all ranks):
                                           the slack splitting's past the time limit or a certificate's budget,
                                           the cone splitting's z-step past the time limit */
  double            time_projection;  /* seconds in z-step projections (this rank) */
  double            newton_check;     /* opt.polish_check: the largest error ||y - dx||_K / ||dx||_K of those round
                                         trips (0: none made) */
  PetscInt          newton_checked;   /* opt.polish_check: the round trips made */
  CvxNetwork        network;          /* rank 0: recovered network; other ranks: m = 0 */
  double            network_objective; /* rank 0: p1 of the network evaluated through the ReLU */
  double            network_accuracy;  /* rank 0: training accuracy of the network */
  double            network_mismatch;  /* rank 0: |p1 - objective| / objective */
} CvxAdmmResult;

/* Fills opt with the defaults listed above (beta = 1e-3). Not collective. */
PetscErrorCode CvxAdmmOptionsSetDefaults(CvxAdmmOptions *opt);

/* Name of a stop reason ("converged", "max_iter", "time_limit", "stalled",
 * "interrupted"). */
const char *CvxAdmmStopReasonName(CvxAdmmStopReason reason);

/* Solves the convex program for the pattern set (distributed over
 * set->comm), X (n x d, column-major, n = set->n) and y (n), identical on
 * every rank. On return every rank holds the same scalars in result; rank 0
 * also holds the recovered network. Input errors (sizes, options) raise
 * CVX_ERR_INPUT on every rank. Collective on set->comm. */
PetscErrorCode CvxAdmmSolve(const CvxArrangementSet *set, PetscInt d, const double *X, const double *y,
                            const CvxAdmmOptions *opt, CvxAdmmResult *result);

/* Frees the result's network. Not collective. */
PetscErrorCode CvxAdmmResultDestroy(CvxAdmmResult *result);

#endif
