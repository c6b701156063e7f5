/* The convex stage of a run: the arrangement set, the ADMM with its
 * certificate, and the recovered network, on the ranks of the convex pool. */
#include "app/run.h"

#include "core/error.h"
#include "core/stop.h"
#include "core/timer.h"

#include <math.h>
#include <string.h>

/* Above this many pattern bits the arrangement file is written in the
 * compact binary format instead of text. */
#define CVX_ARRANGEMENT_TEXT_MAX_BITS 10000000.0

/* Monitor: one row of convex_trace.csv (rank 0). */
static PetscErrorCode TraceRowWrite(const CvxAdmmTraceRow *r, void *ctx)
{
  CvxRun *run = (CvxRun *)ctx;
  FILE   *fp  = run->convex_trace.fp;

  PetscFunctionBeginUser;
  fprintf(fp, "%d,%.6f,", (int)r->iteration, r->time);
  const double v[5] = {r->objective, r->primal_residual, r->dual_residual, r->rho, r->lower_bound};
  for (int i = 0; i < 5; i++) {
    if (i) fputc(',', fp);
    CvxPrintDouble(fp, v[i], PETSC_FALSE);
  }
  fputc('\n', fp);
  PetscFunctionReturn(0);
}

static PetscErrorCode AdmmOptionsFromConfig(const CvxRun *run, CvxAdmmOptions *o)
{
  const CvxConfig *cfg = &run->cfg;

  PetscFunctionBeginUser;
  PetscCall(CvxAdmmOptionsSetDefaults(o));
  o->splitting         = cfg->convex.splitting;
  o->beta              = cfg->model.beta;
  o->rho               = cfg->convex.rho;
  o->relaxation        = cfg->convex.relaxation;
  o->anderson          = cfg->convex.anderson;
  o->max_iter          = cfg->convex.max_iter;
  o->tol               = cfg->convex.tol;
  o->certify_every     = cfg->convex.certify_every;
  o->time_limit        = cfg->convex.time_limit;
  o->polish            = cfg->convex.polish;
  o->column_generation = cfg->convex.column_generation;
  o->progress_interval = cfg->logging.level == CVX_LOG_QUIET ? 0.0 : cfg->logging.progress_interval;
  o->verbosity         = cfg->logging.level;
  o->interrupted       = CvxStopRequested;
  switch (cfg->convex.linear_solver) {
  case CVX_LINSOLVE_AUTO: o->gram.path = CVX_GRAM_AUTO; break;
  case CVX_LINSOLVE_REPLICATED: o->gram.path = CVX_GRAM_REPLICATED; break;
  case CVX_LINSOLVE_SCALAPACK: o->gram.path = CVX_GRAM_SCALAPACK; break;
  case CVX_LINSOLVE_CG: o->gram.path = CVX_GRAM_CG; break;
  }
  o->gram.block_size       = cfg->convex.block_size;
  o->gram.replicated_max_n = cfg->convex.replicated_max_n;
  if (run->rank == 0) {
    o->monitor     = TraceRowWrite;
    o->monitor_ctx = (void *)run;
    /* While the SGD pool works on other ranks, rank 0 drains its rows. */
    if (run->concurrent && run->sgd_recv) {
      o->idle     = CvxRunSgdPoll;
      o->idle_ctx = (void *)run;
    }
  }
  PetscFunctionReturn(0);
}

/* Rank 0 removes an overwritten run's summary.yaml. */
static PetscErrorCode SummaryRemoveOnRoot(void *ctx)
{
  PetscFunctionBeginUser;
  PetscCall(CvxOutputSummaryRemove(((CvxRun *)ctx)->dir));
  PetscFunctionReturn(0);
}

/* Rank 0 opens convex_trace.csv. */
static PetscErrorCode TraceOpenOnRoot(void *ctx)
{
  CvxRun *run = (CvxRun *)ctx;

  PetscFunctionBeginUser;
  PetscCall(CvxOutFileOpen(run->dir, "convex_trace.csv", &run->convex_trace));
  fprintf(run->convex_trace.fp, "iteration,time,objective,primal_residual,dual_residual,rho,lower_bound\n");
  PetscFunctionReturn(0);
}

/* Writes network.txt, the recovered network. Rank 0. */
static PetscErrorCode NetworkWriteOnRoot(void *ctx)
{
  const CvxRun *run = (const CvxRun *)ctx;
  CvxOutFile    f;

  PetscFunctionBeginUser;
  PetscCall(CvxOutFileOpen(run->dir, "network.txt", &f));
  PetscCall(CvxNetworkWrite(&run->convex.network, f.fp));
  PetscCall(CvxOutFileCommit(&f));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxRunConvex(CvxRun *run)
{
  const CvxConfig      *cfg = &run->cfg;
  MPI_Comm              comm = run->convex_comm;
  CvxArrangementOptions aopt;
  CvxArrangementSet     set;
  CvxAdmmOptions        opt;
  PetscLogStage         stage_arr, stage_convex;
  double                t0;

  PetscFunctionBeginUser;
  PetscCall(PetscLogStageRegister("Arrangements", &stage_arr));
  PetscCall(PetscLogStageRegister("Convex", &stage_convex));
  memset(&set, 0, sizeof(set));

  PetscCall(PetscLogStagePush(stage_arr));
  t0 = CvxWallTime();
  memset(&aopt, 0, sizeof(aopt));
  switch (cfg->arrangements.method) {
  case CVX_ARR_SAMPLE: aopt.kind = CVX_ARRANGEMENT_SAMPLE; break;
  case CVX_ARR_EXACT: aopt.kind = CVX_ARRANGEMENT_EXACT; break;
  case CVX_ARR_FILE: aopt.kind = CVX_ARRANGEMENT_FILE; break;
  }
  aopt.seed         = (uint64_t)cfg->run.seed;
  aopt.samples      = cfg->arrangements.samples;
  aopt.max_patterns = cfg->arrangements.max_patterns;
  aopt.file         = cfg->arrangements.file;
  aopt.progress_interval = cfg->logging.level == CVX_LOG_QUIET ? 0.0 : cfg->logging.progress_interval;
  aopt.interrupted       = CvxStopRequested;
  PetscCall(CvxArrangementSetCreate(comm, run->data.n, run->data.d, run->data.X, &aopt, &set));
  if (set.interrupted) {
    /* stopped during a long exact enumeration: no program to solve */
    if (run->rank == 0 && cfg->logging.level != CVX_LOG_QUIET)
      fprintf(stderr, "convex: stop requested during the exact enumeration (%.2f s): no convex solve\n",
              CvxWallTime() - t0);
    PetscCall(CvxArrangementSetDestroy(&set));
    PetscCall(PetscLogStagePop());
    PetscFunctionReturn(0);
  }
  run->arrangements       = set.P;
  run->arrangements_exact = set.exact;
  run->t_arrangements     = CvxWallTime() - t0;
  if (run->rank == 0 && cfg->logging.level != CVX_LOG_QUIET)
    fprintf(stderr, "convex: %d %s arrangement patterns over %d rank%s (%.2f s)\n", (int)set.P,
            set.exact ? "(complete)" : "(sampled)", (int)run->convex_ranks, run->convex_ranks > 1 ? "s" : "",
            run->t_arrangements);
  PetscCheck(set.P > 0, comm, CVX_ERR_INPUT, "the arrangement set is empty: raise arrangements.samples");
  if (cfg->output.arrangements) {
    char                 path[CVX_OUT_PATH_MAX + 32];
    double               bits = (double)set.P * (double)set.n;
    CvxArrangementFormat fmt  = bits <= CVX_ARRANGEMENT_TEXT_MAX_BITS ? CVX_ARRANGEMENT_FORMAT_TEXT
                                                                      : CVX_ARRANGEMENT_FORMAT_BINARY;
    if (run->rank == 0)
      snprintf(path, sizeof(path), "%s/arrangements.%s", run->dir, fmt == CVX_ARRANGEMENT_FORMAT_TEXT ? "txt" : "bin");
    PetscCallMPI(MPI_Bcast(path, (int)sizeof(path), MPI_CHAR, 0, comm));
    /* the arrangement file replaces an overwritten run's: its summary goes
     * first, as for every other file (CvxOutFileCommit) */
    PetscCall(CvxRootRun(comm, SummaryRemoveOnRoot, run));
    PetscCall(CvxArrangementSetWrite(&set, path, fmt));
  }
  PetscCall(PetscLogStagePop());

  PetscCall(PetscLogStagePush(stage_convex));
  PetscCall(CvxRootRun(comm, TraceOpenOnRoot, run));
  PetscCall(AdmmOptionsFromConfig(run, &opt));
  PetscCall(CvxAdmmSolve(&set, run->data.d, run->data.X, run->data.y, &opt, &run->convex));
  PetscCall(PetscLogStagePop());
  if (run->rank == 0) {
    PetscCall(CvxOutFileCommit(&run->convex_trace));
    run->network_test_objective = NAN;
    run->network_test_accuracy  = NAN;
    if (run->data.n_test > 0)
      PetscCall(CvxNetworkEvaluate(&run->convex.network, run->data.n_test, run->data.Xtest, run->data.ytest,
                                   cfg->model.beta, &run->network_test_objective, &run->network_test_accuracy));
    if (!run->data.classification) run->network_test_accuracy = NAN;
  }
  run->convex_done = PETSC_TRUE;
  PetscCall(CvxArrangementSetDestroy(&set));
  /* the network now, not with the summary: a run stopped during its SGD
   * part (a batch system's time limit) keeps the certified network */
  PetscCall(CvxRootRun(comm, NetworkWriteOnRoot, run));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxRunConvexSummary(const CvxRun *run, CvxYaml *y)
{
  const CvxAdmmResult *r = &run->convex;

  PetscFunctionBeginUser;
  CvxYamlBeginMap(y, "arrangements");
  CvxYamlString(y, "method", CvxArrangementMethodName(run->cfg.arrangements.method));
  CvxYamlInt(y, "count", run->arrangements);
  CvxYamlBool(y, "exact", run->arrangements_exact);
  CvxYamlDouble(y, "time", run->t_arrangements);
  CvxYamlEndMap(y);

  CvxYamlBeginMap(y, "convex");
  CvxYamlString(y, "splitting", CvxSplittingName(r->splitting)); /* as used: auto resolved */
  CvxYamlDouble(y, "objective", r->objective);
  CvxYamlDouble(y, "lower_bound", r->lower_bound);
  CvxYamlDouble(y, "gap", r->gap);
  CvxYamlBool(y, "certified", r->certified);
  /* With the complete arrangement set the bound holds for the non-convex
   * training problem at every width; with a sampled set only for the
   * sampled (approximate) program. */
  CvxYamlString(y, "bound_scope", run->arrangements_exact ? "global" : "sampled_program");
  CvxYamlDouble(y, "tol", run->cfg.convex.tol);
  CvxYamlBool(y, "converged", r->reason == CVX_ADMM_CONVERGED);
  CvxYamlString(y, "stop_reason", CvxAdmmStopReasonName(r->reason));
  CvxYamlInt(y, "iterations", r->iterations);
  CvxYamlInt(y, "certificates", r->certificates);
  CvxYamlInt(y, "dual_corrections", r->dual_corrections);
  CvxYamlInt(y, "primal_refits", r->primal_refits);
  CvxYamlInt(y, "rho_changes", r->rho_changes);
  CvxYamlInt(y, "polish_attempts", r->polish_attempts);
  CvxYamlInt(y, "polish_cut", r->polish_cut);
  CvxYamlBool(y, "column_generation", r->column_generation);
  CvxYamlInt(y, "column_rounds", r->column_rounds);
  CvxYamlDouble(y, "rho", r->rho);
  CvxYamlInt(y, "ranks", run->convex_ranks);
  CvxYamlEndMap(y);

  CvxYamlBeginMap(y, "network");
  CvxYamlInt(y, "neurons", r->network.m);
  CvxYamlDouble(y, "objective", r->network_objective);
  CvxYamlDouble(y, "relative_difference", r->network_mismatch);
  CvxYamlDouble(y, "train_accuracy", run->data.classification ? r->network_accuracy : NAN);
  CvxYamlDouble(y, "test_objective", run->network_test_objective);
  CvxYamlDouble(y, "test_accuracy", run->network_test_accuracy);
  CvxYamlEndMap(y);
  PetscFunctionReturn(0);
}

void CvxRunConvexCleanup(CvxRun *run)
{
  CvxOutFileDiscard(&run->convex_trace);
  CvxAdmmResultDestroy(&run->convex);
}
