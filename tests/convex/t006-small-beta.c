/* Small beta, complete arrangement sets: the regime where first-order
 * iterations alone stall far from a certified 1e-6 gap (DESIGN.md section
 * 3). The solver must certify tol = 1e-6 here (n = 120 and 240 points on a
 * line with a bias, exact P = 2n, beta = 1e-4 and 1e-5), with the network
 * realizing the objective, the bound below the objective, and the same
 * objective on every rank count to the tolerance. Prints only on failure. */
#include "convex/admm.h"

#include "t000-problem.h"
#include "../common/check.h"

static PetscMPIInt rank;

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  const PetscInt sizes[2] = {120, 240};
  const double   betas[2] = {1e-4, 1e-5};
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++) {
      TestProblem       pr;
      CvxArrangementSet set;
      CvxAdmmOptions    opt;
      CvxAdmmResult     res;
      TestProblemLine(sizes[a], 11 + (uint64_t)a, PETSC_TRUE, &pr);
      CHECK(pr.P == 2 * sizes[a], "n %d: %d patterns, expected the complete set of 2n", (int)sizes[a], (int)pr.P);
      TestSetView(&pr, PETSC_COMM_WORLD, &set);
      if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
      opt.beta      = betas[b];
      opt.tol       = 1e-6;
      opt.verbosity = CVX_LOG_QUIET;
      if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res)) return 1;
      CHECK(res.reason == CVX_ADMM_CONVERGED && res.certified && res.gap <= 1e-6,
            "n %d beta %g: %s, gap %g after %d iterations", (int)sizes[a], betas[b], CvxAdmmStopReasonName(res.reason),
            res.gap, (int)res.iterations);
      CHECK(res.lower_bound <= res.objective, "n %d beta %g: bound %.17g above objective %.17g", (int)sizes[a], betas[b],
            res.lower_bound, res.objective);
      if (rank == 0)
        CHECK(fabs(res.network_objective - res.objective) <= 1e-8 * res.objective,
              "n %d beta %g: network p1 %.17g vs objective %.17g", (int)sizes[a], betas[b], res.network_objective,
              res.objective);
      /* every rank count lands within the certified tolerance of the same optimum */
      double lo = res.lower_bound, hi = res.objective;
      MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD);
      MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_DOUBLE, MPI_MIN, PETSC_COMM_WORLD);
      CHECK(lo <= hi, "ranks disagree: a bound %.17g above an objective %.17g", lo, hi);
      if (CvxAdmmResultDestroy(&res)) return 1;
      TestProblemDestroy(&pr);
    }
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
