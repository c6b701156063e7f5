/* The real Fashion-MNIST files of Debian's dataset-fashion-mnist package:
 * 60,000 training / 10,000 test images of 28x28; classes 0 and 1 give
 * 6,000 + 6,000 training and 1,000 + 1,000 test samples, pixels in [0, 1],
 * a bias column; the first selected samples match an independent read of
 * the files. Skipped (exit 77) when the package is not installed. */
#include "datatest.h"

#define FOLDER "/usr/share/datasets/fashion-mnist"
#define PIX 784

/* The config fields this test needs, on top of zeros. */
static void TestConfig(CvxConfig *cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->run.seed          = 1;
  cfg->data.source       = CVX_DATA_IDX;
  cfg->data.classes[0]   = 0;
  cfg->data.classes[1]   = 1;
  cfg->data.scale_pixels = PETSC_TRUE;
  cfg->data.bias         = PETSC_TRUE;
  snprintf(cfg->data.path, sizeof(cfg->data.path), "%s", FOLDER);
}

/* Reads the first n labels and images of a set straight from the .gz files. */
static void ReadFirst(const char *prefix, int n, unsigned char *labels, unsigned char *images)
{
  char   path[256];
  gzFile f;

  snprintf(path, sizeof(path), "%s/%s-labels-idx1-ubyte.gz", FOLDER, prefix);
  f = gzopen(path, "rb");
  if (!f || gzseek(f, 8, SEEK_SET) != 8 || gzread(f, labels, (unsigned)n) != n) exit(1);
  gzclose(f);
  snprintf(path, sizeof(path), "%s/%s-images-idx3-ubyte.gz", FOLDER, prefix);
  f = gzopen(path, "rb");
  if (!f || gzseek(f, 16, SEEK_SET) != 16 || gzread(f, images, (unsigned)(n * PIX)) != n * PIX) exit(1);
  gzclose(f);
}

/* Checks the first selected samples of X, y against the first n images of
 * the files, and counts the classes. */
static void CheckSet(const char *prefix, const double *X, const double *y, PetscInt n, PetscInt want_each)
{
  enum { FIRST = 200 };
  static unsigned char labels[FIRST], images[FIRST * PIX];
  PetscInt             count[2] = {0, 0}, i = 0;
  double               lo = 1.0, hi = 0.0;

  for (PetscInt k = 0; k < n; k++)
    count[y[k] > 0]++;
  CHECK(count[0] == want_each && count[1] == want_each, "%s: %d and %d samples of classes 0 and 1, want %d each",
        prefix, (int)count[0], (int)count[1], (int)want_each);
  for (size_t k = 0; k < (size_t)n * PIX; k++) {
    lo = X[k] < lo ? X[k] : lo;
    hi = X[k] > hi ? X[k] : hi;
  }
  CHECK(lo == 0.0 && hi == 1.0, "%s: pixel range [%g, %g], want [0, 1]", prefix, lo, hi);
  for (PetscInt k = 0; k < n; k++)
    CHECK(X[k + (size_t)PIX * n] == 1.0, "%s: bias of sample %d", prefix, (int)k);

  ReadFirst(prefix, FIRST, labels, images);
  for (int r = 0; r < FIRST; r++) {
    if (labels[r] > 1) continue;
    CHECK(y[i] == (labels[r] ? 1.0 : -1.0), "%s: sample %d label %g, file label %d", prefix, (int)i, y[i], labels[r]);
    for (int j = 0; j < PIX; j++)
      if (X[i + (size_t)j * n] != images[r * PIX + j] / 255.0) {
        CHECK(0, "%s: sample %d (image %d) pixel %d = %g, file %d", prefix, (int)i, r, j, X[i + (size_t)j * n],
              images[r * PIX + j]);
        break;
      }
    i++;
  }
  CHECK(i > 20, "%s: only %d of the first %d images are of classes 0, 1", prefix, (int)i, FIRST);
}

int main(int argc, char **argv)
{
  CvxConfig  cfg;
  CvxDataset ds;

  if (access(FOLDER "/train-images-idx3-ubyte.gz", R_OK) != 0) {
    printf("skipped: %s not installed (Debian package dataset-fashion-mnist)\n", FOLDER);
    return 77;
  }
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  TestConfig(&cfg);
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  CHECK(strstr(ds.description, "60000 train / 10000 test images of 28x28") != NULL, "description '%s'", ds.description);
  CHECK(ds.n == 12000 && ds.n_test == 2000 && ds.d == PIX + 1 && ds.d_raw == PIX && ds.has_bias && ds.classification,
        "sizes n %d n_test %d d %d d_raw %d", (int)ds.n, (int)ds.n_test, (int)ds.d, (int)ds.d_raw);
  if (ds.n == 12000 && ds.n_test == 2000 && ds.d == PIX + 1) {
    CheckSet("train", ds.X, ds.y, ds.n, 6000);
    CheckSet("t10k", ds.Xtest, ds.ytest, ds.n_test, 1000);
  }
  REQUIRE_OK(CvxDatasetDestroy(&ds));
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
