/* Preprocessing of a raw data set: pixel scaling, standardization with the
 * training statistics, bias column; and the final finiteness check. */
#include "data/sources.h"
#include "core/error.h"

#include <math.h>

/* Divides every entry of a by 255. */
static void ScalePixels(double *a, size_t count)
{
  for (size_t k = 0; k < count; k++)
    a[k] /= 255.0;
}

/* Standardizes each column of the training matrix with its mean and
 * population standard deviation, and the test matrix with the same training
 * statistics. A constant training column is only centred. */
static void Standardize(CvxDataset *ds)
{
  const size_t n = (size_t)ds->n, nt = (size_t)ds->n_test;

  for (size_t j = 0; j < (size_t)ds->d; j++) {
    double *x = ds->X + j * n, *xt = ds->Xtest ? ds->Xtest + j * nt : NULL;
    double  lo = x[0], hi = x[0], sum = 0.0, ss = 0.0, mean, sd;

    for (size_t i = 0; i < n; i++) {
      sum += x[i];
      lo = fmin(lo, x[i]);
      hi = fmax(hi, x[i]);
    }
    if (lo == hi) {
      /* Exactly constant: centre on the value itself, so the column is 0. */
      mean = lo;
      sd   = 1.0;
    } else {
      mean = sum / (double)n;
      for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
      sd = sqrt(ss / (double)n);
      if (!(sd > 0.0)) sd = 1.0;
    }
    for (size_t i = 0; i < n; i++)
      x[i] = (x[i] - mean) / sd;
    for (size_t i = 0; i < nt; i++)
      xt[i] = (xt[i] - mean) / sd;
  }
}

/* Appends a column of ones to the n x d column-major matrix *a. */
static PetscErrorCode AppendOnes(double **a, size_t n, size_t d)
{
  PetscFunctionBeginUser;
  /* Column-major: the new column goes at the end of the array. The size
   * n * (d + 1) was checked by CvxDatasetAllocate. */
  PetscCall(PetscRealloc(n * (d + 1) * sizeof(double), a));
  for (size_t i = 0; i < n; i++)
    (*a)[d * n + i] = 1.0;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxDatasetPreprocess(const CvxConfig *cfg, PetscBool pixels, CvxDataset *ds)
{
  const size_t n = (size_t)ds->n, nt = (size_t)ds->n_test, d = (size_t)ds->d;

  PetscFunctionBeginUser;
  if (pixels && cfg->data.scale_pixels) {
    ScalePixels(ds->X, n * d);
    if (nt > 0) ScalePixels(ds->Xtest, nt * d);
  }
  if (cfg->data.standardize && n > 0) Standardize(ds);
  if (cfg->data.bias) {
    PetscCall(AppendOnes(&ds->X, n, d));
    if (nt > 0) PetscCall(AppendOnes(&ds->Xtest, nt, d));
    ds->d        = (PetscInt)(d + 1);
    ds->has_bias = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* Index of the first entry of a[0..count) that is NaN or infinite, or count. */
static size_t FirstNonFinite(const double *a, size_t count)
{
  for (size_t k = 0; k < count; k++)
    if (!isfinite(a[k])) return k;
  return count;
}

PetscErrorCode CvxDatasetCheckFinite(const CvxDataset *ds, const char *what)
{
  const size_t n = (size_t)ds->n, nt = (size_t)ds->n_test, d = (size_t)ds->d;
  size_t       k;

  PetscFunctionBeginUser;
  k = FirstNonFinite(ds->X, n * d);
  PetscCheck(k == n * d, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: training sample %zu, feature %zu is not finite after preprocessing", what, k % n + 1, k / n + 1);
  k = FirstNonFinite(ds->y, n);
  PetscCheck(k == n, PETSC_COMM_SELF, CVX_ERR_DATA, "%s: label of training sample %zu is not finite", what, k + 1);
  k = FirstNonFinite(ds->Xtest, nt * d);
  PetscCheck(k == nt * d, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: test sample %zu, feature %zu is not finite after preprocessing", what, k % nt + 1, k / nt + 1);
  k = FirstNonFinite(ds->ytest, nt);
  PetscCheck(k == nt, PETSC_COMM_SELF, CVX_ERR_DATA, "%s: label of test sample %zu is not finite", what, k + 1);
  PetscFunctionReturn(0);
}
