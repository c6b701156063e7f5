/* The second stage where it decides the outcome.
 * - Small beta, complete arrangement sets: the regime where first-order
 *   iterations alone stall far from a certified 1e-6 gap (DESIGN.md section
 *   3): n = 120 and 240 points on a line with a bias, exact P = 2n,
 *   beta = 1e-4 and 1e-5.
 * - More columns than samples (n = 20, d = 30 + bias, 20 sampled patterns):
 *   solved in the row space of X (20 columns) and, with row_space off, on
 *   all 31 columns, where no block can be kept explicit in the Newton
 *   system; the two certified intervals must overlap, and the row-space
 *   network has its 31 input weights and realizes the objective on X.
 * - A second-stage attempt cut by its time budget: the iterations go on
 *   and a later attempt certifies the same optimum.
 * Each must certify tol = 1e-6, with the network realizing the objective,
 * the bound below the objective, and every rank count within the tolerance
 * of the same optimum. Each of these solves also checks the factorization
 * behind the first Newton direction of every barrier solve
 * (opt.polish_check: K^{-1} K dx through it comes back within 1e-2 of dx
 * in the K-norm; a right one gave at most 3.6e-4 here on one and two
 * ranks, one with the free blocks' factors halved 0.36 and more). Prints
 * only on failure. */
#include "convex/admm.h"

#include "t000-problem.h"
#include "../common/check.h"

static PetscMPIInt rank;

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  const PetscInt sizes[3] = {120, 240, 20};
  const double   betas[2] = {1e-4, 1e-5};
  double rs_lo = -INFINITY, rs_hi = INFINITY; /* d > n: the intervals with and without the row space */
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 2; b++) {
      TestProblem       pr;
      CvxArrangementSet set;
      CvxAdmmOptions    opt;
      CvxAdmmResult     res;
      if (a == 2) {
        TestProblemCreate(20, 30, PETSC_TRUE, 2000, 20, 5, &pr);
      } else {
        TestProblemLine(sizes[a], 11 + (uint64_t)a, PETSC_TRUE, &pr);
        CHECK(pr.P == 2 * sizes[a], "n %d: %d patterns, expected the complete set of 2n", (int)sizes[a], (int)pr.P);
      }
      TestSetView(&pr, PETSC_COMM_WORLD, &set);
      if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
      opt.beta      = a == 2 ? 1e-3 : betas[b];
      opt.row_space = (PetscBool)(a != 2 || b == 0); /* d > n: b = 1 keeps the 31 columns */
      opt.tol          = 1e-6;
      opt.verbosity    = CVX_LOG_QUIET;
      opt.polish_check = PETSC_TRUE;
      if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res)) return 1;
      CHECK(res.newton_checked > 0 && res.newton_check <= 1e-2,
            "n %d beta %g: %d Newton directions checked, largest round-trip error %g (K-norm, relative)",
            (int)sizes[a], opt.beta, (int)res.newton_checked, res.newton_check);
      CHECK(res.reason == CVX_ADMM_CONVERGED && res.certified && res.gap <= 1e-6,
            "n %d beta %g: %s, gap %g after %d iterations", (int)sizes[a], opt.beta, CvxAdmmStopReasonName(res.reason),
            res.gap, (int)res.iterations);
      CHECK(res.lower_bound <= res.objective, "n %d beta %g: bound %.17g above objective %.17g", (int)sizes[a], opt.beta,
            res.lower_bound, res.objective);
      if (rank == 0) {
        CHECK(res.network.d == pr.d, "n %d: the network has %d input weights, the data %d columns", (int)sizes[a],
              (int)res.network.d, (int)pr.d);
        CHECK(fabs(res.network_objective - res.objective) <= 1e-8 * res.objective,
              "n %d beta %g: network p1 %.17g vs objective %.17g", (int)sizes[a], opt.beta, res.network_objective,
              res.objective);
      }
      if (a == 2) {
        rs_lo = PetscMax(rs_lo, res.lower_bound);
        rs_hi = PetscMin(rs_hi, res.objective);
      }
      /* every rank count lands within the certified tolerance of the same optimum */
      double lo = res.lower_bound, hi = res.objective;
      MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD);
      MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_DOUBLE, MPI_MIN, PETSC_COMM_WORLD);
      /* (two solves of the same optimum differ by rounding: 1e-12 relative) */
      CHECK(lo <= hi * (1 + 1e-12), "ranks disagree: a bound %.17g above an objective %.17g", lo, hi);
      if (CvxAdmmResultDestroy(&res)) return 1;
      TestProblemDestroy(&pr);
    }
  CHECK(rs_lo <= rs_hi * (1 + 1e-12), "d > n: a bound %.17g above an objective %.17g (row space against all columns)",
        rs_lo, rs_hi);
  {
    /* A second-stage attempt stops once it has taken as long as the solve
     * before it (polish_min_seconds = 0 here; the default 2 s covers this
     * whole program): on n = 120, beta = 1e-4 the first attempt, after 100
     * iterations, needs far more than their time, so it is cut, the
     * iterations go on, and a later attempt certifies the same optimum;
     * with the default budget no attempt is cut. */
    TestProblem       pr;
    CvxArrangementSet set;
    CvxAdmmOptions    opt;
    CvxAdmmResult     res[2];
    TestProblemLine(120, 11, PETSC_TRUE, &pr);
    TestSetView(&pr, PETSC_COMM_WORLD, &set);
    for (int cut = 0; cut < 2; cut++) {
      if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
      opt.beta      = 1e-4;
      opt.tol       = 1e-6;
      opt.verbosity = CVX_LOG_QUIET;
      if (cut) opt.polish_min_seconds = 0;
      if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res[cut])) return 1;
      CHECK(res[cut].reason == CVX_ADMM_CONVERGED && res[cut].gap <= 1e-6, "polish_min_seconds %g: %s, gap %g",
            opt.polish_min_seconds, CvxAdmmStopReasonName(res[cut].reason), res[cut].gap);
    }
    CHECK(res[0].polish_cut == 0 && res[1].polish_cut >= 1 && res[1].polish_attempts > res[1].polish_cut,
          "second-stage attempts (cut by their budget): %d (%d) with the default budget, %d (%d) with the budget of "
          "the solve so far", (int)res[0].polish_attempts, (int)res[0].polish_cut, (int)res[1].polish_attempts,
          (int)res[1].polish_cut);
    CHECK(PetscMax(res[0].lower_bound, res[1].lower_bound) <=
            PetscMin(res[0].objective, res[1].objective) * (1 + 1e-12),
          "cut attempts: certified intervals [%.17g, %.17g] and [%.17g, %.17g] do not overlap", res[1].lower_bound,
          res[1].objective, res[0].lower_bound, res[0].objective);
    for (int cut = 0; cut < 2; cut++)
      if (CvxAdmmResultDestroy(&res[cut])) return 1;
    TestProblemDestroy(&pr);
  }
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
