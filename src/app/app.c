#include "app/app.h"

#include "app/cli.h"
#include "app/run.h"
#include "app/sweep.h"
#include "config/config.h"
#include "core/blas.h"
#include "core/error.h"
#include "core/stop.h"
#include "core/timer.h"
#include "data/data.h"
#include "io/output.h"

#include <cblas.h>
#include <petscviewer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CVX_VERSION "0.1.0"

/* Keeps OpenBLAS to one thread per rank when several ranks share a node,
 * unless the user set OPENBLAS_NUM_THREADS. Collective on world. */
static PetscErrorCode BlasThreadsSet(MPI_Comm world)
{
  MPI_Comm    node;
  PetscMPIInt node_size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &node_size));
  PetscCallMPI(MPI_Comm_free(&node));
  if (node_size > 1 && !getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
  PetscFunctionReturn(0);
}

/* Rank 0 checks that the run folder may be written (no side effects). */
static PetscErrorCode OutputDirCheckOnRoot(void *ctx)
{
  CvxRun *run = (CvxRun *)ctx;

  PetscFunctionBeginUser;
  PetscCall(
    CvxOutputDirCreate(run->cfg.output.dir, run->cfg.run.name, run->cfg.output.overwrite, PETSC_FALSE, run->dir));
  PetscFunctionReturn(0);
}

/* Rank 0 creates the run folder. */
static PetscErrorCode OutputDirCreateOnRoot(void *ctx)
{
  CvxRun *run = (CvxRun *)ctx;

  PetscFunctionBeginUser;
  PetscCall(
    CvxOutputDirCreate(run->cfg.output.dir, run->cfg.run.name, run->cfg.output.overwrite, PETSC_TRUE, run->dir));
  PetscFunctionReturn(0);
}

/* Writes config.yaml (the resolved config, runnable as it is). Rank 0. */
static PetscErrorCode ConfigFileWrite(const CvxRun *run)
{
  CvxOutFile f;

  PetscFunctionBeginUser;
  PetscCall(CvxOutFileOpen(run->dir, "config.yaml", &f));
  fprintf(f.fp, "# Resolved configuration of run '%s' (defaults, file and overrides applied).\n", run->cfg.run.name);
  PetscCall(CvxConfigWrite(&run->cfg, f.fp, 0));
  PetscCall(CvxOutFileCommit(&f));
  PetscFunctionReturn(0);
}

/* Writes summary.yaml, the machine-readable record of the run. Rank 0. */
static PetscErrorCode SummaryWrite(const CvxRun *run)
{
  CvxOutFile f;
  CvxYaml    y;

  PetscFunctionBeginUser;
  PetscCall(CvxOutFileOpen(run->dir, "summary.yaml", &f));
  CvxYamlInit(&y, f.fp);
  fprintf(f.fp, "# cvxnn-dist run summary\n");
  CvxYamlBeginMap(&y, "run");
  CvxYamlString(&y, "name", run->cfg.run.name);
  CvxYamlString(&y, "version", CVX_VERSION);
  CvxYamlString(&y, "started", run->started);
  CvxYamlInt(&y, "ranks", run->size);
  CvxYamlInt(&y, "convex_ranks", run->convex_ranks);
  CvxYamlInt(&y, "sgd_ranks", run->sgd_ranks);
  CvxYamlBool(&y, "concurrent", run->concurrent);
  CvxYamlString(&y, "blas", CvxBlasConfig());
  CvxYamlString(&y, "blas_core", CvxBlasCoreName());
  CvxYamlString(&y, "blas_fallback", CvxBlasCoreFallback() ? CvxBlasCoreFallback() : "");
  /* a run stopped early by a signal: its results are those of the work done */
  if (run->stop_signal) CvxYamlString(&y, "stopped_by", CvxStopSignalName(run->stop_signal));
  else CvxYamlNull(&y, "stopped_by");
  CvxYamlEndMap(&y);

  CvxYamlBeginMap(&y, "data");
  CvxYamlString(&y, "description", run->data.description);
  CvxYamlInt(&y, "n_train", run->data.n);
  CvxYamlInt(&y, "n_test", run->data.n_test);
  CvxYamlInt(&y, "d", run->data.d);
  CvxYamlInt(&y, "features", run->data.d_raw);
  CvxYamlBool(&y, "bias", run->data.has_bias);
  CvxYamlBool(&y, "classification", run->data.classification);
  CvxYamlEndMap(&y);

  if (run->convex_done) PetscCall(CvxRunConvexSummary(run, &y));
  if (run->cfg.sgd.enabled) {
    CvxYamlBeginMap(&y, "sgd");
    PetscCall(CvxRunSgdSummary(run, &y));
    CvxYamlEndMap(&y);
  }

  CvxYamlBeginMap(&y, "timings");
  CvxYamlDouble(&y, "load", run->t_load);
  if (run->convex_done) {
    CvxYamlDouble(&y, "arrangements", run->t_arrangements);
    CvxYamlDouble(&y, "convex_setup", run->convex.time_setup);
    CvxYamlDouble(&y, "convex_iterations", run->convex.time_iterations);
    CvxYamlDouble(&y, "certificate", run->convex.time_certificate);
    CvxYamlDouble(&y, "polish", run->convex.time_polish);
  }
  if (run->cfg.sgd.enabled) CvxYamlDouble(&y, "sgd", run->t_sgd);
  CvxYamlDouble(&y, "total", CvxWallTime() - run->t_start);
  CvxYamlEndMap(&y);

  fprintf(f.fp, "config:\n");
  PetscCall(CvxConfigWrite(&run->cfg, f.fp, 2));
  PetscCall(CvxOutFileCommit(&f));
  PetscFunctionReturn(0);
}

/* Rank 0 writes every file of the run, the summary last: a folder with a
 * summary.yaml is a finished run. */
static PetscErrorCode OutputWriteOnRoot(void *ctx)
{
  CvxRun *run = (CvxRun *)ctx;

  PetscFunctionBeginUser;
  PetscCall(ConfigFileWrite(run));
  PetscCall(SummaryWrite(run));
  if (run->cfg.logging.level != CVX_LOG_QUIET) fprintf(stderr, "cvxnn-dist: results in %s\n", run->dir);
  PetscFunctionReturn(0);
}

/* --job FILE --count / --list: prints the number of tasks or one line per
 * task on rank 0. Collective on world. */
static PetscErrorCode SweepDescribe(const CvxCommandLine *cl)
{
  CvxSweep   *sweep = NULL;
  PetscMPIInt rank;
  PetscInt64  count;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(CvxSweepLoad(PETSC_COMM_WORLD, cl->job, &sweep));
  PetscCall(CvxSweepTaskCount(sweep, &count));
  if (rank == 0) {
    if (cl->count) printf("%lld\n", (long long)count);
    if (cl->list) PetscCall(CvxSweepPrintTasks(sweep, stdout));
  }
  PetscCall(CvxSweepDestroy(&sweep));
  PetscFunctionReturn(0);
}

/* --job FILE --task K: task K's resolved and validated config. Collective on
 * world. */
static PetscErrorCode SweepTaskConfig(CvxRun *run)
{
  const CvxCommandLine *cl    = run->cl;
  CvxSweep             *sweep = NULL;

  PetscFunctionBeginUser;
  PetscCall(CvxSweepLoad(run->world, cl->job, &sweep));
  PetscCall(CvxSweepCheckTask(sweep, cl->task));
  PetscCall(CvxSweepTaskConfig(sweep, cl->task, cl->n_sets, cl->sets, &run->cfg));
  PetscCall(CvxSweepDestroy(&sweep));
  PetscCall(CvxConfigValidate(&run->cfg, run->size));
  PetscFunctionReturn(0);
}

/* Splits the world once into the convex pool (rank 0 and the ranks below
 * size - sgd.ranks) and the SGD pool (the last sgd.ranks ranks). With
 * sgd.ranks = 0 both pools are the whole world and the parts run in turn.
 * Collective on world. */
static PetscErrorCode RolesSplit(CvxRun *run)
{
  const CvxConfig *cfg = &run->cfg;
  PetscMPIInt      S   = cfg->sgd.enabled ? (PetscMPIInt)cfg->sgd.ranks : 0;
  PetscBool        in_convex, in_sgd;

  PetscFunctionBeginUser;
  PetscCheck(S < run->size || run->size == 1, run->world, CVX_ERR_INPUT,
             "sgd.ranks = %d leaves no rank for the convex pool on %d ranks", (int)S, (int)run->size);
  run->concurrent   = (S > 0 && cfg->convex.enabled) ? PETSC_TRUE : PETSC_FALSE;
  in_convex         = (cfg->convex.enabled && (S == 0 || run->rank < run->size - S)) ? PETSC_TRUE : PETSC_FALSE;
  in_sgd            = (cfg->sgd.enabled && (S == 0 || run->rank >= run->size - S)) ? PETSC_TRUE : PETSC_FALSE;
  run->convex_ranks = cfg->convex.enabled ? (S > 0 ? run->size - S : run->size) : 0;
  run->sgd_ranks    = cfg->sgd.enabled ? (S > 0 ? S : run->size) : 0;
  PetscCallMPI(MPI_Comm_split(run->world, in_convex ? 0 : MPI_UNDEFINED, run->rank, &run->convex_comm));
  PetscCallMPI(MPI_Comm_split(run->world, in_sgd ? 0 : MPI_UNDEFINED, run->rank, &run->sgd_comm));
  PetscCallMPI(MPI_Comm_dup(run->world, &run->link));
  PetscFunctionReturn(0);
}

static PetscErrorCode SgdBeginOnRoot(void *ctx)
{
  PetscFunctionBeginUser;
  PetscCall(CvxRunSgdBegin((CvxRun *)ctx));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunExecute(CvxRun *run)
{
  const CvxCommandLine *cl = run->cl;
  PetscLogStage         stage_load, stage_output;

  PetscFunctionBeginUser;
  PetscCall(PetscLogStageRegister("Load", &stage_load));
  PetscCall(PetscLogStageRegister("Output", &stage_output));

  PetscCall(PetscLogStagePush(stage_load));
  if (cl->job) PetscCall(SweepTaskConfig(run));
  else PetscCall(CvxConfigLoad(run->world, cl->config_path, cl->n_sets, cl->sets, &run->cfg));
  if (run->cfg.logging.log_view) PetscCall(PetscLogDefaultBegin());
  if (!cl->dry_run) PetscCall(CvxRootRun(run->world, OutputDirCheckOnRoot, run));
  PetscCall(CvxDatasetLoad(run->world, &run->cfg, &run->data));
  if (!cl->dry_run) PetscCall(CvxRootRun(run->world, OutputDirCreateOnRoot, run));
  run->t_load = CvxWallTime() - run->t_start;
  PetscCall(PetscLogStagePop());

  if (run->rank == 0 && run->cfg.logging.level != CVX_LOG_QUIET) {
    fprintf(stderr, "cvxnn-dist: run '%s' on %d rank%s\n", run->cfg.run.name, run->size, run->size > 1 ? "s" : "");
    fprintf(stderr, "cvxnn-dist: data %s: n = %d, d = %d, n_test = %d (%.2f s)\n", run->data.description,
            (int)run->data.n, (int)run->data.d, (int)run->data.n_test, run->t_load);
  }
  if (cl->dry_run) {
    if (run->rank == 0) printf("config and data are valid: n = %d, d = %d, n_test = %d\n", (int)run->data.n,
                               (int)run->data.d, (int)run->data.n_test);
    PetscFunctionReturn(0);
  }

  PetscCall(RolesSplit(run));
  if (run->rank == 0 && run->cfg.logging.level != CVX_LOG_QUIET) {
    if (run->concurrent)
      fprintf(stderr, "cvxnn-dist: convex pool %d rank%s, SGD pool %d rank%s, working at the same time\n",
              (int)run->convex_ranks, run->convex_ranks > 1 ? "s" : "", (int)run->sgd_ranks,
              run->sgd_ranks > 1 ? "s" : "");
    else
      fprintf(stderr, "cvxnn-dist: %s%s%s on %d rank%s\n", run->cfg.convex.enabled ? "convex program" : "",
              run->cfg.convex.enabled && run->cfg.sgd.enabled ? ", then " : "",
              run->cfg.sgd.enabled ? "SGD pool" : "", (int)run->size, run->size > 1 ? "s" : "");
  }
  if (run->cfg.sgd.enabled) PetscCall(CvxRootRun(run->world, SgdBeginOnRoot, run));
  run->pools_started = PETSC_TRUE;
  if (run->convex_comm != MPI_COMM_NULL) PetscCall(CvxRunConvex(run));
  if (run->sgd_comm != MPI_COMM_NULL) {
    PetscLogStage stage_sgd;
    PetscCall(PetscLogStageRegister("SGD", &stage_sgd));
    PetscCall(PetscLogStagePush(stage_sgd));
    PetscCall(CvxRunSgdPool(run));
    PetscCall(PetscLogStagePop());
  }
  if (run->rank == 0 && run->cfg.sgd.enabled) PetscCall(CvxRunSgdEnd(run));
  run->pools_started = PETSC_FALSE;
  run->stop_signal   = CvxStopRequested();
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &run->stop_signal, 1, MPI_INT, MPI_MAX, run->world));
  /* the SGD pool's time as its slowest rank saw it (rank 0 may not be in it) */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &run->t_sgd, 1, MPI_DOUBLE, MPI_MAX, run->world));
  if (run->rank == 0 && run->stop_signal && run->cfg.logging.level != CVX_LOG_QUIET)
    fprintf(stderr, "cvxnn-dist: stopped early by %s: writing the results of the work done\n",
            CvxStopSignalName(run->stop_signal));

  PetscCall(PetscLogStagePush(stage_output));
  PetscCall(CvxRootRun(run->world, OutputWriteOnRoot, run));
  PetscCall(PetscLogStagePop());

  if (run->cfg.logging.log_view) {
    PetscViewer viewer;
    char        path[CVX_OUT_PATH_MAX + 16];
    if (run->rank == 0) snprintf(path, sizeof(path), "%s/log_view.txt", run->dir);
    PetscCallMPI(MPI_Bcast(path, (int)sizeof(path), MPI_CHAR, 0, run->world));
    PetscCall(PetscViewerASCIIOpen(run->world, path, &viewer));
    PetscCall(PetscLogView(viewer));
    PetscCall(PetscViewerDestroy(&viewer));
  }
  PetscFunctionReturn(0);
}

int CvxAppMain(int argc, char **argv)
{
  CvxCommandLine cl;
  CvxRun         run;
  char           err[1024];
  char         **petsc_argv;
  int            rank, size, status = 0;

  /* Before MPI and PETSc: may restart the program with better BLAS kernels. */
  CvxBlasCoreSelect(argv);
  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
    fprintf(stderr, "cvxnn-dist: error: MPI_Init failed\n");
    return CVX_EXIT_RUNTIME;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  petsc_argv = (char **)calloc((size_t)argc + 1, sizeof(char *));
  if (!petsc_argv) {
    fprintf(stderr, "cvxnn-dist: error: out of memory\n");
    MPI_Abort(MPI_COMM_WORLD, CVX_EXIT_RUNTIME);
  }
  if (CvxCommandLineParse(argc, argv, petsc_argv, &cl, err, sizeof(err))) {
    if (rank == 0) fprintf(stderr, "cvxnn-dist: error: %s\n", err);
    free(petsc_argv);
    MPI_Finalize();
    return CVX_EXIT_INPUT;
  }
  if (cl.help || cl.version) {
    if (rank == 0) {
      if (cl.help) CvxCommandLinePrintHelp("cvxnn-dist");
      else printf("cvxnn-dist %s\n", CVX_VERSION);
    }
    free(petsc_argv);
    MPI_Finalize();
    return 0;
  }

  PetscErrorCode ierr = PetscInitialize(&cl.petsc_argc, &cl.petsc_argv, NULL, NULL);
  if (!ierr) ierr = CvxErrorHandlerPush();
  if (!ierr) ierr = BlasThreadsSet(MPI_COMM_WORLD);
  if (ierr) {
    if (rank == 0) fprintf(stderr, "cvxnn-dist: error: PETSc initialization failed\n");
    MPI_Abort(MPI_COMM_WORLD, CVX_EXIT_RUNTIME);
  }

  if (rank == 0 && CvxBlasCoreNote()) fprintf(stderr, "cvxnn-dist: %s\n", CvxBlasCoreNote());
  /* SIGTERM, SIGINT, SIGUSR1, SIGUSR2: a stop at the solvers' next check,
   * then the results as usual (core/stop.h); replaces PETSc's handlers */
  if (CvxStopInstall() && rank == 0)
    fprintf(stderr, "cvxnn-dist: warning: signal handlers not installed: a signal ends the run without results\n");

  memset(&run, 0, sizeof(run));
  run.convex_comm = MPI_COMM_NULL;
  run.sgd_comm    = MPI_COMM_NULL;
  run.link        = MPI_COMM_NULL;
  run.cl      = &cl;
  run.world   = PETSC_COMM_WORLD;
  run.rank    = rank;
  run.size    = size;
  run.t_start = CvxWallTime();
  {
    time_t    now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(run.started, sizeof(run.started), "%Y-%m-%dT%H:%M:%SZ", &tm);
  }

  if (cl.keys) {
    if (rank == 0) ierr = CvxConfigPrintKeys(stdout);
  } else if (cl.job && (cl.count || cl.list)) {
    ierr = SweepDescribe(&cl);
  } else {
    ierr = RunExecute(&run);
    if (!ierr && run.stop_signal) status = CVX_EXIT_STOPPED;
  }

  if (ierr) {
    if (CvxErrorIsInput(ierr)) {
      if (rank == 0) fprintf(stderr, "cvxnn-dist: error: %s\n", CvxErrorLastMessage());
      status = CVX_EXIT_INPUT;
      /* Raised inside one pool while the other works: stop the whole job. */
      if (run.pools_started && run.concurrent && size > 1) MPI_Abort(MPI_COMM_WORLD, CVX_EXIT_INPUT);
    } else {
      status = CVX_EXIT_RUNTIME;
      /* Other ranks may be waiting in a collective: do not leave them. */
      if (size > 1) MPI_Abort(MPI_COMM_WORLD, CVX_EXIT_RUNTIME);
    }
  }
  CvxRunConvexCleanup(&run);
  CvxRunSgdCleanup(&run);
  if (run.convex_comm != MPI_COMM_NULL) MPI_Comm_free(&run.convex_comm);
  if (run.sgd_comm != MPI_COMM_NULL) MPI_Comm_free(&run.sgd_comm);
  if (run.link != MPI_COMM_NULL) MPI_Comm_free(&run.link);
  CvxDatasetDestroy(&run.data);
  CvxGramFinalizePackage();
  PetscFinalize();
  free(petsc_argv);
  MPI_Finalize();
  return status;
}
