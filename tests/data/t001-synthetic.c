/* Synthetic data: sizes, the three labelling rules (checked against an
 * independent draw from the documented streams), the seed fallback, prefix
 * stability, the bias column, and input errors. */
#include "datatest.h"
#include "core/rng.h"

#include <math.h>

/* The config fields this test needs, on top of zeros. */
static void TestConfig(CvxConfig *cfg, CvxSyntheticRule rule, PetscInt n, PetscInt n_test, PetscInt dim)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->run.seed          = 12345;
  cfg->data.source       = CVX_DATA_SYNTHETIC;
  cfg->data.rule         = rule;
  cfg->data.n_train      = n;
  cfg->data.n_test       = n_test;
  cfg->data.dim          = dim;
  cfg->data.scale_pixels = PETSC_TRUE;
}

/* Row i of the n x d column-major matrix X, first dim entries, against the
 * stream (seed, purpose, i, 0); returns the norm and the next normal. */
static void CheckSample(const double *X, PetscInt n, PetscInt i, PetscInt dim, uint64_t seed, uint64_t purpose,
                        double *norm, double *next)
{
  CvxRng rng;
  double ss = 0.0;

  CvxRngInit(&rng, seed, purpose, (uint64_t)i, 0);
  for (PetscInt j = 0; j < dim; j++) {
    double x = CvxRngNormal(&rng);
    CHECK(X[i + j * n] == x, "sample %d feature %d: %g, stream gives %g", (int)i, (int)j, X[i + j * n], x);
    ss += x * x;
  }
  *norm = sqrt(ss);
  *next = CvxRngNormal(&rng);
}

static void TestRules(void)
{
  const CvxSyntheticRule rules[3] = {CVX_RULE_NORM, CVX_RULE_SIGN, CVX_RULE_REGRESSION};
  for (int r = 0; r < 3; r++) {
    CvxConfig  cfg;
    CvxDataset ds;
    PetscInt   plus = 0;

    TestConfig(&cfg, rules[r], 2000, 300, 2);
    cfg.data.noise = 0.25;
    REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
    CHECK(ds.n == 2000 && ds.n_test == 300 && ds.d == 2 && ds.d_raw == 2 && !ds.has_bias, "sizes %d %d %d %d",
          (int)ds.n, (int)ds.n_test, (int)ds.d, (int)ds.d_raw);
    CHECK(ds.classification == (rules[r] != CVX_RULE_REGRESSION), "rule %d: classification %d", r,
          (int)ds.classification);
    for (int set = 0; set < 2; set++) {
      const double  *X = set ? ds.Xtest : ds.X, *y = set ? ds.ytest : ds.y;
      const PetscInt n = set ? ds.n_test : ds.n;
      for (PetscInt i = 0; i < n; i++) {
        double norm, next, want;
        CheckSample(X, n, i, 2, 12345, set ? CVX_STREAM_DATA_TEST : CVX_STREAM_DATA_TRAIN, &norm, &next);
        if (rules[r] == CVX_RULE_NORM)
          want = norm > 1.0 ? 1.0 : -1.0;
        else if (rules[r] == CVX_RULE_SIGN)
          want = X[i] >= 0.0 ? 1.0 : -1.0;
        else
          want = norm - 1.0 + 0.25 * next;
        CHECK(fabs(y[i] - want) <= 1e-14 * (1.0 + fabs(want)), "rule %d set %d sample %d: y %g want %g", r, set, (int)i,
              y[i], want);
        if (set == 0 && y[i] > 0) plus++;
      }
    }
    /* P(||x|| > 1) = exp(-1/2) for x ~ N(0, I_2); P(x_1 >= 0) = 1/2. */
    if (rules[r] == CVX_RULE_NORM)
      CHECK(fabs(plus / 2000.0 - exp(-0.5)) < 0.04, "norm rule: %d of 2000 positive", (int)plus);
    if (rules[r] == CVX_RULE_SIGN) CHECK(fabs(plus / 2000.0 - 0.5) < 0.04, "sign rule: %d of 2000 positive", (int)plus);
    CHECK(strstr(ds.description, "synthetic") != NULL, "description '%s'", ds.description);
    REQUIRE_OK(CvxDatasetDestroy(&ds));
    CHECK(ds.X == NULL && ds.n == 0, "destroy did not zero the data set");
  }
}

static void TestPrefixAndBias(void)
{
  CvxConfig  cfg;
  CvxDataset small, large;

  TestConfig(&cfg, CVX_RULE_NORM, 10, 4, 3);
  cfg.data.bias = PETSC_TRUE;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &small));
  cfg.data.n_train = 50;
  cfg.data.n_test  = 9;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &large));
  CHECK(small.d == 4 && small.d_raw == 3 && small.has_bias && large.d == 4, "bias sizes d %d d_raw %d", (int)small.d,
        (int)small.d_raw);
  for (PetscInt i = 0; i < 10; i++) {
    for (PetscInt j = 0; j < 4; j++)
      CHECK(small.X[i + j * 10] == large.X[i + j * 50], "train sample %d col %d differs between n 10 and 50", (int)i,
            (int)j);
    CHECK(small.y[i] == large.y[i], "train label %d differs", (int)i);
  }
  for (PetscInt i = 0; i < 4; i++)
    for (PetscInt j = 0; j < 4; j++)
      CHECK(small.Xtest[i + j * 4] == large.Xtest[i + j * 9], "test sample %d col %d differs", (int)i, (int)j);
  for (PetscInt i = 0; i < 50; i++)
    CHECK(large.X[i + 3 * 50] == 1.0, "bias entry %d = %g", (int)i, large.X[i + 150]);
  for (PetscInt i = 0; i < 9; i++)
    CHECK(large.Xtest[i + 3 * 9] == 1.0, "test bias entry %d", (int)i);
  /* Training and test streams differ. */
  CHECK(small.X[0] != small.Xtest[0], "training and test sets share their first sample");
  REQUIRE_OK(CvxDatasetDestroy(&small));
  REQUIRE_OK(CvxDatasetDestroy(&large));
}

static void TestSeeds(void)
{
  CvxConfig  cfg;
  CvxDataset a, b, c;

  TestConfig(&cfg, CVX_RULE_SIGN, 20, 0, 2);
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &a)); /* data.seed 0: run.seed */
  CHECK(a.n_test == 0 && a.Xtest == NULL && a.ytest == NULL, "n_test 0 gave %d test samples", (int)a.n_test);
  cfg.data.seed = 12345;
  cfg.run.seed  = 1;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &b));
  cfg.data.seed = 777;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &c));
  CHECK(memcmp(a.X, b.X, 40 * sizeof(double)) == 0, "data.seed = run.seed differs from the run.seed fallback");
  CHECK(memcmp(a.X, c.X, 40 * sizeof(double)) != 0, "data.seed 777 gave the data of seed 12345");
  REQUIRE_OK(CvxDatasetDestroy(&a));
  REQUIRE_OK(CvxDatasetDestroy(&b));
  REQUIRE_OK(CvxDatasetDestroy(&c));
}

static void TestErrors(void)
{
  CvxConfig  cfg;
  CvxDataset ds;

  TestConfig(&cfg, CVX_RULE_NORM, 0, 5, 2);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "data.n_train = 0");
  CHECK(ds.X == NULL, "failed load left arrays behind");
  TestConfig(&cfg, CVX_RULE_NORM, 5, -2, 2);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "data.n_test = -2 is negative");
  TestConfig(&cfg, CVX_RULE_NORM, 5, 5, 0);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "data.dim = 0");
  TestConfig(&cfg, CVX_RULE_REGRESSION, 5, 5, 1);
  cfg.data.noise = -1.0;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "data.noise");
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  TestRules();
  TestPrefixAndBias();
  TestSeeds();
  TestErrors();
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
