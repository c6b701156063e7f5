/* p1 and its gradient: the GEMM-shaped routines agree with a naive scalar
 * reference, and the analytic gradient with central finite differences on a
 * tiny problem away from relu kinks; the minibatch estimate carries the n/b
 * scale; accuracy counts sign predictions. Prints only on failure. */
#include "sgdtest.h"

#include <petscsys.h>

int main(int argc, char **argv)
{
  enum { N = 9, DF = 2, D = DF + 1, M = 4, P = (D + 1) * M };
  double X[N * D], y[N], theta[P], grad[P], ref[P], est, obj, acc;
  CvxRng rng;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MakeData(N, DF, 1, X, y);

  /* Parameters whose pre-activations stay at least 0.05 from a kink. */
  for (uint64_t attempt = 0;; attempt++) {
    CvxRngInit(&rng, 99, CVX_STREAM_TEST, 100, attempt);
    for (int k = 0; k < P; k++)
      theta[k] = CvxRngNormal(&rng);
    if (KinkMargin(N, D, M, X, theta) > 0.05) break;
  }
  const double beta = 0.3;

  /* Objective and accuracy against the naive loops. */
  if (CvxSgdObjective(N, D, X, y, PETSC_TRUE, M, theta, beta, &obj, &acc)) return 1;
  double want = NaiveP1(N, D, M, X, y, theta, beta, N, NULL, 1.0, NULL);
  CHECK(RelDiff(obj, want) < 1e-13, "objective %.17g, naive %.17g", obj, want);
  {
    int correct = 0;
    for (int i = 0; i < N; i++) {
      double out = 0;
      for (int j = 0; j < M; j++) {
        double h = 0;
        for (int k = 0; k < D; k++)
          h += X[i + k * N] * theta[k + j * D];
        if (h > 0) out += h * theta[D * M + j];
      }
      if ((out >= 0 ? 1.0 : -1.0) == y[i]) correct++;
    }
    CHECK(acc == (double)correct / N, "accuracy %g, want %g", acc, (double)correct / N);
  }
  if (CvxSgdObjective(N, D, X, y, PETSC_FALSE, M, theta, beta, NULL, &acc)) return 1;
  CHECK(isnan(acc), "regression accuracy %g, want NaN", acc);

  /* Full-batch gradient: naive reference, and the estimate is p1 itself. */
  if (CvxSgdBatchGradient(N, D, X, y, M, theta, beta, N, NULL, &est, grad)) return 1;
  NaiveP1(N, D, M, X, y, theta, beta, N, NULL, 1.0, ref);
  CHECK(est == obj, "full-batch estimate %.17g differs from p1 %.17g", est, obj);
  for (int k = 0; k < P; k++)
    CHECK(RelDiff(grad[k], ref[k]) < 1e-12, "grad[%d] %.17g, naive %.17g", k, grad[k], ref[k]);

  /* Central differences of p1 (second order: error ~ h^2). */
  const double h = 1e-5;
  for (int k = 0; k < P; k++) {
    double tp[P], fp, fm;
    memcpy(tp, theta, sizeof(tp));
    tp[k] = theta[k] + h;
    if (CvxSgdObjective(N, D, X, y, PETSC_TRUE, M, tp, beta, &fp, NULL)) return 1;
    tp[k] = theta[k] - h;
    if (CvxSgdObjective(N, D, X, y, PETSC_TRUE, M, tp, beta, &fm, NULL)) return 1;
    double fd = (fp - fm) / (2 * h);
    CHECK(fabs(fd - grad[k]) < 1e-6 * fmax(1.0, fabs(grad[k])), "grad[%d] = %.12g, finite difference %.12g", k, grad[k],
          fd);
  }

  /* Minibatch: rows {7, 2, 4}, data term scaled by n/b = 3. */
  {
    const PetscInt rows[3]  = {7, 2, 4};
    const int      irows[3] = {7, 2, 4};
    if (CvxSgdBatchGradient(N, D, X, y, M, theta, beta, 3, rows, &est, grad)) return 1;
    want = NaiveP1(N, D, M, X, y, theta, beta, 3, irows, 3.0, ref);
    CHECK(RelDiff(est, want) < 1e-13, "minibatch estimate %.17g, naive %.17g", est, want);
    for (int k = 0; k < P; k++)
      CHECK(RelDiff(grad[k], ref[k]) < 1e-12, "minibatch grad[%d] %.17g, naive %.17g", k, grad[k], ref[k]);
  }

  /* A larger problem exercises several row blocks against the naive loops. */
  {
    enum { N2 = 3001, DF2 = 3, D2 = DF2 + 1, M2 = 1500, P2 = (D2 + 1) * M2 };
    double *X2 = malloc(sizeof(double) * N2 * D2), *y2 = malloc(sizeof(double) * N2);
    double *t2 = malloc(sizeof(double) * P2), *g2 = malloc(sizeof(double) * P2), *r2 = malloc(sizeof(double) * P2);
    MakeData(N2, DF2, 2, X2, y2);
    if (CvxSgdInitialize(5, D2, M2, 0, t2)) return 1;
    if (CvxSgdBatchGradient(N2, D2, X2, y2, M2, t2, beta, N2, NULL, &est, g2)) return 1;
    want = NaiveP1(N2, D2, M2, X2, y2, t2, beta, N2, NULL, 1.0, r2);
    CHECK(RelDiff(est, want) < 1e-12, "blocked objective %.17g, naive %.17g", est, want);
    double worst = 0, gmax = 0;
    for (int k = 0; k < P2; k++) {
      worst = fmax(worst, fabs(g2[k] - r2[k]));
      gmax  = fmax(gmax, fabs(r2[k]));
    }
    CHECK(worst <= 1e-11 * fmax(1.0, gmax), "blocked gradient off by %g (max %g)", worst, gmax);

    /* Initialization: u in +-1/sqrt(d), a in +-1/sqrt(m), a function of
     * (seed, m, trial) only. */
    double umax = 0, amax = 0;
    for (int k = 0; k < D2 * M2; k++)
      umax = fmax(umax, fabs(t2[k]));
    for (int j = 0; j < M2; j++)
      amax = fmax(amax, fabs(t2[D2 * M2 + j]));
    CHECK(umax <= 1 / sqrt(D2) && umax > 0.95 / sqrt(D2), "u entries reach %g, bound %g", umax, 1 / sqrt(D2));
    CHECK(amax <= 1 / sqrt(M2) && amax > 0.95 / sqrt(M2), "a entries reach %g, bound %g", amax, 1 / sqrt(M2));
    if (CvxSgdInitialize(5, D2, M2, 0, g2)) return 1;
    CHECK(memcmp(g2, t2, sizeof(double) * P2) == 0, "one job name gave two initializations");
    if (CvxSgdInitialize(5, D2, M2, 1, g2)) return 1;
    CHECK(g2[0] != t2[0] && g2[P2 - 1] != t2[P2 - 1], "two trials gave one initialization");
    free(X2);
    free(y2);
    free(t2);
    free(g2);
    free(r2);
  }

  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
