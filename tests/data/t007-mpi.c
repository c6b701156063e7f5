/* Collective loading, for any rank count (run at -np 1, 2 and 4): every
 * source gives every rank the same sizes, description and bit-identical X,
 * y, Xtest, ytest, equal to a load of the same config on PETSC_COMM_SELF;
 * a missing file gives the same input error on every rank, without a hang. */
#include "datatest.h"

static char top[4096];
static int  rank;

/* The config fields this test needs, on top of zeros. */
static void TestConfig(CvxConfig *cfg, CvxDataSource source, const char *path)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->run.seed          = 2024;
  cfg->data.source       = source;
  cfg->data.rule         = CVX_RULE_NORM;
  cfg->data.n_train      = source == CVX_DATA_SYNTHETIC ? 300 : 0;
  cfg->data.n_test       = source == CVX_DATA_SYNTHETIC ? 50 : 0;
  cfg->data.dim          = 3;
  cfg->data.label_column = -1;
  cfg->data.classes[0]   = 2;
  cfg->data.classes[1]   = 5;
  cfg->data.scale_pixels = PETSC_TRUE;
  cfg->data.standardize  = PETSC_TRUE;
  cfg->data.bias         = PETSC_TRUE;
  if (path) TestPath(cfg->data.path, sizeof(cfg->data.path), top, path);
}

/* Writes the csv, cifar10 and idx inputs (rank 0 only). */
static void WriteInputs(void)
{
  char           folder[4200], name[64], line[128];
  unsigned char *rec = (unsigned char *)malloc(40 * 3073), lab[40], pix[40 * 64];
  FILE          *f;

  if (!rec) exit(1);
  /* csv: 200 training rows, 30 test rows, real-valued features. */
  for (int s = 0; s < 2; s++) {
    TestPath(folder, sizeof(folder), top, s ? "test.csv" : "train.csv");
    f = fopen(folder, "w");
    if (!f) exit(1);
    fprintf(f, "a,b,c,label\n");
    for (int i = 0; i < (s ? 30 : 200); i++) {
      snprintf(line, sizeof(line), "%.17g, %.17g, %.17g, %d\n", 0.1 * i + s, 1.0 / (i + 1), (i * 37 % 11) * 0.5,
               i % 3 == 0);
      fputs(line, f);
    }
    fclose(f);
  }
  /* cifar10: 40 records per batch, labels i % 10. */
  TestPath(folder, sizeof(folder), top, "cifar");
  if (mkdir(folder, 0700) != 0) exit(1);
  for (int k = 0; k < 6; k++) {
    for (int r = 0; r < 40; r++) {
      rec[r * 3073] = (unsigned char)((k * 40 + r) % 10);
      for (int j = 0; j < 3072; j++)
        rec[r * 3073 + 1 + j] = (unsigned char)((k * 29 + r * 7 + j * 3) % 256);
    }
    if (k < 5)
      snprintf(name, sizeof(name), "data_batch_%d.bin", k + 1);
    else
      snprintf(name, sizeof(name), "test_batch.bin");
    TestWriteBytes(folder, name, rec, 40 * 3073, 0);
  }
  /* idx: 40 training and 40 test images of 8x8, gzip-compressed. */
  TestPath(folder, sizeof(folder), top, "idx");
  if (mkdir(folder, 0700) != 0) exit(1);
  for (int i = 0; i < 40; i++) {
    lab[i] = (unsigned char)(i % 7);
    for (int j = 0; j < 64; j++)
      pix[i * 64 + j] = (unsigned char)((i * 13 + j * 5) % 256);
  }
  TestWriteIdx(folder, "train-images-idx3-ubyte.gz", 0x803, 40, 8, 8, pix, sizeof(pix), 1);
  TestWriteIdx(folder, "train-labels-idx1-ubyte.gz", 0x801, 40, 0, 0, lab, sizeof(lab), 1);
  TestWriteIdx(folder, "t10k-images-idx3-ubyte.gz", 0x803, 40, 8, 8, pix, sizeof(pix), 1);
  TestWriteIdx(folder, "t10k-labels-idx1-ubyte.gz", 0x801, 40, 0, 0, lab, sizeof(lab), 1);
  free(rec);
}

/* Loads cfg on the world and on PETSC_COMM_SELF; checks the two agree and
 * that every rank holds rank 0's bytes. */
static void CheckSource(const char *what, const CvxConfig *cfg)
{
  CvxDataset ds, ref;
  uint64_t   h, h0;

  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, cfg, &ds));
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_SELF, cfg, &ref));
  CHECK(ds.n > 0 && ds.n == ref.n && ds.d == ref.d && ds.n_test == ref.n_test && ds.d_raw == ref.d_raw &&
            ds.has_bias == ref.has_bias && ds.classification == ref.classification,
        "[%d] %s: sizes %d %d %d vs %d %d %d", rank, what, (int)ds.n, (int)ds.d, (int)ds.n_test, (int)ref.n, (int)ref.d,
        (int)ref.n_test);
  CHECK(strcmp(ds.description, ref.description) == 0, "[%d] %s: description '%s' vs '%s'", rank, what, ds.description,
        ref.description);
  h  = TestDatasetHash(&ds);
  h0 = h;
  if (MPI_Bcast(&h0, 1, MPI_UINT64_T, 0, PETSC_COMM_WORLD) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 1);
  CHECK(h == h0, "[%d] %s: data differ from rank 0's", rank, what);
  CHECK(h == TestDatasetHash(&ref), "[%d] %s: data differ from the PETSC_COMM_SELF load", rank, what);
  CHECK(ds.has_bias && ds.X[(size_t)ds.n * (size_t)(ds.d - 1)] == 1.0, "[%d] %s: no bias column", rank, what);
  REQUIRE_OK(CvxDatasetDestroy(&ds));
  REQUIRE_OK(CvxDatasetDestroy(&ref));
}

int main(int argc, char **argv)
{
  CvxConfig      cfg;
  CvxDataset     ds;
  PetscErrorCode code;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) {
    TestTempDir(top, sizeof(top));
    WriteInputs();
  }
  if (MPI_Bcast(top, sizeof(top), MPI_CHAR, 0, PETSC_COMM_WORLD) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 1);

  TestConfig(&cfg, CVX_DATA_SYNTHETIC, NULL);
  CheckSource("synthetic", &cfg);
  TestConfig(&cfg, CVX_DATA_CSV, "train.csv");
  cfg.data.header = PETSC_TRUE;
  TestPath(cfg.data.test_path, sizeof(cfg.data.test_path), top, "test.csv");
  CheckSource("csv", &cfg);
  TestConfig(&cfg, CVX_DATA_CIFAR10, "cifar");
  CheckSource("cifar10", &cfg);
  TestConfig(&cfg, CVX_DATA_IDX, "idx");
  CheckSource("idx", &cfg);

  /* A missing file: the same input error on every rank. */
  TestConfig(&cfg, CVX_DATA_CSV, "absent.csv");
  code = CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds);
  EXPECT_ERROR(code, "absent.csv", "No such file");
  CHECK(code == CVX_ERR_FILE, "[%d] missing file: code %d", rank, (int)code);
  CHECK(ds.X == NULL && ds.n == 0, "[%d] failed load left a data set", rank);
  TestConfig(&cfg, CVX_DATA_IDX, "absent-folder");
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "absent-folder/train-images-idx3-ubyte");

  MPI_Barrier(PETSC_COMM_WORLD);
  if (rank == 0) TestRemoveTree(top);
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
