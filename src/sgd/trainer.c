/* One job: the optimizers (SGD, heavy-ball momentum, Adam, TAO LMVM), the
 * minibatch order and the trace. */
#include "sgd/sgdimpl.h"

#include "core/error.h"
#include "core/rng.h"
#include "core/timer.h"

#include <math.h>
#include <petsctao.h>

struct _p_CvxSgdTrainer {
  CvxSgdProblem prob;
  CvxSgdOptions opts;
  PetscInt      m, trial, p;
  PetscInt      b, batches;             /* rows per minibatch, minibatches per epoch */
  PetscBool     shuffled;               /* the order is a fresh permutation every epoch */
  double       *theta, *grad, *s1, *s2; /* parameters, gradient, optimizer state */
  PetscInt     *order;                  /* this epoch's row order */
  CvxRng        order_rng;
  CvxSgdWork    work;
  PetscInt64    iteration;          /* updates made */
  PetscInt      epoch;              /* epochs completed */
  PetscInt      batch;              /* next minibatch within the epoch */
  PetscInt      last_start, last_b; /* rows of the most recent minibatch */
  PetscInt64    adam_t;
};

/* State of one run: timing, best value, last rows. */
typedef struct {
  CvxSgdTrainer      tr;
  const CvxSgdSinks *sinks;
  double             t0, best;
  PetscInt64         last_recorded;
  PetscInt64         last_tested; /* epoch of the last test row, -1 before the first */
  double             last_objective, last_accuracy;
  PetscBool          interrupted; /* opts.interrupted asked for a stop */
} RunCtx;

static PetscBool RunInterrupted(RunCtx *ctx)
{
  int (*fn)(void) = ctx->tr->opts.interrupted;
  if (fn && (*fn)()) ctx->interrupted = PETSC_TRUE;
  return ctx->interrupted;
}

PetscErrorCode CvxSgdTrainerCreate(const CvxSgdProblem *prob, const CvxSgdOptions *opts, PetscInt width, PetscInt trial,
                                   CvxSgdTrainer *out)
{
  CvxSgdTrainer tr;
  PetscInt      cap;

  PetscFunctionBeginUser;
  PetscCall(CvxSgdOptionsValidate(opts, prob));
  PetscCheck(width >= 1 && trial >= 0, PETSC_COMM_SELF, CVX_ERR_INPUT, "sgd: job width %d, trial %d", (int)width,
             (int)trial);
  PetscCheck((PetscInt64)(prob->d + 1) * width <= (PetscInt64)PETSC_MAX_INT / 4, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "sgd: width %d is too large for %d columns", (int)width, (int)prob->d);
  PetscCall(PetscNew(&tr));
  tr->prob     = *prob;
  tr->opts     = *opts;
  tr->m        = width;
  tr->trial    = trial;
  tr->p        = (prob->d + 1) * width;
  tr->b        = (opts->batch_size == 0 || opts->method == CVX_SGD_METHOD_LMVM) ? prob->n : opts->batch_size;
  tr->batches  = (prob->n + tr->b - 1) / tr->b;
  tr->shuffled = (opts->shuffle && tr->b < prob->n) ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscCalloc4(tr->p, &tr->theta, tr->p, &tr->grad, tr->p, &tr->s1, tr->p, &tr->s2));
  PetscCall(PetscMalloc1(prob->n, &tr->order));
  for (PetscInt i = 0; i < prob->n; i++)
    tr->order[i] = i;
  cap = CvxSgdBlockRows(PetscMax(prob->n, prob->n_test), prob->d, width);
  PetscCall(CvxSgdWorkCreate(prob->d, width, cap, &tr->work));
  PetscCall(CvxSgdInitialize(opts->seed, prob->d, width, trial, tr->theta));
  CvxRngInit(&tr->order_rng, opts->seed, CVX_STREAM_SGD, ((uint64_t)width << 32) | (uint64_t)trial,
             CVX_SGD_SUBITEM_ORDER);
  tr->last_b = 0;
  *out       = tr;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdTrainerDestroy(CvxSgdTrainer *tr)
{
  PetscFunctionBeginUser;
  if (!*tr) PetscFunctionReturn(0);
  PetscCall(CvxSgdWorkDestroy(&(*tr)->work));
  PetscCall(PetscFree4((*tr)->theta, (*tr)->grad, (*tr)->s1, (*tr)->s2));
  PetscCall(PetscFree((*tr)->order));
  PetscCall(PetscFree(*tr));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdTrainerGetParameters(CvxSgdTrainer tr, double **theta, PetscInt *count)
{
  PetscFunctionBeginUser;
  if (theta) *theta = tr->theta;
  if (count) *count = tr->p;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdTrainerGetState(CvxSgdTrainer tr, const PetscInt **rows, PetscInt *b, PetscInt64 *iteration,
                                     PetscInt *epoch)
{
  PetscFunctionBeginUser;
  if (rows) *rows = tr->last_b ? tr->order + tr->last_start : NULL;
  if (b) *b = tr->last_b;
  if (iteration) *iteration = tr->iteration;
  if (epoch) *epoch = tr->epoch;
  PetscFunctionReturn(0);
}

/* A fresh permutation of the rows (Fisher-Yates on the identity). */
static void TrainerShuffle(CvxSgdTrainer tr)
{
  const PetscInt n = tr->prob.n;
  for (PetscInt i = 0; i < n; i++)
    tr->order[i] = i;
  for (PetscInt i = n - 1; i > 0; i--) {
    PetscInt j = (PetscInt)(CvxRngUniform(&tr->order_rng) * (double)(i + 1));
    if (j > i) j = i;
    PetscInt t   = tr->order[i];
    tr->order[i] = tr->order[j];
    tr->order[j] = t;
  }
}

PetscErrorCode CvxSgdTrainerStep(CvxSgdTrainer tr, double *estimate)
{
  const CvxSgdOptions *o = &tr->opts;
  const PetscInt       n = tr->prob.n, p = tr->p;
  double              *th = tr->theta, *g = tr->grad, loss, scale, lr;
  PetscInt             start, nb;

  PetscFunctionBeginUser;
  PetscCheck(o->method != CVX_SGD_METHOD_LMVM, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "sgd: LMVM runs through CvxSgdTrainerRun, not step by step");
  if (tr->batch == 0 && tr->shuffled) TrainerShuffle(tr);
  start = tr->batch * tr->b;
  nb    = PetscMin(tr->b, n - start);
  if (tr->shuffled)
    PetscCall(CvxSgdWorkEvaluate(&tr->work, n, tr->prob.X, tr->prob.y, nb, tr->order + start, th, &loss, NULL, g));
  else /* rows start..start+nb-1 in place: no gather */
    PetscCall(CvxSgdWorkEvaluate(&tr->work, n, tr->prob.X + start, tr->prob.y + start, nb, NULL, th, &loss, NULL, g));
  scale = (double)n / (double)nb;
  if (estimate) *estimate = scale * loss + 0.5 * o->beta * CvxSgdSquaredNorm(p, th);
  for (PetscInt k = 0; k < p; k++)
    g[k] = scale * g[k] + o->beta * th[k];

  lr = CvxSgdLearningRate(o, tr->epoch);
  switch (o->method) {
  case CVX_SGD_METHOD_SGD:
    for (PetscInt k = 0; k < p; k++)
      th[k] -= lr * g[k];
    break;
  case CVX_SGD_METHOD_MOMENTUM: /* buf = momentum buf + g (buf = g at the first step); theta -= lr buf */
    for (PetscInt k = 0; k < p; k++) {
      tr->s1[k] = o->momentum * tr->s1[k] + g[k];
      th[k] -= lr * tr->s1[k];
    }
    break;
  case CVX_SGD_METHOD_ADAM: {
    tr->adam_t++;
    const double bc1 = 1.0 - pow(o->beta1, (double)tr->adam_t), bc2 = 1.0 - pow(o->beta2, (double)tr->adam_t);
    const double step = lr / bc1, sbc2 = sqrt(bc2);
    for (PetscInt k = 0; k < p; k++) {
      tr->s1[k] = o->beta1 * tr->s1[k] + (1.0 - o->beta1) * g[k];
      tr->s2[k] = o->beta2 * tr->s2[k] + (1.0 - o->beta2) * g[k] * g[k];
      th[k] -= step * tr->s1[k] / (sqrt(tr->s2[k]) / sbc2 + o->eps);
    }
  } break;
  case CVX_SGD_METHOD_LMVM:
    break;
  }
  tr->last_start = start;
  tr->last_b     = nb;
  tr->iteration++;
  if (++tr->batch == tr->batches) {
    tr->batch = 0;
    tr->epoch++;
  }
  PetscFunctionReturn(0);
}

/* Emits a trace row for the current parameters (exact full-batch p1). */
static PetscErrorCode RunRecord(RunCtx *ctx)
{
  CvxSgdTrainer  tr = ctx->tr;
  CvxSgdTraceRow row;
  double         loss;
  PetscInt       correct;

  PetscFunctionBeginUser;
  PetscCall(CvxSgdWorkEvaluate(&tr->work, tr->prob.n, tr->prob.X, tr->prob.y, tr->prob.n, NULL, tr->theta, &loss,
                               &correct, NULL));
  row.width     = tr->m;
  row.trial     = tr->trial;
  row.iteration = tr->iteration;
  row.epoch     = (double)tr->iteration / (double)tr->batches;
  row.time      = CvxWallTime() - ctx->t0;
  row.objective = loss + 0.5 * tr->opts.beta * CvxSgdSquaredNorm(tr->p, tr->theta);
  row.accuracy  = tr->prob.classification ? (double)correct / (double)tr->prob.n : NAN;
  if (row.objective < ctx->best) ctx->best = row.objective;
  ctx->last_recorded  = tr->iteration;
  ctx->last_objective = row.objective;
  ctx->last_accuracy  = row.accuracy;
  if (ctx->sinks && ctx->sinks->trace) PetscCall(ctx->sinks->trace(ctx->sinks->ctx, &row));
  PetscFunctionReturn(0);
}

/* p1 and accuracy on the test set for the current parameters. */
static PetscErrorCode RunTestMetrics(CvxSgdTrainer tr, double *objective, double *accuracy)
{
  double   loss;
  PetscInt correct;

  PetscFunctionBeginUser;
  PetscCall(CvxSgdWorkEvaluate(&tr->work, tr->prob.n_test, tr->prob.Xtest, tr->prob.ytest, tr->prob.n_test, NULL,
                               tr->theta, &loss, &correct, NULL));
  *objective = loss + 0.5 * tr->opts.beta * CvxSgdSquaredNorm(tr->p, tr->theta);
  *accuracy  = tr->prob.classification ? (double)correct / (double)tr->prob.n_test : NAN;
  PetscFunctionReturn(0);
}

static PetscErrorCode RunTestRow(RunCtx *ctx, PetscInt64 epoch)
{
  CvxSgdTrainer tr = ctx->tr;
  CvxSgdTestRow row;

  PetscFunctionBeginUser;
  ctx->last_tested = epoch;
  if (tr->prob.n_test == 0) PetscFunctionReturn(0);
  row.width = tr->m;
  row.trial = tr->trial;
  row.epoch = epoch;
  PetscCall(RunTestMetrics(tr, &row.objective, &row.accuracy));
  if (ctx->sinks && ctx->sinks->test) PetscCall(ctx->sinks->test(ctx->sinks->ctx, &row));
  PetscFunctionReturn(0);
}

static PetscErrorCode LmvmObjectiveGradient(Tao tao, Vec x, PetscReal *f, Vec g, void *ptr)
{
  CvxSgdTrainer      tr = (CvxSgdTrainer)ptr;
  const PetscScalar *xa;
  PetscScalar       *ga;
  double             loss;

  PetscFunctionBeginUser;
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(VecGetArray(g, &ga));
  PetscCall(CvxSgdWorkEvaluate(&tr->work, tr->prob.n, tr->prob.X, tr->prob.y, tr->prob.n, NULL, xa, &loss, NULL, ga));
  for (PetscInt k = 0; k < tr->p; k++)
    ga[k] += tr->opts.beta * xa[k];
  *f = loss + 0.5 * tr->opts.beta * CvxSgdSquaredNorm(tr->p, xa);
  PetscCall(VecRestoreArray(g, &ga));
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscFunctionReturn(0);
}

/* Called by TAO at iteration 0 and after every iteration. The solution
 * vector wraps tr->theta, so the rows are taken from it directly. */
static PetscErrorCode LmvmMonitor(Tao tao, void *ptr)
{
  RunCtx       *ctx = (RunCtx *)ptr;
  CvxSgdTrainer tr  = ctx->tr;
  PetscInt      its;
  PetscReal     f;

  PetscFunctionBeginUser;
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, NULL, NULL, NULL, NULL));
  tr->iteration = its;
  tr->epoch     = its;
  if (f < ctx->best) ctx->best = f;
  /* one update per epoch: test rows with the trace rows (and the last) */
  if (its % tr->opts.record_every == 0) {
    PetscCall(RunRecord(ctx));
    PetscCall(RunTestRow(ctx, its));
  }
  if (RunInterrupted(ctx)) PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunLmvm(RunCtx *ctx, CvxSgdResult *res)
{
  CvxSgdTrainer      tr = ctx->tr;
  Tao                tao;
  Vec                x;
  TaoConvergedReason reason;
  PetscInt           its;

  PetscFunctionBeginUser;
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, tr->p, tr->theta, &x));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetType(tao, TAOLMVM));
  PetscCall(TaoSetOptionsPrefix(tao, "sgd_"));
  PetscCall(TaoSetSolution(tao, x));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, LmvmObjectiveGradient, tr));
  PetscCall(TaoSetTolerances(tao, tr->opts.gatol, 0.0, 0.0));
  PetscCall(TaoSetMaximumIterations(tao, tr->opts.epochs));
  PetscCall(TaoSetMaximumFunctionEvaluations(tao, PETSC_MAX_INT));
  PetscCall(TaoSetMonitor(tao, LmvmMonitor, ctx, NULL));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetConvergedReason(tao, &reason));
  PetscCall(TaoGetIterationNumber(tao, &its));
  PetscCall(TaoDestroy(&tao));
  PetscCall(VecDestroy(&x));
  tr->iteration = its;
  tr->epoch     = its;
  if (ctx->last_recorded != its) PetscCall(RunRecord(ctx));
  if (ctx->last_tested != its && isfinite(ctx->last_objective)) PetscCall(RunTestRow(ctx, its));
  res->tao_reason = (PetscInt)reason;
  if (ctx->interrupted && reason == TAO_CONVERGED_USER)
    res->status = CVX_SGD_STATUS_INTERRUPTED;
  else if (reason == TAO_CONVERGED_GATOL)
    res->status = CVX_SGD_STATUS_CONVERGED;
  else if (reason == TAO_DIVERGED_MAXITS)
    res->status = CVX_SGD_STATUS_COMPLETED;
  else if (reason == TAO_DIVERGED_NAN || !isfinite(ctx->last_objective))
    res->status = CVX_SGD_STATUS_DIVERGED;
  else
    res->status = CVX_SGD_STATUS_STOPPED;
  PetscFunctionReturn(0);
}

static PetscErrorCode RunFirstOrder(RunCtx *ctx, CvxSgdResult *res)
{
  CvxSgdTrainer    tr    = ctx->tr;
  const PetscInt64 total = (PetscInt64)tr->opts.epochs * tr->batches;
  const PetscBool  full  = tr->b == tr->prob.n ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBeginUser;
  res->status     = CVX_SGD_STATUS_COMPLETED;
  res->tao_reason = 0;
  PetscCall(RunRecord(ctx));
  PetscCall(RunTestRow(ctx, 0));
  while (tr->iteration < total) {
    double est;

    PetscCall(CvxSgdTrainerStep(tr, &est));
    /* A full-batch estimate is the exact p1 of the iterate before the update. */
    if (full && est < ctx->best) ctx->best = est;
    if (!isfinite(est)) {
      res->status = CVX_SGD_STATUS_DIVERGED;
      break;
    }
    if (tr->iteration % tr->opts.record_every == 0 || tr->iteration == total) PetscCall(RunRecord(ctx));
    /* a test row after every epoch; with one update per epoch (full
     * batch) only with the trace rows, every record_every epochs */
    if (tr->batch == 0 && (tr->batches > 1 || tr->iteration % tr->opts.record_every == 0))
      PetscCall(RunTestRow(ctx, tr->epoch));
    if (tr->iteration < total && RunInterrupted(ctx)) {
      res->status = CVX_SGD_STATUS_INTERRUPTED;
      break;
    }
  }
  if (ctx->last_recorded != tr->iteration) PetscCall(RunRecord(ctx));
  /* and the final parameters' (after the last whole epoch) */
  if (res->status != CVX_SGD_STATUS_DIVERGED && tr->batch == 0 && ctx->last_tested != tr->epoch)
    PetscCall(RunTestRow(ctx, tr->epoch));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdTrainerRun(CvxSgdTrainer tr, const CvxSgdSinks *sinks, CvxSgdResult *result)
{
  RunCtx       ctx;
  CvxSgdResult res;

  PetscFunctionBeginUser;
  PetscCheck(tr->iteration == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "sgd: a trainer runs once, before any step (it has made %lld)", (long long)tr->iteration);
  PetscCall(PetscMemzero(&res, sizeof(res)));
  ctx.tr             = tr;
  ctx.sinks          = sinks;
  ctx.t0             = CvxWallTime();
  ctx.best           = PETSC_INFINITY;
  ctx.last_recorded  = -1;
  ctx.last_tested    = -1;
  ctx.last_objective = NAN;
  ctx.last_accuracy  = NAN;
  ctx.interrupted    = PETSC_FALSE;
  if (tr->opts.method == CVX_SGD_METHOD_LMVM)
    PetscCall(RunLmvm(&ctx, &res));
  else
    PetscCall(RunFirstOrder(&ctx, &res));
  res.width          = tr->m;
  res.trial          = tr->trial;
  res.iterations     = tr->iteration;
  res.epochs         = (double)tr->iteration / (double)tr->batches;
  res.objective      = ctx.last_objective;
  res.best_objective = ctx.best < PETSC_INFINITY ? ctx.best : NAN;
  res.accuracy       = ctx.last_accuracy;
  res.test_objective = NAN;
  res.test_accuracy  = NAN;
  if (tr->prob.n_test > 0) PetscCall(RunTestMetrics(tr, &res.test_objective, &res.test_accuracy));
  res.time = CvxWallTime() - ctx.t0;
  if (sinks && sinks->result) PetscCall(sinks->result(sinks->ctx, &res));
  if (result) *result = res;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdJobSkip(PetscInt width, PetscInt trial, const CvxSgdSinks *sinks, CvxSgdResult *result)
{
  CvxSgdResult res;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&res, sizeof(res)));
  res.width          = width;
  res.trial          = trial;
  res.objective      = NAN;
  res.best_objective = NAN;
  res.accuracy       = NAN;
  res.test_objective = NAN;
  res.test_accuracy  = NAN;
  res.status         = CVX_SGD_STATUS_NOT_RUN;
  if (sinks && sinks->result) PetscCall(sinks->result(sinks->ctx, &res));
  if (result) *result = res;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdJobRun(const CvxSgdProblem *prob, const CvxSgdOptions *opts, PetscInt width, PetscInt trial,
                            const CvxSgdSinks *sinks, CvxSgdResult *result)
{
  CvxSgdTrainer tr;

  PetscFunctionBeginUser;
  PetscCall(CvxSgdTrainerCreate(prob, opts, width, trial, &tr));
  PetscCall(CvxSgdTrainerRun(tr, sinks, result));
  PetscCall(CvxSgdTrainerDestroy(&tr));
  PetscFunctionReturn(0);
}
