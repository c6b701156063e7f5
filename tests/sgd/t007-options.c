/* Option validation: the defaults pass; each bad value is an input error
 * (CVX_ERR_INPUT) whose message names the sgd.* key; names of enum values
 * and the job order are as documented. Prints only on failure. */
#include "sgdtest.h"

#include "core/error.h"

#include <petscsys.h>

enum { N = 6, D = 2 };
static double X[N * D], y[N];

static void Expect(const CvxSgdOptions *o, const CvxSgdProblem *p, const char *key, int line)
{
  PetscErrorCode code = CvxSgdOptionsValidate(o, p);
  if (code != CVX_ERR_INPUT) {
    fprintf(stderr, "FAIL line %d: code %d, want an input error naming %s\n", line, (int)code, key);
    failures++;
  } else if (!strstr(CvxErrorLastMessage(), key)) {
    fprintf(stderr, "FAIL line %d: message '%s' does not name %s\n", line, CvxErrorLastMessage(), key);
    failures++;
  }
}

#define EXPECT(field, value, key)                                                                                      \
  do {                                                                                                                 \
    CvxSgdOptions o = base;                                                                                            \
    o.field         = value;                                                                                           \
    Expect(&o, &prob, key, __LINE__);                                                                                  \
  } while (0)

int main(int argc, char **argv)
{
  CvxSgdProblem prob = {.n = N, .d = D, .X = X, .y = y, .classification = PETSC_TRUE};
  CvxSgdOptions base;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  MakeData(N, D - 1, 1, X, y);
  if (CvxSgdOptionsSetDefaults(&base)) return 1;
  CHECK(CvxSgdOptionsValidate(&base, &prob) == 0, "defaults rejected: %s", CvxErrorLastMessage());

  EXPECT(n_widths, 0, "sgd.widths");
  EXPECT(widths[0], 0, "sgd.widths[0]");
  EXPECT(trials, 0, "sgd.trials");
  EXPECT(epochs, -1, "sgd.epochs");
  EXPECT(record_every, 0, "sgd.record_every");
  EXPECT(batch_size, N + 1, "sgd.batch_size");
  EXPECT(batch_size, -2, "sgd.batch_size");
  EXPECT(lr, 0.0, "sgd.lr");
  EXPECT(lr, NAN, "sgd.lr");
  EXPECT(beta1, 1.0, "sgd.beta1");
  EXPECT(beta2, -0.1, "sgd.beta2");
  EXPECT(eps, 0.0, "sgd.eps");
  EXPECT(beta, -1.0, "beta");
  {
    CvxSgdOptions o = base;
    o.n_widths      = 3;
    o.widths[1]     = 7;
    o.widths[2]     = 5; /* widths[0] is 5 */
    Expect(&o, &prob, "sgd.widths lists 5 twice", __LINE__);
    o.method    = CVX_SGD_METHOD_MOMENTUM;
    o.widths[2] = 9;
    o.momentum  = 1.0;
    Expect(&o, &prob, "sgd.momentum", __LINE__);
    o.method      = CVX_SGD_METHOD_SGD;
    o.schedule    = CVX_SGD_SCHEDULE_STEP;
    o.step_epochs = 0;
    Expect(&o, &prob, "sgd.step_epochs", __LINE__);
    o.step_epochs = 2;
    o.decay       = 0.0;
    Expect(&o, &prob, "sgd.decay", __LINE__);
    o.decay  = 0.5;
    o.method = CVX_SGD_METHOD_LMVM;
    o.gatol  = -1;
    Expect(&o, &prob, "sgd.gatol", __LINE__);
    o.gatol = 0;
    CHECK(CvxSgdOptionsValidate(&o, &prob) == 0, "valid LMVM options rejected: %s", CvxErrorLastMessage());
  }

  /* Names. */
  CHECK(!strcmp(CvxSgdMethodName(CVX_SGD_METHOD_ADAM), "adam") &&
            !strcmp(CvxSgdMethodName(CVX_SGD_METHOD_LMVM), "lmvm"),
        "method names");
  CHECK(!strcmp(CvxSgdScheduleName(CVX_SGD_SCHEDULE_EXPONENTIAL), "exponential"), "schedule names");
  CHECK(!strcmp(CvxSgdStatusName(CVX_SGD_STATUS_DIVERGED), "diverged"), "status names");

  /* Job order: width by width, trials within a width. */
  {
    CvxSgdOptions o = base;
    PetscInt      w, t;
    o.n_widths  = 2;
    o.widths[1] = 3;
    o.trials    = 4;
    CHECK(CvxSgdJobCount(&o) == 8, "job count %d", (int)CvxSgdJobCount(&o));
    if (CvxSgdJobGet(&o, 5, &w, &t)) return 1;
    CHECK(w == 3 && t == 1, "job 5 is (%d, %d), want (3, 1)", (int)w, (int)t);
  }

  /* A diverging run stops and says so. */
  {
    CvxSgdOptions o = base;
    CvxSgdResult  res;
    o.method = CVX_SGD_METHOD_SGD;
    o.lr     = 1e6;
    o.epochs = 1000;
    if (CvxSgdJobRun(&prob, &o, 5, 0, NULL, &res)) return 1;
    CHECK(res.status == CVX_SGD_STATUS_DIVERGED && res.iterations < 1000, "lr 1e6: '%s' after %lld iterations",
          CvxSgdStatusName(res.status), (long long)res.iterations);
  }

  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
