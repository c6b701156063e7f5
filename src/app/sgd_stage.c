/* The SGD stage of a run: the pool's options from the config, the files rank
 * 0 writes from the rows it receives, and the per-width summary. */
#include "app/run.h"

#include "core/error.h"
#include "core/stop.h"
#include "core/timer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

PetscErrorCode CvxRunSgdOptions(const CvxRun *run, CvxSgdOptions *o, CvxSgdProblem *p)
{
  const CvxConfig *cfg = &run->cfg;

  PetscFunctionBeginUser;
  PetscCall(CvxSgdOptionsSetDefaults(o));
  o->n_widths = cfg->sgd.n_widths;
  for (PetscInt i = 0; i < cfg->sgd.n_widths; i++) o->widths[i] = cfg->sgd.widths[i];
  o->trials = cfg->sgd.trials;
  switch (cfg->sgd.optimizer) {
  case CVX_OPT_SGD: o->method = CVX_SGD_METHOD_SGD; break;
  case CVX_OPT_MOMENTUM: o->method = CVX_SGD_METHOD_MOMENTUM; break;
  case CVX_OPT_ADAM: o->method = CVX_SGD_METHOD_ADAM; break;
  case CVX_OPT_LMVM: o->method = CVX_SGD_METHOD_LMVM; break;
  }
  switch (cfg->sgd.schedule) {
  case CVX_SCHED_CONSTANT: o->schedule = CVX_SGD_SCHEDULE_CONSTANT; break;
  case CVX_SCHED_EXPONENTIAL: o->schedule = CVX_SGD_SCHEDULE_EXPONENTIAL; break;
  case CVX_SCHED_STEP: o->schedule = CVX_SGD_SCHEDULE_STEP; break;
  }
  o->lr           = cfg->sgd.lr;
  o->momentum     = cfg->sgd.momentum;
  o->beta1        = cfg->sgd.beta1;
  o->beta2        = cfg->sgd.beta2;
  o->eps          = cfg->sgd.eps;
  o->epochs       = cfg->sgd.epochs;
  o->batch_size   = cfg->sgd.batch_size;
  o->decay        = cfg->sgd.decay;
  o->step_epochs  = cfg->sgd.step_epochs;
  o->record_every = cfg->sgd.record_every;
  o->shuffle      = cfg->sgd.shuffle;
  o->seed         = (uint64_t)cfg->run.seed;
  o->beta         = cfg->model.beta;
  o->gatol        = cfg->sgd.gatol;
  o->interrupted  = CvxStopRequested;

  memset(p, 0, sizeof(*p));
  p->n              = run->data.n;
  p->d              = run->data.d;
  p->X              = run->data.X;
  p->y              = run->data.y;
  p->n_test         = run->data.n_test;
  p->Xtest          = run->data.Xtest;
  p->ytest          = run->data.ytest;
  p->classification = run->data.classification;
  PetscFunctionReturn(0);
}

static PetscErrorCode SinkTrace(void *ctx, const CvxSgdTraceRow *r)
{
  CvxRun *run = (CvxRun *)ctx;
  FILE   *fp  = run->sgd_trace.fp;

  PetscFunctionBeginUser;
  fprintf(fp, "%d,%d,%lld,", (int)r->width, (int)r->trial, (long long)r->iteration);
  CvxPrintDouble(fp, r->epoch, PETSC_FALSE);
  fprintf(fp, ",%.6f,", r->time);
  CvxPrintDouble(fp, r->objective, PETSC_FALSE);
  fputc(',', fp);
  CvxPrintDouble(fp, r->accuracy, PETSC_FALSE);
  fputc('\n', fp);
  PetscFunctionReturn(0);
}

static PetscErrorCode SinkTest(void *ctx, const CvxSgdTestRow *r)
{
  CvxRun *run = (CvxRun *)ctx;
  FILE   *fp  = run->sgd_test.fp;

  PetscFunctionBeginUser;
  fprintf(fp, "%d,%d,%lld,", (int)r->width, (int)r->trial, (long long)r->epoch);
  CvxPrintDouble(fp, r->objective, PETSC_FALSE);
  fputc(',', fp);
  CvxPrintDouble(fp, r->accuracy, PETSC_FALSE);
  fputc('\n', fp);
  PetscFunctionReturn(0);
}

/* Index of job (width, trial) in the order of CvxSgdJobGet. */
static PetscInt JobIndex(const CvxConfig *cfg, PetscInt width, PetscInt trial)
{
  for (PetscInt i = 0; i < cfg->sgd.n_widths; i++)
    if (cfg->sgd.widths[i] == width) return i * cfg->sgd.trials + trial;
  return -1;
}

static PetscErrorCode SinkResult(void *ctx, const CvxSgdResult *r)
{
  CvxRun *run = (CvxRun *)ctx;
  FILE   *fp  = run->sgd_results.fp;
  PetscInt k  = JobIndex(&run->cfg, r->width, r->trial);

  PetscFunctionBeginUser;
  PetscCheck(k >= 0 && k < run->sgd_job_count, PETSC_COMM_SELF, PETSC_ERR_PLIB, "sgd result for unknown job (m %d, trial %d)",
             (int)r->width, (int)r->trial);
  run->sgd_jobs[k] = *r;
  run->sgd_jobs_received++;
  fprintf(fp, "%d,%d,%lld,", (int)r->width, (int)r->trial, (long long)r->iterations);
  const double v[7] = {r->epochs, r->objective, r->best_objective, r->accuracy, r->test_objective, r->test_accuracy,
                       r->time};
  for (int i = 0; i < 7; i++) {
    CvxPrintDouble(fp, v[i], PETSC_FALSE);
    fputc(',', fp);
  }
  fprintf(fp, "%s\n", CvxSgdStatusName(r->status));
  if (run->cfg.logging.level != CVX_LOG_QUIET && r->status == CVX_SGD_STATUS_NOT_RUN) {
    fprintf(stderr, "sgd: job %d/%d not run (stop requested): m = %d, trial %d\n", (int)run->sgd_jobs_received,
            (int)run->sgd_job_count, (int)r->width, (int)r->trial);
  } else if (run->cfg.logging.level != CVX_LOG_QUIET) {
    fprintf(stderr, "sgd: job %d/%d done: m = %d, trial %d, objective %.6e (best %.6e), %lld iterations, %.2f s%s\n",
            (int)run->sgd_jobs_received, (int)run->sgd_job_count, (int)r->width, (int)r->trial, r->objective,
            r->best_objective, (long long)r->iterations, r->time,
            r->status == CVX_SGD_STATUS_DIVERGED      ? " (diverged)"
            : r->status == CVX_SGD_STATUS_INTERRUPTED ? " (interrupted)"
                                                      : "");
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CvxRunSgdBegin(CvxRun *run)
{
  CvxSgdSinks sinks;
  CvxSgdOptions o;
  CvxSgdProblem p;

  PetscFunctionBeginUser;
  PetscCall(CvxRunSgdOptions(run, &o, &p));
  run->sgd_job_count = CvxSgdJobCount(&o);
  PetscCall(PetscCalloc1(run->sgd_job_count, &run->sgd_jobs));
  PetscCall(CvxOutFileOpen(run->dir, "sgd_trace.csv", &run->sgd_trace));
  fprintf(run->sgd_trace.fp, "width,trial,iteration,epoch,time,objective,accuracy\n");
  PetscCall(CvxOutFileOpen(run->dir, "sgd_test.csv", &run->sgd_test));
  fprintf(run->sgd_test.fp, "width,trial,epoch,objective,accuracy\n");
  PetscCall(CvxOutFileOpen(run->dir, "sgd_results.csv", &run->sgd_results));
  fprintf(run->sgd_results.fp,
          "width,trial,iterations,epochs,objective,best_objective,accuracy,test_objective,test_accuracy,time,status\n");
  sinks.trace  = SinkTrace;
  sinks.test   = SinkTest;
  sinks.result = SinkResult;
  sinks.ctx    = run;
  /* Every pool rank but rank 0 itself sends an end-of-work message. */
  PetscMPIInt senders = run->sgd_ranks - (run->sgd_comm != MPI_COMM_NULL ? 1 : 0);
  PetscCall(CvxSgdReceiverCreate(run->link, senders, &sinks, &run->sgd_recv));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxRunSgdPoll(void *ctx)
{
  CvxRun *run = (CvxRun *)ctx;

  PetscFunctionBeginUser;
  if (run->sgd_recv) PetscCall(CvxSgdReceiverPoll(run->sgd_recv, PETSC_FALSE, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxRunSgdPool(CvxRun *run)
{
  CvxSgdOptions o;
  CvxSgdProblem p;
  double        t0 = CvxWallTime();

  PetscFunctionBeginUser;
  PetscCall(CvxRunSgdOptions(run, &o, &p));
  PetscCall(CvxSgdOptionsValidate(&o, &p));
  PetscCall(CvxSgdPoolRun(run->sgd_comm, run->link, &p, &o, run->rank == 0 ? run->sgd_recv : NULL));
  run->t_sgd = CvxWallTime() - t0;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxRunSgdEnd(CvxRun *run)
{
  PetscBool done = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(CvxSgdReceiverPoll(run->sgd_recv, PETSC_TRUE, &done));
  PetscCheck(done && run->sgd_jobs_received == run->sgd_job_count, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "sgd: %d of %d job results arrived", (int)run->sgd_jobs_received, (int)run->sgd_job_count);
  PetscCall(CvxOutFileCommit(&run->sgd_trace));
  PetscCall(CvxOutFileCommit(&run->sgd_test));
  PetscCall(CvxOutFileCommit(&run->sgd_results));
  PetscFunctionReturn(0);
}

static int CompareDouble(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  if (isnan(x)) return isnan(y) ? 0 : 1; /* NaN (diverged) sorts last */
  if (isnan(y)) return -1;
  return (x > y) - (x < y);
}

PetscErrorCode CvxRunSgdSummary(const CvxRun *run, CvxYaml *y)
{
  const CvxConfig *cfg = &run->cfg;
  double          *v;
  char             key[64];
  double           p0 = run->convex_done ? run->convex.objective : NAN;
  /* Only a bound over the complete arrangement set bounds the non-convex problem. */
  double lb = run->convex_done && run->convex.certified && run->arrangements_exact ? run->convex.lower_bound : NAN;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(cfg->sgd.trials, &v));
  CvxYamlString(y, "optimizer", CvxOptimizerName(cfg->sgd.optimizer));
  CvxYamlInt(y, "jobs", run->sgd_job_count);
  CvxYamlInt(y, "ranks", run->sgd_ranks);
  CvxYamlDouble(y, "time", run->t_sgd);
  CvxYamlBeginMap(y, "widths");
  for (PetscInt i = 0; i < cfg->sgd.n_widths; i++) {
    PetscInt diverged = 0, interrupted = 0, t = 0;
    double   best = INFINITY;
    /* the statistics are over the jobs that ran (a stop request leaves
     * the rest not run) */
    for (PetscInt k = 0; k < cfg->sgd.trials; k++) {
      const CvxSgdResult *r = &run->sgd_jobs[i * cfg->sgd.trials + k];
      if (r->status == CVX_SGD_STATUS_NOT_RUN) continue;
      v[t++] = r->objective;
      if (r->status == CVX_SGD_STATUS_DIVERGED || !isfinite(r->objective)) diverged++;
      if (r->status == CVX_SGD_STATUS_INTERRUPTED) interrupted++;
      if (r->best_objective < best) best = r->best_objective;
    }
    qsort(v, (size_t)t, sizeof(double), CompareDouble);
    double median = t == 0 ? NAN : (t % 2) ? v[t / 2] : 0.5 * (v[t / 2 - 1] + v[t / 2]);
    snprintf(key, sizeof(key), "m%d", (int)cfg->sgd.widths[i]);
    CvxYamlBeginMap(y, key);
    CvxYamlInt(y, "width", cfg->sgd.widths[i]);
    CvxYamlInt(y, "trials", t);
    if (t < cfg->sgd.trials || interrupted > 0) {
      CvxYamlInt(y, "interrupted", interrupted);
      CvxYamlInt(y, "not_run", cfg->sgd.trials - t);
    }
    CvxYamlDouble(y, "best_final_objective", t > 0 ? v[0] : NAN);
    CvxYamlDouble(y, "median_final_objective", median);
    CvxYamlDouble(y, "worst_final_objective", t > 0 ? v[t - 1] : NAN);
    CvxYamlDouble(y, "best_objective_seen", t > 0 ? best : NAN);
    CvxYamlInt(y, "diverged", diverged);
    CvxYamlDouble(y, "best_gap_to_convex", t > 0 ? (v[0] - p0) / p0 : NAN);
    CvxYamlDouble(y, "median_gap_to_convex", (median - p0) / p0);
    /* A job below a global lower bound would contradict the theory: it flags a bug. */
    if (isnan(lb)) CvxYamlNull(y, "below_lower_bound");
    else CvxYamlBool(y, "below_lower_bound", best < lb ? PETSC_TRUE : PETSC_FALSE);
    CvxYamlEndMap(y);
  }
  CvxYamlEndMap(y);
  PetscCall(PetscFree(v));
  PetscFunctionReturn(0);
}

void CvxRunSgdCleanup(CvxRun *run)
{
  CvxOutFileDiscard(&run->sgd_trace);
  CvxOutFileDiscard(&run->sgd_test);
  CvxOutFileDiscard(&run->sgd_results);
  if (run->sgd_recv) CvxSgdReceiverDestroy(&run->sgd_recv);
  PetscFree(run->sgd_jobs);
}
