/* Adam on n = 3, d = 2, m = 2 with fixed weights: two full-batch updates of
 * the trainer match a scalar-loop computation of Adam (bias-corrected moments,
 * eps added to sqrt(v_hat)) on the naive gradient. Prints only on failure. */
#include "sgdtest.h"

#include <petscsys.h>

enum { N = 3, D = 2, M = 2, P = (D + 1) * M };

int main(int argc, char **argv)
{
  /* One feature and the bias column; u_1 = (0.7, 0.3), u_2 = (-0.8, 0.5), a = (0.6, -0.9). */
  const double  X[N * D] = {1.0, -0.3, 0.8, 1.0, 1.0, 1.0}, y[N] = {1.0, -1.0, 1.0};
  const double  theta0[P] = {0.7, 0.3, -0.8, 0.5, 0.6, -0.9};
  const double  lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, beta = 0.05;
  CvxSgdProblem prob = {.n = N, .d = D, .X = X, .y = y, .classification = PETSC_TRUE};
  CvxSgdOptions opts;
  CvxSgdTrainer tr;
  double       *theta, want[P], mom[P] = {0}, vel[P] = {0}, g[P], est;
  PetscInt      count;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxSgdOptionsSetDefaults(&opts)) return 1;
  opts.widths[0] = M;
  opts.method    = CVX_SGD_METHOD_ADAM;
  opts.lr        = lr;
  opts.beta1     = b1;
  opts.beta2     = b2;
  opts.eps       = eps;
  opts.beta      = beta;
  opts.epochs    = 10;
  if (CvxSgdTrainerCreate(&prob, &opts, M, 0, &tr)) return 1;
  if (CvxSgdTrainerGetParameters(tr, &theta, &count)) return 1;
  CHECK(count == P, "parameter count %d, want %d", (int)count, P);
  memcpy(theta, theta0, sizeof(theta0));
  memcpy(want, theta0, sizeof(theta0));

  for (int t = 1; t <= 2; t++) {
    CHECK(KinkMargin(N, D, M, X, want) > 1e-3, "step %d starts next to a relu kink: the test is not meaningful", t);
    double f = NaiveP1(N, D, M, X, y, want, beta, N, NULL, 1.0, g);
    for (int k = 0; k < P; k++) {
      mom[k]      = b1 * mom[k] + (1 - b1) * g[k];
      vel[k]      = b2 * vel[k] + (1 - b2) * g[k] * g[k];
      double mhat = mom[k] / (1 - pow(b1, t)), vhat = vel[k] / (1 - pow(b2, t));
      want[k] -= lr * mhat / (sqrt(vhat) + eps);
    }
    if (CvxSgdTrainerStep(tr, &est)) return 1;
    CHECK(RelDiff(est, f) < 1e-14, "step %d: objective before the update %.17g, want %.17g", t, est, f);
    for (int k = 0; k < P; k++)
      CHECK(fabs(theta[k] - want[k]) < 1e-14, "step %d: theta[%d] = %.17g, want %.17g", t, k, theta[k], want[k]);
  }
  /* Each first Adam step moves every parameter by about lr (|m_hat| = sqrt(v_hat)). */
  CHECK(fabs(fabs(want[0] - theta0[0]) - 2 * lr) < 0.05, "two Adam steps moved theta[0] by %g", want[0] - theta0[0]);
  {
    PetscInt64 it;
    PetscInt   ep;
    if (CvxSgdTrainerGetState(tr, NULL, NULL, &it, &ep)) return 1;
    CHECK(it == 2 && ep == 2, "after two full-batch steps: iteration %lld, epoch %d", (long long)it, (int)ep);
  }
  if (CvxSgdTrainerDestroy(&tr)) return 1;
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
