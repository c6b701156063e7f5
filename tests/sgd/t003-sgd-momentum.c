/* Plain SGD and heavy-ball momentum updates match scalar-loop references;
 * learning-rate schedules give the documented values and the trainer uses
 * the rate of the current epoch. Prints only on failure. */
#include "sgdtest.h"

#include <petscsys.h>

enum { N = 4, DF = 2, D = DF + 1, M = 3, P = (D + 1) * M };

static double X[N * D], y[N], theta0[P];

static int MakeTrainer(CvxSgdOptions *opts, CvxSgdTrainer *tr, double **theta)
{
  CvxSgdProblem prob = {.n = N, .d = D, .X = X, .y = y, .classification = PETSC_TRUE};
  if (CvxSgdTrainerCreate(&prob, opts, M, 0, tr)) return 1;
  if (CvxSgdTrainerGetParameters(*tr, theta, NULL)) return 1;
  memcpy(*theta, theta0, sizeof(theta0));
  return 0;
}

int main(int argc, char **argv)
{
  CvxSgdOptions opts;
  CvxSgdTrainer tr;
  double       *theta, want[P], g[P], buf[P];
  const double  lr = 0.05, mu = 0.9, beta = 0.01;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MakeData(N, DF, 3, X, y);
  if (CvxSgdInitialize(11, D, M, 0, theta0)) return 1;
  for (int k = 0; k < P; k++)
    theta0[k] *= 2; /* larger weights: a visible step */
  if (CvxSgdOptionsSetDefaults(&opts)) return 1;
  opts.widths[0] = M;
  opts.lr        = lr;
  opts.momentum  = mu;
  opts.beta      = beta;
  opts.epochs    = 10;

  /* SGD, one full-batch step: theta - lr g. */
  opts.method = CVX_SGD_METHOD_SGD;
  if (MakeTrainer(&opts, &tr, &theta)) return 1;
  NaiveP1(N, D, M, X, y, theta0, beta, N, NULL, 1.0, g);
  if (CvxSgdTrainerStep(tr, NULL)) return 1;
  for (int k = 0; k < P; k++) {
    want[k] = theta0[k] - lr * g[k];
    CHECK(fabs(theta[k] - want[k]) < 1e-15, "sgd: theta[%d] = %.17g, want %.17g", k, theta[k], want[k]);
  }
  if (CvxSgdTrainerDestroy(&tr)) return 1;

  /* Momentum, two steps: buf = g0; then buf = mu buf + g1. */
  opts.method = CVX_SGD_METHOD_MOMENTUM;
  if (MakeTrainer(&opts, &tr, &theta)) return 1;
  memcpy(want, theta0, sizeof(want));
  for (int t = 0; t < 2; t++) {
    NaiveP1(N, D, M, X, y, want, beta, N, NULL, 1.0, g);
    for (int k = 0; k < P; k++) {
      buf[k] = t == 0 ? g[k] : mu * buf[k] + g[k];
      want[k] -= lr * buf[k];
    }
    if (CvxSgdTrainerStep(tr, NULL)) return 1;
    for (int k = 0; k < P; k++)
      CHECK(fabs(theta[k] - want[k]) < 1e-14, "momentum step %d: theta[%d] = %.17g, want %.17g", t, k, theta[k],
            want[k]);
  }
  if (CvxSgdTrainerDestroy(&tr)) return 1;

  /* Schedule values. */
  opts.decay       = 0.5;
  opts.step_epochs = 3;
  opts.schedule    = CVX_SGD_SCHEDULE_CONSTANT;
  for (int e = 0; e < 7; e++)
    CHECK(CvxSgdLearningRate(&opts, e) == lr, "constant: epoch %d", e);
  opts.schedule = CVX_SGD_SCHEDULE_EXPONENTIAL;
  for (int e = 0; e < 7; e++)
    CHECK(RelDiff(CvxSgdLearningRate(&opts, e), lr * pow(0.5, e)) < 1e-15, "exponential: epoch %d gives %g", e,
          CvxSgdLearningRate(&opts, e));
  opts.schedule = CVX_SGD_SCHEDULE_STEP;
  {
    const double f[7] = {1, 1, 1, 0.5, 0.5, 0.5, 0.25};
    for (int e = 0; e < 7; e++)
      CHECK(RelDiff(CvxSgdLearningRate(&opts, e), lr * f[e]) < 1e-15, "step: epoch %d gives %g, want %g", e,
            CvxSgdLearningRate(&opts, e), lr * f[e]);
  }

  /* Exponential decay inside the trainer: minibatches of 2 (2 per epoch, in
   * order), data term scaled by n/b = 2; the third step is in epoch 1. */
  opts.method     = CVX_SGD_METHOD_SGD;
  opts.schedule   = CVX_SGD_SCHEDULE_EXPONENTIAL;
  opts.batch_size = 2;
  opts.shuffle    = PETSC_FALSE;
  if (MakeTrainer(&opts, &tr, &theta)) return 1;
  memcpy(want, theta0, sizeof(want));
  for (int t = 0; t < 3; t++) {
    const int rows[2] = {(2 * t) % N, (2 * t + 1) % N};
    double    rate    = lr * pow(0.5, t / 2);
    NaiveP1(N, D, M, X, y, want, beta, 2, rows, 2.0, g);
    for (int k = 0; k < P; k++)
      want[k] -= rate * g[k];
    if (CvxSgdTrainerStep(tr, NULL)) return 1;
    for (int k = 0; k < P; k++)
      CHECK(fabs(theta[k] - want[k]) < 1e-14, "exponential step %d: theta[%d] = %.17g, want %.17g", t, k, theta[k],
            want[k]);
  }
  if (CvxSgdTrainerDestroy(&tr)) return 1;

  /* Step decay inside the trainer, full batch (one step per epoch): epochs
   * 0-2 at lr, epoch 3 at lr/2. */
  opts.schedule   = CVX_SGD_SCHEDULE_STEP;
  opts.batch_size = 0;
  if (MakeTrainer(&opts, &tr, &theta)) return 1;
  memcpy(want, theta0, sizeof(want));
  for (int t = 0; t < 4; t++) {
    double rate = t < 3 ? lr : lr / 2;
    NaiveP1(N, D, M, X, y, want, beta, N, NULL, 1.0, g);
    for (int k = 0; k < P; k++)
      want[k] -= rate * g[k];
    if (CvxSgdTrainerStep(tr, NULL)) return 1;
  }
  for (int k = 0; k < P; k++)
    CHECK(fabs(theta[k] - want[k]) < 1e-14, "step schedule: theta[%d] = %.17g, want %.17g", k, theta[k], want[k]);
  if (CvxSgdTrainerDestroy(&tr)) return 1;

  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
