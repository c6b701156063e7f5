/* The command line of cvxnn-dist. */
#ifndef CVXNN_APP_CLI_H
#define CVXNN_APP_CLI_H

#include <stddef.h>

#define CVX_CLI_MAX_SETS 256

typedef struct {
  const char *config_path;               /* NULL: defaults only */
  const char *sets[CVX_CLI_MAX_SETS];    /* --set overrides, in order */
  int         n_sets;
  int         help, version, keys, dry_run;
  const char *job;                       /* --job sweep file */
  int         count, list;               /* --count, --list */
  long        task;                      /* --task K, -1 = none */
  int         petsc_argc;                /* argv[0] and what follows "--" */
  char      **petsc_argv;
} CvxCommandLine;

/* Parses argv into cl. On a usage error returns non-zero and writes a
 * message to err. The petsc_argv array points into argv (argv[0] first) and
 * needs storage for argc + 1 pointers, supplied by the caller. Not collective,
 * does not need MPI. */
int CvxCommandLineParse(int argc, char **argv, char **petsc_argv, CvxCommandLine *cl, char *err, size_t errlen);

/* Prints the --help text. */
void CvxCommandLinePrintHelp(const char *prog);

#endif
