/* The Anderson step bound of the cone splitting (ADMM_AA_MAX_STEP in
 * src/convex/admm.c). Started at z = 0, the first iterations of a sampled
 * program barely change the plain step f, and the first Anderson point,
 * from a history of one column, lands far more than 10 ||f|| away from
 * the plain one. The bound drops that point before the z-step projects
 * it and restarts the history, so the first four iterates are the plain
 * ADMM's: after 4 iterations the objective with Anderson acceleration must
 * equal the one without to rounding. Later the bound must not get in the
 * way: the accelerated solve certifies the program to 1e-6 in fewer
 * iterations than the plain one (900 against 1,020 when written). Any rank
 * count. Prints only on failure. */
#include "convex/admm.h"

#include "t000-problem.h"
#include "../common/check.h"

static PetscErrorCode Solve(const CvxArrangementSet *set, const TestProblem *pr, PetscInt anderson,
                            PetscInt max_iter, double tol, CvxAdmmResult *res)
{
  CvxAdmmOptions opt;
  PetscFunctionBeginUser;
  PetscCall(CvxAdmmOptionsSetDefaults(&opt));
  opt.beta          = 1e-3;
  opt.splitting     = CVX_SPLIT_CONE;
  opt.verbosity     = CVX_LOG_QUIET;
  opt.anderson      = anderson;
  opt.max_iter      = max_iter;
  opt.tol           = tol;
  opt.polish        = PETSC_FALSE;
  opt.column_generation = CVX_COLGEN_OFF;
  PetscCall(CvxAdmmSolve(set, pr->d, pr->X, pr->y, &opt, res));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscMPIInt rank;
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TestProblem       pr;
  CvxArrangementSet set;
  CvxAdmmResult     plain, acc;

  TestProblemCreate(300, 12, PETSC_TRUE, 3000, 150, 5, &pr);
  TestSetView(&pr, PETSC_COMM_WORLD, &set);

  /* the first four iterations: the same iterates */
  if (Solve(&set, &pr, 0, 4, 0, &plain) || Solve(&set, &pr, 10, 4, 0, &acc)) return 1;
  double obj4 = plain.objective, rel = fabs(acc.objective - plain.objective) / plain.objective;
  CHECK(rel <= 1e-12,
        "after 4 iterations the objective with Anderson is %.15e, without %.15e (relative %.2e): the first Anderson "
        "point was taken",
        acc.objective, plain.objective, rel);
  if (CvxAdmmResultDestroy(&plain) || CvxAdmmResultDestroy(&acc)) return 1;

  /* to 1e-6: certified, in fewer iterations than without Anderson */
  if (Solve(&set, &pr, 0, 20000, 1e-6, &plain) || Solve(&set, &pr, 10, 20000, 1e-6, &acc)) return 1;
  CHECK(plain.reason == CVX_ADMM_CONVERGED && acc.reason == CVX_ADMM_CONVERGED && acc.gap <= 1e-6,
        "the plain solve ended %s at gap %.3e, the accelerated one %s at gap %.3e",
        CvxAdmmStopReasonName(plain.reason), plain.gap, CvxAdmmStopReasonName(acc.reason), acc.gap);
  CHECK(acc.iterations < plain.iterations, "the accelerated solve took %d iterations, the plain one %d",
        (int)acc.iterations, (int)plain.iterations);
  CHECK(acc.lower_bound <= plain.objective * (1 + 1e-12) && plain.lower_bound <= acc.objective * (1 + 1e-12),
        "the certified intervals [%.15e, %.15e] and [%.15e, %.15e] do not meet", acc.lower_bound, acc.objective,
        plain.lower_bound, plain.objective);
  if (getenv("CVX_TEST_VERBOSE") && rank == 0)
    printf("objective after 4 iterations %.15e (relative difference %.2e); iterations to 1e-6: plain %d, Anderson %d\n",
           obj4, rel, (int)plain.iterations, (int)acc.iterations);
  if (CvxAdmmResultDestroy(&plain) || CvxAdmmResultDestroy(&acc)) return 1;
  TestProblemDestroy(&pr);
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
