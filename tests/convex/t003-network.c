/* The recovered network (Theorem 1): its objective p1, computed here through
 * the ReLU with plain loops, equals the certified convex objective to 1e-8
 * relative; removing any one neuron increases p1; the text writer round-trips
 * every weight exactly. Single rank. Prints only on failure. */
#include "convex/admm.h"

#include "t000-problem.h"

#include <unistd.h>
#include "../common/check.h"

/* p1 by loops, skipping neuron `skip` (-1 = none). */
static double P1(const CvxNetwork *net, const TestProblem *pr, double beta, PetscInt skip)
{
  double loss = 0, reg = 0;
  for (PetscInt k = 0; k < pr->n; k++) {
    double out = 0;
    for (PetscInt j = 0; j < net->m; j++) {
      if (j == skip) continue;
      double h = 0;
      for (PetscInt l = 0; l < net->d; l++) h += pr->X[k + l * pr->n] * net->U[l + j * net->d];
      if (h > 0) out += h * net->a[j];
    }
    loss += (out - pr->y[k]) * (out - pr->y[k]);
  }
  for (PetscInt j = 0; j < net->m; j++) {
    if (j == skip) continue;
    reg += net->a[j] * net->a[j];
    for (PetscInt l = 0; l < net->d; l++) reg += net->U[l + j * net->d] * net->U[l + j * net->d];
  }
  return 0.5 * loss + 0.5 * beta * reg;
}

static PetscErrorCode RunCase(PetscInt n, PetscInt d_raw, PetscBool line, double beta, CvxSplitting split, uint64_t seed)
{
  TestProblem       pr;
  CvxArrangementSet set;
  CvxAdmmOptions    opt;
  CvxAdmmResult     res;

  PetscFunctionBeginUser;
  if (line) TestProblemLine(n, seed, PETSC_TRUE, &pr);
  else TestProblemCreate(n, d_raw, PETSC_TRUE, 2000, 80, seed, &pr);
  TestSetView(&pr, PETSC_COMM_WORLD, &set);
  PetscCall(CvxAdmmOptionsSetDefaults(&opt));
  opt.beta      = beta;
  opt.tol       = 1e-6;
  opt.splitting = split;
  opt.verbosity = CVX_LOG_QUIET;
  PetscCall(CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res));
  const CvxNetwork *net = &res.network;
  CHECK(res.certified && res.gap <= opt.tol, "n %d d %d beta %g: gap %g", (int)n, (int)pr.d, beta, res.gap);
  CHECK(net->m == res.nonzero_blocks && net->m > 0, "network has %d neurons, %d nonzero blocks", (int)net->m,
        (int)res.nonzero_blocks);
  double p1 = P1(net, &pr, beta, -1);
  CHECK(fabs(p1 - res.objective) <= 1e-8 * res.objective, "n %d d %d beta %g: p1 %.17g vs objective %.17g", (int)n,
        (int)pr.d, beta, p1, res.objective);
  CHECK(fabs(res.network_objective - p1) <= 1e-12 * p1, "CvxNetworkEvaluate %.17g vs loops %.17g",
        res.network_objective, p1);
  for (PetscInt j = 0; j < net->m; j++) {
    double q = P1(net, &pr, beta, j);
    CHECK(q > p1, "n %d d %d beta %g: removing neuron %d of %d does not increase p1 (%.17g -> %.17g)", (int)n,
          (int)pr.d, beta, (int)j, (int)net->m, p1, q);
  }
  /* writer round trip */
  char  path[] = "/tmp/cvxnn-t003-XXXXXX";
  int   fd     = mkstemp(path);
  FILE *f      = fd >= 0 ? fdopen(fd, "w") : NULL;
  CHECK(f, "cannot create a temporary file");
  if (f) {
    PetscCall(CvxNetworkWrite(net, f));
    fclose(f);
    f = fopen(path, "r");
    int m = -1, d = -1;
    CHECK(f && fscanf(f, "%d %d", &m, &d) == 2 && m == net->m && d == net->d, "bad header");
    for (PetscInt j = 0; f && j < net->m; j++) {
      double a;
      CHECK(fscanf(f, "%lf", &a) == 1 && a == net->a[j], "output weight %d does not round-trip", (int)j);
      for (PetscInt l = 0; l < net->d; l++) {
        double u;
        CHECK(fscanf(f, "%lf", &u) == 1 && u == net->U[l + j * net->d], "input weight %d,%d does not round-trip",
              (int)j, (int)l);
      }
    }
    if (f) fclose(f);
    unlink(path);
  }
  PetscCall(CvxAdmmResultDestroy(&res));
  TestProblemDestroy(&pr);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (RunCase(20, 1, PETSC_TRUE, 1e-4, CVX_SPLIT_CONE, 21)) failures++;
  if (RunCase(40, 2, PETSC_FALSE, 1e-3, CVX_SPLIT_CONE, 22)) failures++;
  if (RunCase(30, 4, PETSC_FALSE, 1e-2, CVX_SPLIT_CONE, 23)) failures++;
  if (RunCase(30, 2, PETSC_FALSE, 1e-2, CVX_SPLIT_SLACK, 24)) failures++;
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
