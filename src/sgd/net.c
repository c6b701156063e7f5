/* The two-layer ReLU network: options, initialization, forward/backward in
 * GEMM shape, exact objective and minibatch gradients. */
#include "sgd/sgdimpl.h"

#include "core/error.h"
#include "core/rng.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Rows per block aim at about 4M doubles for the n x m and n x d panels. */
#define CVX_SGD_BLOCK_DOUBLES 4194304
#define CVX_SGD_BLOCK_MIN 256

PetscErrorCode CvxSgdOptionsSetDefaults(CvxSgdOptions *opts)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(opts, sizeof(*opts)));
  opts->n_widths     = 1;
  opts->widths[0]    = 5;
  opts->trials       = 1;
  opts->method       = CVX_SGD_METHOD_ADAM;
  opts->lr           = 1e-3;
  opts->momentum     = 0.9;
  opts->beta1        = 0.9;
  opts->beta2        = 0.999;
  opts->eps          = 1e-8;
  opts->epochs       = 100;
  opts->batch_size   = 0;
  opts->schedule     = CVX_SGD_SCHEDULE_CONSTANT;
  opts->decay        = 1.0;
  opts->step_epochs  = 1;
  opts->record_every = 1;
  opts->shuffle      = PETSC_TRUE;
  opts->seed         = 0;
  opts->beta         = 1e-4;
  opts->gatol        = 1e-8;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdOptionsValidate(const CvxSgdOptions *opts, const CvxSgdProblem *prob)
{
  const MPI_Comm comm = PETSC_COMM_SELF;

  PetscFunctionBeginUser;
  PetscCheck(prob->n >= 1 && prob->d >= 1, comm, CVX_ERR_DATA, "sgd: training set has n = %d rows and d = %d columns",
             (int)prob->n, (int)prob->d);
  PetscCheck(prob->X && prob->y, comm, CVX_ERR_DATA, "sgd: training arrays missing");
  PetscCheck(prob->n_test >= 0, comm, CVX_ERR_DATA, "sgd: test set has n_test = %d rows", (int)prob->n_test);
  PetscCheck(prob->n_test == 0 || (prob->Xtest && prob->ytest), comm, CVX_ERR_DATA, "sgd: test arrays missing");
  PetscCheck(opts->n_widths >= 1 && opts->n_widths <= CVX_SGD_MAX_WIDTHS, comm, CVX_ERR_INPUT,
             "sgd.widths has %d entries; 1 to %d are allowed", (int)opts->n_widths, CVX_SGD_MAX_WIDTHS);
  for (PetscInt i = 0; i < opts->n_widths; i++) {
    const PetscInt m = opts->widths[i];
    PetscCheck(m >= 1, comm, CVX_ERR_INPUT, "sgd.widths[%d] = %d must be positive", (int)i, (int)m);
    /* A job is named by (width, trial): a repeated width would rerun the same jobs. */
    for (PetscInt k = 0; k < i; k++)
      PetscCheck(opts->widths[k] != m, comm, CVX_ERR_INPUT, "sgd.widths lists %d twice (entries %d and %d)", (int)m,
                 (int)k, (int)i);
    /* Parameters, optimizer state and a TAO vector are indexed by PetscInt. */
    PetscCheck((PetscInt64)(prob->d + 1) * m <= (PetscInt64)PETSC_MAX_INT / 4, comm, CVX_ERR_INPUT,
               "sgd.widths[%d] = %d: the network would have %lld parameters, too many for %d columns", (int)i, (int)m,
               (long long)((PetscInt64)(prob->d + 1) * m), (int)prob->d);
  }
  PetscCheck(opts->trials >= 1, comm, CVX_ERR_INPUT, "sgd.trials = %d must be positive", (int)opts->trials);
  PetscCheck((PetscInt64)opts->trials * opts->n_widths <= (PetscInt64)PETSC_MAX_INT, comm, CVX_ERR_INPUT,
             "sgd.trials = %d: too many jobs", (int)opts->trials);
  PetscCheck(opts->method >= CVX_SGD_METHOD_SGD && opts->method <= CVX_SGD_METHOD_LMVM, comm, CVX_ERR_INPUT,
             "sgd.optimizer: unknown value %d", (int)opts->method);
  PetscCheck(opts->epochs >= 0, comm, CVX_ERR_INPUT, "sgd.epochs = %d must be >= 0", (int)opts->epochs);
  PetscCheck(opts->record_every >= 1, comm, CVX_ERR_INPUT, "sgd.record_every = %d must be >= 1",
             (int)opts->record_every);
  PetscCheck(isfinite(opts->beta) && opts->beta >= 0, comm, CVX_ERR_INPUT, "sgd: weight decay beta = %g must be >= 0",
             opts->beta);
  if (opts->method == CVX_SGD_METHOD_LMVM) {
    PetscCheck(isfinite(opts->gatol) && opts->gatol >= 0, comm, CVX_ERR_INPUT, "sgd.gatol = %g must be >= 0",
               opts->gatol);
    PetscFunctionReturn(0);
  }
  PetscCheck(opts->batch_size >= 0 && opts->batch_size <= prob->n, comm, CVX_ERR_INPUT,
             "sgd.batch_size = %d must be in [0, n = %d] (0 = full batch)", (int)opts->batch_size, (int)prob->n);
  PetscCheck(isfinite(opts->lr) && opts->lr > 0, comm, CVX_ERR_INPUT, "sgd.lr = %g must be positive", opts->lr);
  if (opts->method == CVX_SGD_METHOD_MOMENTUM)
    PetscCheck(opts->momentum >= 0 && opts->momentum < 1, comm, CVX_ERR_INPUT, "sgd.momentum = %g must be in [0, 1)",
               opts->momentum);
  if (opts->method == CVX_SGD_METHOD_ADAM) {
    PetscCheck(opts->beta1 >= 0 && opts->beta1 < 1, comm, CVX_ERR_INPUT, "sgd.beta1 = %g must be in [0, 1)",
               opts->beta1);
    PetscCheck(opts->beta2 >= 0 && opts->beta2 < 1, comm, CVX_ERR_INPUT, "sgd.beta2 = %g must be in [0, 1)",
               opts->beta2);
    PetscCheck(isfinite(opts->eps) && opts->eps > 0, comm, CVX_ERR_INPUT, "sgd.eps = %g must be positive", opts->eps);
  }
  PetscCheck(opts->schedule >= CVX_SGD_SCHEDULE_CONSTANT && opts->schedule <= CVX_SGD_SCHEDULE_STEP, comm,
             CVX_ERR_INPUT, "sgd.schedule: unknown value %d", (int)opts->schedule);
  if (opts->schedule != CVX_SGD_SCHEDULE_CONSTANT)
    PetscCheck(isfinite(opts->decay) && opts->decay > 0, comm, CVX_ERR_INPUT, "sgd.decay = %g must be positive",
               opts->decay);
  if (opts->schedule == CVX_SGD_SCHEDULE_STEP)
    PetscCheck(opts->step_epochs >= 1, comm, CVX_ERR_INPUT, "sgd.step_epochs = %d must be >= 1",
               (int)opts->step_epochs);
  PetscFunctionReturn(0);
}

const char *CvxSgdMethodName(CvxSgdMethod method)
{
  switch (method) {
  case CVX_SGD_METHOD_SGD:
    return "sgd";
  case CVX_SGD_METHOD_MOMENTUM:
    return "momentum";
  case CVX_SGD_METHOD_ADAM:
    return "adam";
  case CVX_SGD_METHOD_LMVM:
    return "lmvm";
  }
  return "unknown";
}

const char *CvxSgdScheduleName(CvxSgdSchedule schedule)
{
  switch (schedule) {
  case CVX_SGD_SCHEDULE_CONSTANT:
    return "constant";
  case CVX_SGD_SCHEDULE_EXPONENTIAL:
    return "exponential";
  case CVX_SGD_SCHEDULE_STEP:
    return "step";
  }
  return "unknown";
}

const char *CvxSgdStatusName(CvxSgdStatus status)
{
  switch (status) {
  case CVX_SGD_STATUS_COMPLETED:
    return "completed";
  case CVX_SGD_STATUS_CONVERGED:
    return "converged";
  case CVX_SGD_STATUS_DIVERGED:
    return "diverged";
  case CVX_SGD_STATUS_STOPPED:
    return "stopped";
  case CVX_SGD_STATUS_INTERRUPTED:
    return "interrupted";
  case CVX_SGD_STATUS_NOT_RUN:
    return "not_run";
  }
  return "unknown";
}

double CvxSgdLearningRate(const CvxSgdOptions *opts, PetscInt epoch)
{
  switch (opts->schedule) {
  case CVX_SGD_SCHEDULE_EXPONENTIAL:
    return opts->lr * pow(opts->decay, (double)epoch);
  case CVX_SGD_SCHEDULE_STEP:
    return opts->lr * pow(opts->decay, (double)(epoch / opts->step_epochs));
  case CVX_SGD_SCHEDULE_CONSTANT:
  default:
    return opts->lr;
  }
}

PetscInt CvxSgdJobCount(const CvxSgdOptions *opts)
{
  return opts->n_widths * opts->trials;
}

PetscErrorCode CvxSgdJobGet(const CvxSgdOptions *opts, PetscInt k, PetscInt *width, PetscInt *trial)
{
  PetscFunctionBeginUser;
  PetscCheck(k >= 0 && k < CvxSgdJobCount(opts), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "sgd: job %d out of range [0, %d)", (int)k, (int)CvxSgdJobCount(opts));
  *width = opts->widths[k / opts->trials];
  *trial = k % opts->trials;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdInitialize(uint64_t seed, PetscInt d, PetscInt m, PetscInt trial, double *theta)
{
  CvxRng       rng;
  const double bu = 1.0 / sqrt((double)d), ba = 1.0 / sqrt((double)m);

  PetscFunctionBeginUser;
  PetscCheck(d >= 1 && m >= 1 && trial >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "sgd: cannot initialize d = %d, m = %d, trial = %d", (int)d, (int)m, (int)trial);
  CvxRngInit(&rng, seed, CVX_STREAM_SGD, ((uint64_t)m << 32) | (uint64_t)trial, CVX_SGD_SUBITEM_INIT);
  for (size_t k = 0; k < (size_t)d * (size_t)m; k++)
    theta[k] = bu * (2.0 * CvxRngUniform(&rng) - 1.0);
  for (PetscInt j = 0; j < m; j++)
    theta[(size_t)d * m + j] = ba * (2.0 * CvxRngUniform(&rng) - 1.0);
  PetscFunctionReturn(0);
}

PetscInt CvxSgdBlockRows(PetscInt n, PetscInt d, PetscInt m)
{
  PetscInt width = PetscMax(d, m), rows = CVX_SGD_BLOCK_DOUBLES / PetscMax(width, 1);
  rows = PetscMax(rows, CVX_SGD_BLOCK_MIN);
  return PetscMax(PetscMin(rows, n), 1);
}

PetscErrorCode CvxSgdWorkCreate(PetscInt d, PetscInt m, PetscInt cap, CvxSgdWork *w)
{
  PetscFunctionBeginUser;
  PetscCheck(d >= 1 && m >= 1 && cap >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "sgd: workspace for d = %d, m = %d, %d rows", (int)d, (int)m, (int)cap);
  w->d          = d;
  w->m          = m;
  w->cap        = cap;
  w->panel_rows = 0;
  w->panel      = NULL;
  w->yb         = NULL;
  PetscCall(PetscMalloc2((size_t)cap * m, &w->H, cap, &w->r));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdWorkDestroy(CvxSgdWork *w)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(w->H, w->r));
  PetscCall(PetscFree2(w->panel, w->yb));
  PetscCall(PetscMemzero(w, sizeof(*w)));
  PetscFunctionReturn(0);
}

double CvxSgdSquaredNorm(PetscInt count, const double *theta)
{
  double s = 0.0;
  for (PetscInt k = 0; k < count; k++)
    s += theta[k] * theta[k];
  return s;
}

PetscErrorCode CvxSgdWorkEvaluate(CvxSgdWork *w, PetscInt n, const double *X, const double *y, PetscInt b,
                                  const PetscInt *rows, const double *theta, double *loss, PetscInt *correct,
                                  double *grad_data)
{
  const PetscInt d = w->d, m = w->m, blk = CvxSgdBlockRows(b, d, m);
  const double  *U = theta, *a = theta + (size_t)d * m;
  double        *H = w->H, *r = w->r, *ga = grad_data ? grad_data + (size_t)d * m : NULL;
  double         lsum     = 0.0;
  PetscInt       ncorrect = 0;

  PetscFunctionBeginUser;
  PetscCheck(b >= 1 && b <= n && blk <= w->cap, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "sgd: batch of %d rows of %d with a workspace of %d rows", (int)b, (int)n, (int)w->cap);
  if (ga) PetscCall(PetscArrayzero(ga, m));
  if (rows && w->panel_rows < blk) { /* gathered rows need a panel: allocated on first use */
    PetscCall(PetscFree2(w->panel, w->yb));
    PetscCall(PetscMalloc2((size_t)blk * d, &w->panel, blk, &w->yb));
    w->panel_rows = blk;
  }
  for (PetscInt i0 = 0; i0 < b; i0 += blk) {
    const PetscInt nb = PetscMin(blk, b - i0);
    const double  *P, *yb;
    PetscInt       ldp;

    if (rows) {
      for (PetscInt j = 0; j < d; j++) {
        const double *col = X + (size_t)j * n;
        double       *dst = w->panel + (size_t)j * nb;
        for (PetscInt i = 0; i < nb; i++)
          dst[i] = col[rows[i0 + i]];
      }
      for (PetscInt i = 0; i < nb; i++)
        w->yb[i] = y[rows[i0 + i]];
      P   = w->panel;
      ldp = nb;
      yb  = w->yb;
    } else {
      P   = X + i0;
      ldp = n;
      yb  = y + i0;
    }
    /* H = P U (nb x m), then relu in place and out = relu(H) a. A NaN in H
     * stays NaN so that divergence shows in the loss. */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)m, (int)d, 1.0, P, (int)ldp, U, (int)d, 0.0, H,
                (int)nb);
    PetscCall(PetscArrayzero(r, nb));
    for (PetscInt j = 0; j < m; j++) {
      double      *Hj = H + (size_t)j * nb;
      const double aj = a[j];
      for (PetscInt i = 0; i < nb; i++) {
        const double h = Hj[i] <= 0.0 ? 0.0 : Hj[i];
        Hj[i]          = h;
        r[i] += h * aj;
      }
    }
    for (PetscInt i = 0; i < nb; i++) {
      const double out = r[i];
      if ((out >= 0.0 ? 1.0 : -1.0) == yb[i]) ncorrect++;
      r[i] = out - yb[i];
      lsum += r[i] * r[i];
    }
    if (!grad_data) continue;
    /* grad_a = relu(H)^T r, four columns at a time (independent sums, each
     * in row order). */
    {
      PetscInt j = 0;
      for (; j + 4 <= m; j += 4) {
        const double *H0 = H + (size_t)j * nb, *H1 = H0 + nb, *H2 = H1 + nb, *H3 = H2 + nb;
        double        s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        for (PetscInt i = 0; i < nb; i++) {
          const double ri = r[i];
          s0 += H0[i] * ri;
          s1 += H1[i] * ri;
          s2 += H2[i] * ri;
          s3 += H3[i] * ri;
        }
        ga[j] += s0;
        ga[j + 1] += s1;
        ga[j + 2] += s2;
        ga[j + 3] += s3;
      }
      for (; j < m; j++) {
        const double *Hj = H + (size_t)j * nb;
        double        s  = 0.0;
        for (PetscInt i = 0; i < nb; i++)
          s += Hj[i] * r[i];
        ga[j] += s;
      }
    }
    /* H <- mask o (r 1^T): the a_j factor is applied to grad_U's columns at
     * the end (grad_U = (P^T (mask o r 1^T)) diag(a)). */
    for (PetscInt j = 0; j < m; j++) {
      double *restrict Hj       = H + (size_t)j * nb;
      const double *restrict rr = r;
      for (PetscInt i = 0; i < nb; i++)
        Hj[i] = Hj[i] > 0.0 ? rr[i] : 0.0;
    }
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)d, (int)m, (int)nb, 1.0, P, (int)ldp, H, (int)nb,
                i0 == 0 ? 0.0 : 1.0, grad_data, (int)d);
  }
  if (grad_data)
    for (PetscInt j = 0; j < m; j++) {
      double *gu = grad_data + (size_t)j * d;
      for (PetscInt k = 0; k < d; k++)
        gu[k] *= a[j];
    }
  *loss = 0.5 * lsum;
  if (correct) *correct = ncorrect;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdObjective(PetscInt n, PetscInt d, const double *X, const double *y, PetscBool classification,
                               PetscInt m, const double *theta, double beta, double *objective, double *accuracy)
{
  CvxSgdWork w;
  double     loss;
  PetscInt   correct;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && d >= 1 && m >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "sgd: objective of n = %d, d = %d, m = %d", (int)n, (int)d, (int)m);
  PetscCall(CvxSgdWorkCreate(d, m, CvxSgdBlockRows(n, d, m), &w));
  PetscCall(CvxSgdWorkEvaluate(&w, n, X, y, n, NULL, theta, &loss, &correct, NULL));
  PetscCall(CvxSgdWorkDestroy(&w));
  if (objective) *objective = loss + 0.5 * beta * CvxSgdSquaredNorm((d + 1) * m, theta);
  if (accuracy) *accuracy = classification ? (double)correct / (double)n : NAN;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdBatchGradient(PetscInt n, PetscInt d, const double *X, const double *y, PetscInt m,
                                   const double *theta, double beta, PetscInt b, const PetscInt *rows, double *estimate,
                                   double *grad)
{
  CvxSgdWork     w;
  double         loss, scale;
  const PetscInt p = (d + 1) * m;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && d >= 1 && m >= 1 && b >= 1 && b <= n, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "sgd: gradient of n = %d, d = %d, m = %d, b = %d", (int)n, (int)d, (int)m, (int)b);
  PetscCall(CvxSgdWorkCreate(d, m, CvxSgdBlockRows(b, d, m), &w));
  PetscCall(CvxSgdWorkEvaluate(&w, n, X, y, b, rows, theta, &loss, NULL, grad));
  PetscCall(CvxSgdWorkDestroy(&w));
  scale = (double)n / (double)b;
  for (PetscInt k = 0; k < p; k++)
    grad[k] = scale * grad[k] + beta * theta[k];
  if (estimate) *estimate = scale * loss + 0.5 * beta * CvxSgdSquaredNorm(p, theta);
  PetscFunctionReturn(0);
}
