/* An input error raised on rank 0 only inside CvxRootRun reaches every rank
 * with the same code and message, and no rank hangs. Any rank count. */
#include "core/error.h"

#include <string.h>

static PetscErrorCode FailOnRoot(void *ctx)
{
  PetscFunctionBeginUser;
  SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "data file '%s' is missing", (const char *)ctx);
}

static PetscErrorCode Succeed(void *ctx)
{
  PetscFunctionBeginUser;
  *(int *)ctx = 1;
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscMPIInt rank;
  int         bad = 0, flag = 0;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);

  PetscErrorCode code = CvxRootRun(PETSC_COMM_WORLD, FailOnRoot, (void *)"x.csv");
  if (code != CVX_ERR_FILE) {
    fprintf(stderr, "[%d] FAIL: code %d, want %d\n", rank, (int)code, CVX_ERR_FILE);
    bad = 1;
  }
  if (!strstr(CvxErrorLastMessage(), "data file 'x.csv' is missing")) {
    fprintf(stderr, "[%d] FAIL: message '%s'\n", rank, CvxErrorLastMessage());
    bad = 1;
  }
  if (!CvxErrorIsInput(code)) {
    fprintf(stderr, "[%d] FAIL: file error not in the input class\n", rank);
    bad = 1;
  }
  code = CvxRootRun(PETSC_COMM_WORLD, Succeed, &flag);
  if (code || flag != (rank == 0)) {
    fprintf(stderr, "[%d] FAIL: success path code %d flag %d\n", rank, (int)code, flag);
    bad = 1;
  }
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  PetscFinalize();
  return bad;
}
