/* Writes data sets and their exact pattern sets for t003-realizable.py:
 * <dir>/<name>.csv (X, one row per sample, %.17g) and <dir>/<name>.arr (the
 * set, text format). Any rank count. Usage: t003-exact-dump <dir>. */
#include "arrtest.h"

static void Dump(const char *dir, const char *name, PetscInt n, PetscInt d, const double *X)
{
  PetscMPIInt           rank;
  CvxArrangementOptions opt = TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0);
  CvxArrangementSet     set;
  char                  path[PETSC_MAX_PATH_LEN];

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) {
    snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
    FILE *fp = fopen(path, "w");
    if (!fp) {
      fprintf(stderr, "FAIL: cannot write %s\n", path);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt c = 0; c < d; c++) fprintf(fp, "%.17g%c", X[i + c * n], c + 1 < d ? ',' : '\n');
    fclose(fp);
  }
  TRY(CvxArrangementSetCreate(PETSC_COMM_WORLD, n, d, X, &opt, &set));
  snprintf(path, sizeof(path), "%s/%s.arr", dir, name);
  TRY(CvxArrangementSetWrite(&set, path, CVX_ARRANGEMENT_FORMAT_TEXT));
  TRY(CvxArrangementSetDestroy(&set));
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  if (argc < 2) {
    fprintf(stderr, "usage: t003-exact-dump <dir>\n");
    return 1;
  }
  const char *dir = argv[1];

  double *X = TestGaussianData(30, 3, PETSC_TRUE, 2, 202);
  Dump(dir, "general", 30, 3, X);
  for (int c = 0; c < 3; c++) {
    for (int i = 0; i < 4; i++) X[24 + i + c * 30] = X[i + c * 30];
    for (int i = 0; i < 2; i++) X[28 + i + c * 30] = -X[4 + i + c * 30];
    X[10 + c * 30] = 0.0;
  }
  Dump(dir, "duplicates", 30, 3, X);
  free(X);

  X = malloc(sizeof(double) * 3 * 40);
  CvxRng rng;
  CvxRngInit(&rng, 11, CVX_STREAM_TEST, 640, 0);
  for (int i = 0; i < 3 * 40; i++) X[i] = (double)((int)(CvxRngU32(&rng) % 5u) - 2);
  Dump(dir, "integer", 40, 3, X);
  free(X);

  X = TestGaussianData(70, 2, PETSC_TRUE, 2, 204);
  Dump(dir, "line", 70, 2, X);
  free(X);

  PetscFinalize();
  return 0;
}
