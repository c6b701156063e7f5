/* Benchmark of the convex solver (not a pass/fail test; prints figures).
 *
 *   t201-admm-bench [-cases abcd] [-flops] [solver options]
 *
 * -flops: the machine's dgemm rate (the best of samples taken before,
 *         between and after the timings, whose range is printed too),
 *         and ADMM seconds per iteration at n = 2000, d = 51, P = 500 (no
 *         certificates; the slack splitting's the fastest of three solves,
 *         each also against the samples around it) against the flop
 *         floor of one iteration: 12 n d P + 6 d^2 P for the slack
 *         splitting (its default: the fused iteration without Anderson),
 *         8 n d P for the cone one (F, F^T and the cone check); both
 *         unless -splitting names one. For the slack splitting also the
 *         time of its GEMMs alone at their own shapes (SlackGemmSeconds),
 *         which bounds what the iteration can reach with this BLAS.
 * cases (iterations and wall time to a certified 1e-4 and 1e-6 gap, each
 * target a solve of its own):
 *   a: n = 20,   d = 1 + bias, beta = 1e-4, exact patterns (P = 40)
 *   b: n = 500,  d = 1 + bias, beta = 1e-4, exact patterns (P = 1000)
 *   c: n = 200,  d = 2 + bias, beta = 1e-3, exact patterns (P ~ 40,000)
 *   d: n = 2000, d = 50 + bias, beta = 1e-3, P = 500 sampled
 * Custom problem: -n N -draw D -beta B -P P (sampled) [-samples S] [-exact] [-nobias]. Its
 *   patterns are the first P in canonical order of the distinct patterns of S directions (default
 *   20 P, as in the tables of analysis/SCALING.md). When P binds, that set leaves the high-index
 *   samples inactive in most patterns, unlike the program's arrangements.max_patterns; -samples P
 *   gives the program's set of P directions.
 * -tols T1,T2: the target gaps instead of 1e-4 and 1e-6 (one or two).
 * -speedup R: for each case (or the custom problem), the solve to 1e-4 on rank 0 alone (the other
 *         ranks asleep) and on all ranks, alternated R times in one run;
 *         prints each time and the ratio of the fastest of each.
 * Solver options: -splitting auto|cone|slack -column_generation auto|on|off -rho R -alpha A -anderson M
 *   -certify_every K -max_iter N -polish 0|1 -polish_min_seconds S -time_limit S -verbose
 *   -rho_adapt 0|1 -dual_correction 0|1 -primal_refit 0|1 -pattern_tables 0|1.
 */
#include "convex/admm.h"
#include "convex/admm_impl.h"
#include "core/blas.h"
#include "core/timer.h"

#include "t000-problem.h"

#include <cblas.h>
#include <time.h>

/* Exact arrangement of X (n x 3, general position): every cell has a vertex
 * ray x_a x x_b; perturb +-ray into the four adjacent cells. */
static void ExactPatterns3(TestProblem *pr)
{
  PetscInt  n = pr->n, W = pr->words, cap = 8 * n * (n - 1) / 2 + 8, nc = 0;
  uint64_t *cand = (uint64_t *)malloc(sizeof(uint64_t) * (size_t)W * (size_t)cap);
  double   *gc   = (double *)malloc(sizeof(double) * 3 * (size_t)cap);
  const double *X = pr->X;
  for (PetscInt a = 0; a < n; a++)
    for (PetscInt b = a + 1; b < n; b++) {
      double xa[3] = {X[a], X[a + n], X[a + 2 * n]}, xb[3] = {X[b], X[b + n], X[b + 2 * n]};
      double r[3] = {xa[1] * xb[2] - xa[2] * xb[1], xa[2] * xb[0] - xa[0] * xb[2], xa[0] * xb[1] - xa[1] * xb[0]};
      double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
      if (!(rn > 0)) continue;
      for (int l = 0; l < 3; l++) r[l] /= rn;
      /* margin of the other rows */
      double mmin = INFINITY;
      for (PetscInt k = 0; k < n; k++) {
        if (k == a || k == b) continue;
        double v = fabs(X[k] * r[0] + X[k + n] * r[1] + X[k + 2 * n] * r[2]);
        double xn = sqrt(X[k] * X[k] + X[k + n] * X[k + n] + X[k + 2 * n] * X[k + 2 * n]);
        mmin = PetscMin(mmin, v / xn);
      }
      /* u1, u2 with [xa; xb] [u1 u2] = I (minimum norm) */
      double g11 = xa[0] * xa[0] + xa[1] * xa[1] + xa[2] * xa[2], g22 = xb[0] * xb[0] + xb[1] * xb[1] + xb[2] * xb[2];
      double g12 = xa[0] * xb[0] + xa[1] * xb[1] + xa[2] * xb[2], det = g11 * g22 - g12 * g12;
      double u1[3], u2[3];
      for (int l = 0; l < 3; l++) {
        u1[l] = (g22 * xa[l] - g12 * xb[l]) / det;
        u2[l] = (-g12 * xa[l] + g11 * xb[l]) / det;
      }
      double un = sqrt(PetscMax(u1[0] * u1[0] + u1[1] * u1[1] + u1[2] * u1[2], u2[0] * u2[0] + u2[1] * u2[1] + u2[2] * u2[2]));
      double delta = 0.25 * mmin / (un * 2.0 + 1e-300);
      for (int sg = -1; sg <= 1; sg += 2)
        for (int s1 = -1; s1 <= 1; s1 += 2)
          for (int s2 = -1; s2 <= 1; s2 += 2) {
            double *g = gc + (size_t)nc * 3;
            for (int l = 0; l < 3; l++) g[l] = sg * r[l] + delta * (s1 * u1[l] + s2 * u2[l]);
            TestPatternOf(pr, g, cand + (size_t)nc * W);
            nc++;
          }
    }
  TestPatternsFinish(pr, cand, gc, nc, nc);
  free(cand);
  free(gc);
}

static void ProblemCase(char c, TestProblem *pr, double *beta)
{
  switch (c) {
  case 'a':
    TestProblemLine(20, 7, PETSC_TRUE, pr);
    *beta = 1e-4;
    break;
  case 'b':
    TestProblemLine(500, 8, PETSC_TRUE, pr);
    *beta = 1e-4;
    break;
  case 'c':
    TestProblemCreate(200, 2, PETSC_TRUE, 1, 1, 9, pr);
    free(pr->bits);
    free(pr->g);
    ExactPatterns3(pr);
    *beta = 1e-3;
    break;
  default:
    TestProblemCreate(2000, 50, PETSC_TRUE, 500, 500, 10, pr);
    *beta = 1e-3;
    break;
  }
}

static PetscErrorCode SetOptions(CvxAdmmOptions *opt)
{
  char      split[16], cg[16];
  PetscBool flg, verbose = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-splitting", split, sizeof(split), &flg));
  if (flg) {
    PetscCheck(!strcmp(split, "slack") || !strcmp(split, "cone") || !strcmp(split, "auto"), PETSC_COMM_WORLD,
               PETSC_ERR_ARG_WRONG, "-splitting %s: expected auto, cone or slack", split);
    opt->splitting = !strcmp(split, "slack") ? CVX_SPLIT_SLACK : !strcmp(split, "cone") ? CVX_SPLIT_CONE : CVX_SPLIT_AUTO;
  }
  PetscCall(PetscOptionsGetString(NULL, NULL, "-column_generation", cg, sizeof(cg), &flg));
  if (flg) opt->column_generation = strcmp(cg, "on") == 0 ? CVX_COLGEN_ON : strcmp(cg, "off") == 0 ? CVX_COLGEN_OFF : CVX_COLGEN_AUTO;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-rho", &opt->rho, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-alpha", &opt->relaxation, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-anderson", &opt->anderson, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-rho_adapt", &opt->rho_adapt, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-dual_correction", &opt->dual_correction, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-primal_refit", &opt->primal_refit, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-pattern_tables", &opt->pattern_tables, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-certify_every", &opt->certify_every, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-max_iter", &opt->max_iter, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-stall", &opt->stall_certificates, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-polish", &opt->polish, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-polish_min_seconds", &opt->polish_min_seconds, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-polish_gap", &opt->polish_gap, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-time_limit", &opt->time_limit, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-progress", &opt->progress_interval, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-verbose", &verbose, NULL));
  opt->verbosity = verbose ? CVX_LOG_VERBOSE : CVX_LOG_QUIET;
  PetscFunctionReturn(0);
}

/* A solve of pr over set to a certified gap of tol (60 s at most; the
 * command line's solver options apply), and its wall time. */
static PetscErrorCode SolveTo(CvxArrangementSet *set, TestProblem *pr, double beta, double tol, CvxAdmmResult *res,
                              double *wall)
{
  CvxAdmmOptions opt;

  PetscFunctionBeginUser;
  PetscCall(CvxAdmmOptionsSetDefaults(&opt));
  opt.beta       = beta;
  opt.tol        = tol;
  opt.max_iter   = 50000;
  opt.time_limit = 60;
  PetscCall(SetOptions(&opt));
  double t0 = CvxWallTime();
  PetscCall(CvxAdmmSolve(set, pr->d, pr->X, pr->y, &opt, res));
  *wall = CvxWallTime() - t0;
  PetscFunctionReturn(0);
}

/* One solve to a certified gap of tol: prints whether and when it got
 * there, and for the last target its final state. Each target gets a solve
 * of its own, as a user would run it: the solver spaces its certificates by
 * the progress towards its own tol (AdmmCertifyInterval), so an
 * intermediate gap is only seen when a certificate happens to fall there. */
static PetscErrorCode RunCase(const char *label, TestProblem *pr, double beta)
{
  double            tols[2] = {1e-4, 1e-6};
  PetscInt          ntols   = 2;
  CvxArrangementSet set;
  PetscMPIInt       rank, size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscBool         given;
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-tols", tols, &ntols, &given));
  if (!given) ntols = 2;
  TestSetView(pr, PETSC_COMM_WORLD, &set);
  for (int s = 0; s < ntols; s++) {
    CvxAdmmResult res;
    double        wall;
    PetscCall(SolveTo(&set, pr, beta, tols[s], &res, &wall));
    PetscBool reached = (PetscBool)(res.gap <= tols[s]);
    if (rank == 0) {
      if (s == 0)
        printf("case %s: n %d d %d P %d beta %g ranks %d splitting %s rho %.3g\n", label, (int)pr->n, (int)pr->d,
               (int)pr->P, beta, size, CvxSplittingName(res.splitting), res.rho);
      printf("  %.0e: %s iterations %d, %.3f s (certificates %d in %.3f s)\n", tols[s], reached ? "reached" : "MISSED",
             (int)res.iterations, wall, (int)res.certificates, res.time_certificate);
      if (s == ntols - 1) {
        printf("  final: %s after %d iterations, %.3f s: objective %.12e lower bound %.12e gap %.3e, %d neurons, "
               "p1 mismatch %.1e\n",
               CvxAdmmStopReasonName(res.reason), (int)res.iterations, wall, res.objective, res.lower_bound, res.gap,
               (int)res.network.m, res.network_mismatch);
        printf("  stages: setup %.3f s, iterations %.3f s, certificates %d in %.3f s, polish %d in %.3f s, "
               "projections %.3f s\n",
               res.time_setup, res.time_iterations, (int)res.certificates, res.time_certificate,
               (int)res.polish_attempts, res.time_polish, res.time_projection);
      }
      fflush(stdout);
    }
    PetscCall(CvxAdmmResultDestroy(&res));
  }
  PetscFunctionReturn(0);
}

/* Waits at a barrier of comm without spinning (Open MPI's blocking
 * barrier polls, which would keep an idle rank's core busy): an idle rank
 * of the speedup figures sleeps as in a one-rank run. */
static PetscErrorCode SleepingBarrier(MPI_Comm comm)
{
  MPI_Request req;
  int         done = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Ibarrier(comm, &req));
  while (!done) {
    PetscCallMPI(MPI_Test(&req, &done, MPI_STATUS_IGNORE));
    if (!done) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
    }
  }
  PetscFunctionReturn(0);
}

/* -speedup R: the solve to 1e-4 on rank 0 alone (the other ranks asleep)
 * and on all ranks, alternated R times in this one run, so that the ratio
 * is not skewed by the machine's speed drifting between separate runs. */
static PetscErrorCode SpeedupFigures(const char *label, TestProblem *pr, double beta, PetscInt repeats)
{
  PetscMPIInt rank, size;
  MPI_Comm    solo;
  double      best[2] = {INFINITY, INFINITY};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Comm_split(PETSC_COMM_WORLD, rank == 0 ? 0 : MPI_UNDEFINED, 0, &solo));
  for (PetscInt r = 0; r < repeats; r++) {
    for (int all = 0; all < 2; all++) {
      MPI_Comm          comm = all ? PETSC_COMM_WORLD : solo;
      double            wall = 0;
      PetscInt          its  = 0;
      PetscBool         reached = PETSC_FALSE;
      if (comm != MPI_COMM_NULL) {
        CvxArrangementSet set;
        CvxAdmmResult     res;
        TestSetView(pr, comm, &set);
        PetscCall(SolveTo(&set, pr, beta, 1e-4, &res, &wall));
        its     = res.iterations;
        reached = (PetscBool)(res.gap <= 1e-4);
        PetscCall(CvxAdmmResultDestroy(&res));
      }
      PetscCall(SleepingBarrier(PETSC_COMM_WORLD));
      if (rank == 0) {
        printf("speedup case %s, round %d: %d rank%s %s 1e-4 after %d iterations, %.3f s\n", label, (int)r + 1,
               all ? (int)size : 1, all && size > 1 ? "s" : "", reached ? "reached" : "MISSED", (int)its, wall);
        fflush(stdout);
      }
      if (reached) best[all] = PetscMin(best[all], wall);
    }
  }
  if (rank == 0)
    printf("speedup case %s: fastest 1 rank %.3f s, %d rank%s %.3f s: %.2fx\n", label, best[0], (int)size,
           size > 1 ? "s" : "", best[1], best[0] / best[1]);
  if (solo != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&solo));
  PetscFunctionReturn(0);
}

/* Seconds per iteration of the fused slack iteration's products alone: the
 * same calls, shapes, leading dimensions and chunks (CvxAdmmFusedChunk) as
 * AdmmSlackFused and AdmmSlackHead in src/convex/admm.c, on PL patterns of
 * n samples and d columns, without the passes between them; with tables
 * (the solver's pattern_tables, d <= PL) F^T q and F u are each one table
 * product over all patterns instead of a GEMM per chunk, as there. The slowest rank's
 * time (all ranks run at once, as in the solver). It tells how much of the
 * iteration's distance from the dgemm rate comes from the BLAS at these
 * thin shapes (one side d) rather than from the rest of the iteration.
 * Keep it in step with those two functions. */
static PetscErrorCode SlackGemmSeconds(PetscInt n, PetscInt d, PetscInt PL, PetscBool tables, PetscInt *chunk,
                                       double *per_it)
{
  PetscInt c = CvxAdmmFusedChunk(n, d, PL);
  int      nn = (int)n, dd = (int)d;
  double  *X, *Xe, *Dm, *Ainv, *Hc, *G, *u, *Yc, *Bc, *gb, *cand;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1((size_t)n * d, &X));
  PetscCall(PetscMalloc1((size_t)n * d, &Xe));
  PetscCall(PetscMalloc1((size_t)n * PL, &Dm));
  PetscCall(PetscMalloc1((size_t)d * d, &Ainv));
  PetscCall(PetscMalloc1((size_t)d * PL, &Hc));
  PetscCall(PetscMalloc1((size_t)d * PL, &G));
  PetscCall(PetscMalloc1((size_t)2 * d * PL, &u));
  PetscCall(PetscMalloc1((size_t)2 * d * PL, &gb));
  PetscCall(PetscMalloc1((size_t)2 * d * PL, &cand));
  PetscCall(PetscCalloc1((size_t)2 * n * c, &Yc));
  PetscCall(PetscMalloc1((size_t)2 * n * c, &Bc));
  for (size_t s = 0; s < (size_t)n * d; s++) X[s] = Xe[s] = 1e-2 * (double)(s % 23) - 0.1;
  for (size_t s = 0; s < (size_t)n * PL; s++) Dm[s] = (double)((s * 2654435761u >> 7) & 1);
  for (size_t s = 0; s < (size_t)d * d; s++) Ainv[s] = s % (size_t)(d + 1) == 0 ? 1.0 : 1e-3;
  for (size_t s = 0; s < (size_t)2 * d * PL; s++) u[s] = cand[s] = 1e-3 * (double)(s % 31);
  for (size_t s = 0; s < (size_t)2 * n * c; s++) Bc[s] = 1e-3 * (double)(s % 29);
  CvxPatProd pp = NULL;
  if (tables && d <= PL) PetscCall(CvxPatProdCreate(n, d, PL, Dm, X, &pp));
  int    reps = 0;
  double t0   = 0;
  for (int r = -2; r < 20; r++) {
    if (r == 0) {
      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
      t0 = CvxWallTime();
    }
    if (pp) CvxPatProdFT(pp, Bc, Hc); /* q: any n values */
    for (PetscInt i0 = 0; i0 < PL; i0 += c) {
      int     cc = (int)PetscMin(c, PL - i0);
      double *Gc = G + (size_t)i0 * d, *H = Hc + (size_t)i0 * d;
      /* u-step of the chunk: F^T q (by the tables above, through diag(q) X,
       * or with d > PL through the chunk's scaled patterns in Bc) and A^{-1} */
      if (!pp && d <= PL)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, dd, cc, nn, 1.0, Xe, nn, Dm + (size_t)i0 * n, nn, 0.0, H,
                    dd);
      else if (!pp) CvxAdmmThinGemm(CblasTrans, dd, cc, nn, 1.0, X, nn, Bc, nn, H, dd);
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, dd, cc, dd, 1.0, Ainv, dd, H, dd, 0.0, Gc, dd);
      /* X u of its v and w blocks (with the tables added into Yc, which
       * the iteration's slack pass clears) */
      size_t ov = (size_t)i0 * d, ow = (size_t)(PL + i0) * d;
      CvxAdmmSidesGemmBeta(CblasNoTrans, nn, cc, dd, 1.0, X, nn, u + ov, u + ow, dd, pp ? 1.0 : 0.0, Yc,
                           Yc + (size_t)cc * n, nn);
      /* G^T |t_s| (AdmmSlackGb) */
      CvxAdmmSidesGemm(CblasTrans, dd, cc, nn, 1.0, X, nn, Bc, Bc + (size_t)cc * n, nn, gb + ov, gb + ow, dd);
      /* the next iteration's head: A^{-1} of both sides, F u */
      CvxAdmmSidesGemm(CblasNoTrans, dd, cc, dd, 1.0, Ainv, dd, cand + ov, cand + ow, dd, u + ov, u + ow, dd);
      if (!pp) CvxAdmmThinGemm(CblasNoTrans, nn, cc, dd, 1.0, X, nn, cand + (size_t)i0 * d, dd, Yc, nn);
    }
    if (pp) CvxPatProdF(pp, cand, Bc); /* the next F u, all patterns at once */
    if (r >= 0) reps++;
  }
  double t = (CvxWallTime() - t0) / reps;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  *per_it = t;
  *chunk  = c;
  PetscCall(PetscFree(X));
  PetscCall(PetscFree(Xe));
  PetscCall(PetscFree(Dm));
  PetscCall(PetscFree(Ainv));
  PetscCall(PetscFree(Hc));
  PetscCall(PetscFree(G));
  PetscCall(PetscFree(u));
  PetscCall(PetscFree(gb));
  PetscCall(PetscFree(cand));
  PetscCall(PetscFree(Yc));
  PetscCall(PetscFree(Bc));
  PetscCall(CvxPatProdDestroy(&pp));
  PetscFunctionReturn(0);
}

/* One sample of the dgemm rate of a rank (an M x M x M product, M = 1000,
 * three times), all ranks at once as in the solver: the slowest rank's. */
typedef struct {
  int     m;
  double *a, *b, *c;
} DgemmBuf;

static PetscErrorCode DgemmSample(DgemmBuf *g, double *rate)
{
  int m = g->m, reps = 3;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  double t0 = CvxWallTime();
  for (int r = 0; r < reps; r++)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0, g->a, m, g->b, m, 0.0, g->c, m);
  *rate = 2.0 * m * (double)m * (double)m * reps / (CvxWallTime() - t0);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, rate, 1, MPI_DOUBLE, MPI_MIN, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

/* The flop figures. The machines this runs on are shared and their speed
 * drifts within minutes, so the slack splitting's iteration is timed in
 * FLOP_ROUNDS solves of 100 iterations, each between two samples of the
 * dgemm rate: the ratio is given best to best (the fastest iteration
 * against the largest sample: noise only slows either down) and, for
 * each round, against the mean of the two samples around it. */
#define FLOP_ROUNDS 3
static PetscErrorCode FlopFigures(void)
{
  PetscMPIInt rank, size;
  DgemmBuf    g;
  double      samples[FLOP_ROUNDS + 1], rate = 0, rate_lo = INFINITY; /* one before, one after each round */
  int         ns = 0;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  g.m = 1000;
  PetscCall(PetscMalloc3((size_t)g.m * g.m, &g.a, (size_t)g.m * g.m, &g.b, (size_t)g.m * g.m, &g.c));
  for (size_t s = 0; s < (size_t)g.m * g.m; s++) {
    g.a[s] = 1e-3 * (double)(s % 97);
    g.b[s] = 1e-3 * (double)(s % 89);
  }
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, g.m, g.m, g.m, 1.0, g.a, g.m, g.b, g.m, 0.0, g.c, g.m);
  PetscCall(DgemmSample(&g, &samples[ns++]));

  /* ADMM seconds per iteration at n = 2000, d = 51, P = 500: both
   * splittings (slack FLOP_ROUNDS x 100 iterations, cone 50: its
   * projections make an iteration slow) unless -splitting names one */
  TestProblem       pr;
  CvxArrangementSet set;
  CvxAdmmOptions    opt;
  CvxAdmmResult     res;
  char              split[16];
  PetscBool         given;
  double            slack_it[FLOP_ROUNDS], slack_best = INFINITY, slack_proj = 0, cone_it = 0, cone_proj = 0, gemm = 0;
  PetscInt          slack_iters = 0, cone_iters = 0, chunk = 0;
  PetscBool         did[2] = {PETSC_FALSE, PETSC_FALSE};
  PetscCall(PetscOptionsGetString(NULL, NULL, "-splitting", split, sizeof(split), &given));
  TestProblemCreate(2000, 50, PETSC_TRUE, 500, 500, 10, &pr);
  TestSetView(&pr, PETSC_COMM_WORLD, &set);
  for (int sp = 0; sp < 2; sp++) {
    PetscCall(CvxAdmmOptionsSetDefaults(&opt));
    opt.splitting     = sp == 0 ? CVX_SPLIT_SLACK : CVX_SPLIT_CONE;
    opt.beta          = 1e-3;
    opt.tol           = 0;
    opt.max_iter      = sp == 0 ? 100 : 50;
    opt.certify_every = 1000000;
    opt.polish        = PETSC_FALSE;
    opt.verbosity     = CVX_LOG_QUIET;
    PetscCall(SetOptions(&opt));
    /* -splitting cone or slack: that one only; auto (or none): both */
    if (opt.splitting == CVX_SPLIT_AUTO) opt.splitting = sp == 0 ? CVX_SPLIT_SLACK : CVX_SPLIT_CONE;
    if (given && opt.splitting != (sp == 0 ? CVX_SPLIT_SLACK : CVX_SPLIT_CONE)) continue;
    did[sp] = PETSC_TRUE;
    for (int r = 0; r < (sp == 0 ? FLOP_ROUNDS : 1); r++) {
      PetscCall(CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res));
      double per_it = res.time_iterations / (double)PetscMax(res.iterations, 1);
      if (sp == 0) {
        slack_it[r] = per_it;
        slack_best  = PetscMin(slack_best, per_it);
        slack_proj += res.time_projection;
        slack_iters += res.iterations;
        PetscCall(DgemmSample(&g, &samples[ns++]));
      } else {
        cone_it    = per_it;
        cone_proj  = res.time_projection;
        cone_iters = res.iterations;
      }
      PetscCall(CvxAdmmResultDestroy(&res));
    }
    if (sp == 0)
      PetscCall(SlackGemmSeconds(pr.n, pr.d, set.rend - set.rstart, opt.pattern_tables, &chunk, &gemm));
  }
  for (int q = 0; q < ns; q++) {
    rate    = PetscMax(rate, samples[q]);
    rate_lo = PetscMin(rate_lo, samples[q]);
  }
  /* the solver takes the tables on every rank whose patterns are at least d */
  PetscBool tables = (PetscBool)(opt.pattern_tables && pr.d <= set.rend - set.rstart);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &tables, 1, MPIU_BOOL, MPI_LAND, PETSC_COMM_WORLD));
  if (rank == 0) {
    printf("dgemm rate per rank: %.2f GFlop/s, the best of %d samples (%.2f-%.2f) taken around the timings (%d ranks)\n",
           rate * 1e-9, ns, rate_lo * 1e-9, rate * 1e-9, size);
    for (int sp = 0; sp < 2; sp++) {
      if (!did[sp]) continue;
      /* cone: F, F^T 2ndP each, the cone check X Z 4ndP; slack: F, F^T 2ndP
       * each, G u and G^T b 4ndP each, A^{-1} times the 2P blocks of the
       * right side and the P blocks of F^T q 6 d^2 P */
      double flops = sp == 0 ? 12.0 * pr.n * (double)pr.d * (double)pr.P + 6.0 * pr.d * (double)pr.d * pr.P
                             : 8.0 * pr.n * (double)pr.d * (double)pr.P;
      double per_it = sp == 0 ? slack_best : cone_it, floor_s = flops / (rate * size);
      char rounds[48] = "";
      if (sp == 0) snprintf(rounds, sizeof(rounds), "the fastest of %d solves, ", FLOP_ROUNDS);
      printf("ADMM n %d d %d P %d, %s splitting: %.4f s per iteration (%s%d iterations, projections %.3f s in all)\n",
             (int)pr.n, (int)pr.d, (int)pr.P, sp == 0 ? "slack" : "cone", per_it, rounds,
             (int)(sp == 0 ? slack_iters : cone_iters), sp == 0 ? slack_proj : cone_proj);
      printf("  flop floor %.1f MFlop per iteration = %.4f s at %d x %.2f GFlop/s; ratio %.2f (%.0f%% of the dgemm "
             "rate)\n",
             flops * 1e-6, floor_s, size, rate * 1e-9, per_it / floor_s, 100.0 * floor_s / per_it);
      if (tables) {
        /* the count is the GEMM form's; the tables do part of it by
         * additions (n d P / 4 for each 2 n d P of the count) */
        double gflops = flops - 4.0 * pr.n * (double)pr.d * (double)pr.P;
        printf("  with the pattern tables %s (%d n d P of that count) go by table additions, not flops: the GEMM "
               "flops left, %.1f MFlop, take %.4f s at that rate, %.0f%% of the iteration\n",
               sp == 0 ? "F^T q and F u" : "F and F^T", 4, gflops * 1e-6, gflops / (rate * size),
               100.0 * gflops / (rate * size) / per_it);
      }
      if (sp == 0) {
        double lo = INFINITY, hi = 0;
        for (int r = 0; r < FLOP_ROUNDS; r++) {
          double mean = 0.5 * (samples[r] + samples[r + 1]), pct = 100.0 * flops / (mean * size) / slack_it[r];
          lo = PetscMin(lo, pct);
          hi = PetscMax(hi, pct);
        }
        printf("  each solve against the mean of the dgemm samples before and after it: %.0f-%.0f%% of the dgemm rate\n",
               lo, hi);
        printf("  its %s alone (the same calls and shapes, %d patterns per chunk): %.4f s per iteration = %.0f%% "
               "of the dgemm rate; the fastest iteration takes %.2f times that\n",
               tables ? "products (GEMMs and the tables)" : "GEMMs", (int)chunk, gemm, 100.0 * floor_s / gemm,
               per_it / gemm);
      }
    }
    fflush(stdout);
  }
  TestProblemDestroy(&pr);
  PetscCall(PetscFree3(g.a, g.b, g.c));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char      cases[16] = "abcd";
  PetscBool flops = PETSC_FALSE, custom = PETSC_FALSE, exact = PETSC_FALSE, nobias = PETSC_FALSE;
  PetscInt  n = 100, draw = 2, P = 200, speedup = 0, samples = 0;
  double    beta = 1e-3;

  CvxBlasCoreSelect(argv);
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  CvxBlasCorePrint(PETSC_COMM_WORLD, stdout);
  if (PetscOptionsGetString(NULL, NULL, "-cases", cases, sizeof(cases), NULL)) return 1;
  if (PetscOptionsGetBool(NULL, NULL, "-flops", &flops, NULL)) return 1;
  if (PetscOptionsGetInt(NULL, NULL, "-n", &n, &custom)) return 1;
  if (PetscOptionsGetInt(NULL, NULL, "-draw", &draw, NULL)) return 1;
  if (PetscOptionsGetInt(NULL, NULL, "-P", &P, NULL)) return 1;
  if (PetscOptionsGetInt(NULL, NULL, "-samples", &samples, NULL)) return 1;
  if (samples <= 0) samples = 20 * P;
  if (PetscOptionsGetReal(NULL, NULL, "-beta", &beta, NULL)) return 1;
  if (PetscOptionsGetBool(NULL, NULL, "-exact", &exact, NULL)) return 1;
  if (PetscOptionsGetBool(NULL, NULL, "-nobias", &nobias, NULL)) return 1;
  if (PetscOptionsGetInt(NULL, NULL, "-speedup", &speedup, NULL)) return 1;
  if (flops && FlopFigures()) return 1;
  if (custom) {
    TestProblem pr;
    if (exact && draw == 1) TestProblemLine(n, 11, PETSC_TRUE, &pr);
    else {
      TestProblemCreate(n, draw, (PetscBool)!nobias, exact ? 1 : samples, exact ? 1 : P, 11, &pr);
      if (exact) {
        free(pr.bits);
        free(pr.g);
        ExactPatterns3(&pr);
      }
    }
    if (speedup > 0 ? SpeedupFigures("custom", &pr, beta, speedup) : RunCase("custom", &pr, beta)) return 1;
    TestProblemDestroy(&pr);
  } else {
    for (const char *c = cases; *c; c++) {
      TestProblem pr;
      char        label[2] = {*c, 0};
      ProblemCase(*c, &pr, &beta);
      if (speedup > 0 ? SpeedupFigures(label, &pr, beta, speedup) : RunCase(label, &pr, beta)) return 1;
      TestProblemDestroy(&pr);
    }
  }
  return PetscFinalize() ? 1 : 0;
}
