/* CSV source: header, comments, blank lines, spaces, CRLF, label column
 * first/middle/last, test file, row caps, {0,1} and {-1,+1} labels,
 * regression detection; and every error class with the file and line in the
 * message. The files are written into a temporary folder. */
#include "datatest.h"

static char dir[4096];

/* The config fields this test needs, on top of zeros. name is in dir;
 * test_name may be NULL. */
static void TestConfig(CvxConfig *cfg, const char *name, const char *test_name)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->run.seed          = 1;
  cfg->data.source       = CVX_DATA_CSV;
  cfg->data.label_column = -1;
  cfg->data.scale_pixels = PETSC_TRUE;
  TestPath(cfg->data.path, sizeof(cfg->data.path), dir, name);
  if (test_name) TestPath(cfg->data.test_path, sizeof(cfg->data.test_path), dir, test_name);
}

/* Checks ds against the row-major rows x d features want_X and labels want_y. */
static void CheckMatrix(int line, const double *X, const double *y, PetscInt n, PetscInt d, PetscInt want_n,
                        PetscInt want_d, const double *want_X, const double *want_y)
{
  if (n != want_n || d != want_d) {
    fprintf(stderr, "FAIL line %d: size %d x %d, want %d x %d\n", line, (int)n, (int)d, (int)want_n, (int)want_d);
    failures++;
    return;
  }
  for (PetscInt i = 0; i < n; i++) {
    for (PetscInt j = 0; j < d; j++)
      CHECK(X[i + j * n] == want_X[i * d + j], "line %d: X(%d,%d) = %g, want %g", line, (int)i, (int)j, X[i + j * n],
            want_X[i * d + j]);
    CHECK(y[i] == want_y[i], "line %d: y(%d) = %g, want %g", line, (int)i, y[i], want_y[i]);
  }
}

static void TestLayouts(void)
{
  CvxConfig  cfg;
  CvxDataset ds;

  /* Header, comments, blank lines, spaces around fields, no final newline. */
  TestWriteText(dir, "a.csv",
                "# leading comment\nx1, x2 ,x3,label\n\n1, 2, 3, 1\n  # indented comment\n"
                "4,5,6,-1\n   \n7 ,8,\t9 ,1");
  TestConfig(&cfg, "a.csv", NULL);
  cfg.data.header = PETSC_TRUE;
  cfg.data.n_test = 20; /* ignored without a test file */
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  {
    const double X[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y[] = {1, -1, 1};
    CheckMatrix(__LINE__, ds.X, ds.y, ds.n, ds.d, 3, 3, X, y);
  }
  CHECK(ds.classification && ds.n_test == 0 && !ds.has_bias && ds.d_raw == 3, "a.csv: classification %d n_test %d",
        (int)ds.classification, (int)ds.n_test);
  CHECK(strstr(ds.description, "a.csv") != NULL, "description '%s'", ds.description);
  REQUIRE_OK(CvxDatasetDestroy(&ds));

  /* Label first, {0,1} labels mapped to -1/+1, CRLF line ends, bias. */
  TestWriteText(dir, "b.csv", "1,10,20\r\n0,30,40\r\n0,50,60\r\n");
  TestConfig(&cfg, "b.csv", NULL);
  cfg.data.label_column = 0;
  cfg.data.bias         = PETSC_TRUE;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  {
    const double X[] = {10, 20, 1, 30, 40, 1, 50, 60, 1}, y[] = {1, -1, -1};
    CheckMatrix(__LINE__, ds.X, ds.y, ds.n, ds.d, 3, 3, X, y);
  }
  CHECK(ds.classification && ds.has_bias && ds.d_raw == 2, "b.csv: classification %d bias %d", (int)ds.classification,
        (int)ds.has_bias);
  REQUIRE_OK(CvxDatasetDestroy(&ds));

  /* Label in the middle, real-valued labels: regression. */
  TestWriteText(dir, "c.csv", "1,2.5,3\n4,-5e-1,6\n");
  TestConfig(&cfg, "c.csv", NULL);
  cfg.data.label_column = 1;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  {
    const double X[] = {1, 3, 4, 6}, y[] = {2.5, -0.5};
    CheckMatrix(__LINE__, ds.X, ds.y, ds.n, ds.d, 2, 2, X, y);
  }
  CHECK(!ds.classification, "c.csv: real labels taken for classification");
  REQUIRE_OK(CvxDatasetDestroy(&ds));

  /* Labels {0, 1} together with {-1}: neither set, so regression. */
  TestWriteText(dir, "d.csv", "1,0\n2,1\n3,-1\n");
  TestConfig(&cfg, "d.csv", NULL);
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  {
    const double X[] = {1, 2, 3}, y[] = {0, 1, -1};
    CheckMatrix(__LINE__, ds.X, ds.y, ds.n, ds.d, 3, 1, X, y);
  }
  CHECK(!ds.classification, "d.csv: labels {-1,0,1} taken for classification");
  REQUIRE_OK(CvxDatasetDestroy(&ds));
}

static void TestTestFile(void)
{
  CvxConfig  cfg;
  CvxDataset ds;

  TestWriteText(dir, "tr.csv", "f,g,label\n1,2,0\n3,4,1\n5,6,1\n");
  TestWriteText(dir, "te.csv", "f,g,label\n7,8,1\n9,10,0\n11,12,0\n");
  TestConfig(&cfg, "tr.csv", "te.csv");
  cfg.data.header = PETSC_TRUE;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  {
    const double X[] = {1, 2, 3, 4, 5, 6}, y[] = {-1, 1, 1};
    const double Xt[] = {7, 8, 9, 10, 11, 12}, yt[] = {1, -1, -1};
    CheckMatrix(__LINE__, ds.X, ds.y, ds.n, ds.d, 3, 2, X, y);
    CheckMatrix(__LINE__, ds.Xtest, ds.ytest, ds.n_test, ds.d, 3, 2, Xt, yt);
  }
  CHECK(ds.classification, "0/1 labels in train and test not classification");
  CHECK(strstr(ds.description, "te.csv") != NULL, "description '%s' lacks the test file", ds.description);
  REQUIRE_OK(CvxDatasetDestroy(&ds));

  /* Caps take the first rows. */
  cfg.data.n_train = 2;
  cfg.data.n_test  = 1;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  {
    const double X[] = {1, 2, 3, 4}, y[] = {-1, 1}, Xt[] = {7, 8}, yt[] = {1};
    CheckMatrix(__LINE__, ds.X, ds.y, ds.n, ds.d, 2, 2, X, y);
    CheckMatrix(__LINE__, ds.Xtest, ds.ytest, ds.n_test, ds.d, 1, 2, Xt, yt);
  }
  REQUIRE_OK(CvxDatasetDestroy(&ds));

  /* More than available, in either file. */
  cfg.data.n_train = 10;
  cfg.data.n_test  = 0;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "tr.csv", "data.n_train = 10", "only 3 data rows");
  CHECK(ds.X == NULL, "failed load left arrays behind");
  cfg.data.n_train = 0;
  cfg.data.n_test  = 4;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "te.csv", "data.n_test = 4", "only 3 data rows");

  /* The test file must have the same columns. */
  TestWriteText(dir, "te2.csv", "f,g,label\n7,8\n");
  TestConfig(&cfg, "tr.csv", "te2.csv");
  cfg.data.header = PETSC_TRUE;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "te2.csv:2: expected 3 fields, found 2");
}

static void TestErrors(void)
{
  CvxConfig  cfg;
  CvxDataset ds;
  char      *big;
  size_t     len = ((size_t)1 << 24) + 100;

  TestConfig(&cfg, "missing.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "missing.csv", "No such file");

  TestWriteText(dir, "count.csv", "1,2,3,4\n5,6,7,8\n9,10,11\n");
  TestConfig(&cfg, "count.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "count.csv:3: expected 4 fields, found 3");

  TestWriteText(dir, "nan.csv", "# comment\n1,2,3\n4,5,nan\n");
  TestConfig(&cfg, "nan.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "nan.csv:3: field 3 is not finite");

  TestWriteText(dir, "inf.csv", "1,-inf,3\n");
  TestConfig(&cfg, "inf.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "inf.csv:1: field 2 is not finite");

  TestWriteText(dir, "huge.csv", "1,1e999,3\n");
  TestConfig(&cfg, "huge.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "huge.csv:1: field 2 is not finite");

  TestWriteText(dir, "word.csv", "1,2,3\n4,abc,6\n");
  TestConfig(&cfg, "word.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "word.csv:2: field 2 'abc' is not a number");

  TestWriteText(dir, "trail.csv", "1,2,3x\n");
  TestConfig(&cfg, "trail.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "trail.csv:1: field 3 '3x' is not a number");

  /* a header row read as data: the message says how to skip it */
  TestWriteText(dir, "named.csv", "label,a,b\n1,2,3\n");
  TestConfig(&cfg, "named.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "named.csv:1: field 1 'label' is not a number",
               "set data.header: true");

  TestWriteText(dir, "hole.csv", "1, ,3\n");
  TestConfig(&cfg, "hole.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "hole.csv:1: field 2 '' is not a number");

  TestWriteText(dir, "empty.csv", "");
  TestConfig(&cfg, "empty.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "empty.csv", "no data rows");

  TestWriteText(dir, "header-only.csv", "# only a header\na,b,c\n\n");
  TestConfig(&cfg, "header-only.csv", NULL);
  cfg.data.header = PETSC_TRUE;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "header-only.csv", "no data rows");

  TestWriteText(dir, "one.csv", "1\n2\n");
  TestConfig(&cfg, "one.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "one.csv:1:", "at least one feature");

  TestWriteText(dir, "col.csv", "1,2,3\n");
  TestConfig(&cfg, "col.csv", NULL);
  cfg.data.label_column = 3;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "col.csv", "data.label_column = 3", "out of range");
  cfg.data.label_column = -2;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "col.csv", "data.label_column = -2");

  /* A line longer than the 16 MiB limit, after a good first line. */
  big = (char *)malloc(len + 16);
  if (!big) exit(1);
  memcpy(big, "1,2\n", 4);
  memset(big + 4, '7', len);
  big[len + 4] = '\0';
  TestWriteText(dir, "long.csv", big);
  free(big);
  TestConfig(&cfg, "long.csv", NULL);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "long.csv:2: line longer than");
  CHECK(ds.X == NULL && ds.n == 0, "failed load left a data set behind");
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  TestTempDir(dir, sizeof(dir));
  TestLayouts();
  TestTestFile();
  TestErrors();
  TestRemoveTree(dir);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
