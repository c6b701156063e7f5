/* The cone splitting's automatic rho under relative residual balancing
 * (AdmmAdaptRho). On a program where the automatic rho is far from
 * balanced (n = 200, d = 3 + bias, beta = 1e-4, 100 sampled patterns:
 * the dual residual dominates and rho falls) the adapted solve changes
 * rho, reports the last one, shows each in its trace, keeps every bound
 * below the optimum of a fixed-rho solve, and certifies that optimum to
 * 1e-6 with its network realizing the objective. With rho_adapt off, or
 * with a rho given, rho never moves. Any rank count. Prints only on
 * failure. */
#include "convex/admm.h"

#include "t000-problem.h"
#include "../common/check.h"

static PetscMPIInt rank;

/* The trace's rho and bound, in row order (rank 0). */
typedef struct {
  double   rho[4096], lb[4096];
  PetscInt count;
} Trace;

static PetscErrorCode Record(const CvxAdmmTraceRow *row, void *ctx)
{
  Trace *t = (Trace *)ctx;
  if (t->count < 4096) {
    t->rho[t->count] = row->rho;
    t->lb[t->count]  = row->lower_bound;
    t->count++;
  }
  return 0;
}

/* Defaults with the program's beta, the cone splitting and no output. */
static int ConeOptions(CvxAdmmOptions *opt, double beta)
{
  if (CvxAdmmOptionsSetDefaults(opt)) return 1;
  opt->beta      = beta;
  opt->splitting = CVX_SPLIT_CONE;
  opt->verbosity = CVX_LOG_QUIET;
  return 0;
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TestProblem       pr;
  CvxArrangementSet set;
  CvxAdmmOptions    opt;
  CvxAdmmResult     ref, res;
  static Trace      tr;
  const double      beta = 1e-4;

  TestProblemCreate(200, 3, PETSC_TRUE, 2000, 100, 11, &pr);
  TestSetView(&pr, PETSC_COMM_WORLD, &set);

  /* the reference: the automatic rho held fixed */
  if (ConeOptions(&opt, beta)) return 1;
  opt.tol       = 1e-7;
  opt.rho_adapt = PETSC_FALSE;
  if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &ref)) return 1;
  double rho0 = ref.rho;
  CHECK(ref.reason == CVX_ADMM_CONVERGED && ref.rho_changes == 0 && rho0 > 0,
        "fixed rho: %s, gap %g, %d rho changes, rho %g", CvxAdmmStopReasonName(ref.reason), ref.gap,
        (int)ref.rho_changes, rho0);

  /* adapted, first-order iterations only */
  if (ConeOptions(&opt, beta)) return 1;
  opt.tol                = 0;
  opt.max_iter           = 1000;
  opt.polish             = PETSC_FALSE;
  opt.stall_certificates = 0;
  opt.trace_every        = 50;
  opt.monitor            = Record;
  opt.monitor_ctx        = &tr;
  tr.count               = 0;
  if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res)) return 1;
  CHECK(res.rho_changes >= 1 && res.rho != rho0 && res.rho > 0, "adapted: %d rho changes, rho %g (automatic %g)",
        (int)res.rho_changes, res.rho, rho0);
  CHECK(res.lower_bound <= ref.objective * (1 + 1e-12) && res.objective >= ref.lower_bound * (1 - 1e-12),
        "adapted: interval [%.17g, %.17g] misses the reference's [%.17g, %.17g]", res.lower_bound, res.objective,
        ref.lower_bound, ref.objective);
  if (rank == 0) {
    PetscInt moves = 0;
    CHECK(tr.count >= 10 && tr.rho[0] == rho0 && tr.rho[tr.count - 1] == res.rho,
          "adapted trace: %d rows, first rho %g (automatic %g), last %g (result %g)", (int)tr.count,
          tr.count ? tr.rho[0] : NAN, rho0, tr.count ? tr.rho[tr.count - 1] : NAN, res.rho);
    for (PetscInt k = 0; k < tr.count; k++) {
      if (k > 0 && tr.rho[k] != tr.rho[k - 1]) moves++;
      CHECK(isnan(tr.lb[k]) || tr.lb[k] <= ref.objective * (1 + 1e-12),
            "adapted trace row %d: bound %.17g above the optimum's upper bound %.17g", (int)k, tr.lb[k],
            ref.objective);
    }
    CHECK(moves >= 1 && moves <= res.rho_changes, "adapted trace: rho moved %d times, %d changes", (int)moves,
          (int)res.rho_changes);
  }
  if (CvxAdmmResultDestroy(&res)) return 1;

  /* adapted, to a certified 1e-6 */
  if (ConeOptions(&opt, beta)) return 1;
  opt.tol = 1e-6;
  if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res)) return 1;
  CHECK(res.reason == CVX_ADMM_CONVERGED && res.gap <= 1e-6 &&
          fabs(res.objective - ref.objective) <= 2e-6 * ref.objective && res.lower_bound <= ref.objective &&
          (rank != 0 || res.network_mismatch <= 1e-8),
        "adapted to 1e-6: %s, gap %g, objective %.17g against %.17g, bound %.17g, network mismatch %g",
        CvxAdmmStopReasonName(res.reason), res.gap, res.objective, ref.objective, res.lower_bound,
        res.network_mismatch);
  if (CvxAdmmResultDestroy(&res)) return 1;

  /* a given rho stays */
  if (ConeOptions(&opt, beta)) return 1;
  opt.rho                = rho0;
  opt.tol                = 0;
  opt.max_iter           = 1000;
  opt.polish             = PETSC_FALSE;
  opt.stall_certificates = 0;
  if (CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res)) return 1;
  CHECK(res.rho_changes == 0 && res.rho == rho0, "given rho: %d changes, rho %g against %g", (int)res.rho_changes,
        res.rho, rho0);
  if (CvxAdmmResultDestroy(&res)) return 1;

  if (CvxAdmmResultDestroy(&ref)) return 1;
  TestProblemDestroy(&pr);
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
