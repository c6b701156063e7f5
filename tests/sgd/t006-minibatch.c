/* Minibatches: every epoch visits each sample exactly once (shuffled or
 * not), the order depends on the job only, epochs and iterations are counted
 * as documented, the scaled minibatch gradients average to the full
 * gradient, and full batch is the same run as batch_size = n. Prints only on
 * failure. */
#include "sgdtest.h"

#include <petscsys.h>

enum { N = 10, DF = 2, D = DF + 1, M = 4, NT = 5, P = (D + 1) * M };

static double X[N * D], y[N], Xt[NT * D], yt[NT];

typedef struct {
  int    ntrace, ntest;
  long   its[64];
  double epochs[64], objective[64], accuracy[64];
  long   test_epochs[64];
} Rows;

static PetscErrorCode Trace(void *ctx, const CvxSgdTraceRow *row)
{
  Rows *r = (Rows *)ctx;
  if (r->ntrace < 64) {
    r->its[r->ntrace]       = (long)row->iteration;
    r->epochs[r->ntrace]    = row->epoch;
    r->objective[r->ntrace] = row->objective;
    r->accuracy[r->ntrace]  = row->accuracy;
  }
  r->ntrace++;
  return 0;
}

static PetscErrorCode Test(void *ctx, const CvxSgdTestRow *row)
{
  Rows *r = (Rows *)ctx;
  if (r->ntest < 64) r->test_epochs[r->ntest] = (long)row->epoch;
  r->ntest++;
  return 0;
}

/* The rows visited in `epochs` epochs of trainer (width M, trial); checks that
 * each epoch is a permutation. */
static int Visit(const CvxSgdProblem *prob, CvxSgdOptions *opts, PetscInt trial, int epochs, PetscInt *visited)
{
  CvxSgdTrainer tr;
  int           pos = 0;
  if (CvxSgdTrainerCreate(prob, opts, M, trial, &tr)) return -1;
  for (int e = 0; e < epochs; e++) {
    int seen[N] = {0};
    for (int s = 0; s < (N + 2) / 3; s++) {
      const PetscInt *rows;
      PetscInt        b, ep;
      PetscInt64      it;
      if (CvxSgdTrainerStep(tr, NULL)) return -1;
      if (CvxSgdTrainerGetState(tr, &rows, &b, &it, &ep)) return -1;
      CHECK(b == (s < 3 ? 3 : 1), "epoch %d step %d: batch of %d rows", e, s, (int)b);
      CHECK(it == (PetscInt64)e * 4 + s + 1, "iteration %lld, want %d", (long long)it, e * 4 + s + 1);
      CHECK(ep == (s == 3 ? e + 1 : e), "epoch counter %d at epoch %d step %d", (int)ep, e, s);
      for (PetscInt i = 0; i < b; i++) {
        CHECK(rows[i] >= 0 && rows[i] < N, "row %d out of range", (int)rows[i]);
        if (rows[i] >= 0 && rows[i] < N) seen[rows[i]]++;
        visited[pos++] = rows[i];
      }
    }
    for (int i = 0; i < N; i++)
      CHECK(seen[i] == 1, "epoch %d visited sample %d %d times", e, i, seen[i]);
  }
  if (CvxSgdTrainerDestroy(&tr)) return -1;
  return 0;
}

int main(int argc, char **argv)
{
  CvxSgdProblem prob = {
      .n = N, .d = D, .X = X, .y = y, .n_test = NT, .Xtest = Xt, .ytest = yt, .classification = PETSC_TRUE};
  CvxSgdOptions opts;
  PetscInt      a[3 * N], b2[3 * N], c[3 * N];

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  MakeData(N, DF, 9, X, y);
  MakeData(NT, DF, 10, Xt, yt);
  if (CvxSgdOptionsSetDefaults(&opts)) return 1;
  opts.widths[0]  = M;
  opts.method     = CVX_SGD_METHOD_SGD;
  opts.lr         = 0.01;
  opts.batch_size = 3; /* 4 minibatches per epoch: 3, 3, 3, 1 rows */
  opts.seed       = 5;

  /* Shuffled: permutations, fresh each epoch, a function of the job only. */
  opts.shuffle = PETSC_TRUE;
  if (Visit(&prob, &opts, 0, 3, a) || Visit(&prob, &opts, 0, 3, b2) || Visit(&prob, &opts, 1, 3, c)) return 1;
  CHECK(memcmp(a, b2, sizeof(a)) == 0, "one job gave two minibatch orders");
  CHECK(memcmp(a, c, sizeof(PetscInt) * N) != 0, "two trials gave one minibatch order");
  CHECK(memcmp(a, a + N, sizeof(PetscInt) * N) != 0 && memcmp(a + N, a + 2 * N, sizeof(PetscInt) * N) != 0,
        "epochs repeat the same order");
  /* Not shuffled: in order. */
  opts.shuffle = PETSC_FALSE;
  if (Visit(&prob, &opts, 0, 2, a)) return 1;
  for (int i = 0; i < 2 * N; i++)
    CHECK(a[i] == i % N, "unshuffled position %d visits row %d", i, (int)a[i]);

  /* The n/b scaling: over a partition into equal batches, the minibatch
   * gradients average to the full gradient. */
  {
    double theta[P], full[P], g[P], mean[P] = {0}, fobj, est, emean = 0;
    if (CvxSgdInitialize(1, D, M, 0, theta)) return 1;
    if (CvxSgdBatchGradient(N, D, X, y, M, theta, 0.1, N, NULL, &fobj, full)) return 1;
    const PetscInt parts[2][5] = {{0, 3, 4, 8, 9}, {1, 2, 5, 6, 7}};
    for (int s = 0; s < 2; s++) {
      if (CvxSgdBatchGradient(N, D, X, y, M, theta, 0.1, 5, parts[s], &est, g)) return 1;
      for (int k = 0; k < P; k++)
        mean[k] += 0.5 * g[k];
      emean += 0.5 * est;
    }
    CHECK(RelDiff(emean, fobj) < 1e-13, "mean estimate %.17g, p1 %.17g", emean, fobj);
    for (int k = 0; k < P; k++)
      CHECK(RelDiff(mean[k], full[k]) < 1e-13, "mean minibatch grad[%d] %.17g, full %.17g", k, mean[k], full[k]);
  }

  /* Run accounting with minibatches: 3 epochs x 4 steps, rows every 5. */
  {
    Rows         r     = {0};
    CvxSgdSinks  sinks = {Trace, Test, NULL, &r};
    CvxSgdResult res;
    opts.shuffle      = PETSC_TRUE;
    opts.epochs       = 3;
    opts.record_every = 5;
    if (CvxSgdJobRun(&prob, &opts, M, 0, &sinks, &res)) return 1;
    const long want[4] = {0, 5, 10, 12};
    CHECK(r.ntrace == 4, "%d trace rows, want 4", r.ntrace);
    for (int i = 0; i < 4 && i < r.ntrace; i++)
      CHECK(r.its[i] == want[i] && r.epochs[i] == want[i] / 4.0, "trace row %d: iteration %ld epoch %g", i, r.its[i],
            r.epochs[i]);
    CHECK(r.ntest == 4, "%d test rows, want 4 (epochs 0..3)", r.ntest);
    for (int i = 0; i < 4 && i < r.ntest; i++)
      CHECK(r.test_epochs[i] == i, "test row %d: epoch %ld", i, r.test_epochs[i]);
    CHECK(res.iterations == 12 && res.epochs == 3.0 && res.status == CVX_SGD_STATUS_COMPLETED,
          "result: %lld iterations, %g epochs, '%s'", (long long)res.iterations, res.epochs,
          CvxSgdStatusName(res.status));
    /* The trace carries the exact p1 and accuracy of the final parameters. */
    CvxSgdTrainer tr;
    double       *theta, f, acc;
    if (CvxSgdTrainerCreate(&prob, &opts, M, 0, &tr)) return 1;
    if (CvxSgdTrainerRun(tr, NULL, NULL)) return 1;
    if (CvxSgdTrainerGetParameters(tr, &theta, NULL)) return 1;
    if (CvxSgdObjective(N, D, X, y, PETSC_TRUE, M, theta, opts.beta, &f, &acc)) return 1;
    CHECK(f == res.objective && f == r.objective[3] && acc == r.accuracy[3] && acc == res.accuracy,
          "final p1 %.17g / acc %g; trace %.17g / %g; result %.17g / %g", f, acc, r.objective[3], r.accuracy[3],
          res.objective, res.accuracy);
    if (CvxSgdTrainerDestroy(&tr)) return 1;
  }

  /* Full batch is batch_size = n, shuffle or not: identical rows and parameters. */
  {
    Rows         r0 = {0}, r1 = {0};
    CvxSgdSinks  s0 = {Trace, Test, NULL, &r0}, s1 = {Trace, Test, NULL, &r1};
    CvxSgdResult res0, res1;
    opts.method       = CVX_SGD_METHOD_ADAM;
    opts.epochs       = 20;
    opts.record_every = 1;
    opts.batch_size   = 0;
    if (CvxSgdJobRun(&prob, &opts, M, 2, &s0, &res0)) return 1;
    opts.batch_size = N;
    if (CvxSgdJobRun(&prob, &opts, M, 2, &s1, &res1)) return 1;
    CHECK(r0.ntrace == 21 && r1.ntrace == 21 && r0.ntest == 21, "%d and %d trace rows, %d test rows", r0.ntrace,
          r1.ntrace, r0.ntest);
    CHECK(memcmp(r0.objective, r1.objective, sizeof(r0.objective)) == 0 && memcmp(r0.its, r1.its, sizeof(r0.its)) == 0,
          "full batch and batch_size = n traces differ");
    CHECK(res0.objective == res1.objective && res0.best_objective == res1.best_objective && res0.iterations == 20,
          "results differ: %.17g vs %.17g", res0.objective, res1.objective);
    CHECK(r0.objective[20] < r0.objective[0], "Adam did not decrease p1: %g -> %g", r0.objective[0], r0.objective[20]);
  }

  /* Full batch: one update per epoch, so the test rows go with the trace
   * rows (every record_every epochs and the last), not every epoch. */
  {
    Rows         r     = {0};
    CvxSgdSinks  sinks = {Trace, Test, NULL, &r};
    CvxSgdResult res;
    opts.batch_size   = 0;
    opts.epochs       = 12;
    opts.record_every = 5;
    if (CvxSgdJobRun(&prob, &opts, M, 3, &sinks, &res)) return 1;
    const long want[4] = {0, 5, 10, 12};
    CHECK(r.ntest == 4 && r.ntrace == 4, "full batch, 12 epochs, rows every 5: %d test rows, %d trace rows", r.ntest,
          r.ntrace);
    for (int i = 0; i < 4 && i < r.ntest; i++)
      CHECK(r.test_epochs[i] == want[i] && r.its[i] == want[i], "row %d: test epoch %ld, trace iteration %ld", i,
            r.test_epochs[i], r.its[i]);
  }

  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
