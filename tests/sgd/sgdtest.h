/* Helpers of the sgd tests: a failure counter, small data sets and a naive
 * scalar-loop reference of p1 and its gradient, written independently of the
 * library's GEMM-shaped code. */
#ifndef CVXNN_TESTS_SGDTEST_H
#define CVXNN_TESTS_SGDTEST_H

#include "core/error.h"
#include "core/rng.h"
#include "sgd/sgd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../common/check.h"

/* Relative difference with a floor, for comparing computed values. */
static inline double RelDiff(double a, double b)
{
  return fabs(a - b) / fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* n samples with dfeat standard-normal features and a bias column of ones
 * (d = dfeat + 1), column-major; labels +1 if ||x|| > 1 else -1. */
static inline void MakeData(int n, int dfeat, uint64_t item, double *X, double *y)
{
  CvxRng rng;
  CvxRngInit(&rng, 1234, CVX_STREAM_TEST, item, 0);
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < dfeat; j++) {
      double v     = CvxRngNormal(&rng);
      X[i + j * n] = v;
      s += v * v;
    }
    X[i + dfeat * n] = 1.0;
    y[i]             = sqrt(s) > 1.0 ? 1.0 : -1.0;
  }
}

/* p1 restricted to the rows listed (all n when rows == NULL) with the data
 * term scaled by scale, and its gradient (grad may be NULL). theta = [U (d x m,
 * column j = u_j), a]. Straight loops, one sample and one neuron at a time. */
static inline double NaiveP1(int n, int d, int m, const double *X, const double *y, const double *theta, double beta,
                             int b, const int *rows, double scale, double *grad)
{
  const double *a    = theta + d * m;
  double        data = 0, reg = 0;
  if (grad)
    for (int k = 0; k < (d + 1) * m; k++)
      grad[k] = 0;
  for (int s = 0; s < b; s++) {
    int    i   = rows ? rows[s] : s;
    double out = 0;
    for (int j = 0; j < m; j++) {
      double h = 0;
      for (int k = 0; k < d; k++)
        h += X[i + k * n] * theta[k + j * d];
      if (h > 0) out += h * a[j];
    }
    double r = out - y[i];
    data += 0.5 * r * r;
    if (!grad) continue;
    for (int j = 0; j < m; j++) {
      double h = 0;
      for (int k = 0; k < d; k++)
        h += X[i + k * n] * theta[k + j * d];
      if (h <= 0) continue;
      grad[d * m + j] += scale * r * h;
      for (int k = 0; k < d; k++)
        grad[k + j * d] += scale * r * a[j] * X[i + k * n];
    }
  }
  for (int k = 0; k < (d + 1) * m; k++) {
    reg += theta[k] * theta[k];
    if (grad) grad[k] += beta * theta[k];
  }
  return scale * data + 0.5 * beta * reg;
}

/* Smallest |x_i^T u_j| over all samples and neurons: distance from a kink. */
static inline double KinkMargin(int n, int d, int m, const double *X, const double *theta)
{
  double margin = INFINITY;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) {
      double h = 0;
      for (int k = 0; k < d; k++)
        h += X[i + k * n] * theta[k + j * d];
      margin = fmin(margin, fabs(h));
    }
  return margin;
}

/* main of an MPI test: PETSc and the error handler, then run(world); the
 * failures of every rank are combined, exit status 1 when any failed. */
static inline int SgdTestMpiMain(int argc, char **argv, PetscErrorCode (*run)(MPI_Comm))
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  if (run(PETSC_COMM_WORLD)) return 1;
  int bad = failures;
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 1;
  return bad ? 1 : 0;
}

#endif
