/* Error conventions of cvxnn-dist.
 *
 * Every function that can fail returns a PetscErrorCode and every call to one
 * is wrapped in PetscCall(); conditions on input are checked with PetscCheck()
 * and a message that names the file, line, key or value at fault.
 *
 * Two classes of errors:
 *  - input errors (bad configuration, bad or missing data files, bad command
 *    line): raised with one of the CVX_ERR_* codes below. They are reported as
 *    one clean line "cvxnn-dist: error: ..." and the program exits with status
 *    2. They must be raised collectively (every rank of the communicator sees
 *    the same error); CvxRootRun() turns a rank-0-only failure into one.
 *  - everything else (out of memory, MPI failure, LAPACK info codes, bugs):
 *    reported with PETSc's traceback and exit status 1; with more than one
 *    rank the job is aborted so no rank is left waiting.
 */
#ifndef CVXNN_CORE_ERROR_H
#define CVXNN_CORE_ERROR_H

#include <petscsys.h>

/* Error codes used for input errors (all map to exit status 2). */
#define CVX_ERR_INPUT PETSC_ERR_USER_INPUT   /* bad config value, bad option */
#define CVX_ERR_FILE  PETSC_ERR_FILE_OPEN    /* missing or unreadable file */
#define CVX_ERR_DATA  PETSC_ERR_FILE_UNEXPECTED /* malformed or truncated data */

/* Exit status of the program for each error class. */
#define CVX_EXIT_INPUT   2
#define CVX_EXIT_RUNTIME 1
#define CVX_EXIT_STOPPED 3 /* stopped early at a signal's request; the results so far are written */

/* Installs the error handler described above. Not collective. */
PetscErrorCode CvxErrorHandlerPush(void);

/* True when code belongs to the input-error class. */
PetscBool CvxErrorIsInput(PetscErrorCode code);

/* The message of the most recent error raised on this rank ("" if none). */
const char *CvxErrorLastMessage(void);

/* Runs fn(ctx) on rank 0 of comm only, then broadcasts its outcome: when it
 * fails, every rank of comm raises the same error code with the same message.
 * Collective on comm. Use it for work only rank 0 can do (reading files). */
PetscErrorCode CvxRootRun(MPI_Comm comm, PetscErrorCode (*fn)(void *), void *ctx);

/* Checks a LAPACK/ScaLAPACK info code: raises PETSC_ERR_LIB naming the
 * routine when info != 0. */
#define CvxCheckInfo(comm, routine, info) \
  PetscCheck((info) == 0, (comm), PETSC_ERR_LIB, "%s failed with info = %d", (routine), (int)(info))

#endif
