/* Second stage of the convex solver. See admm_impl.h. */
#include "convex/admm_impl.h"

/* Placeholder until the reduced solve lands: reports no improvement.
 * Collective. */
PetscErrorCode CvxAdmmPolish(CvxAdmm *A, PetscBool *improved)
{
  PetscFunctionBeginUser;
  *improved = PETSC_FALSE;
  PetscFunctionReturn(0);
}
