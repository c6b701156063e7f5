/* Products with a rank's 0/1 pattern matrix by table lookup.
 *
 * The u-step of the cone splitting, the certificates and the second stage
 * apply F and F^T through the patterns D (n x PL, entries 0 or 1):
 *     F x:   out_k  = sum_i D_ki x_k^T x_i       (x_i: d entries per pattern)
 *     F^T e: G_i    = sum_k D_ki e_k x_k         (x_k: row k of X)
 * As GEMMs with the dense Dm each costs 2 n d PL flops, with Dm packed at
 * every call. Here the sum over the 0/1 index runs four terms at a time
 * (the "four Russians" method): for each group of four patterns (F) or
 * four samples (F^T) a table holds the 16 subset sums of their vectors,
 * built per call (16 vector additions per group), and each row or pattern
 * adds one table entry per group, chosen by its four bits. That is
 * n PL d / 4 additions, with the tables kept in cache by blocking, instead
 * of the 2 n PL d flops; measured in analysis/SCALING.md section 5.
 *
 * The sums are formed in another order than the GEMM's, so results agree
 * with it to rounding, not bit for bit; for a given n, d and PL they do
 * not depend on anything else (no threads). */
#ifndef CVXNN_CONVEX_PATPROD_H
#define CVXNN_CONVEX_PATPROD_H

#include <petscsys.h>

typedef struct CvxPatProd_ *CvxPatProd;

/* Packs the patterns Dm (n x PL, column-major, 0 or 1) four bits at a
 * time, both ways, and copies X (n x d, column-major) by rows, padded to
 * a multiple of 4 columns. Not collective. */
PetscErrorCode CvxPatProdCreate(PetscInt n, PetscInt d, PetscInt PL, const double *Dm, const double *X, CvxPatProd *pp);

/* out (n) = sum_i D_i o (X x_i) for x (d x PL, column-major): row k is
 * x_k^T sum_i D_ki x_i. Not collective. */
void CvxPatProdF(CvxPatProd pp, const double *x, double *out);

/* G (d x PL, column-major) = X^T diag(e) D: column i is the sum over the
 * rows k of pattern i of e_k x_k. Not collective. */
void CvxPatProdFT(CvxPatProd pp, const double *e, double *G);

/* Bytes the object holds (packed patterns, the row copy of X, tables). */
size_t CvxPatProdBytes(CvxPatProd pp);

PetscErrorCode CvxPatProdDestroy(CvxPatProd *pp);

#endif
