/* Standardization: every training feature has mean 0 and (population)
 * standard deviation 1; the test set is transformed with the training
 * statistics; a constant feature is only centred; the bias column is added
 * after and stays all ones; statistics that overflow raise an error. */
#include "datatest.h"

#include <math.h>

static char dir[4096];

/* The config fields this test needs, on top of zeros. */
static void TestConfig(CvxConfig *cfg, CvxDataSource source)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->run.seed          = 99;
  cfg->data.source       = source;
  cfg->data.rule         = CVX_RULE_REGRESSION;
  cfg->data.noise        = 0.1;
  cfg->data.n_train      = 400;
  cfg->data.n_test       = 100;
  cfg->data.dim          = 5;
  cfg->data.label_column = -1;
  cfg->data.scale_pixels = PETSC_TRUE;
}

static void TestSynthetic(void)
{
  CvxConfig  cfg;
  CvxDataset raw, std;

  TestConfig(&cfg, CVX_DATA_SYNTHETIC);
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &raw));
  cfg.data.standardize = PETSC_TRUE;
  cfg.data.bias        = PETSC_TRUE;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &std));
  CHECK(std.d == 6 && std.d_raw == 5 && std.has_bias, "sizes d %d d_raw %d", (int)std.d, (int)std.d_raw);
  for (PetscInt j = 0; j < 5; j++) {
    const double *x = raw.X + j * 400, *s = std.X + j * 400;
    double        mean = 0.0, var = 0.0, smean = 0.0, svar = 0.0;

    for (int i = 0; i < 400; i++)
      mean += x[i] / 400.0;
    for (int i = 0; i < 400; i++)
      var += (x[i] - mean) * (x[i] - mean) / 400.0;
    for (int i = 0; i < 400; i++)
      smean += s[i] / 400.0;
    for (int i = 0; i < 400; i++)
      svar += (s[i] - smean) * (s[i] - smean) / 400.0;
    CHECK(fabs(smean) < 1e-14, "feature %d: standardized mean %g", (int)j, smean);
    CHECK(fabs(svar - 1.0) < 1e-12, "feature %d: standardized variance %.17g", (int)j, svar);
    CHECK(fabs(mean) > 1e-4, "feature %d: raw mean %g already zero, the test proves nothing", (int)j, mean);
    for (int i = 0; i < 100; i++) {
      double want = (raw.Xtest[i + j * 100] - mean) / sqrt(var);
      CHECK(fabs(std.Xtest[i + j * 100] - want) < 1e-12 * (1.0 + fabs(want)), "test sample %d feature %d: %g want %g",
            i, (int)j, std.Xtest[i + j * 100], want);
    }
  }
  for (int i = 0; i < 400; i++)
    CHECK(std.X[i + 5 * 400] == 1.0, "bias of training sample %d", i);
  for (int i = 0; i < 100; i++)
    CHECK(std.Xtest[i + 5 * 100] == 1.0, "bias of test sample %d", i);
  CHECK(memcmp(raw.y, std.y, 400 * sizeof(double)) == 0, "standardization changed the labels");
  REQUIRE_OK(CvxDatasetDestroy(&raw));
  REQUIRE_OK(CvxDatasetDestroy(&std));
}

static void TestConstantColumn(void)
{
  CvxConfig    cfg;
  CvxDataset   ds;
  const double mean = 7.0 / 3.0;
  const double sd   = sqrt(((1 - mean) * (1 - mean) + (2 - mean) * (2 - mean) + (4 - mean) * (4 - mean)) / 3.0);

  TestWriteText(dir, "train.csv", "5,1,0\n5,2,1\n5,4,1\n");
  TestWriteText(dir, "test.csv", "7,3,0\n5,1,1\n");
  TestConfig(&cfg, CVX_DATA_CSV);
  cfg.data.n_train     = 0;
  cfg.data.n_test      = 0;
  cfg.data.standardize = PETSC_TRUE;
  TestPath(cfg.data.path, sizeof(cfg.data.path), dir, "train.csv");
  TestPath(cfg.data.test_path, sizeof(cfg.data.test_path), dir, "test.csv");
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  CHECK(ds.n == 3 && ds.n_test == 2 && ds.d == 2, "sizes %d %d %d", (int)ds.n, (int)ds.n_test, (int)ds.d);
  for (int i = 0; i < 3; i++)
    CHECK(ds.X[i] == 0.0, "constant column, sample %d: %g, want 0", i, ds.X[i]);
  CHECK(ds.Xtest[0] == 2.0 && ds.Xtest[1] == 0.0, "constant column on test: %g %g, want 2 0", ds.Xtest[0], ds.Xtest[1]);
  {
    const double train[3] = {1, 2, 4}, test[2] = {3, 1};
    for (int i = 0; i < 3; i++)
      CHECK(fabs(ds.X[3 + i] - (train[i] - mean) / sd) < 1e-14, "column 2, sample %d: %g", i, ds.X[3 + i]);
    for (int i = 0; i < 2; i++)
      CHECK(fabs(ds.Xtest[2 + i] - (test[i] - mean) / sd) < 1e-14, "column 2, test %d: %g", i, ds.Xtest[2 + i]);
  }
  REQUIRE_OK(CvxDatasetDestroy(&ds));
}

/* Statistics that overflow must not pass a non-finite value on. */
static void TestOverflow(void)
{
  CvxConfig  cfg;
  CvxDataset ds;

  TestWriteText(dir, "big.csv", "1e308,1\n1.5e308,0\n");
  TestConfig(&cfg, CVX_DATA_CSV);
  cfg.data.n_train = 0;
  TestPath(cfg.data.path, sizeof(cfg.data.path), dir, "big.csv");
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds)); /* finite without standardization */
  REQUIRE_OK(CvxDatasetDestroy(&ds));
  cfg.data.standardize = PETSC_TRUE;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "big.csv", "is not finite after preprocessing");
  CHECK(ds.X == NULL, "failed load left arrays behind");
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  TestTempDir(dir, sizeof(dir));
  TestSynthetic();
  TestConstantColumn();
  TestOverflow();
  TestRemoveTree(dir);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
