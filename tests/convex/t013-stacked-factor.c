/* CvxAdmmStackedTriangleFactor, the second stage's factor of its free
 * blocks' system S1 = A^T A + C^T C (A the R factor of the data columns, C
 * the blocks' own factors): R upper triangular with R^T R = S1 to rounding,
 * for sizes on both sides of the 32-column LAPACK block, with C block
 * diagonal (3 x 3 blocks, as in the solver) or a full upper triangle. And
 * the reason the factor goes through a QR rather than S1 itself: along a
 * near null direction z of A, ||R z|| must match ||M z|| (M = [A; C]) to
 * 1e-8 relative. The QR gives 1.9e-15 there; a Cholesky factor of S1
 * formed in floating point gave 2.4e-7 and fails. Prints only on
 * failure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convex/admm_impl.h"
#include "core/lapack.h"
#include "core/rng.h"

#include "../common/check.h"

/* Upper triangular N x N matrix with entries of N(0, 1) and a diagonal
 * pushed away from 0 (scale s); block: only the 3 x 3 diagonal blocks. */
static void UpperRandom(CvxRng *rng, PetscInt N, double s, PetscBool block, double *T)
{
  memset(T, 0, (size_t)N * N * sizeof(double));
  for (PetscInt c = 0; c < N; c++)
    for (PetscInt r = 0; r <= c; r++) {
      if (block && r / 3 != c / 3) continue;
      T[r + c * N] = s * (CvxRngNormal(rng) + (r == c ? 3.0 : 0.0));
    }
}

/* ||R^T R - (A^T A + C^T C)||_F / ||A^T A + C^T C||_F, and the largest
 * entry of R's strict lower triangle. */
static double GramError(PetscInt N, const double *A, const double *C, const double *R, double *lower)
{
  double num = 0, den = 0;
  *lower = 0;
  for (PetscInt i = 0; i < N; i++)
    for (PetscInt j = 0; j < N; j++) {
      double s = 0, r = 0;
      for (PetscInt k = 0; k < N; k++) {
        s += A[k + i * N] * A[k + j * N] + C[k + i * N] * C[k + j * N];
        r += R[k + i * N] * R[k + j * N];
      }
      num += (r - s) * (r - s);
      den += s * s;
      if (i > j) *lower = PetscMax(*lower, fabs(R[i + j * N]));
    }
  return sqrt(num / den);
}

/* ||T z|| for an upper triangular N x N T. */
static double TriNorm(PetscInt N, const double *T, const double *z)
{
  double s = 0;
  for (PetscInt r = 0; r < N; r++) {
    double v = 0;
    for (PetscInt c = r; c < N; c++) v += T[r + c * N] * z[c];
    s += v * v;
  }
  return sqrt(s);
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  CvxRng rng;
  CvxRngInit(&rng, 11, 0, 0, 0);
  const PetscInt sizes[] = {1, 3, 7, 31, 32, 33, 70, 198};
  for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++)
    for (int block = 0; block < 2; block++) {
      PetscInt N  = sizes[t];
      double  *A  = malloc((size_t)N * N * sizeof(double)), *C = malloc((size_t)N * N * sizeof(double));
      double  *R  = malloc((size_t)N * N * sizeof(double)), *Cw = malloc((size_t)N * N * sizeof(double));
      double   lo = 0;
      UpperRandom(&rng, N, 1.0, PETSC_FALSE, A);
      UpperRandom(&rng, N, 0.1, (PetscBool)block, C);
      memcpy(R, A, (size_t)N * N * sizeof(double));
      for (PetscInt s = 0; s < N * N; s++) R[s] += (s % N > s / N) ? 7.0 : 0.0; /* junk below: must be cleared */
      memcpy(Cw, C, (size_t)N * N * sizeof(double));
      PetscCall(CvxAdmmStackedTriangleFactor(N, R, Cw));
      double err = GramError(N, A, C, R, &lo);
      CHECK(err <= 1e-14, "N %d, C %s: ||R^T R - S1|| / ||S1|| = %.2e", (int)N, block ? "block diagonal" : "upper",
            err);
      CHECK(lo == 0, "N %d: R has %.2e below its diagonal", (int)N, lo);
      free(A);
      free(C);
      free(R);
      free(Cw);
    }

  /* A near null direction: A the R factor of Y = G (I - (1 - 1e-8) z z^T)
   * (G 60 x 40, ||z|| = 1), so ||A z|| is about 1e-8 ||G z||, and C of
   * order 1e-5: ||M z|| is about 1e-5 against ||M|| near 10. */
  {
    PetscInt N = 40, rows = 60;
    int      m = (int)rows, n = (int)N, lwork = 64 * (int)N, info = 0;
    double  *G = malloc((size_t)rows * N * sizeof(double)), *z = malloc((size_t)N * sizeof(double));
    double  *A = calloc((size_t)N * N, sizeof(double)), *C = malloc((size_t)N * N * sizeof(double));
    double  *Cw = malloc((size_t)N * N * sizeof(double)), *tau = malloc((size_t)N * sizeof(double));
    double  *work = malloc((size_t)lwork * sizeof(double)), zn = 0;
    for (PetscInt s = 0; s < rows * N; s++) G[s] = CvxRngNormal(&rng);
    for (PetscInt l = 0; l < N; l++) {
      z[l] = CvxRngNormal(&rng);
      zn += z[l] * z[l];
    }
    for (PetscInt l = 0; l < N; l++) z[l] /= sqrt(zn);
    for (PetscInt r = 0; r < rows; r++) {
      double gz = 0;
      for (PetscInt l = 0; l < N; l++) gz += G[r + l * rows] * z[l];
      for (PetscInt l = 0; l < N; l++) G[r + l * rows] -= (1 - 1e-8) * gz * z[l];
    }
    dgeqrf_(&m, &n, G, &m, tau, work, &lwork, &info);
    CHECK(info == 0, "dgeqrf info %d", info);
    for (PetscInt c = 0; c < N; c++)
      for (PetscInt r = 0; r <= c; r++) A[r + c * N] = G[r + c * rows];
    UpperRandom(&rng, N, 1e-5, PETSC_TRUE, C);
    double az = TriNorm(N, A, z), cz = TriNorm(N, C, z), mz = sqrt(az * az + cz * cz);
    memcpy(Cw, C, (size_t)N * N * sizeof(double));
    double *R = malloc((size_t)N * N * sizeof(double));
    memcpy(R, A, (size_t)N * N * sizeof(double));
    PetscCall(CvxAdmmStackedTriangleFactor(N, R, Cw));
    double rz = TriNorm(N, R, z);
    CHECK(fabs(rz - mz) <= 1e-8 * mz, "near null direction: ||R z|| = %.10e against ||M z|| = %.10e (rel %.2e)", rz,
          mz, fabs(rz - mz) / mz);
    CHECK(az < 1e-2 * cz, "the test's direction is not near A's null space: ||A z|| %.2e, ||C z|| %.2e", az, cz);
    free(G);
    free(z);
    free(A);
    free(C);
    free(Cw);
    free(tau);
    free(work);
    free(R);
  }
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
