/* Rank independence: the same pattern set solved on 1, 2, 3 and 4 ranks
 * (sub-communicators of one 4-rank job; the contiguous block ranges differ
 * with the rank count) gives the same objective to 1e-10 relative: for a
 * fixed number of relaxed ADMM iterations (cone and slack splittings; also
 * the same number of nonzero blocks) and for a full default solve (Anderson
 * acceleration and the second stage). A truncated Anderson run is not
 * compared: its least-squares steps amplify the reduction-order rounding to
 * about 1e-8 before convergence. The fused slack iteration must also give
 * the generic loop's iterates (one z-step ahead), and the pattern tables
 * the GEMMs' (to rounding). Run with 4 ranks. Prints only on failure. */
#include "convex/admm.h"

#include "t000-problem.h"
#include "../common/check.h"



static PetscErrorCode Solve(const TestProblem *pr, MPI_Comm comm, const CvxAdmmOptions *opt, double out[3])
{
  CvxArrangementSet set;
  CvxAdmmResult     res;
  PetscFunctionBeginUser;
  TestSetView(pr, comm, &set);
  PetscCall(CvxAdmmSolve(&set, pr->d, pr->X, pr->y, opt, &res));
  out[0] = res.objective;
  out[1] = res.lower_bound;
  out[2] = (double)res.nonzero_blocks;
  PetscCall(CvxAdmmResultDestroy(&res));
  PetscFunctionReturn(0);
}

/* Defaults for 300 relaxed iterations of the given splitting with
 * certificates every 50, no Anderson acceleration, no second stage. */
static int FixedIterations(CvxAdmmOptions *opt, CvxSplitting splitting)
{
  if (CvxAdmmOptionsSetDefaults(opt)) return 1;
  opt->beta          = 1e-3;
  opt->verbosity     = CVX_LOG_QUIET;
  opt->splitting     = splitting;
  opt->tol           = 0;
  opt->max_iter      = 300;
  opt->certify_every = 50;
  opt->polish        = PETSC_FALSE;
  opt->anderson      = 0;
  return 0;
}

int main(int argc, char **argv)
{
  PetscMPIInt rank, size;
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  TestProblem pr;
  TestProblemCreate(30, 3, PETSC_TRUE, 3000, 90, 31, &pr);
  for (int config = 0; config < 3; config++) {
    CvxAdmmOptions opt;
    if (config < 2) {
      if (FixedIterations(&opt, config == 0 ? CVX_SPLIT_CONE : CVX_SPLIT_SLACK)) return 1;
    } else {
      if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
      opt.beta      = 1e-3;
      opt.verbosity = CVX_LOG_QUIET;
      opt.tol       = 1e-11;
    }
    double vals[4][3];
    for (int k = 1; k <= size && k <= 4; k++) {
      MPI_Comm sub;
      MPI_Comm_split(PETSC_COMM_WORLD, rank < k ? 0 : MPI_UNDEFINED, rank, &sub);
      double v[3] = {-INFINITY, -INFINITY, -INFINITY};
      if (sub != MPI_COMM_NULL) {
        if (Solve(&pr, sub, &opt, v)) return 1;
        MPI_Comm_free(&sub);
      }
      MPI_Allreduce(v, vals[k - 1], 3, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD);
    }
    if (rank == 0)
      for (int k = 2; k <= size && k <= 4; k++) {
        double rel = fabs(vals[k - 1][0] - vals[0][0]) / vals[0][0];
        if (!(rel <= 1e-10) || (config < 2 && vals[k - 1][2] != vals[0][2])) {
          fprintf(stderr, "FAIL config %d: %d ranks objective %.17g (%g neurons, bound %.17g), 1 rank %.17g (%g neurons, bound %.17g), rel %g\n",
                  config, k, vals[k - 1][0], vals[k - 1][2], vals[k - 1][1], vals[0][0], vals[0][2], vals[0][1], rel);
          failures++;
        }
      }
  }
  /* The fused slack iteration against the generic loop on all ranks: the
   * fused one does the z-step of the next iteration ahead, so after N
   * iterations it certifies prox(t_N), which the generic loop reaches at
   * the start of iteration N + 1. Also on a program with more columns than
   * patterns per rank (d = 12, P = 8), where the fused iteration scales the
   * patterns by q instead of X. */
  for (int prog = 0; prog < 2; prog++) {
    CvxAdmmOptions opt;
    if (prog == 1) {
      TestProblemDestroy(&pr);
      TestProblemCreate(40, 11, PETSC_TRUE, 400, 8, 37, &pr);
    }
    double         v[2][3];
    if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
    opt.beta          = 1e-3;
    opt.verbosity     = CVX_LOG_QUIET;
    opt.splitting     = CVX_SPLIT_SLACK;
    opt.tol           = 0;
    opt.certify_every = 1000000;
    opt.polish        = PETSC_FALSE;
    opt.anderson      = 0;
    for (int f = 0; f < 2; f++) {
      opt.slack_fused = (PetscBool)(f == 0);
      opt.max_iter    = f == 0 ? 300 : 301;
      if (Solve(&pr, PETSC_COMM_WORLD, &opt, v[f])) return 1;
    }
    double rel = fabs(v[0][0] - v[1][0]) / v[1][0], relb = fabs(v[0][1] - v[1][1]) / v[1][1];
    if (rank == 0 && (!(rel <= 1e-10) || !(relb <= 1e-10) || v[0][2] != v[1][2])) {
      fprintf(stderr,
              "FAIL fused slack (program %d) after 300 iterations: objective %.17g, bound %.17g, %g neurons; generic "
              "after 301: %.17g, %.17g, %g\n",
              prog, v[0][0], v[0][1], v[0][2], v[1][0], v[1][1], v[1][2]);
      failures++;
    }
  }
  /* The pattern tables (F and F^T by table lookup, patprod.h) against the
   * GEMMs with the dense patterns, on all ranks, both splittings: the same
   * 300 relaxed iterations to 1e-10 (they round differently) */
  TestProblemDestroy(&pr);
  TestProblemCreate(30, 3, PETSC_TRUE, 3000, 90, 31, &pr);
  for (int config = 0; config < 2; config++) {
    CvxAdmmOptions opt;
    double         v[2][3];
    if (FixedIterations(&opt, config == 0 ? CVX_SPLIT_CONE : CVX_SPLIT_SLACK)) return 1;
    for (int t = 0; t < 2; t++) {
      opt.pattern_tables = (PetscBool)(t == 0);
      if (Solve(&pr, PETSC_COMM_WORLD, &opt, v[t])) return 1;
    }
    double rel = fabs(v[0][0] - v[1][0]) / v[1][0], relb = fabs(v[0][1] - v[1][1]) / v[1][1];
    if (rank == 0 && (!(rel <= 1e-10) || !(relb <= 1e-10) || v[0][2] != v[1][2])) {
      fprintf(stderr,
              "FAIL pattern tables (config %d): objective %.17g, bound %.17g, %g neurons; GEMMs: %.17g, %.17g, %g\n",
              config, v[0][0], v[0][1], v[0][2], v[1][0], v[1][1], v[1][2]);
      failures++;
    }
  }
  TestProblemDestroy(&pr);
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
