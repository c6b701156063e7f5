/* Correctness against an independent solver: for each case the problem is
 * written to a file, solved by cvxopt (t002-cvxopt.py, coneqp) and by
 * CvxAdmmSolve, and the bounds are checked rigorously:
 *   our lower bound  <= cvxopt's primal objective (an upper bound on p0)
 *   cvxopt's dual objective (a lower bound on p0) <= our objective
 * up to a relative slack of 1e-9 for cvxopt's own rounding, plus: our gap is
 * certified and at most the tol we asked, and the recovered network's p1
 * equals our objective. Cases: beta from 1e-4 to 1e-1, with and without the
 * bias column, d from 1 to 10 (sampled patterns; exact ones on a line),
 * both splittings (the slack one in every other case with Anderson
 * acceleration, otherwise with its fused iteration).
 * With -colgen, each case is also solved by column generation from zero
 * (convex.column_generation: on), whose certified gap must be at most
 * max(tol, 1e-4).
 * Usage: t002-cvxopt PYTHON SCRIPT [-splitting cone|slack|both] [-tol 1e-6] [-colgen]. Prints only
 * on failure (and every gap with T002_VERBOSE set). */
#include "convex/admm.h"

#include "t000-problem.h"

#include <unistd.h>
#include "../common/check.h"

typedef struct {
  PetscInt  n, d_raw;
  PetscBool bias, line;
  PetscInt  samples, maxP;
  double    beta;
} Case;

static int RunReference(const char *python, const char *script, const char *path, double *primal, double *dual,
                        char *status)
{
  char cmd[4096];
  snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s'", python, script, path);
  FILE *p = popen(cmd, "r");
  if (!p) return 1;
  int got = fscanf(p, "%63s %lf %lf", status, primal, dual);
  int rc  = pclose(p);
  return (got != 3 || rc != 0);
}

static double tol = 1e-6;

static PetscErrorCode RunCase(const Case *c, const char *python, const char *script, PetscBool cone,
                              PetscBool slack, PetscBool colgen, uint64_t seed)
{
  TestProblem       pr;
  CvxArrangementSet set;
  char              path[] = "/tmp/cvxnn-t002-XXXXXX";
  double            primal, dual;
  char              status[64];

  PetscFunctionBeginUser;
  if (c->line) TestProblemLine(c->n, seed, PETSC_FALSE, &pr);
  else TestProblemCreate(c->n, c->d_raw, c->bias, c->samples, c->maxP, seed, &pr);
  int fd = mkstemp(path);
  PetscCheck(fd >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create a temporary file");
  close(fd);
  PetscCheck(TestProblemWrite(&pr, c->beta, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", path);
  int rc = RunReference(python, script, path, &primal, &dual, status);
  unlink(path);
  CHECK(rc == 0, "reference solver failed on n %d d %d P %d", (int)pr.n, (int)pr.d, (int)pr.P);
  if (rc) {
    TestProblemDestroy(&pr);
    PetscFunctionReturn(0);
  }
  TestSetView(&pr, PETSC_COMM_WORLD, &set);
  for (int s = 0; s < 3; s++) {
    if ((s == 0 && !cone) || (s == 1 && !slack) || (s == 2 && !colgen)) continue;
    CvxAdmmOptions opt;
    CvxAdmmResult  res;
    PetscCall(CvxAdmmOptionsSetDefaults(&opt));
    opt.splitting = s == 1 ? CVX_SPLIT_SLACK : CVX_SPLIT_CONE;
    /* the first two runs are the ADMM with its second stage, the third
     * column generation from zero: at most 1e-4 (its rounds stop when no
     * block outside the support fails, whatever accuracy the support's
     * barrier solve reached) */
    opt.column_generation = s == 2 ? CVX_COLGEN_ON : CVX_COLGEN_OFF;
    /* the slack splitting runs its default (no Anderson acceleration: the
     * fused one-pass iteration) in every other case, Anderson with memory
     * 10 (the generic iteration) in the others */
    if (s == 1 && seed % 2 == 0) opt.anderson = 10;
    double want           = s == 2 ? PetscMax(tol, 1e-4) : tol;
    opt.beta      = c->beta;
    opt.tol       = tol;
    opt.max_iter  = 200000;
    opt.verbosity = CVX_LOG_QUIET;
    PetscCall(CvxAdmmSolve(&set, pr.d, pr.X, pr.y, &opt, &res));
    const char *name = s == 0 ? "cone" : s == 1 ? "slack" : "column generation";
    double      slk  = 1e-9 * PetscMax(fabs(primal), fabs(res.objective));
    CHECK(res.certified && res.gap <= want,
          "%s n %d d %d P %d beta %g: gap %g not certified below %g (%s, %d iterations)", name, (int)pr.n,
          (int)pr.d, (int)pr.P, c->beta, res.gap, want, CvxAdmmStopReasonName(res.reason), (int)res.iterations);
    if (getenv("T002_VERBOSE"))
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s n %d d %d P %d beta %g: gap %.3e (%s), %d rounds\n", name,
                            (int)pr.n, (int)pr.d, (int)pr.P, c->beta, res.gap, CvxAdmmStopReasonName(res.reason),
                            (int)res.column_rounds));
    CHECK(res.lower_bound <= primal + slk,
          "%s n %d d %d P %d beta %g: our lower bound %.15g above cvxopt's primal %.15g (%s)", name, (int)pr.n,
          (int)pr.d, (int)pr.P, c->beta, res.lower_bound, primal, status);
    CHECK(dual <= res.objective + slk, "%s n %d d %d P %d beta %g: cvxopt's dual %.15g above our objective %.15g (%s)",
          name, (int)pr.n, (int)pr.d, (int)pr.P, c->beta, dual, res.objective, status);
    CHECK(s == 2 || res.reason == CVX_ADMM_CONVERGED, "%s: stop reason %s", name, CvxAdmmStopReasonName(res.reason));
    CHECK((s == 2) == (res.column_generation == PETSC_TRUE), "%s: column generation %s", name,
          res.column_generation ? "used" : "not used");
    CHECK(res.network_mismatch <= 1e-8, "%s n %d d %d beta %g: network p1 %.15g vs objective %.15g", name, (int)pr.n,
          (int)pr.d, c->beta, res.network_objective, res.objective);
    PetscCall(CvxAdmmResultDestroy(&res));
  }
  TestProblemDestroy(&pr);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char      split[32] = "both";
  PetscBool flg, colgen = PETSC_FALSE;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (argc < 3) {
    fprintf(stderr, "usage: t002-cvxopt PYTHON SCRIPT [-splitting cone|slack|both]\n");
    PetscFinalize();
    return 1;
  }
  if (PetscOptionsGetString(NULL, NULL, "-splitting", split, sizeof(split), &flg)) return 1;
  if (PetscOptionsGetReal(NULL, NULL, "-tol", &tol, NULL)) return 1;
  if (PetscOptionsGetBool(NULL, NULL, "-colgen", &colgen, NULL)) return 1;
  PetscBool cone = (PetscBool)(strcmp(split, "slack") != 0), slack = (PetscBool)(strcmp(split, "cone") != 0);
  const Case cases[] = {
    /* n, d_raw, bias, line, samples, maxP, beta */
    {20, 1, PETSC_TRUE, PETSC_TRUE, 0, 0, 1e-4},
    {24, 1, PETSC_TRUE, PETSC_TRUE, 0, 0, 1e-2},
    {20, 1, PETSC_FALSE, PETSC_FALSE, 200, 100, 1e-3},
    {30, 2, PETSC_TRUE, PETSC_FALSE, 3000, 100, 1e-3},
    {30, 2, PETSC_FALSE, PETSC_FALSE, 3000, 80, 1e-1},
    {30, 3, PETSC_TRUE, PETSC_FALSE, 3000, 60, 1e-2},
    {40, 5, PETSC_TRUE, PETSC_FALSE, 60, 40, 1e-3},
    {40, 7, PETSC_FALSE, PETSC_FALSE, 40, 30, 1e-1},
    {40, 9, PETSC_TRUE, PETSC_FALSE, 30, 25, 1e-4},
    {36, 10, PETSC_FALSE, PETSC_FALSE, 30, 20, 1e-2},
  };
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
    if (RunCase(&cases[c], argv[1], argv[2], cone, slack, colgen, 1000 + c)) failures++;
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
