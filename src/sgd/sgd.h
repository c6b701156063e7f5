/* The SGD rank pool: independent trainings of the two-layer ReLU network
 *
 *     f(x) = sum_j relu(x^T u_j) a_j        (no output bias; X carries the
 *                                           first-layer bias column)
 *
 * on the objective of DESIGN.md section 1,
 *
 *     p1 = 1/2 ||f(X) - y||^2 + beta/2 * sum_j (||u_j||^2 + a_j^2),
 *
 * so that its values compare directly with the convex program's.
 *
 * Parameters. A network of width m on d columns is one vector theta of
 * (d + 1) m doubles: theta[0 .. d m) is U (d x m, column-major, column j is
 * u_j) and theta[d m .. (d + 1) m) is a. The regularizer is beta/2 ||theta||^2.
 *
 * Jobs. A job is a (width m, trial t) pair. Its random numbers come from the
 * streams (seed, CVX_STREAM_SGD, item = m * 2^32 + t, subitem): subitem 0
 * draws the initialization (u entries uniform in +-1/sqrt(d), then a uniform
 * in +-1/sqrt(m), the defaults of common frameworks), subitem 1 the minibatch
 * order. Nothing depends on the rank that runs the job, so every row a job
 * produces (except the time column) is the same for any rank count.
 *
 * Iterations and epochs. An iteration is one parameter update; an epoch is
 * one pass over the training set in ceil(n / b) minibatches of b rows (the
 * last one smaller when b does not divide n). With shuffling, each epoch
 * visits the rows in a fresh random permutation; without it, in order. A full
 * batch (b = n, batch_size 0) is never shuffled. For LMVM, an iteration and an
 * epoch are one TAO iteration on the full batch.
 *
 * Minibatch gradients. For a batch B of b rows the gradient used is
 *     (n / b) * grad(1/2 sum_{i in B} r_i^2) + beta * theta,
 * an unbiased estimate of the full gradient of p1 when B is a uniformly random
 * subset; for b = n it is the exact gradient.
 *
 * Trace. Every record_every iterations, at iteration 0 and at the last one, a
 * trace row carries the EXACT full-batch p1 and the training accuracy (the
 * prediction is +1 where f(x) >= 0, else -1; NaN for regression data). With a
 * test set, a test row after every epoch (and for epoch 0) carries p1 (the
 * same formula, regularizer included) and the accuracy on the test set.
 */
#ifndef CVXNN_SGD_SGD_H
#define CVXNN_SGD_SGD_H

#include <petscsys.h>
#include <stdint.h>

#define CVX_SGD_MAX_WIDTHS 64
/* Tag of every message the pool sends on the link communicator. */
#define CVX_SGD_TAG 4100

typedef enum { CVX_SGD_METHOD_SGD, CVX_SGD_METHOD_MOMENTUM, CVX_SGD_METHOD_ADAM, CVX_SGD_METHOD_LMVM } CvxSgdMethod;

/* Learning rate for epoch e (0-based): constant lr; exponential lr decay^e;
 * step lr decay^floor(e / step_epochs). */
typedef enum { CVX_SGD_SCHEDULE_CONSTANT, CVX_SGD_SCHEDULE_EXPONENTIAL, CVX_SGD_SCHEDULE_STEP } CvxSgdSchedule;

/* How a job ended. */
typedef enum {
  CVX_SGD_STATUS_COMPLETED   = 0, /* ran every epoch (LMVM: hit the iteration limit) */
  CVX_SGD_STATUS_CONVERGED   = 1, /* LMVM: gradient norm below gatol */
  CVX_SGD_STATUS_DIVERGED    = 2, /* the objective became Inf or NaN */
  CVX_SGD_STATUS_STOPPED     = 3, /* LMVM stopped for another reason (see tao_reason) */
  CVX_SGD_STATUS_INTERRUPTED = 4, /* stopped early at a stop request (opts.interrupted) */
  CVX_SGD_STATUS_NOT_RUN     = 5  /* not started: a stop was requested before (no iterations, NaN values) */
} CvxSgdStatus;

typedef struct {
  PetscInt       n_widths;                   /* number of widths in widths[] */
  PetscInt       widths[CVX_SGD_MAX_WIDTHS]; /* hidden-layer widths m */
  PetscInt       trials;                     /* initializations per width */
  CvxSgdMethod   method;
  double         lr;                /* learning rate (sgd, momentum, adam) */
  double         momentum;          /* heavy-ball coefficient (momentum) */
  double         beta1, beta2, eps; /* adam */
  PetscInt       epochs;            /* passes over the data; LMVM: maximum iterations */
  PetscInt       batch_size;        /* rows per minibatch, 0 = full batch */
  CvxSgdSchedule schedule;
  double         decay;        /* exponential: factor per epoch; step: factor per step */
  PetscInt       step_epochs;  /* step: epochs between decays */
  PetscInt       record_every; /* iterations between trace rows */
  PetscBool      shuffle;      /* fresh random minibatch order every epoch */
  uint64_t       seed;         /* master seed of the job streams */
  double         beta;         /* weight decay of p1 */
  double         gatol;        /* LMVM: stop when ||grad p1|| <= gatol */
  int (*interrupted)(void);    /* asked after every update: nonzero ends the job (status interrupted) and
                                  the rank's later jobs are reported not run; NULL (default): never */
} CvxSgdOptions;

/* The data a pool trains on (borrowed, column-major, identical on every rank). */
typedef struct {
  PetscInt      n, d;           /* training samples, columns (bias included) */
  const double *X, *y;          /* n x d and n */
  PetscInt      n_test;         /* 0 = no test set */
  const double *Xtest, *ytest;  /* n_test x d and n_test */
  PetscBool     classification; /* labels are -1/+1: accuracies are reported */
} CvxSgdProblem;

/* One trace row: exact full-batch p1 after `iteration` updates. */
typedef struct {
  PetscInt   width, trial;
  PetscInt64 iteration;
  double     epoch;     /* iteration / (minibatches per epoch) */
  double     time;      /* seconds since the job started */
  double     objective; /* p1 on the training set */
  double     accuracy;  /* training accuracy in [0, 1]; NaN for regression */
} CvxSgdTraceRow;

/* One test row: p1 and accuracy on the test set after `epoch` epochs. */
typedef struct {
  PetscInt   width, trial;
  PetscInt64 epoch;
  double     objective, accuracy;
} CvxSgdTestRow;

/* The outcome of one job. */
typedef struct {
  PetscInt   width, trial;
  PetscInt64 iterations;                      /* updates made */
  double     epochs;                          /* iterations / (minibatches per epoch) */
  double     objective;                       /* final p1 */
  double     best_objective;                  /* smallest exact p1 the job evaluated: every trace
                                                 row, and every iterate of a full-batch method */
  double       accuracy;                      /* final training accuracy (NaN for regression) */
  double       test_objective, test_accuracy; /* final, NaN without a test set */
  double       time;                          /* seconds */
  CvxSgdStatus status;
  PetscInt     tao_reason; /* LMVM: TaoConvergedReason; 0 otherwise */
} CvxSgdResult;

/* Callbacks that receive rows; any may be NULL. */
typedef struct {
  PetscErrorCode (*trace)(void *ctx, const CvxSgdTraceRow *row);
  PetscErrorCode (*test)(void *ctx, const CvxSgdTestRow *row);
  PetscErrorCode (*result)(void *ctx, const CvxSgdResult *result);
  void *ctx;
} CvxSgdSinks;

typedef struct _p_CvxSgdTrainer  *CvxSgdTrainer;
typedef struct _p_CvxSgdReceiver *CvxSgdReceiver;

/* ---- options ---------------------------------------------------------- */

/* Fills opts with defaults: width 5, 1 trial, adam, lr 1e-3, momentum 0.9,
 * beta1 0.9, beta2 0.999, eps 1e-8, 100 epochs, full batch, constant
 * schedule (decay 1, step_epochs 1), record_every 1, shuffle on, seed 0,
 * beta 1e-4, gatol 1e-8. Not collective. */
PetscErrorCode CvxSgdOptionsSetDefaults(CvxSgdOptions *opts);

/* Checks opts against the problem (sizes, ranges, memory that would be
 * needed); raises CVX_ERR_INPUT naming the sgd.* key at fault. Not collective
 * (deterministic: every rank that checks the same input raises the same error).
 * Call it on every rank before starting a pool. */
PetscErrorCode CvxSgdOptionsValidate(const CvxSgdOptions *opts, const CvxSgdProblem *prob);

/* Names as used in configuration files ("sgd", "momentum", "adam", "lmvm";
 * "constant", "exponential", "step"; "completed", "converged", "diverged",
 * "stopped", "interrupted", "not_run"). */
const char *CvxSgdMethodName(CvxSgdMethod method);
const char *CvxSgdScheduleName(CvxSgdSchedule schedule);
const char *CvxSgdStatusName(CvxSgdStatus status);

/* The learning rate of epoch `epoch` (0-based) under the schedule of opts. */
double CvxSgdLearningRate(const CvxSgdOptions *opts, PetscInt epoch);

/* Number of jobs (n_widths * trials) and job k's (width, trial): jobs are
 * ordered width by width, trials within a width. */
PetscInt       CvxSgdJobCount(const CvxSgdOptions *opts);
PetscErrorCode CvxSgdJobGet(const CvxSgdOptions *opts, PetscInt k, PetscInt *width, PetscInt *trial);

/* ---- the network ------------------------------------------------------ */

/* Fills theta ((d + 1) m doubles) with the initialization of job (m, trial)
 * under seed. Not collective. */
PetscErrorCode CvxSgdInitialize(uint64_t seed, PetscInt d, PetscInt m, PetscInt trial, double *theta);

/* Exact p1 of the network theta on (X, y) (n x d, column-major) with weight
 * decay beta, and the accuracy (NaN when classification is false). Either
 * output may be NULL. Not collective. */
PetscErrorCode CvxSgdObjective(PetscInt n, PetscInt d, const double *X, const double *y, PetscBool classification,
                               PetscInt m, const double *theta, double beta, double *objective, double *accuracy);

/* The minibatch estimate on the b rows listed in rows (rows = NULL: rows
 * 0..b-1): estimate = (n / b) * 1/2 sum_{i in B} r_i^2 + beta/2 ||theta||^2 and
 * grad its gradient ((d + 1) m doubles). With b = n and rows = NULL they are
 * p1 and its exact gradient. Not collective. */
PetscErrorCode CvxSgdBatchGradient(PetscInt n, PetscInt d, const double *X, const double *y, PetscInt m,
                                   const double *theta, double beta, PetscInt b, const PetscInt *rows, double *estimate,
                                   double *grad);

/* ---- one job ----------------------------------------------------------- */

/* Creates the trainer of job (width, trial) and initializes its network.
 * prob and its arrays must outlive the trainer. Not collective. */
PetscErrorCode CvxSgdTrainerCreate(const CvxSgdProblem *prob, const CvxSgdOptions *opts, PetscInt width, PetscInt trial,
                                   CvxSgdTrainer *tr);

/* The trainer's parameter vector (read/write, (d + 1) m doubles). */
PetscErrorCode CvxSgdTrainerGetParameters(CvxSgdTrainer tr, double **theta, PetscInt *count);

/* Makes one update (sgd, momentum or adam) on the next minibatch, with the
 * learning rate of the current epoch. Outputs (may be NULL): the minibatch
 * estimate of p1 before the update. Not collective. */
PetscErrorCode CvxSgdTrainerStep(CvxSgdTrainer tr, double *estimate);

/* The rows of the most recent update's minibatch (borrowed) and the
 * iterations and epochs completed so far. Any output may be NULL. */
PetscErrorCode CvxSgdTrainerGetState(CvxSgdTrainer tr, const PetscInt **rows, PetscInt *b, PetscInt64 *iteration,
                                     PetscInt *epoch);

/* Runs the whole job from the trainer's current parameters (all epochs, or
 * TAO LMVM), handing trace rows, test rows and the result to sinks. The final
 * parameters stay in the trainer. result may be NULL. Not collective. */
PetscErrorCode CvxSgdTrainerRun(CvxSgdTrainer tr, const CvxSgdSinks *sinks, CvxSgdResult *result);

/* Frees the trainer. */
PetscErrorCode CvxSgdTrainerDestroy(CvxSgdTrainer *tr);

/* Create + Run + Destroy for job (width, trial). Not collective. */
PetscErrorCode CvxSgdJobRun(const CvxSgdProblem *prob, const CvxSgdOptions *opts, PetscInt width, PetscInt trial,
                            const CvxSgdSinks *sinks, CvxSgdResult *result);

/* Reports job (width, trial) as not run (status not_run, no iterations, NaN
 * values) to sinks->result, as a pool does for the jobs after a stop
 * request. result may be NULL. Not collective. */
PetscErrorCode CvxSgdJobSkip(PetscInt width, PetscInt trial, const CvxSgdSinks *sinks, CvxSgdResult *result);

/* ---- the pool ---------------------------------------------------------- */

/* Runs every job of opts over the ranks of `pool`: job k goes to pool rank
 * k % size. Collective on pool. Every row goes to rank 0 of `link` (a
 * communicator spanning the whole program, e.g. a dup of MPI_COMM_WORLD,
 * created once and reserved for such traffic; tag CVX_SGD_TAG) in chunks of
 * bounded size, sent while the jobs run. On link rank 0, when it is in the
 * pool, recv must be its receiver: its own rows go straight to the
 * receiver's sinks and it polls for the other ranks' rows between (and
 * during) its jobs; afterwards it must call CvxSgdReceiverPoll(wait = true)
 * to collect the rest. On every other rank recv is ignored (pass NULL).
 * After a stop request (opts->interrupted) each rank ends the job it is
 * running and reports its later jobs as not run (CvxSgdJobSkip), so rank 0
 * still receives one result per job.
 * One pool run at a time per link communicator: rank 0 must have received
 * every sender's end-of-work message before another run starts. */
PetscErrorCode CvxSgdPoolRun(MPI_Comm pool, MPI_Comm link, const CvxSgdProblem *prob, const CvxSgdOptions *opts,
                             CvxSgdReceiver recv);

/* Creates the receiver of rows on rank 0 of link. n_senders is the number of
 * pool ranks other than link rank 0 (each sends one end-of-work message).
 * sinks are called, on this rank only, for every row received. Not collective. */
PetscErrorCode CvxSgdReceiverCreate(MPI_Comm link, PetscMPIInt n_senders, const CvxSgdSinks *sinks,
                                    CvxSgdReceiver *recv);

/* Hands every row that has arrived to the sinks. wait = false: returns at
 * once when nothing is pending (one MPI_Iprobe), cheap enough to call between
 * solver iterations. wait = true: blocks until every sender has finished.
 * all_done (may be NULL): every sender has finished and all its rows were
 * delivered. Not collective. */
PetscErrorCode CvxSgdReceiverPoll(CvxSgdReceiver recv, PetscBool wait, PetscBool *all_done);

/* Number of job results delivered so far (own and received). */
PetscErrorCode CvxSgdReceiverGetResultCount(CvxSgdReceiver recv, PetscInt *count);

/* Frees the receiver. Not collective. */
PetscErrorCode CvxSgdReceiverDestroy(CvxSgdReceiver *recv);

#endif
