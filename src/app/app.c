#include "app/app.h"

#include "core/error.h"

#include <stdio.h>

int CvxAppMain(int argc, char **argv)
{
  PetscErrorCode ierr = PetscInitialize(&argc, &argv, NULL, NULL);
  if (ierr) return CVX_EXIT_RUNTIME;
  ierr = PetscFinalize();
  return ierr ? CVX_EXIT_RUNTIME : 0;
}
