/* A stop requested by a signal. SLURM sends SIGTERM at a job's time limit
 * (and, with --signal, a chosen signal some time before it); Open MPI's
 * mpirun forwards SIGUSR1 and SIGUSR2 to every rank and turns SIGTERM and
 * SIGINT into a SIGTERM to every rank, followed by a SIGKILL one second
 * later (Open MPI 4.1's odls_base_sigkill_timeout). The first SIGTERM,
 * SIGINT, SIGUSR1 or SIGUSR2 only sets a flag: the solvers see it at their
 * next check, stop, and the run writes its results as usual. Later ones are
 * ignored (one request often arrives twice), except a second SIGINT, which
 * ends the process at once as if no handler were installed. */
#ifndef CVXNN_CORE_STOP_H
#define CVXNN_CORE_STOP_H

/* Installs the handlers (the process keeps the previous ones for any other
 * signal). Returns 0, or -1 when sigaction failed. */
int CvxStopInstall(void);

/* The signal that requested the stop, or 0. Safe to call at any time, and
 * cheap enough to call in inner loops. */
int CvxStopRequested(void);

/* Clears a request (for tests). */
void CvxStopClear(void);

/* "SIGTERM", "SIGINT", "SIGUSR1", "SIGUSR2", or "signal N". */
const char *CvxStopSignalName(int sig);

#endif
