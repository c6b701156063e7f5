#include "app/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void CvxCommandLinePrintHelp(const char *prog)
{
  printf("Usage: %s [options] CONFIG.yaml [-- PETSc options]\n"
         "       mpirun -n N %s [options] CONFIG.yaml\n"
         "\n"
         "Trains a two-layer ReLU network to a certified global optimum through its convex\n"
         "reformulation, and runs SGD/Adam trainings of the same network side by side.\n"
         "Results go to OUTPUT.DIR/RUN.NAME (summary.yaml, traces, network).\n"
         "\n"
         "Options:\n"
         "  -s, --set SECTION.KEY=VALUE  override one config key after the file is read;\n"
         "                               repeatable, applied in order; VALUE is YAML,\n"
         "                               e.g. --set sgd.widths='[5, 15]' --set model.beta=1e-3\n"
         "  -n, --dry-run                resolve and check the config and the data, print the\n"
         "                               sizes, write nothing\n"
         "  -k, --keys                   list every config key with type, default and meaning\n"
         "      --job FILE               a sweep specification (jobs/*.yaml) instead of CONFIG;\n"
         "                               with --count, --list or --task K\n"
         "      --count                  print the number of tasks of the sweep\n"
         "      --list                   print each task's overrides\n"
         "      --task K                 run task K (0-based) of the sweep\n"
         "  -V, --version                print the version\n"
         "  -h, --help                   print this help\n"
         "\n"
         "Everything after \"--\" goes to PETSc, e.g. -- -log_view.\n"
         "\n"
         "SIGTERM, SIGINT, SIGUSR1 or SIGUSR2 stops the run early: the solvers stop at\n"
         "their next check and the results so far are written (summary run.stopped_by);\n"
         "a second Ctrl-C ends it at once. Under mpirun send SIGUSR1 (forwarded to every\n"
         "rank); mpirun turns SIGTERM into a SIGKILL after one second.\n"
         "\n"
         "Exit status: 0 success, 1 runtime failure, 2 bad input (command line, config,\n"
         "data files), 3 stopped early by a signal (results written); every error is one\n"
         "line on stderr naming the file, line or key.\n",
         prog, prog);
}

static int Fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
  snprintf(err, errlen, fmt, arg);
  return 1;
}

int CvxCommandLineParse(int argc, char **argv, char **petsc_argv, CvxCommandLine *cl, char *err, size_t errlen)
{
  memset(cl, 0, sizeof(*cl));
  cl->task          = -1;
  cl->petsc_argv    = petsc_argv;
  petsc_argv[0]     = argv[0];
  cl->petsc_argc    = 1;
  petsc_argv[1]     = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) {
      for (int j = i + 1; j < argc; j++) petsc_argv[cl->petsc_argc++] = argv[j];
      petsc_argv[cl->petsc_argc] = NULL;
      break;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      cl->help = 1;
    } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
      cl->version = 1;
    } else if (!strcmp(a, "-k") || !strcmp(a, "--keys")) {
      cl->keys = 1;
    } else if (!strcmp(a, "-n") || !strcmp(a, "--dry-run")) {
      cl->dry_run = 1;
    } else if (!strcmp(a, "--count")) {
      cl->count = 1;
    } else if (!strcmp(a, "--list")) {
      cl->list = 1;
    } else if (!strcmp(a, "-s") || !strcmp(a, "--set") || !strncmp(a, "--set=", 6)) {
      const char *v = NULL;
      if (!strncmp(a, "--set=", 6)) v = a + 6;
      else if (i + 1 < argc) v = argv[++i];
      else return Fail(err, errlen, "option %s needs SECTION.KEY=VALUE", a);
      if (!strchr(v, '=')) return Fail(err, errlen, "--set '%s': expected SECTION.KEY=VALUE", v);
      if (cl->n_sets == CVX_CLI_MAX_SETS) return Fail(err, errlen, "too many --set options (at most %s)", "256");
      cl->sets[cl->n_sets++] = v;
    } else if (!strcmp(a, "--job") || !strncmp(a, "--job=", 6)) {
      if (!strncmp(a, "--job=", 6)) cl->job = a + 6;
      else if (i + 1 < argc) cl->job = argv[++i];
      else return Fail(err, errlen, "option %s needs a sweep file", a);
    } else if (!strcmp(a, "--task") || !strncmp(a, "--task=", 7)) {
      const char *v = NULL;
      if (!strncmp(a, "--task=", 7)) v = a + 7;
      else if (i + 1 < argc) v = argv[++i];
      else return Fail(err, errlen, "option %s needs a task number", a);
      char *end;
      errno   = 0;
      long k  = strtol(v, &end, 10);
      if (errno || end == v || *end || k < 0) return Fail(err, errlen, "--task '%s': expected a task number >= 0", v);
      cl->task = k;
    } else if (a[0] == '-' && a[1] != '\0') {
      return Fail(err, errlen, "unknown option '%s' (see --help; PETSc options go after \"--\")", a);
    } else if (cl->config_path) {
      return Fail(err, errlen, "more than one config file given ('%s')", a);
    } else {
      cl->config_path = a;
    }
  }
  if (cl->help || cl->version || cl->keys) return 0;
  if (cl->job && cl->config_path) return Fail(err, errlen, "give either a config file or --job, not both ('%s')", cl->config_path);
  if (!cl->job && (cl->count || cl->list || cl->task >= 0))
    return Fail(err, errlen, "%s", "--count, --list and --task need --job FILE");
  if (cl->job && !(cl->count || cl->list || cl->task >= 0))
    return Fail(err, errlen, "%s", "--job needs one of --count, --list or --task K");
  if (!cl->job && !cl->config_path) return Fail(err, errlen, "%s", "no config file given (see --help)");
  return 0;
}
