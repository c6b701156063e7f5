/* cvxnn-dist: the command-line driver. All work is in the library (src/app). */
#include "app/app.h"

int main(int argc, char **argv)
{
  return CvxAppMain(argc, argv);
}
