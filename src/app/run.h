/* State of one run shared by the stages of the program (src/app). */
#ifndef CVXNN_APP_RUN_H
#define CVXNN_APP_RUN_H

#include "app/cli.h"
#include "config/config.h"
#include "data/data.h"
#include "io/output.h"
#include "sgd/sgd.h"
#include "convex/admm.h"

typedef struct {
  const CvxCommandLine *cl;
  CvxConfig             cfg;
  MPI_Comm              world;
  PetscMPIInt           rank, size;
  char                  dir[CVX_OUT_PATH_MAX]; /* run folder (rank 0) */
  char                  started[64];
  CvxDataset            data;
  double                t_start, t_load;

  /* rank roles, split once */
  MPI_Comm  convex_comm; /* MPI_COMM_NULL on ranks outside the convex pool */
  MPI_Comm  sgd_comm;    /* MPI_COMM_NULL on ranks outside the SGD pool */
  MPI_Comm  link;        /* dup of world reserved for SGD rows sent to rank 0 */
  PetscMPIInt convex_ranks, sgd_ranks;
  PetscBool concurrent;  /* the pools are disjoint and run at the same time */
  PetscBool pools_started; /* between the split and the end of both pools */
  int         stop_signal;   /* the signal that stopped the run early on any rank, or 0 (set after the pools) */

  /* convex stage (scalars identical on the convex ranks, copied to rank 0) */
  PetscBool     convex_done;
  PetscInt      arrangements;      /* P */
  PetscBool     arrangements_exact;
  double        t_arrangements;
  CvxAdmmResult convex;
  double        network_test_objective, network_test_accuracy;
  CvxOutFile    convex_trace; /* rank 0 */

  /* SGD stage (rank 0) */
  CvxSgdReceiver sgd_recv;
  CvxOutFile     sgd_trace, sgd_test, sgd_results;
  CvxSgdResult  *sgd_jobs; /* results by job index */
  PetscInt       sgd_job_count, sgd_jobs_received;
  double         t_sgd;
} CvxRun;

/* SGD stage: maps cfg.sgd to the pool's options (every rank). */
PetscErrorCode CvxRunSgdOptions(const CvxRun *run, CvxSgdOptions *opts, CvxSgdProblem *prob);
/* Rank 0: opens the SGD files and creates the receiver. Not collective. */
PetscErrorCode CvxRunSgdBegin(CvxRun *run);
/* Runs the pool on the SGD ranks (rank 0 passes its receiver). Collective on
 * the SGD pool. */
PetscErrorCode CvxRunSgdPool(CvxRun *run);
/* Rank 0: waits for every row, commits the SGD files. Not collective. */
PetscErrorCode CvxRunSgdEnd(CvxRun *run);
/* Rank 0: the sgd section of summary.yaml. */
PetscErrorCode CvxRunSgdSummary(const CvxRun *run, CvxYaml *y);
/* Rank 0: drains rows that have arrived (cheap when none). */
PetscErrorCode CvxRunSgdPoll(void *ctx);
/* Frees what the SGD stage holds; discards unfinished files. */
void CvxRunSgdCleanup(CvxRun *run);

/* Convex stage: arrangements, ADMM, network (network.txt written at its
 * end); collective on the convex pool. */
PetscErrorCode CvxRunConvex(CvxRun *run);
/* Rank 0: the arrangements, convex and network sections of summary.yaml. */
PetscErrorCode CvxRunConvexSummary(const CvxRun *run, CvxYaml *y);
/* Frees what the convex stage holds; discards unfinished files. */
void CvxRunConvexCleanup(CvxRun *run);

#endif
