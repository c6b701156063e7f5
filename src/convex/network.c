/* Recovered two-layer ReLU networks: evaluation and text output. See
 * network.h. */
#include "convex/network.h"

#include <cblas.h>
#include <math.h>

/* Allocates a zero network; see network.h. Not collective. */
PetscErrorCode CvxNetworkCreate(PetscInt m, PetscInt d, CvxNetwork *net)
{
  PetscFunctionBeginUser;
  PetscCheck(m >= 0 && d >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "network.c: bad size m = %d, d = %d",
             (int)m, (int)d);
  net->m = m;
  net->d = d;
  PetscCall(PetscCalloc1((size_t)d * (size_t)m + 1, &net->U));
  PetscCall(PetscCalloc1((size_t)m + 1, &net->a));
  PetscFunctionReturn(0);
}

/* Frees the network; see network.h. Not collective. */
PetscErrorCode CvxNetworkDestroy(CvxNetwork *net)
{
  PetscFunctionBeginUser;
  if (!net) PetscFunctionReturn(0);
  PetscCall(PetscFree(net->U));
  PetscCall(PetscFree(net->a));
  net->m = 0;
  PetscFunctionReturn(0);
}

/* Objective and accuracy through the ReLU; see network.h. Not collective. */
PetscErrorCode CvxNetworkEvaluate(const CvxNetwork *net, PetscInt n, const double *X, const double *y, double beta,
                                  double *objective, double *accuracy)
{
  double *H, *out, loss = 0, reg = 0;
  PetscInt correct = 0, m = net->m, d = net->d;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "network.c: evaluation on n = %d samples", (int)n);
  PetscCheck((size_t)n * (size_t)(m > 0 ? m : 1) <= ((size_t)1 << 34), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "network.c: %d samples x %d neurons is too large to evaluate at once", (int)n, (int)m);
  PetscCall(PetscCalloc1((size_t)n, &out));
  if (m > 0) {
    PetscCall(PetscMalloc1((size_t)n * (size_t)m, &H));
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)m, (int)d, 1.0, X, (int)n, net->U, (int)d,
                0.0, H, (int)n);
    for (size_t t = 0; t < (size_t)n * (size_t)m; t++)
      if (!(H[t] > 0)) H[t] = 0;
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)m, 1.0, H, (int)n, net->a, 1, 0.0, out, 1);
    PetscCall(PetscFree(H));
  }
  for (PetscInt k = 0; k < n; k++) {
    double e = out[k] - y[k];
    loss += e * e;
    double pred = out[k] > 0 ? 1.0 : -1.0;
    if (pred == y[k]) correct++;
  }
  for (PetscInt j = 0; j < m; j++) {
    double s = net->a[j] * net->a[j];
    for (PetscInt l = 0; l < d; l++) s += net->U[l + j * d] * net->U[l + j * d];
    reg += s;
  }
  if (objective) *objective = 0.5 * loss + 0.5 * beta * reg;
  if (accuracy) *accuracy = (double)correct / (double)n;
  PetscCall(PetscFree(out));
  PetscFunctionReturn(0);
}

/* Text output; see network.h. Not collective. */
PetscErrorCode CvxNetworkWrite(const CvxNetwork *net, FILE *f)
{
  PetscFunctionBeginUser;
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "network.c: no output file");
  PetscCheck(fprintf(f, "%d %d\n", (int)net->m, (int)net->d) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
             "network.c: write failed");
  for (PetscInt j = 0; j < net->m; j++) {
    PetscCheck(fprintf(f, "%.17g", net->a[j]) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "network.c: write failed");
    for (PetscInt l = 0; l < net->d; l++)
      PetscCheck(fprintf(f, " %.17g", net->U[l + j * net->d]) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
                 "network.c: write failed");
    PetscCheck(fputc('\n', f) != EOF, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "network.c: write failed");
  }
  PetscFunctionReturn(0);
}
