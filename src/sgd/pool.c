/* The SGD rank pool: jobs dealt round-robin over the pool's ranks, rows sent
 * to rank 0 of the link communicator in bounded chunks, and the receiver that
 * hands them to the program's sinks on that rank.
 *
 * Wire format: a message is a whole number of records of CVX_SGD_RECORD
 * doubles; record[0] is the kind, the rest its fields (integers are exact in
 * a double). A sender's last record is a DONE record carrying its job count.
 * All messages use one tag, so the records of one sender arrive in the order
 * they were produced (MPI's non-overtaking rule). */
#include "sgd/sgdimpl.h"

#include "core/error.h"
#include "core/timer.h"

#include <math.h>

#define CVX_SGD_RECORD 16         /* doubles per record */
#define CVX_SGD_CHUNK 512         /* records per message */
#define CVX_SGD_NBUF 4            /* send buffers in flight per rank */
#define CVX_SGD_FLUSH_SECONDS 0.5 /* longest a partial chunk waits */
#define CVX_SGD_POLL_SECONDS 0.05 /* rank 0: polls at most this often while it trains */

enum { KIND_TRACE = 1, KIND_TEST = 2, KIND_RESULT = 3, KIND_DONE = 4 };

struct _p_CvxSgdReceiver {
  MPI_Comm    link;
  PetscMPIInt n_senders, n_done;
  CvxSgdSinks sinks;
  double     *buf; /* one message */
  PetscInt    results;
  PetscInt64  jobs_reported;
  double      last_poll;
};

/* ---- records ----------------------------------------------------------- */

static void PackTrace(const CvxSgdTraceRow *row, double *rec)
{
  for (int i = 0; i < CVX_SGD_RECORD; i++)
    rec[i] = 0.0;
  rec[0] = KIND_TRACE;
  rec[1] = (double)row->width;
  rec[2] = (double)row->trial;
  rec[3] = (double)row->iteration;
  rec[4] = row->epoch;
  rec[5] = row->time;
  rec[6] = row->objective;
  rec[7] = row->accuracy;
}

static void PackTest(const CvxSgdTestRow *row, double *rec)
{
  for (int i = 0; i < CVX_SGD_RECORD; i++)
    rec[i] = 0.0;
  rec[0] = KIND_TEST;
  rec[1] = (double)row->width;
  rec[2] = (double)row->trial;
  rec[3] = (double)row->epoch;
  rec[4] = row->objective;
  rec[5] = row->accuracy;
}

static void PackResult(const CvxSgdResult *res, double *rec)
{
  for (int i = 0; i < CVX_SGD_RECORD; i++)
    rec[i] = 0.0;
  rec[0]  = KIND_RESULT;
  rec[1]  = (double)res->width;
  rec[2]  = (double)res->trial;
  rec[3]  = (double)res->iterations;
  rec[4]  = res->epochs;
  rec[5]  = res->objective;
  rec[6]  = res->best_objective;
  rec[7]  = res->accuracy;
  rec[8]  = res->test_objective;
  rec[9]  = res->test_accuracy;
  rec[10] = res->time;
  rec[11] = (double)res->status;
  rec[12] = (double)res->tao_reason;
}

/* Delivers one received record to the receiver's sinks. */
static PetscErrorCode ReceiverDispatch(CvxSgdReceiver recv, const double *rec, PetscMPIInt source)
{
  const CvxSgdSinks *s = &recv->sinks;

  PetscFunctionBeginUser;
  switch ((int)rec[0]) {
  case KIND_TRACE: {
    CvxSgdTraceRow row;
    row.width     = (PetscInt)rec[1];
    row.trial     = (PetscInt)rec[2];
    row.iteration = (PetscInt64)rec[3];
    row.epoch     = rec[4];
    row.time      = rec[5];
    row.objective = rec[6];
    row.accuracy  = rec[7];
    if (s->trace) PetscCall(s->trace(s->ctx, &row));
  } break;
  case KIND_TEST: {
    CvxSgdTestRow row;
    row.width     = (PetscInt)rec[1];
    row.trial     = (PetscInt)rec[2];
    row.epoch     = (PetscInt64)rec[3];
    row.objective = rec[4];
    row.accuracy  = rec[5];
    if (s->test) PetscCall(s->test(s->ctx, &row));
  } break;
  case KIND_RESULT: {
    CvxSgdResult res;
    res.width          = (PetscInt)rec[1];
    res.trial          = (PetscInt)rec[2];
    res.iterations     = (PetscInt64)rec[3];
    res.epochs         = rec[4];
    res.objective      = rec[5];
    res.best_objective = rec[6];
    res.accuracy       = rec[7];
    res.test_objective = rec[8];
    res.test_accuracy  = rec[9];
    res.time           = rec[10];
    res.status         = (CvxSgdStatus)(int)rec[11];
    res.tao_reason     = (PetscInt)rec[12];
    recv->results++;
    if (s->result) PetscCall(s->result(s->ctx, &res));
  } break;
  case KIND_DONE:
    recv->n_done++;
    recv->jobs_reported += (PetscInt64)rec[1];
    PetscCheck(recv->n_done <= recv->n_senders, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "sgd: %d end-of-work messages for %d senders (the last from rank %d)", (int)recv->n_done,
               (int)recv->n_senders, (int)source);
    break;
  default:
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "sgd: record of unknown kind %g from rank %d", rec[0], (int)source);
  }
  PetscFunctionReturn(0);
}

/* ---- receiver ---------------------------------------------------------- */

PetscErrorCode CvxSgdReceiverCreate(MPI_Comm link, PetscMPIInt n_senders, const CvxSgdSinks *sinks, CvxSgdReceiver *out)
{
  CvxSgdReceiver recv;
  PetscMPIInt    size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(link, &size));
  PetscCheck(n_senders >= 0 && n_senders < size, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "sgd: %d senders on a communicator of %d ranks", (int)n_senders, (int)size);
  PetscCall(PetscNew(&recv));
  recv->link      = link;
  recv->n_senders = n_senders;
  if (sinks) recv->sinks = *sinks;
  PetscCall(PetscMalloc1((size_t)CVX_SGD_CHUNK * CVX_SGD_RECORD, &recv->buf));
  recv->last_poll = CvxWallTime();
  *out            = recv;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdReceiverDestroy(CvxSgdReceiver *recv)
{
  PetscFunctionBeginUser;
  if (!*recv) PetscFunctionReturn(0);
  PetscCall(PetscFree((*recv)->buf));
  PetscCall(PetscFree(*recv));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdReceiverGetResultCount(CvxSgdReceiver recv, PetscInt *count)
{
  PetscFunctionBeginUser;
  *count = recv->results;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSgdReceiverPoll(CvxSgdReceiver recv, PetscBool wait, PetscBool *all_done)
{
  PetscFunctionBeginUser;
  for (;;) {
    MPI_Status st;
    int        flag = 0, count;

    if (wait && recv->n_done < recv->n_senders) {
      PetscCallMPI(MPI_Probe(MPI_ANY_SOURCE, CVX_SGD_TAG, recv->link, &st));
    } else {
      PetscCallMPI(MPI_Iprobe(MPI_ANY_SOURCE, CVX_SGD_TAG, recv->link, &flag, &st));
      if (!flag) break;
    }
    PetscCallMPI(MPI_Get_count(&st, MPI_DOUBLE, &count));
    PetscCheck(count > 0 && count % CVX_SGD_RECORD == 0 && count <= CVX_SGD_CHUNK * CVX_SGD_RECORD, PETSC_COMM_SELF,
               PETSC_ERR_PLIB, "sgd: malformed message of %d doubles from rank %d", count, (int)st.MPI_SOURCE);
    PetscCallMPI(MPI_Recv(recv->buf, count, MPI_DOUBLE, st.MPI_SOURCE, CVX_SGD_TAG, recv->link, MPI_STATUS_IGNORE));
    for (int k = 0; k < count / CVX_SGD_RECORD; k++)
      PetscCall(ReceiverDispatch(recv, recv->buf + (size_t)k * CVX_SGD_RECORD, st.MPI_SOURCE));
  }
  recv->last_poll = CvxWallTime();
  if (all_done) *all_done = recv->n_done == recv->n_senders ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* ---- senders ------------------------------------------------------------ */

/* Rows of a rank other than link rank 0: packed into a ring of buffers, each
 * sent with MPI_Isend when full, at the end of a job, or when it has waited
 * CVX_SGD_FLUSH_SECONDS. Memory is bounded by the ring. */
typedef struct {
  MPI_Comm    link;
  double     *mem, *buf[CVX_SGD_NBUF];
  MPI_Request req[CVX_SGD_NBUF];
  int         cur;
  PetscInt    fill;
  double      last_flush;
} Sender;

static PetscErrorCode SenderFlush(Sender *s)
{
  PetscFunctionBeginUser;
  if (s->fill == 0) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Isend(s->buf[s->cur], (PetscMPIInt)(s->fill * CVX_SGD_RECORD), MPI_DOUBLE, 0, CVX_SGD_TAG, s->link,
                         &s->req[s->cur]));
  s->cur = (s->cur + 1) % CVX_SGD_NBUF;
  /* The next buffer to fill must have been delivered. */
  PetscCallMPI(MPI_Wait(&s->req[s->cur], MPI_STATUS_IGNORE));
  s->fill       = 0;
  s->last_flush = CvxWallTime();
  PetscFunctionReturn(0);
}

/* Appends a packed record; flushes when the buffer is full, when flush is
 * set, or when the partial buffer has waited long enough. */
static PetscErrorCode SenderAppend(Sender *s, const double *rec, PetscBool flush)
{
  double *dst = s->buf[s->cur] + (size_t)s->fill * CVX_SGD_RECORD;

  PetscFunctionBeginUser;
  for (int i = 0; i < CVX_SGD_RECORD; i++)
    dst[i] = rec[i];
  s->fill++;
  if (flush || s->fill == CVX_SGD_CHUNK || CvxWallTime() - s->last_flush > CVX_SGD_FLUSH_SECONDS)
    PetscCall(SenderFlush(s));
  PetscFunctionReturn(0);
}

static PetscErrorCode SenderTrace(void *ctx, const CvxSgdTraceRow *row)
{
  double rec[CVX_SGD_RECORD];

  PetscFunctionBeginUser;
  PackTrace(row, rec);
  PetscCall(SenderAppend((Sender *)ctx, rec, PETSC_FALSE));
  PetscFunctionReturn(0);
}

static PetscErrorCode SenderTest(void *ctx, const CvxSgdTestRow *row)
{
  double rec[CVX_SGD_RECORD];

  PetscFunctionBeginUser;
  PackTest(row, rec);
  PetscCall(SenderAppend((Sender *)ctx, rec, PETSC_FALSE));
  PetscFunctionReturn(0);
}

static PetscErrorCode SenderResult(void *ctx, const CvxSgdResult *res)
{
  double rec[CVX_SGD_RECORD];

  PetscFunctionBeginUser;
  PackResult(res, rec);
  PetscCall(SenderAppend((Sender *)ctx, rec, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* ---- link rank 0 inside the pool: its rows go straight to the sinks ------ */

static PetscErrorCode LocalPollMaybe(CvxSgdReceiver recv)
{
  PetscFunctionBeginUser;
  if (CvxWallTime() - recv->last_poll > CVX_SGD_POLL_SECONDS) PetscCall(CvxSgdReceiverPoll(recv, PETSC_FALSE, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode LocalTrace(void *ctx, const CvxSgdTraceRow *row)
{
  CvxSgdReceiver recv = (CvxSgdReceiver)ctx;

  PetscFunctionBeginUser;
  if (recv->sinks.trace) PetscCall(recv->sinks.trace(recv->sinks.ctx, row));
  PetscCall(LocalPollMaybe(recv));
  PetscFunctionReturn(0);
}

static PetscErrorCode LocalTest(void *ctx, const CvxSgdTestRow *row)
{
  CvxSgdReceiver recv = (CvxSgdReceiver)ctx;

  PetscFunctionBeginUser;
  if (recv->sinks.test) PetscCall(recv->sinks.test(recv->sinks.ctx, row));
  PetscCall(LocalPollMaybe(recv));
  PetscFunctionReturn(0);
}

static PetscErrorCode LocalResult(void *ctx, const CvxSgdResult *res)
{
  CvxSgdReceiver recv = (CvxSgdReceiver)ctx;

  PetscFunctionBeginUser;
  recv->results++;
  if (recv->sinks.result) PetscCall(recv->sinks.result(recv->sinks.ctx, res));
  PetscFunctionReturn(0);
}

/* ---- the pool ------------------------------------------------------------ */

PetscErrorCode CvxSgdPoolRun(MPI_Comm pool, MPI_Comm link, const CvxSgdProblem *prob, const CvxSgdOptions *opts,
                             CvxSgdReceiver recv)
{
  PetscMPIInt prank, psize, lrank;
  PetscInt    njobs, mine = 0;
  Sender      snd;
  CvxSgdSinks sinks;

  PetscFunctionBeginUser;
  PetscCall(CvxSgdOptionsValidate(opts, prob));
  PetscCallMPI(MPI_Comm_rank(pool, &prank));
  PetscCallMPI(MPI_Comm_size(pool, &psize));
  PetscCallMPI(MPI_Comm_rank(link, &lrank));
  njobs = CvxSgdJobCount(opts);
  if (lrank == 0) {
    PetscCheck(recv, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "sgd: rank 0 of the link communicator needs its receiver");
    PetscCheck(recv->link == link, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
               "sgd: the receiver was created on another communicator");
    sinks.trace  = LocalTrace;
    sinks.test   = LocalTest;
    sinks.result = LocalResult;
    sinks.ctx    = recv;
  } else {
    PetscCall(PetscMemzero(&snd, sizeof(snd)));
    snd.link = link;
    PetscCall(PetscMalloc1((size_t)CVX_SGD_NBUF * CVX_SGD_CHUNK * CVX_SGD_RECORD, &snd.mem));
    for (int i = 0; i < CVX_SGD_NBUF; i++) {
      snd.buf[i] = snd.mem + (size_t)i * CVX_SGD_CHUNK * CVX_SGD_RECORD;
      snd.req[i] = MPI_REQUEST_NULL;
    }
    snd.last_flush = CvxWallTime();
    sinks.trace    = SenderTrace;
    sinks.test     = SenderTest;
    sinks.result   = SenderResult;
    sinks.ctx      = &snd;
  }

  for (PetscInt k = prank; k < njobs; k += psize) {
    PetscInt width, trial;

    PetscCall(CvxSgdJobGet(opts, k, &width, &trial));
    /* after a stop request the rank's jobs are reported, not run */
    if (opts->interrupted && (*opts->interrupted)()) PetscCall(CvxSgdJobSkip(width, trial, &sinks, NULL));
    else PetscCall(CvxSgdJobRun(prob, opts, width, trial, &sinks, NULL));
    mine++;
    if (lrank == 0) PetscCall(CvxSgdReceiverPoll(recv, PETSC_FALSE, NULL));
  }

  if (lrank != 0) {
    double rec[CVX_SGD_RECORD] = {0};
    rec[0]                     = KIND_DONE;
    rec[1]                     = (double)mine;
    PetscCall(SenderAppend(&snd, rec, PETSC_TRUE));
    PetscCallMPI(MPI_Waitall(CVX_SGD_NBUF, snd.req, MPI_STATUSES_IGNORE));
    PetscCall(PetscFree(snd.mem));
  }
  PetscFunctionReturn(0);
}
