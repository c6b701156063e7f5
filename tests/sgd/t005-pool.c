/* The SGD pool delivers, on world rank 0, the same rows per (width, trial) as
 * the jobs run one by one on rank 0, for several pool layouts (all ranks,
 * the last rank alone, ranks 1-2 without rank 0, rank 0 with the last rank)
 * and three settings (minibatch Adam with a test set, LMVM on regression
 * data, momentum with a step schedule). Rows are compared bit for bit after
 * sorting, every column but the time. Run at -np 1, 2 and 4. Prints only on
 * failure. */
#include "sgdtest.h"

#include "core/error.h"

#include <petscsys.h>
#include <unistd.h>

#define ROWLEN 12

typedef struct {
  double v[ROWLEN];
} Row;

typedef struct {
  Row   *rows;
  size_t n, cap;
  int    results;
} Rows;

static PetscErrorCode RowsPush(Rows *r, const Row *row)
{
  PetscFunctionBeginUser;
  if (r->n == r->cap) {
    r->cap  = r->cap ? 2 * r->cap : 256;
    r->rows = realloc(r->rows, r->cap * sizeof(Row));
    PetscCheck(r->rows, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory");
  }
  r->rows[r->n++] = *row;
  PetscFunctionReturn(0);
}

static PetscErrorCode SinkTrace(void *ctx, const CvxSgdTraceRow *t)
{
  Row row = {{1, t->width, t->trial, (double)t->iteration, t->epoch, t->objective, t->accuracy}};
  return RowsPush((Rows *)ctx, &row);
}

static PetscErrorCode SinkTest(void *ctx, const CvxSgdTestRow *t)
{
  Row row = {{2, t->width, t->trial, (double)t->epoch, t->objective, t->accuracy}};
  return RowsPush((Rows *)ctx, &row);
}

static PetscErrorCode SinkResult(void *ctx, const CvxSgdResult *r)
{
  Row row = {{3, r->width, r->trial, (double)r->iterations, r->epochs, r->objective, r->best_objective, r->accuracy,
              r->test_objective, r->test_accuracy, r->status, r->tao_reason}};
  ((Rows *)ctx)->results++;
  return RowsPush((Rows *)ctx, &row);
}

static int RowCompare(const void *a, const void *b)
{
  const double *x = ((const Row *)a)->v, *y = ((const Row *)b)->v;
  for (int i = 0; i < 4; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

/* Membership of rank in layout L on a world of size S. */
static int InLayout(int L, int rank, int S)
{
  switch (L) {
  case 0:
    return 1;
  case 1:
    return rank == S - 1;
  case 2:
    return S == 1 ? rank == 0 : (rank == 1 || rank == 2);
  default:
    return rank == 0 || rank == S - 1;
  }
}

enum { N = 30, DF = 2, D = DF + 1, NT = 12 };
static double X[N * D], y[N], Xt[NT * D], yt[NT], yreg[N];

static void Configure(int c, CvxSgdProblem *prob, CvxSgdOptions *o)
{
  CvxSgdOptionsSetDefaults(o);
  *prob = (CvxSgdProblem){
      .n = N, .d = D, .X = X, .y = y, .n_test = NT, .Xtest = Xt, .ytest = yt, .classification = PETSC_TRUE};
  o->seed = 17;
  if (c == 0) {
    o->n_widths     = 2;
    o->widths[0]    = 2;
    o->widths[1]    = 5;
    o->trials       = 3;
    o->method       = CVX_SGD_METHOD_ADAM;
    o->lr           = 0.01;
    o->batch_size   = 7;
    o->epochs       = 4;
    o->record_every = 3;
  } else if (c == 1) {
    prob->y              = yreg;
    prob->n_test         = 0;
    prob->classification = PETSC_FALSE;
    o->widths[0]         = 3;
    o->trials            = 2;
    o->method            = CVX_SGD_METHOD_LMVM;
    o->epochs            = 30;
    o->record_every      = 4;
    o->gatol             = 1e-7;
  } else {
    o->n_widths    = 3;
    o->widths[0]   = 1;
    o->widths[1]   = 4;
    o->widths[2]   = 2;
    o->trials      = 2;
    o->method      = CVX_SGD_METHOD_MOMENTUM;
    o->lr          = 0.02;
    o->schedule    = CVX_SGD_SCHEDULE_STEP;
    o->decay       = 0.5;
    o->step_epochs = 3;
    o->epochs      = 10;
    o->beta        = 0.01;
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
  MakeData(N, DF, 7, X, y);
  MakeData(NT, DF, 8, Xt, yt);
  for (int i = 0; i < N; i++)
    yreg[i] = sin(3 * X[i]) + 0.5 * X[i + N];

  for (int c = 0; c < 3; c++) {
    CvxSgdProblem prob;
    CvxSgdOptions opts;
    Rows          ref      = {0};
    CvxSgdSinks   refsinks = {SinkTrace, SinkTest, SinkResult, &ref};

    Configure(c, &prob, &opts);
    const PetscInt njobs = CvxSgdJobCount(&opts);
    if (rank == 0) {
      for (PetscInt k = 0; k < njobs; k++) {
        PetscInt w, t;
        PetscCall(CvxSgdJobGet(&opts, k, &w, &t));
        PetscCall(CvxSgdJobRun(&prob, &opts, w, t, &refsinks, NULL));
      }
      qsort(ref.rows, ref.n, sizeof(Row), RowCompare);
    }
    for (int L = 0; L < 4; L++) {
      const int      in = InLayout(L, rank, size);
      MPI_Comm       pool;
      Rows           got   = {0};
      CvxSgdSinks    sinks = {SinkTrace, SinkTest, SinkResult, &got};
      CvxSgdReceiver recv  = NULL;
      PetscBool      done  = PETSC_FALSE;

      PetscCallMPI(MPI_Comm_split(world, in ? 0 : MPI_UNDEFINED, rank, &pool));
      if (rank == 0) {
        int members = 0;
        for (int r = 0; r < size; r++)
          members += InLayout(L, r, size);
        PetscCall(CvxSgdReceiverCreate(link, members - in, &sinks, &recv));
      }
      if (in) PetscCall(CvxSgdPoolRun(pool, link, &prob, &opts, recv));
      if (rank == 0) {
        if (!in) /* rank 0 busy elsewhere, polling now and then */
          for (int i = 0; i < 20 && !done; i++) {
            PetscCall(CvxSgdReceiverPoll(recv, PETSC_FALSE, &done));
            usleep(2000);
          }
        PetscCall(CvxSgdReceiverPoll(recv, PETSC_TRUE, &done));
        PetscInt count;
        PetscCall(CvxSgdReceiverGetResultCount(recv, &count));
        CHECK(done, "config %d layout %d: receiver not done after waiting", c, L);
        CHECK(count == njobs && got.results == njobs, "config %d layout %d: %d results (sinks %d), want %d", c, L,
              (int)count, got.results, (int)njobs);
        qsort(got.rows, got.n, sizeof(Row), RowCompare);
        CHECK(got.n == ref.n, "config %d layout %d: %zu rows, reference %zu", c, L, got.n, ref.n);
        for (size_t i = 0; i < got.n && i < ref.n; i++)
          if (memcmp(&got.rows[i], &ref.rows[i], sizeof(Row))) {
            CHECK(0, "config %d layout %d: row %zu (kind %g width %g trial %g it %g) differs", c, L, i,
                  got.rows[i].v[0], got.rows[i].v[1], got.rows[i].v[2], got.rows[i].v[3]);
            break;
          }
        PetscCall(CvxSgdReceiverDestroy(&recv));
      }
      if (pool != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&pool));
      free(got.rows);
      /* One pool run at a time on a link communicator. */
      PetscCallMPI(MPI_Barrier(world));
    }
    if (rank == 0) {
      /* The reference itself is not empty and has the expected shape. */
      CHECK(ref.results == njobs && ref.n > (size_t)(3 * njobs), "config %d: reference has %zu rows", c, ref.n);
    }
    free(ref.rows);
  }
  PetscCallMPI(MPI_Comm_free(&link));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return SgdTestMpiMain(argc, argv, Run);
}
