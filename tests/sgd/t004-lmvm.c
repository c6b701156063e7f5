/* TAO LMVM on a small problem reaches a stationary point: the gradient norm
 * of p1, computed by the library's own gradient routine at the final
 * parameters, is below gatol; the final objective lies in [0, initial]; the
 * trace starts at the initial point, never increases, and its last row is
 * the final iterate; a test row with every trace row. Prints only on failure.
 *
 * The problem is chosen so that its minimizer is a smooth, isolated point:
 * one feature in two clusters, [-2, -1] and [1, 2], a target close to
 * relu(x) + relu(-x)/2, and two neurons starting with their kinks in the gap
 * between the clusters, one active on each. Every hyperplane in the gap gives
 * the same activation pattern, so p1 is smooth around the path and the
 * minimizer. (From a random start on +-1 labels, minimizers of p1 usually sit
 * on relu kinks, where the gradient does not vanish and LMVM ends with a line
 * search failure: the status is then 'stopped'.) */
#include "sgdtest.h"

#include <petscsys.h>

enum { N = 20, D = 2, M = 2, NT = 8, P = (D + 1) * M };

typedef struct {
  int    ntrace, ntest;
  double first, last, worst_rise;
  long   last_iteration, last_test_epoch;
} Rows;

static PetscErrorCode Trace(void *ctx, const CvxSgdTraceRow *row)
{
  Rows *r = (Rows *)ctx;
  if (r->ntrace == 0) {
    r->first = row->objective;
    if (row->iteration != 0) r->last_iteration = -100;
  } else
    r->worst_rise = fmax(r->worst_rise, row->objective - r->last);
  r->last           = row->objective;
  r->last_iteration = row->iteration;
  r->ntrace++;
  return 0;
}

static PetscErrorCode Test(void *ctx, const CvxSgdTestRow *row)
{
  Rows *r = (Rows *)ctx;
  /* with the trace rows: epochs 0, 7, 14, ... (record_every = 7), then the
   * last iteration */
  long want = 7L * r->ntest;
  if (row->epoch == want || (row->epoch % 7 != 0 && row->epoch > want - 7 && row->epoch < want))
    r->last_test_epoch = row->epoch;
  else
    r->last_test_epoch = -100;
  r->ntest++;
  return 0;
}

int main(int argc, char **argv)
{
  double        X[N * D], y[N], Xt[NT * D], yt[NT], grad[P], *theta, f, gnorm = 0;
  CvxSgdProblem prob = {
      .n = N, .d = D, .X = X, .y = y, .n_test = NT, .Xtest = Xt, .ytest = yt, .classification = PETSC_FALSE};
  CvxSgdOptions opts;
  CvxSgdTrainer tr;
  CvxSgdResult  res;
  Rows          rows  = {0};
  CvxSgdSinks   sinks = {Trace, Test, NULL, &rows};

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  {
    CvxRng rng;
    CvxRngInit(&rng, 8, CVX_STREAM_TEST, 0, 0);
    for (int i = 0; i < N + NT; i++) {
      double *Z = i < N ? X : Xt, *z = i < N ? y : yt;
      int     n = i < N ? N : NT, r = i < N ? i : i - N;
      double  x = (1.0 + CvxRngUniform(&rng)) * (i % 2 ? 1.0 : -1.0);
      Z[r]      = x;
      Z[r + n]  = 1.0;
      z[r]      = (x > 0 ? x : -0.5 * x) + 0.05 * sin(7 * x);
    }
  }
  if (CvxSgdOptionsSetDefaults(&opts)) return 1;
  opts.widths[0]    = M;
  opts.method       = CVX_SGD_METHOD_LMVM;
  opts.epochs       = 500;
  opts.gatol        = 1e-8;
  opts.beta         = 1e-3;
  opts.record_every = 7;
  opts.seed         = 3;

  if (CvxSgdTrainerCreate(&prob, &opts, M, 1, &tr)) return 1;
  if (CvxSgdTrainerGetParameters(tr, &theta, NULL)) return 1;
  {
    /* u_1 = (1, 0.2), u_2 = (-1, 0.3): kinks at x = -0.2 and x = 0.3; a = (0.5, 0.4). */
    const double start[P] = {1.0, 0.2, -1.0, 0.3, 0.5, 0.4};
    memcpy(theta, start, sizeof(start));
  }
  if (CvxSgdTrainerRun(tr, &sinks, &res)) return 1;
  if (CvxSgdBatchGradient(N, D, X, y, M, theta, opts.beta, N, NULL, &f, grad)) return 1;
  for (int k = 0; k < P; k++)
    gnorm += grad[k] * grad[k];
  gnorm = sqrt(gnorm);

  CHECK(res.status == CVX_SGD_STATUS_CONVERGED, "LMVM ended '%s' (TAO reason %d) after %lld iterations",
        CvxSgdStatusName(res.status), (int)res.tao_reason, (long long)res.iterations);
  CHECK(gnorm <= opts.gatol, "final gradient norm %g above gatol %g", gnorm, opts.gatol);
  CHECK(res.iterations > 5 && res.iterations < opts.epochs, "%lld iterations", (long long)res.iterations);
  CHECK(KinkMargin(N, D, M, X, theta) > 0.5, "the minimizer found is %g from a kink", KinkMargin(N, D, M, X, theta));
  CHECK(f == res.objective, "final objective %.17g, gradient routine says %.17g", res.objective, f);
  CHECK(res.objective >= 0 && res.objective <= rows.first, "final objective %g outside [0, initial %g]", res.objective,
        rows.first);
  CHECK(res.objective < 0.9 * rows.first, "LMVM barely moved: %g from %g", res.objective, rows.first);
  CHECK(res.best_objective == res.objective, "best %.17g differs from final %.17g", res.best_objective, res.objective);
  CHECK(rows.worst_rise <= 1e-12, "the trace rose by %g", rows.worst_rise);
  CHECK(rows.last_iteration == res.iterations && rows.last == res.objective,
        "last trace row: iteration %ld objective %g; result %lld %g", rows.last_iteration, rows.last,
        (long long)res.iterations, res.objective);
  CHECK(rows.ntrace == (int)(res.iterations / 7) + 1 + (res.iterations % 7 != 0), "%d trace rows for %lld iterations",
        rows.ntrace, (long long)res.iterations);
  CHECK(rows.ntest == rows.ntrace && rows.last_test_epoch == res.iterations,
        "%d test rows (last epoch %ld) for %lld iterations and %d trace rows", rows.ntest, rows.last_test_epoch,
        (long long)res.iterations, rows.ntrace);
  CHECK(isnan(res.accuracy) && isnan(res.test_accuracy) && res.test_objective > 0,
        "regression: accuracies %g %g (want NaN), test objective %g", res.accuracy, res.test_accuracy,
        res.test_objective);
  if (CvxSgdTrainerDestroy(&tr)) return 1;

  /* An iteration cap ends the run as 'completed' with exactly that many iterations. */
  opts.epochs = 4;
  if (CvxSgdJobRun(&prob, &opts, M, 1, NULL, &res)) return 1;
  CHECK(res.status == CVX_SGD_STATUS_COMPLETED && res.iterations == 4, "capped run: '%s' after %lld iterations",
        CvxSgdStatusName(res.status), (long long)res.iterations);

  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
