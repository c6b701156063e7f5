/* Internals of the sgd module shared by its source files (not installed). */
#ifndef CVXNN_SGD_SGDIMPL_H
#define CVXNN_SGD_SGDIMPL_H

#include "sgd/sgd.h"

/* Stream subitems of a job. */
#define CVX_SGD_SUBITEM_INIT 0
#define CVX_SGD_SUBITEM_ORDER 1

/* Forward/backward workspace: rows are processed in blocks of at most `cap`
 * rows so memory stays bounded for any n. The block size depends only on
 * (d, m), never on the rank count. */
typedef struct {
  PetscInt d, m, cap;
  double  *H;          /* cap x m: X U, then relu, then mask o (r 1^T) */
  double  *r;          /* cap: residuals */
  PetscInt panel_rows; /* rows allocated in panel (0 until rows are gathered) */
  double  *panel;      /* panel_rows x d: gathered rows of a minibatch */
  double  *yb;         /* panel_rows: their labels */
} CvxSgdWork;

/* Rows per block for a width-m network on d columns, capped at n. */
PetscInt CvxSgdBlockRows(PetscInt n, PetscInt d, PetscInt m);

/* Allocates a workspace for blocks of up to cap rows. */
PetscErrorCode CvxSgdWorkCreate(PetscInt d, PetscInt m, PetscInt cap, CvxSgdWork *w);
PetscErrorCode CvxSgdWorkDestroy(CvxSgdWork *w);

/* Data term on b rows of X (n x d, leading dimension n): rows lists them
 * (NULL: rows 0..b-1). Outputs: loss = 1/2 sum r_i^2 (unscaled); correct =
 * rows whose sign prediction matches y (may be NULL); grad_data (may be NULL)
 * = gradient of loss w.r.t. theta, (d + 1) m doubles, overwritten. */
PetscErrorCode CvxSgdWorkEvaluate(CvxSgdWork *w, PetscInt n, const double *X, const double *y, PetscInt b,
                                  const PetscInt *rows, const double *theta, double *loss, PetscInt *correct,
                                  double *grad_data);

/* ||theta||^2 over count entries, summed in order. */
double CvxSgdSquaredNorm(PetscInt count, const double *theta);

#endif
