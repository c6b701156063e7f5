/* A stop request (CvxAdmmOptions.interrupted) asked on one rank only stops
 * every rank at the same iteration with reason "interrupted": the cone and
 * the slack splittings, a request on the last rank after some iterations
 * and one on rank 0 from the first. The returned point is certified (lower
 * bound at most the objective, every rank the same values), the network
 * recovered from it (rank 0) matches its objective, and the trace's last row is that
 * iteration's certificate. Run at -np 1 and 3. Prints only on failure. */
#include "convex/admm.h"

#include "t000-problem.h"
#include "../common/check.h"

static int calls, asking, stop_after;

static int Interrupted(void)
{
  return asking && ++calls >= stop_after;
}

static CvxAdmmTraceRow last_row;
static int             rows;

static PetscErrorCode Monitor(const CvxAdmmTraceRow *row, void *ctx)
{
  (void)ctx;
  last_row = *row;
  rows++;
  return 0;
}

int main(int argc, char **argv)
{
  PetscMPIInt rank, size;
  TestProblem pr;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  TestProblemCreate(60, 4, PETSC_TRUE, 2000, 120, 14, &pr);
  for (int c = 0; c < 4; c++) {
    CvxArrangementSet set;
    CvxAdmmOptions    opt;
    CvxAdmmResult     res;
    const int         first = c >= 2; /* rank 0 asks from the first iteration */

    if (CvxAdmmOptionsSetDefaults(&opt)) return 1;
    opt.beta        = 1e-4;
    opt.verbosity   = CVX_LOG_QUIET;
    opt.splitting   = c % 2 ? CVX_SPLIT_SLACK : CVX_SPLIT_CONE;
    opt.tol         = 1e-13;
    opt.polish      = PETSC_FALSE;
    opt.interrupted = Interrupted;
    opt.monitor     = Monitor;
    calls           = 0;
    rows            = 0;
    asking          = first ? rank == 0 : rank == size - 1;
    stop_after      = first ? 1 : 37;
    TestSetView(&pr, PETSC_COMM_WORLD, &set);
    if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res)) return 1;
    const char *name = c % 2 ? "slack" : "cone";
    CHECK(res.reason == CVX_ADMM_INTERRUPTED && res.iterations == stop_after,
          "%s, request after %d: stopped (%s) after %d iterations", name, stop_after, CvxAdmmStopReasonName(res.reason),
          (int)res.iterations);
    CHECK(res.certified && res.lower_bound <= res.objective * (1 + 1e-12) && res.gap > opt.tol,
          "%s, request after %d: objective %.17g, bound %.17g, gap %g", name, stop_after, res.objective,
          res.lower_bound, res.gap);
    CHECK(rank != 0 || fabs(res.network_objective - res.objective) <= 1e-8 * res.objective,
          "%s, request after %d: network p1 %.17g against %.17g", name, stop_after, res.network_objective,
          res.objective);
    double v[2] = {res.objective, -res.objective}, it[2] = {(double)res.iterations, -(double)res.iterations};
    MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, it, 2, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD);
    CHECK(v[0] == -v[1] && it[0] == -it[1], "%s, request after %d: the ranks disagree", name, stop_after);
    if (rank == 0)
      CHECK(rows > 0 && last_row.iteration == res.iterations && isfinite(last_row.lower_bound) &&
                last_row.lower_bound <= res.lower_bound,
            "%s, request after %d: %d trace rows, the last at iteration %d with bound %g", name, stop_after, rows,
            (int)last_row.iteration, last_row.lower_bound);
    if (CvxAdmmResultDestroy(&res)) return 1;
  }
  TestProblemDestroy(&pr);
  int bad = failures;
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 1;
  return bad ? 1 : 0;
}
