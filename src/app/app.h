/* The program: command line, start-up, the stages of a run, shutdown. */
#ifndef CVXNN_APP_APP_H
#define CVXNN_APP_APP_H

/* Runs cvxnn-dist with the given command line and returns the process exit
 * status (0 success, 1 runtime error, 2 input error). Initializes and
 * finalizes MPI and PETSc. Collective on MPI_COMM_WORLD. */
int CvxAppMain(int argc, char **argv);

#endif
