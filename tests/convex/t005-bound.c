/* The certificate is a true lower bound: below the objective of many random
 * feasible points (nonnegative multiples of each pattern's generating
 * direction, a random subset of blocks), at every stage of the iterations,
 * with both splittings (the slack one with exact block tests and with its
 * own multipliers mu = -rho nu). Stop reasons: a max_iter stop is reported as
 * max_iter (never converged) with a certified pair from the final iterate,
 * a time limit as time_limit, a loose tol as converged; a certificate cut
 * short by the time limit (d = 6, exact projections) is still a bound, and a
 * pruned certificate (exact projections only where the largest ratio can
 * be) gives the bound of a full one; the iterations' dual direction gives a
 * small gap near interpolation, its correction a far smaller one, and the
 * refit of the point's block lengths a lower objective. Any rank count.
 * Prints only on failure. */
#include "convex/admm.h"

#include "t000-problem.h"
#include "../common/check.h"

static PetscMPIInt rank;

/* Certified lower bounds of one solve and the objectives of the points
 * certified with them, in certificate order (rank 0). */
typedef struct {
  double   lb[256], obj[256];
  PetscInt count;
} Bounds;

static PetscErrorCode RecordBound(const CvxAdmmTraceRow *row, void *ctx)
{
  Bounds *b = (Bounds *)ctx;
  if (!isnan(row->lower_bound) && b->count < 256) {
    b->obj[b->count] = row->objective;
    b->lb[b->count++] = row->lower_bound;
  }
  return 0;
}

/* Options of a first-order run recording its bounds into b: 400
 * iterations, a certificate every 5, no second stage, no stall rule, no
 * target gap. */
static int RecordedOptions(CvxAdmmOptions *opt, double beta, CvxSplitting splitting, Bounds *b)
{
  if (CvxAdmmOptionsSetDefaults(opt)) return 1;
  opt->beta               = beta;
  opt->splitting          = splitting;
  opt->tol                = 0;
  opt->max_iter           = 400;
  opt->certify_every      = 5;
  opt->certify_fixed      = PETSC_TRUE; /* the same certificates in the solves compared, however loaded the machine */
  opt->polish             = PETSC_FALSE;
  opt->stall_certificates = 0;
  opt->verbosity          = CVX_LOG_QUIET;
  opt->monitor            = RecordBound;
  opt->monitor_ctx        = b;
  b->count                = 0;
  return 0;
}

/* Objective of the block point v_i = cv[i] g_i, w_i = cw[i] g_i. */
static double Objective(const TestProblem *pr, const double *cv, const double *cw, double beta)
{
  double loss = 0, reg = 0;
  for (PetscInt k = 0; k < pr->n; k++) {
    double out = 0;
    for (PetscInt i = 0; i < pr->P; i++) {
      const uint64_t *p = pr->bits + (size_t)i * pr->words;
      if (!((p[k / 64] >> (k % 64)) & 1u)) continue;
      double h = 0;
      for (PetscInt l = 0; l < pr->d; l++) h += pr->X[k + l * pr->n] * pr->g[(size_t)i * pr->d + l];
      out += (cv[i] - cw[i]) * h;
    }
    loss += (out - pr->y[k]) * (out - pr->y[k]);
  }
  for (PetscInt i = 0; i < pr->P; i++) {
    double gn = 0;
    for (PetscInt l = 0; l < pr->d; l++) gn += pr->g[(size_t)i * pr->d + l] * pr->g[(size_t)i * pr->d + l];
    reg += (cv[i] + cw[i]) * sqrt(gn);
  }
  return 0.5 * loss + beta * reg;
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TestProblem       pr;
  CvxArrangementSet set;
  TestProblemCreate(24, 2, PETSC_TRUE, 2000, 50, 41, &pr);
  TestSetView(&pr, PETSC_COMM_WORLD, &set);
  double  beta = 1e-3, *cv = (double *)calloc((size_t)pr.P, sizeof(double)), *cw = (double *)calloc((size_t)pr.P, sizeof(double));
  CvxRng  rng;
  double  minobj = INFINITY;
  CvxRngInit(&rng, 5, CVX_STREAM_TEST, 77, 0);
  for (int trial = 0; trial < 400; trial++) {
    double scale = pow(10.0, -3.0 + 3.0 * CvxRngUniform(&rng));
    for (PetscInt i = 0; i < pr.P; i++) {
      cv[i] = CvxRngUniform(&rng) < 0.2 ? scale * CvxRngUniform(&rng) : 0;
      cw[i] = CvxRngUniform(&rng) < 0.2 ? scale * CvxRngUniform(&rng) : 0;
    }
    minobj = fmin(minobj, Objective(&pr, cv, cw, beta));
  }
  for (int split = 0; split < 3; split++) /* cone; slack with projections; slack with its multipliers */
    for (PetscInt iters = 20; iters <= 2000; iters *= 10) {
      CvxAdmmOptions opt;
      CvxAdmmResult  res;
      if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
      opt.beta          = beta;
      opt.splitting     = split ? CVX_SPLIT_SLACK : CVX_SPLIT_CONE;
      opt.slack_nnls    = (PetscBool)(split != 2);
      opt.tol           = 1e-12;
      opt.max_iter      = iters;
      opt.certify_every = 7; /* iters is not a multiple: the final iterate needs its own certificate */
      opt.polish        = PETSC_FALSE;
      opt.stall_certificates = 0; /* never stop as stalled: max_iter must be reached */
      opt.verbosity     = CVX_LOG_QUIET;
      if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res)) return 1;
      CHECK(res.certified, "no certificate after %d iterations", (int)iters);
      CHECK(res.lower_bound <= minobj * (1 + 1e-12), "lower bound %.17g above a feasible objective %.17g",
            res.lower_bound, minobj);
      CHECK(res.lower_bound <= res.objective, "lower bound %.17g above our objective %.17g", res.lower_bound,
            res.objective);
      CHECK(res.reason == CVX_ADMM_MAX_ITER && res.iterations == iters, "max_iter stop reported as %s after %d",
            CvxAdmmStopReasonName(res.reason), (int)res.iterations);
      CHECK(res.gap == (res.objective - res.lower_bound) / res.objective, "gap inconsistent with its pair");
      if (CvxAdmmResultDestroy(&res)) return 1;
    }
  {
    CvxAdmmOptions opt;
    CvxAdmmResult  res;
    if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
    opt.beta       = beta;
    opt.time_limit = 1e-9;
    opt.verbosity  = CVX_LOG_QUIET;
    if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res)) return 1;
    CHECK(res.reason == CVX_ADMM_TIME_LIMIT && res.iterations >= 1 && res.certified,
          "time limit stop reported as %s after %d iterations", CvxAdmmStopReasonName(res.reason), (int)res.iterations);
    if (CvxAdmmResultDestroy(&res)) return 1;
    opt.time_limit = 0;
    opt.tol        = 0.5;
    if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res)) return 1;
    CHECK(res.reason == CVX_ADMM_CONVERGED && res.gap <= 0.5, "loose tol: %s, gap %g", CvxAdmmStopReasonName(res.reason),
          res.gap);
    if (CvxAdmmResultDestroy(&res)) return 1;
  }
  {
    /* d = 6: cones kept with all n rows, projected exactly by an active set.
     * Past the time limit a certificate bounds the remaining block tests by
     * ||v|| >= ||P_K(v)||: the bound must stay below the optimum. */
    TestProblem       pr6;
    CvxArrangementSet set6;
    CvxAdmmOptions    opt;
    CvxAdmmResult     ref, res;
    TestProblemCreate(24, 5, PETSC_TRUE, 2000, 50, 43, &pr6);
    TestSetView(&pr6, PETSC_COMM_WORLD, &set6);
    if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
    opt.beta      = beta;
    opt.tol       = 1e-6;
    opt.verbosity = CVX_LOG_QUIET;
    /* no second-stage attempt cut short by the clock on a loaded machine
     * (its certificate would then count cut tests) */
    double pms             = opt.polish_min_seconds;
    opt.polish_min_seconds = 1e6;
    if (CvxAdmmSolve(&set6, pr6.d, pr6.X, pr6.y, &opt, &ref)) return 1;
    opt.polish_min_seconds = pms;
    CHECK(ref.reason == CVX_ADMM_CONVERGED && ref.certificate_cuts == 0, "d = 6 reference: %s, %d cut tests",
          CvxAdmmStopReasonName(ref.reason), (int)ref.certificate_cuts);
    opt.tol        = 0;
    opt.time_limit = 1e-9;
    for (int split = 0; split < 2; split++) {
      const char *sname = split ? "cone" : "slack";
      opt.splitting     = split ? CVX_SPLIT_CONE : CVX_SPLIT_SLACK;
      if (CvxAdmmSolve(&set6, pr6.d, pr6.X, pr6.y, &opt, &res)) return 1;
      CHECK(res.reason == CVX_ADMM_TIME_LIMIT && res.certified && res.certificate_cuts > 0,
            "d = 6 time limit, %s: %s, certified %d, %d cut tests", sname, CvxAdmmStopReasonName(res.reason),
            (int)res.certified, (int)res.certificate_cuts);
      CHECK(res.lower_bound <= ref.objective * (1 + 1e-12) && res.lower_bound <= res.objective,
            "%s: cut certificate %.17g above the optimum's upper bound %.17g", sname, res.lower_bound, ref.objective);
      /* past the limit the blocks of the slack splitting's feasible point,
       * and those of the cone splitting's z-step, are left at 0: still
       * feasible, realized by the network */
      CHECK(res.primal_cuts > 0 && (rank != 0 || res.network_mismatch <= 1e-8),
            "d = 6 time limit, %s: %d primal blocks left at 0, network mismatch %g", sname, (int)res.primal_cuts,
            res.network_mismatch);
      if (CvxAdmmResultDestroy(&res)) return 1;
    }
    if (CvxAdmmResultDestroy(&ref)) return 1;

    /* Stall detection. With no target gap and no second stage the cone
     * splitting's iterations settle and the solve stops as stalled after 3
     * certificates without progress. Certificates cut short (a zero budget:
     * every exact projection is skipped) say nothing about progress and do
     * not count: the same solve then runs to its iteration cap. */
    opt.time_limit         = 0;
    opt.tol                = 0;
    opt.polish             = PETSC_FALSE;
    opt.splitting          = CVX_SPLIT_CONE;
    opt.stall_certificates = 3;
    /* (the corrected dual direction closes this gap to rounding, which with
     * tol 0 ends the solve as converged: the plain certificates here) */
    opt.dual_correction    = PETSC_FALSE;
    opt.max_iter           = 4000;
    if (CvxAdmmSolve(&set6, pr6.d, pr6.X, pr6.y, &opt, &res)) return 1;
    CHECK(res.reason == CVX_ADMM_STALLED && res.iterations < opt.max_iter && res.certificate_cuts == 0,
          "stall control: %s after %d iterations, %d cut tests", CvxAdmmStopReasonName(res.reason), (int)res.iterations,
          (int)res.certificate_cuts);
    if (CvxAdmmResultDestroy(&res)) return 1;
    opt.certificate_min_seconds = 0;
    opt.certificate_share       = 0;
    if (CvxAdmmSolve(&set6, pr6.d, pr6.X, pr6.y, &opt, &res)) return 1;
    CHECK(res.reason == CVX_ADMM_MAX_ITER && res.iterations == opt.max_iter && res.certificate_cuts > 0,
          "cut certificates: %s after %d iterations, %d cut tests (cut certificates must not count as a stall)",
          CvxAdmmStopReasonName(res.reason), (int)res.iterations, (int)res.certificate_cuts);
    CHECK(res.lower_bound <= res.objective, "cut certificates: bound %.17g above objective %.17g", res.lower_bound,
          res.objective);
    if (CvxAdmmResultDestroy(&res)) return 1;

    /* A certificate that projects exactly only the blocks that can hold the
     * largest ratio gives the bound of one that projects every block, at
     * every certificate of both splittings. Not bit for bit: a block left
     * out keeps its old active set, so its next exact projection starts
     * elsewhere and ends at a rounding-level different point. */
    for (int split = 0; split < 2; split++) {
      Bounds        b[2];
      CvxAdmmResult r[2];
      for (int prune = 0; prune < 2; prune++) {
        if (RecordedOptions(&opt, beta, split ? CVX_SPLIT_SLACK : CVX_SPLIT_CONE, &b[prune])) return 1;
        opt.certificate_prune = (PetscBool)prune;
        /* the plain certificates: a corrected direction is built from the
         * blocks' projections, which pruning leaves relaxed (both bounds
         * valid, not equal) */
        opt.dual_correction = PETSC_FALSE;
        if (CvxAdmmSolve(&set6, pr6.d, pr6.X, pr6.y, &opt, &r[prune])) return 1;
      }
      CHECK(r[0].certificate_pruned == 0 && r[1].certificate_pruned > 0,
            "%s splitting: %lld projections left out without pruning, %lld with", split ? "slack" : "cone",
            (long long)r[0].certificate_pruned, (long long)r[1].certificate_pruned);
      CHECK(fabs(r[0].lower_bound - r[1].lower_bound) <= 1e-12 * fabs(r[0].lower_bound) &&
              r[0].objective == r[1].objective,
            "%s splitting: pruned certificates end at (%.17g, %.17g), full ones at (%.17g, %.17g)",
            split ? "slack" : "cone", r[1].objective, r[1].lower_bound, r[0].objective, r[0].lower_bound);
      if (rank == 0) {
        CHECK(b[0].count == b[1].count && b[0].count >= 80, "%s splitting: %d and %d certificates",
              split ? "slack" : "cone", (int)b[0].count, (int)b[1].count);
        for (PetscInt k = 0; k < PetscMin(b[0].count, b[1].count); k++)
          CHECK(fabs(b[0].lb[k] - b[1].lb[k]) <= 1e-12 * fabs(b[0].lb[k]),
                "%s splitting, certificate %d: bound %.17g pruned, %.17g full", split ? "slack" : "cone", (int)k,
                b[1].lb[k], b[0].lb[k]);
      }
      for (int prune = 0; prune < 2; prune++)
        if (CvxAdmmResultDestroy(&r[prune])) return 1;
    }
    TestProblemDestroy(&pr6);
  }
  {
    /* The iterations' certificates take the dual direction y - F u of the
     * u-step, scaled up when it is inside the dual set. On a small program
     * that nearly interpolates (n = 60, d = 7, beta = 1e-3) the gap after
     * 400 iterations without the second stage is then 1-2% with either
     * splitting; the residual of the certified point, the direction before,
     * left it at 54% (slack) and 16% (cone). */
    TestProblem       pr7;
    CvxArrangementSet set7;
    TestProblemCreate(60, 6, PETSC_TRUE, 800, 40, 11, &pr7);
    TestSetView(&pr7, PETSC_COMM_WORLD, &set7);
    for (int split = 0; split < 2; split++) {
      CvxAdmmOptions opt;
      CvxAdmmResult  res;
      if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
      opt.beta               = beta;
      opt.splitting          = split ? CVX_SPLIT_SLACK : CVX_SPLIT_CONE;
      opt.tol                = 0;
      opt.max_iter           = 400;
      opt.polish             = PETSC_FALSE;
      opt.stall_certificates = 0;
      opt.verbosity          = CVX_LOG_QUIET;
      if (CvxAdmmSolve(&set7, pr7.d, pr7.X, pr7.y, &opt, &res)) return 1;
      CHECK(res.certified && res.gap <= 0.05, "%s splitting, near interpolation: gap %g after %d iterations",
            split ? "slack" : "cone", res.gap, (int)res.iterations);
      if (CvxAdmmResultDestroy(&res)) return 1;
    }
    {
      /* The corrected dual direction (cone splitting, the same iterations
       * with and without it, a certificate every 5): every bound valid
       * (below the objective of a converged reference solve), none below
       * the plain one at the same iteration, and the last one far closer. */
      CvxAdmmOptions opt;
      CvxAdmmResult  ref, r[2];
      Bounds         b[2];
      if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
      opt.beta      = beta;
      opt.tol       = 1e-10;
      opt.verbosity = CVX_LOG_QUIET;
      if (CvxAdmmSolve(&set7, pr7.d, pr7.X, pr7.y, &opt, &ref)) return 1;
      CHECK(ref.reason == CVX_ADMM_CONVERGED, "near interpolation, reference solve: %s, gap %g",
            CvxAdmmStopReasonName(ref.reason), ref.gap);
      for (int corr = 0; corr < 2; corr++) {
        if (RecordedOptions(&opt, beta, CVX_SPLIT_CONE, &b[corr])) return 1;
        opt.dual_correction = (PetscBool)corr;
        if (CvxAdmmSolve(&set7, pr7.d, pr7.X, pr7.y, &opt, &r[corr])) return 1;
      }
      CHECK(r[0].dual_corrections == 0 && r[1].dual_corrections > 0 && r[0].iterations == r[1].iterations,
            "corrected dual: %d and %d corrections, %d and %d iterations", (int)r[0].dual_corrections,
            (int)r[1].dual_corrections, (int)r[0].iterations, (int)r[1].iterations);
      CHECK(r[1].gap <= 0.1 * r[0].gap && r[1].lower_bound <= ref.objective * (1 + 1e-12),
            "corrected dual: gap %g against %g without, bound %.17g against the optimum's upper bound %.17g", r[1].gap,
            r[0].gap, r[1].lower_bound, ref.objective);
      if (rank == 0) {
        CHECK(b[0].count == b[1].count && b[0].count >= 40, "corrected dual: %d and %d certificates", (int)b[0].count,
              (int)b[1].count);
        for (PetscInt k = 0; k < PetscMin(b[0].count, b[1].count); k++)
          CHECK(b[1].lb[k] >= b[0].lb[k] - 1e-12 * fabs(b[0].lb[k]) && b[1].lb[k] <= ref.objective * (1 + 1e-12),
                "corrected dual, certificate %d: bound %.17g, plain %.17g, optimum at most %.17g", (int)k, b[1].lb[k],
                b[0].lb[k], ref.objective);
      }
      for (int corr = 0; corr < 2; corr++)
        if (CvxAdmmResultDestroy(&r[corr])) return 1;

      /* The refit of the point's block lengths (the same iterations with
       * and without it): at every certificate the point's objective is no
       * higher than the iterate's own and still above the optimum's lower
       * bound, the last one closer to the optimum, and the network of the
       * refit point realizes its objective. */
      for (int refit = 0; refit < 2; refit++) {
        if (RecordedOptions(&opt, beta, CVX_SPLIT_CONE, &b[refit])) return 1;
        opt.primal_refit = (PetscBool)refit;
        if (CvxAdmmSolve(&set7, pr7.d, pr7.X, pr7.y, &opt, &r[refit])) return 1;
      }
      CHECK(r[0].primal_refits == 0 && r[1].primal_refits > 0 && r[0].iterations == r[1].iterations,
            "refit: %d and %d refits, %d and %d iterations", (int)r[0].primal_refits, (int)r[1].primal_refits,
            (int)r[0].iterations, (int)r[1].iterations);
      double ex0 = r[0].objective - ref.lower_bound, ex1 = r[1].objective - ref.lower_bound;
      CHECK(ex1 >= -1e-12 * ref.lower_bound && ex1 <= 0.5 * ex0 && r[1].gap <= r[0].gap,
            "refit: objective %.17g against %.17g without (optimum at least %.17g), gap %g against %g",
            r[1].objective, r[0].objective, ref.lower_bound, r[1].gap, r[0].gap);
      if (rank == 0) {
        CHECK(b[0].count == b[1].count && b[0].count >= 40, "refit: %d and %d certificates", (int)b[0].count,
              (int)b[1].count);
        for (PetscInt k = 0; k < PetscMin(b[0].count, b[1].count); k++)
          CHECK(b[1].obj[k] <= b[0].obj[k] * (1 + 1e-12) && b[1].obj[k] >= ref.lower_bound * (1 - 1e-12),
                "refit, certificate %d: objective %.17g, the iterate's %.17g, optimum at least %.17g", (int)k,
                b[1].obj[k], b[0].obj[k], ref.lower_bound);
        CHECK(r[1].network_mismatch <= 1e-10, "refit: the network's p1 is %.3e off the objective",
              r[1].network_mismatch);
      }
      if (getenv("CVX_TEST_VERBOSE") && rank == 0)
        printf("refit: %d refits, excess over the optimum's bound %.3e against %.3e, gap %.3e against %.3e\n",
               (int)r[1].primal_refits, ex1, ex0, r[1].gap, r[0].gap);
      if (CvxAdmmResultDestroy(&ref)) return 1;
      for (int refit = 0; refit < 2; refit++)
        if (CvxAdmmResultDestroy(&r[refit])) return 1;
    }
    TestProblemDestroy(&pr7);
  }
  {
    /* A tiny beta (1e-10: the automatic rho is 2.6e-10 for the cone
     * splitting, 1.1e-9 for the slack one) where 1000 iterations of both
     * splittings end above the empty network's objective ||y||^2 / 2 (7e6
     * and 2.2 times it): the result is then the best point a certificate
     * saw, no worse than the empty network (which it often is, realized
     * exactly; with 3 ranks the slack splitting's rounding leads it to a
     * point at 0.8 times it), with a bound that stays below it. (An
     * iteration cap, not the time limit, ends them: given more iterations
     * the cone splitting stalls after about 3,800 at 0.5 times the empty
     * network's objective.) */
    TestProblem       pr8;
    CvxArrangementSet set8;
    TestProblemCreate(300, 5, PETSC_TRUE, 800, 40, 11, &pr8);
    TestSetView(&pr8, PETSC_COMM_WORLD, &set8);
    double empty = 0;
    for (PetscInt k = 0; k < pr8.n; k++) empty += 0.5 * pr8.y[k] * pr8.y[k];
    for (int split = 0; split < 2; split++) {
      CvxAdmmOptions opt;
      CvxAdmmResult  res;
      if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
      opt.beta       = 1e-10;
      opt.splitting  = split ? CVX_SPLIT_SLACK : CVX_SPLIT_CONE;
      opt.max_iter   = 1000;
      opt.time_limit = 10;
      opt.verbosity  = CVX_LOG_QUIET;
      if (CvxAdmmSolve(&set8, pr8.d, pr8.X, pr8.y, &opt, &res)) return 1;
      /* The best point such iterations pass may have blocks of norm 1e10
       * whose products cancel to a residual of order 1 (v_i and w_i of one
       * pattern both huge): then p0 and p1 agree only to the rounding of
       * those products, eps sqrt(n) ||r|| max_k sum_j |a_j| |u_j^T x_k|,
       * which the mismatch may reach (on a sane point this is far below
       * 1e-8 of the objective). */
      double terms = 0, xmax = 0, allow;
      for (PetscInt k = 0; k < pr8.n; k++) {
        double s = 0;
        for (PetscInt l = 0; l < pr8.d; l++) s += pr8.X[k + l * pr8.n] * pr8.X[k + l * pr8.n];
        xmax = PetscMax(xmax, sqrt(s));
      }
      for (PetscInt j = 0; j < res.network.m; j++) {
        double s = 0;
        for (PetscInt l = 0; l < pr8.d; l++) s += res.network.U[l + j * pr8.d] * res.network.U[l + j * pr8.d];
        terms += fabs(res.network.a[j]) * sqrt(s) * xmax;
      }
      allow = 1e-8 + 1e-15 * sqrt((double)pr8.n) * sqrt(2 * res.objective) * terms / res.objective;
      CHECK(res.objective <= empty * (1 + 1e-15) && res.lower_bound <= res.objective &&
              (rank != 0 || res.network_mismatch <= allow),
            "%s splitting, beta 1e-10: objective %g against the empty network's %g, bound %g, mismatch %g "
            "(allowed %g)",
            split ? "slack" : "cone", res.objective, empty, res.lower_bound, res.network_mismatch, allow);
      if (CvxAdmmResultDestroy(&res)) return 1;
    }
    TestProblemDestroy(&pr8);
  }
  free(cv);
  free(cw);
  TestProblemDestroy(&pr);
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
