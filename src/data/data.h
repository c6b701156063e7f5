/* Data sets in memory. Every source (synthetic, csv, cifar10, idx) produces
 * this one form, identical on every rank.
 *
 * Matrices are column-major (LAPACK order): entry (i, j) of the n x d matrix
 * X is X[i + j * n]. When data.bias is on, the last column is all ones and d
 * counts it.
 */
#ifndef CVXNN_DATA_DATA_H
#define CVXNN_DATA_DATA_H

#include "config/config.h"

typedef struct {
  PetscInt  n, d;       /* training samples, columns (bias included) */
  double   *X;          /* n x d, column-major */
  double   *y;          /* n labels: -1/+1 for classification */
  PetscInt  n_test;     /* 0 when there is no test set */
  double   *Xtest;      /* n_test x d, column-major */
  double   *ytest;
  PetscInt  d_raw;      /* features before the bias column */
  PetscBool has_bias;
  PetscBool classification; /* labels are -1/+1 */
  char      description[CVX_PATH_MAX]; /* e.g. "idx /usr/share/... classes 0,1" */
} CvxDataset;

/* Loads the data set described by cfg->data: rank 0 reads and preprocesses,
 * then broadcasts, so every rank holds bit-identical arrays. Input errors
 * (missing or malformed files, NaN, sizes) are raised on every rank.
 * Collective on comm. */
PetscErrorCode CvxDatasetLoad(MPI_Comm comm, const CvxConfig *cfg, CvxDataset *ds);

/* Frees the arrays and zeroes ds. Not collective. */
PetscErrorCode CvxDatasetDestroy(CvxDataset *ds);

#endif
