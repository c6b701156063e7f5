/* CIFAR-10 source on a small folder written by the test: 5 training batches
 * of 30 records and a test batch of 20, with known labels and pixels.
 * Checks counts, order, per-class selection, caps, pixel values with and
 * without scaling, and the errors: truncated file, missing batch file,
 * missing test batch, class absent, bad label byte, more samples than
 * available. */
#include "datatest.h"

#define REC 3073
#define TRAIN 30 /* records per training batch */
#define TEST 20  /* records in the test batch */

static char top[4096];

/* Label of record r of file k (k = 5: test batch); classes mod modulus. */
static int Label(int k, int r, int modulus)
{
  return (k * TRAIN + r) % modulus;
}

/* Pixel byte j of record r of file k. */
static unsigned char Pixel(int k, int r, int j)
{
  return (unsigned char)((k * 131 + r * 7 + j * 13) % 256);
}

/* Writes a CIFAR-10 folder top/name. skip: file index not written (-1 for
 * none); short_file: file index whose last record is cut by 5 bytes. */
static void WriteCifar(const char *name, int modulus, int skip, int short_file, int bad_label_file)
{
  char           folder[4200];
  unsigned char *buf = (unsigned char *)malloc((size_t)TRAIN * REC);

  TestPath(folder, sizeof(folder), top, name);
  if (mkdir(folder, 0700) != 0 || !buf) exit(1);
  for (int k = 0; k < 6; k++) {
    int    nrec = k < 5 ? TRAIN : TEST;
    size_t len  = (size_t)nrec * REC;
    char   file[64];

    for (int r = 0; r < nrec; r++) {
      buf[(size_t)r * REC] = (unsigned char)Label(k, r, modulus);
      for (int j = 0; j < 3072; j++)
        buf[(size_t)r * REC + 1 + j] = Pixel(k, r, j);
    }
    if (k == bad_label_file) buf[2 * REC] = 10; /* record 3 */
    if (k == short_file) len -= 5;
    if (k == skip) continue;
    if (k < 5)
      snprintf(file, sizeof(file), "data_batch_%d.bin", k + 1);
    else
      snprintf(file, sizeof(file), "test_batch.bin");
    TestWriteBytes(folder, file, buf, len, 0);
  }
  free(buf);
}

/* The config fields this test needs, on top of zeros. */
static void TestConfig(CvxConfig *cfg, const char *name, int c0, int c1)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->run.seed          = 1;
  cfg->data.source       = CVX_DATA_CIFAR10;
  cfg->data.classes[0]   = c0;
  cfg->data.classes[1]   = c1;
  cfg->data.scale_pixels = PETSC_TRUE;
  TestPath(cfg->data.path, sizeof(cfg->data.path), top, name);
}

/* Checks that the n samples of X, y are, in order, the records of files
 * [first, last) with label c0 or c1, at most per_class of each, at most cap
 * in all (0 = no limit), with pixels divided by scale. */
static void CheckSelection(int line, const double *X, const double *y, PetscInt n, int first, int last, int c0, int c1,
                           int per_class, int cap, double scale)
{
  int i = 0, taken[2] = {0, 0};

  for (int k = first; k < last; k++) {
    for (int r = 0; r < (k < 5 ? TRAIN : TEST); r++) {
      int lab = Label(k, r, 10), c = lab == c0 ? 0 : lab == c1 ? 1 : -1;
      if (c < 0 || (per_class && taken[c] >= per_class) || (cap && i >= cap)) continue;
      taken[c]++;
      if (i >= n) {
        fprintf(stderr, "FAIL line %d: only %d samples, record %d of file %d missing\n", line, (int)n, r, k);
        failures++;
        return;
      }
      CHECK(y[i] == (c ? 1.0 : -1.0), "line %d: sample %d label %g, want class %d", line, i, y[i], lab);
      for (int j = 0; j < 3072; j += 97)
        CHECK(X[i + (size_t)j * n] == Pixel(k, r, j) / scale, "line %d: sample %d pixel %d = %g, want %g", line, i, j,
              X[i + (size_t)j * n], Pixel(k, r, j) / scale);
      CHECK(X[i + (size_t)3071 * n] == Pixel(k, r, 3071) / scale, "line %d: sample %d last pixel", line, i);
      i++;
    }
  }
  CHECK(i == n, "line %d: %d samples, want %d", line, (int)n, i);
}

static void TestGood(void)
{
  CvxConfig  cfg;
  CvxDataset ds;

  WriteCifar("good", 10, -1, -1, -1);
  TestConfig(&cfg, "good", 3, 7);
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  CHECK(ds.n == 30 && ds.n_test == 4 && ds.d == 3072 && ds.d_raw == 3072 && ds.classification, "sizes %d %d %d",
        (int)ds.n, (int)ds.n_test, (int)ds.d);
  CheckSelection(__LINE__, ds.X, ds.y, ds.n, 0, 5, 3, 7, 0, 0, 255.0);
  CheckSelection(__LINE__, ds.Xtest, ds.ytest, ds.n_test, 5, 6, 3, 7, 0, 0, 255.0);
  CHECK(strstr(ds.description, "cifar10") && strstr(ds.description, "150 train / 20 test records"), "description '%s'",
        ds.description);
  REQUIRE_OK(CvxDatasetDestroy(&ds));

  /* Per-class selection, then caps; raw pixels; bias column. */
  cfg.data.per_class      = 4;
  cfg.data.n_train        = 5;
  cfg.data.test_per_class = 1;
  cfg.data.scale_pixels   = PETSC_FALSE;
  cfg.data.bias           = PETSC_TRUE;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  CHECK(ds.n == 5 && ds.n_test == 2 && ds.d == 3073 && ds.has_bias, "per-class sizes %d %d %d", (int)ds.n,
        (int)ds.n_test, (int)ds.d);
  CheckSelection(__LINE__, ds.X, ds.y, ds.n, 0, 5, 3, 7, 4, 5, 1.0);
  CheckSelection(__LINE__, ds.Xtest, ds.ytest, ds.n_test, 5, 6, 3, 7, 1, 0, 1.0);
  for (PetscInt i = 0; i < ds.n; i++)
    CHECK(ds.X[i + 3072 * ds.n] == 1.0, "bias of sample %d", (int)i);
  REQUIRE_OK(CvxDatasetDestroy(&ds));

  /* Per class alone: 4 + 4 in file order. */
  cfg.data.n_train = 0;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  CHECK(ds.n == 8, "per_class 4 gave %d samples", (int)ds.n);
  CheckSelection(__LINE__, ds.X, ds.y, ds.n, 0, 5, 3, 7, 4, 0, 1.0);
  REQUIRE_OK(CvxDatasetDestroy(&ds));

  /* The class order decides the sign. */
  TestConfig(&cfg, "good", 7, 3);
  cfg.data.n_test = 1;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  CheckSelection(__LINE__, ds.X, ds.y, ds.n, 0, 5, 7, 3, 0, 0, 255.0);
  CheckSelection(__LINE__, ds.Xtest, ds.ytest, ds.n_test, 5, 6, 7, 3, 0, 1, 255.0);
  REQUIRE_OK(CvxDatasetDestroy(&ds));
}

static void TestErrors(void)
{
  CvxConfig  cfg;
  CvxDataset ds;

  WriteCifar("short", 10, -1, 2, -1);
  TestConfig(&cfg, "short", 3, 7);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "short/data_batch_3.bin", "not a multiple of the 3073");
  CHECK(ds.X == NULL, "failed load left arrays behind");

  WriteCifar("nobatch", 10, 3, -1, -1);
  TestConfig(&cfg, "nobatch", 3, 7);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "nobatch/data_batch_4.bin", "No such file");

  WriteCifar("notest", 10, 5, -1, -1);
  TestConfig(&cfg, "notest", 3, 7);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "notest/test_batch.bin", "No such file");

  WriteCifar("shorttest", 10, -1, 5, -1);
  TestConfig(&cfg, "shorttest", 3, 7);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "shorttest/test_batch.bin", "not a multiple");

  WriteCifar("badlabel", 10, -1, -1, 1);
  TestConfig(&cfg, "badlabel", 3, 7);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "badlabel/data_batch_2.bin", "record 3 has label 10");

  /* Labels 0..8 only: class 9 is absent from training and test files. */
  WriteCifar("nine", 9, -1, -1, -1);
  TestConfig(&cfg, "nine", 3, 9);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "nine/data_batch_1.bin", "no records of class 9");

  /* More than available: 15 records per class in training, 2 in test. */
  TestConfig(&cfg, "good", 3, 7);
  cfg.data.per_class = 16;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "good/data_batch_1.bin", "data.per_class = 16",
               "has only 15 records");
  cfg.data.per_class = 0;
  cfg.data.n_train   = 31;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "good/data_batch_1.bin", "data.n_train = 31",
               "only 30 records");
  cfg.data.n_train        = 0;
  cfg.data.test_per_class = 3;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "good/test_batch.bin", "data.test_per_class = 3");
  cfg.data.test_per_class = 2;
  cfg.data.n_test         = 5;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "good/test_batch.bin", "data.n_test = 5", "only 4 records");

  TestConfig(&cfg, "good", 3, 3);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "data.classes");
  TestConfig(&cfg, "good", 3, 10);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "data.classes[1] = 10");
  TestConfig(&cfg, "absent-folder", 3, 7);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "absent-folder/data_batch_1.bin");
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  TestTempDir(top, sizeof(top));
  TestGood();
  TestErrors();
  TestRemoveTree(top);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
