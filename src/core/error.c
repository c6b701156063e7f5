#include "core/error.h"

#include <string.h>

static char cvx_last_error[4096];

PetscBool CvxErrorIsInput(PetscErrorCode code)
{
  return (code == CVX_ERR_INPUT || code == CVX_ERR_FILE || code == CVX_ERR_DATA) ? PETSC_TRUE : PETSC_FALSE;
}

const char *CvxErrorLastMessage(void)
{
  return cvx_last_error;
}

/* Error handler: input errors are recorded quietly (the driver prints them
 * once); every other error goes to PETSc's traceback handler. */
static PetscErrorCode CvxErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                      PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL && mess) {
    strncpy(cvx_last_error, mess, sizeof(cvx_last_error) - 1);
    cvx_last_error[sizeof(cvx_last_error) - 1] = '\0';
  }
  if (CvxErrorIsInput(n)) return n;
  return PetscTraceBackErrorHandler(comm, line, fun, file, n, p, mess, ctx);
}

PetscErrorCode CvxErrorHandlerPush(void)
{
  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(CvxErrorHandler, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxRootRun(MPI_Comm comm, PetscErrorCode (*fn)(void *), void *ctx)
{
  PetscMPIInt rank;
  int         code = 0;
  char        msg[sizeof(cvx_last_error)];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  msg[0] = '\0';
  if (rank == 0) {
    code = (int)fn(ctx);
    if (code) {
      strncpy(msg, cvx_last_error, sizeof(msg) - 1);
      msg[sizeof(msg) - 1] = '\0';
    }
  }
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, 0, comm));
  if (code) {
    PetscCallMPI(MPI_Bcast(msg, (int)sizeof(msg), MPI_CHAR, 0, comm));
    SETERRQ(comm, (PetscErrorCode)code, "%s", msg);
  }
  PetscFunctionReturn(0);
}
