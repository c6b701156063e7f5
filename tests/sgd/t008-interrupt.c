/* A stop request (opts.interrupted) in the SGD pool: the last rank's first
 * job stops after the update at which the request is first seen (status
 * interrupted), its later jobs are reported not run (no iterations, NaN
 * values), and every other job is the uninterrupted job's result exactly;
 * rank 0 still receives one result per job. The first-order loop and TAO's
 * LMVM both stop. Run at -np 1 and 3. Prints only on failure. */
#include "sgdtest.h"

#include "core/error.h"

#include <petsctao.h>

enum { N = 30, DF = 2, D = DF + 1, STOP_AFTER = 5 };
static double X[N * D], y[N];
static int    calls, stopping_rank;

/* true from the STOP_AFTER-th call on, on the stopping rank only */
static int Interrupted(void)
{
  return stopping_rank && ++calls >= STOP_AFTER;
}

static CvxSgdResult results[16];
static int          received;

static PetscErrorCode SinkResult(void *ctx, const CvxSgdResult *r)
{
  (void)ctx;
  if (received < 16) results[received] = *r;
  received++;
  return 0;
}

static void Configure(PetscBool lmvm, CvxSgdProblem *prob, CvxSgdOptions *o)
{
  CvxSgdOptionsSetDefaults(o);
  *prob        = (CvxSgdProblem){.n = N, .d = D, .X = X, .y = y, .classification = PETSC_TRUE};
  o->seed      = 5;
  o->n_widths  = 2;
  o->widths[0] = 2;
  o->widths[1] = 4;
  o->trials    = 3;
  if (lmvm) {
    o->method = CVX_SGD_METHOD_LMVM;
    o->epochs = 200;
    o->gatol  = 1e-12;
  } else {
    o->method     = CVX_SGD_METHOD_ADAM;
    o->lr         = 0.01;
    o->batch_size = 7;
    o->epochs     = 6;
  }
}

static PetscErrorCode Run(MPI_Comm world)
{
  PetscMPIInt rank, size;
  MPI_Comm    link;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(world, &rank));
  PetscCallMPI(MPI_Comm_size(world, &size));
  PetscCallMPI(MPI_Comm_dup(world, &link));
  MakeData(N, DF, 9, X, y);
  for (int lmvm = 0; lmvm < 2; lmvm++) {
    CvxSgdProblem  prob;
    CvxSgdOptions  opts;
    CvxSgdSinks    sinks = {NULL, NULL, SinkResult, NULL};
    CvxSgdReceiver recv  = NULL;
    PetscBool      done  = PETSC_FALSE;

    Configure((PetscBool)lmvm, &prob, &opts);
    const PetscInt njobs = CvxSgdJobCount(&opts);
    opts.interrupted     = Interrupted;
    calls                = 0;
    received             = 0;
    stopping_rank        = rank == size - 1;
    if (rank == 0) PetscCall(CvxSgdReceiverCreate(link, size - 1, &sinks, &recv));
    PetscCall(CvxSgdPoolRun(world, link, &prob, &opts, recv));
    if (rank == 0) {
      PetscCall(CvxSgdReceiverPoll(recv, PETSC_TRUE, &done));
      PetscCall(CvxSgdReceiverDestroy(&recv));
      CHECK(done && received == njobs, "%s: %d results of %d jobs", lmvm ? "lmvm" : "adam", received, (int)njobs);
      CvxSgdOptions ref_opts;
      Configure((PetscBool)lmvm, &prob, &ref_opts);
      for (int i = 0; i < received && i < 16; i++) {
        const CvxSgdResult *r = &results[i];
        PetscInt            k = -1;
        for (PetscInt j = 0; j < njobs; j++) {
          PetscInt w, t;
          PetscCall(CvxSgdJobGet(&opts, j, &w, &t));
          if (w == r->width && t == r->trial) k = j;
        }
        CHECK(k >= 0, "result for unknown job (%d, %d)", (int)r->width, (int)r->trial);
        if (k < 0) continue;
        CvxSgdResult ref;
        PetscCall(CvxSgdJobRun(&prob, &ref_opts, r->width, r->trial, NULL, &ref));
        const char *name = lmvm ? "lmvm" : "adam";
        if (k % size != size - 1) {
          CHECK(r->status == ref.status && r->iterations == ref.iterations && r->objective == ref.objective,
                "%s job %d: %s after %lld iterations, objective %.17g; uninterrupted: %s, %lld, %.17g", name, (int)k,
                CvxSgdStatusName(r->status), (long long)r->iterations, r->objective, CvxSgdStatusName(ref.status),
                (long long)ref.iterations, ref.objective);
        } else if (k == size - 1) {
          /* the pool asks once before the job, the first-order loop after
           * each update, LMVM's monitor at iteration 0 and after each
           * iteration */
          PetscInt64 want = lmvm ? STOP_AFTER - 2 : STOP_AFTER - 1;
          CHECK(r->status == CVX_SGD_STATUS_INTERRUPTED && r->iterations == want && ref.iterations > want &&
                    isfinite(r->objective),
                "%s job %d: %s after %lld iterations (want interrupted after %lld of %lld), objective %g", name, (int)k,
                CvxSgdStatusName(r->status), (long long)r->iterations, (long long)want, (long long)ref.iterations,
                r->objective);
          if (lmvm)
            CHECK(r->tao_reason == TAO_CONVERGED_USER, "lmvm job %d: tao reason %d", (int)k, (int)r->tao_reason);
        } else {
          CHECK(r->status == CVX_SGD_STATUS_NOT_RUN && r->iterations == 0 && isnan(r->objective) &&
                    isnan(r->best_objective),
                "%s job %d: %s after %lld iterations, objective %g (want not_run)", name, (int)k,
                CvxSgdStatusName(r->status), (long long)r->iterations, r->objective);
        }
      }
    }
    PetscCallMPI(MPI_Barrier(world));
  }
  PetscCallMPI(MPI_Comm_free(&link));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return SgdTestMpiMain(argc, argv, Run);
}
