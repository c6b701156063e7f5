/* Column generation (convex.column_generation). On a program with many
 * more patterns than samples (n = 100, d = 2 + bias, about 9,000 patterns
 * from 100,000 Gaussian directions, beta = 1e-3), the automatic choice
 * starts from zero with column generation and must certify a gap of at most
 * 1e-4 (tol 1e-6 asked), with the recovered network realizing the objective.
 * Its bound is checked against a point found independently (the ADMM alone,
 * 300 iterations: every feasible point's objective is an upper bound on p0)
 * and that point's own certified bound must lie below its objective. On
 * several ranks, the certified interval must overlap that of the same
 * solve on one rank. A small program (second stage on every block) does
 * not use it. At d > 3, where the rounds can end above tol, the ADMM
 * iterations that follow must certify tol. Every solve checks the
 * factorization behind the first Newton direction of each barrier solve
 * (opt.polish_check: the round trip K^{-1} K dx within 1e-2 in the
 * K-norm). Prints only on failure (and the figures with T007_VERBOSE
 * set). */
#include "convex/admm.h"

#include "t000-problem.h"
#include "../common/check.h"

static PetscErrorCode Solve(const TestProblem *pr, const CvxArrangementSet *set, CvxColumnGeneration cg,
                            PetscInt max_iter, CvxAdmmResult *res)
{
  CvxAdmmOptions opt;
  PetscFunctionBeginUser;
  PetscCall(CvxAdmmOptionsSetDefaults(&opt));
  opt.beta              = 1e-3;
  opt.tol               = 1e-6;
  opt.max_iter          = max_iter;
  opt.column_generation = cg;
  opt.verbosity         = CVX_LOG_QUIET;
  opt.polish_check      = PETSC_TRUE;
  PetscCall(CvxAdmmSolve(set, pr->d, pr->X, pr->y, &opt, res));
  /* the factorization of every barrier solve's first Newton direction */
  CHECK(res->polish_attempts == 0 || (res->newton_checked > 0 && res->newton_check <= 1e-2),
        "second stage: %d Newton directions checked, largest round-trip error %g (K-norm, relative)",
        (int)res->newton_checked, res->newton_check);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscMPIInt       rank;
  TestProblem       pr;
  CvxArrangementSet set;
  CvxAdmmResult     cg, admm;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TestProblemCreate(100, 2, PETSC_TRUE, 100000, 100000, 21, &pr);
  TestSetView(&pr, PETSC_COMM_WORLD, &set);
  CHECK(2 * pr.P >= 10 * pr.n, "only %d patterns for n = %d", (int)pr.P, (int)pr.n);
  if (Solve(&pr, &set, CVX_COLGEN_AUTO, 100000, &cg)) return 1;
  CHECK(cg.column_generation && cg.column_rounds > 1, "auto: column generation %s, %d rounds",
        cg.column_generation ? "used" : "not used", (int)cg.column_rounds);
  CHECK(cg.certified && cg.gap <= 1e-4, "P %d: gap %g (%s) after %d rounds", (int)pr.P, cg.gap,
        CvxAdmmStopReasonName(cg.reason), (int)cg.column_rounds);
  CHECK(cg.reason == CVX_ADMM_CONVERGED || cg.reason == CVX_ADMM_STALLED, "stop reason %s",
        CvxAdmmStopReasonName(cg.reason));
  CHECK(cg.iterations == 0, "%d ADMM iterations after column generation", (int)cg.iterations);
  if (rank == 0)
    CHECK(fabs(cg.network_objective - cg.objective) <= 1e-8 * cg.objective, "network p1 %.17g vs objective %.17g",
          cg.network_objective, cg.objective);

  if (Solve(&pr, &set, CVX_COLGEN_OFF, 300, &admm)) return 1;
  if (getenv("T007_VERBOSE"))
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "P %d: column generation %d rounds, objective %.12e, bound %.12e, gap %.3e (%s); "
                          "ADMM objective %.12e, bound %.12e\n",
                          (int)pr.P, (int)cg.column_rounds, cg.objective, cg.lower_bound, cg.gap,
                          CvxAdmmStopReasonName(cg.reason), admm.objective, admm.lower_bound));
  CHECK(!admm.column_generation, "off: column generation used");
  CHECK(cg.lower_bound <= admm.objective * (1 + 1e-12), "bound %.17g above the ADMM point's objective %.17g",
        cg.lower_bound, admm.objective);
  CHECK(admm.lower_bound <= cg.objective * (1 + 1e-12), "ADMM bound %.17g above the objective %.17g",
        admm.lower_bound, cg.objective);

  /* on several ranks, the same program on rank 0 alone: the two certified
   * intervals [bound, objective] must overlap (the picks may differ at
   * rounding level, the optimum may not) */
  PetscMPIInt size;
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  if (size > 1) {
    double one[2] = {0, 0};
    if (rank == 0) {
      CvxArrangementSet self;
      CvxAdmmResult     r1;
      TestSetView(&pr, PETSC_COMM_SELF, &self);
      if (Solve(&pr, &self, CVX_COLGEN_AUTO, 100000, &r1)) return 1;
      one[0] = r1.lower_bound;
      one[1] = r1.objective;
      if (CvxAdmmResultDestroy(&r1)) return 1;
    }
    if (MPI_Bcast(one, 2, MPI_DOUBLE, 0, PETSC_COMM_WORLD) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 1);
    CHECK(PetscMax(one[0], cg.lower_bound) <= PetscMin(one[1], cg.objective) * (1 + 1e-12),
          "1 rank [%.17g, %.17g] and %d ranks [%.17g, %.17g] do not overlap", one[0], one[1], (int)size,
          cg.lower_bound, cg.objective);
  }
  if (CvxAdmmResultDestroy(&cg) || CvxAdmmResultDestroy(&admm)) return 1;
  TestProblemDestroy(&pr);

  /* a small program keeps the second stage on every block */
  TestProblemCreate(30, 2, PETSC_TRUE, 3000, 100, 22, &pr);
  TestSetView(&pr, PETSC_COMM_WORLD, &set);
  if (Solve(&pr, &set, CVX_COLGEN_AUTO, 100000, &cg)) return 1;
  CHECK(!cg.column_generation && cg.reason == CVX_ADMM_CONVERGED, "small program: column generation %s, %s",
        cg.column_generation ? "used" : "not used", CvxAdmmStopReasonName(cg.reason));
  if (CvxAdmmResultDestroy(&cg)) return 1;
  TestProblemDestroy(&pr);

  /* at d > 3 (each block keeps all n rows) the rounds' barrier solves can
   * stop short of tol: the ADMM iterations then go on from their point and
   * must still certify tol (n = 60, d = 5 + bias, P = 600 sampled: the
   * rounds alone ended at a gap of 1.5e-5, stalled, on one rank) */
  TestProblemCreate(60, 5, PETSC_TRUE, 12000, 600, 11, &pr);
  TestSetView(&pr, PETSC_COMM_WORLD, &set);
  if (Solve(&pr, &set, CVX_COLGEN_ON, 100000, &cg)) return 1;
  if (getenv("T007_VERBOSE"))
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "d > 3: %d rounds, then %d ADMM iterations: gap %.3e (%s)\n",
                          (int)cg.column_rounds, (int)cg.iterations, cg.gap, CvxAdmmStopReasonName(cg.reason)));
  CHECK(cg.column_generation && cg.reason == CVX_ADMM_CONVERGED && cg.gap <= 1e-6,
        "d > 3: column generation %s, %s, gap %g after %d rounds and %d iterations",
        cg.column_generation ? "used" : "not used", CvxAdmmStopReasonName(cg.reason), cg.gap, (int)cg.column_rounds,
        (int)cg.iterations);
  if (rank == 0)
    CHECK(fabs(cg.network_objective - cg.objective) <= 1e-8 * cg.objective, "d > 3: network p1 %.17g vs objective %.17g",
          cg.network_objective, cg.objective);
  if (CvxAdmmResultDestroy(&cg)) return 1;
  TestProblemDestroy(&pr);

  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
