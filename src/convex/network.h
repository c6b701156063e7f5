/* Two-layer ReLU networks recovered from the convex program, their exact
 * training objective and their text file format.
 *
 * The network computes f(x) = sum_j relu(x^T u_j) a_j (x includes the bias
 * entry when the data carry a bias column; there is no output bias).
 */
#ifndef CVXNN_CONVEX_NETWORK_H
#define CVXNN_CONVEX_NETWORK_H

#include <petscsys.h>
#include <stdio.h>

typedef struct {
  PetscInt m;  /* neurons */
  PetscInt d;  /* input weights per neuron (bias included) */
  double  *U;  /* d x m column-major: column j holds u_j */
  double  *a;  /* m output weights */
} CvxNetwork;

/* Allocates a network of m neurons in R^d with zero weights. Not collective. */
PetscErrorCode CvxNetworkCreate(PetscInt m, PetscInt d, CvxNetwork *net);

/* Frees the weights and zeroes the struct. Not collective. */
PetscErrorCode CvxNetworkDestroy(CvxNetwork *net);

/* Evaluates the network on X (n x d, column-major) with labels y (n):
 *   objective = 1/2 ||sum_j relu(X u_j) a_j - y||^2 + beta/2 sum_j (||u_j||^2 + a_j^2)
 * computed through the ReLU with one GEMM, and accuracy = fraction of samples
 * whose predicted sign (+1 when the output is > 0, else -1) equals y_k
 * (meaningful for -1/+1 labels). Either output may be NULL. Not collective. */
PetscErrorCode CvxNetworkEvaluate(const CvxNetwork *net, PetscInt n, const double *X, const double *y, double beta,
                                  double *objective, double *accuracy);

/* Writes the network as text: a header line "m d", then one neuron per line,
 * the output weight a_j followed by the d input weights u_j, every number
 * printed with %.17g (exact round trip). Not collective. */
PetscErrorCode CvxNetworkWrite(const CvxNetwork *net, FILE *f);

#endif
