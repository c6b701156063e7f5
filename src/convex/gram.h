/* The n x n coupling system of the ADMM u-step.
 *
 * For a pattern set with 0/1 matrix Dmat (n x P, all ranks' patterns) and a
 * replicated n x k matrix Z, let
 *
 *     K = (Z Z^T) o (Dmat Dmat^T)        (o: element-wise product)
 *
 * i.e. K = sum_i D_i Z Z^T D_i. The cone splitting uses Z = X; the slack
 * splitting uses Z = X A^{-1/2} with A = I + X^T X. CvxGram solves
 * (sigma I + tau K) x = b for any sigma > 0, tau >= 0 after one setup, on one
 * of three paths:
 *   - replicated: K built and stored on every rank (LAPACK);
 *   - scalapack:  K built on a 2-D block-cyclic grid of the communicator
 *                 (ScaLAPACK, large n);
 *   - cg:         K applied matrix-free through the patterns inside a PETSc
 *                 KSP (n too large for a dense n x n matrix).
 * On the dense paths the ADMM's one shift is prepared (CvxGramPrepare: the
 * inverse from a Cholesky factor, n^3 flops); a solve at any other shift
 * computes the eigendecomposition of K once, on first need (about 9 n^3
 * flops at a lower rate: at n = 4000 on one rank 9.7 s against 1.3 s).
 */
#ifndef CVXNN_CONVEX_GRAM_H
#define CVXNN_CONVEX_GRAM_H

#include "arrangements/arrangements.h"

typedef enum { CVX_GRAM_AUTO, CVX_GRAM_REPLICATED, CVX_GRAM_SCALAPACK, CVX_GRAM_CG } CvxGramPath;

typedef struct {
  CvxGramPath path;
  PetscInt    replicated_max_n; /* auto: replicated up to this n, then scalapack */
  PetscInt    block_size;       /* scalapack block size */
  double      cg_rtol;          /* cg: relative residual tolerance */
  PetscInt    cg_max_it;        /* cg: iteration cap */
} CvxGramOptions;

typedef struct _p_CvxGram *CvxGram;

/* Sets the defaults (auto, 4000, 64, 1e-12, 1000). Not collective. */
PetscErrorCode CvxGramOptionsSetDefaults(CvxGramOptions *opt);

/* Builds the system for Z (n x k, column-major, identical on every rank) and
 * the pattern set (distributed over comm = set->comm). Collective. */
PetscErrorCode CvxGramCreate(const CvxArrangementSet *set, PetscInt k, const double *Z, const CvxGramOptions *opt,
                             CvxGram *gram);

/* x = (sigma I + tau K)^{-1} b; b and x have length n and are identical on
 * every rank (x may alias b). Collective. */
PetscErrorCode CvxGramSolve(CvxGram gram, double sigma, double tau, const double *b, double *x);

/* Makes later Solves at exactly (sigma, tau) cheap on the dense paths:
 * they form (sigma I + tau K)^{-1} once from a Cholesky factor (the
 * replicated path on every rank, n^3 flops, keeping this rank's n/p rows;
 * the scalapack path its local block of the lower triangle, n^3/p flops),
 * so that such a Solve is one matrix-vector product with it. Other shifts
 * solve through the eigendecomposition of K; a new Prepare replaces the
 * old shift. A shift at which sigma I + tau K is not numerically positive
 * definite (a tiny sigma against tau times the rounding of K) is left
 * unprepared: its solves go through the eigendecomposition, whose
 * eigenvalues are clamped at 0. The cg path ignores it. Same argument
 * checks as Solve. Collective. */
PetscErrorCode CvxGramPrepare(CvxGram gram, double sigma, double tau);

/* y = K x (replicated vectors of length n). Collective. */
PetscErrorCode CvxGramApply(CvxGram gram, const double *x, double *y);

/* The path actually used (auto resolved). Not collective. */
PetscErrorCode CvxGramGetPath(CvxGram gram, CvxGramPath *path);

/* Frees everything. Collective. */
PetscErrorCode CvxGramDestroy(CvxGram *gram);

/* Shuts BLACS down (Cblacs_exit(1): MPI stays initialized) when a scalapack
 * system was ever created; does nothing otherwise. Call it once, after every
 * CvxGram has been destroyed and before PetscFinalize(); no scalapack system
 * may be created afterwards. CvxGramDestroy never does this itself, because
 * BLACS cannot be restarted once exited. Call it on every rank of
 * MPI_COMM_WORLD; ranks that never created a scalapack system do nothing. */
PetscErrorCode CvxGramFinalizePackage(void);

#endif
