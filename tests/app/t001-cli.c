/* Command-line parsing: options, overrides in order, PETSc options after
 * "--", and every usage error. Prints only on failure. */
#include "app/cli.h"

#include <stdio.h>
#include <string.h>
#include "../common/check.h"

static int Parse(int argc, const char **argv, CvxCommandLine *cl, char *err)
{
  static char *pargv[64];
  return CvxCommandLineParse(argc, (char **)argv, pargv, cl, err, 512);
}

static void ExpectError(int argc, const char **argv, const char *needle)
{
  CvxCommandLine cl;
  char           err[512] = "";
  int            rc       = Parse(argc, argv, &cl, err);
  CHECK(rc != 0, "expected a usage error containing '%s'", needle);
  CHECK(strstr(err, needle) != NULL, "error '%s' does not contain '%s'", err, needle);
}

int main(void)
{
  CvxCommandLine cl;
  char           err[512];

  {
    const char *argv[] = {"cvxnn-dist", "--set", "sgd.lr=0.1", "c.yaml", "-s", "model.beta=1e-3",
                          "--set=sgd.widths=[5, 15]", "--", "-log_view", "-info"};
    CHECK(Parse(10, argv, &cl, err) == 0, "valid command line rejected: %s", err);
    CHECK(cl.config_path && !strcmp(cl.config_path, "c.yaml"), "config path");
    CHECK(cl.n_sets == 3, "n_sets %d", cl.n_sets);
    CHECK(cl.n_sets == 3 && !strcmp(cl.sets[0], "sgd.lr=0.1") && !strcmp(cl.sets[1], "model.beta=1e-3") &&
              !strcmp(cl.sets[2], "sgd.widths=[5, 15]"),
          "overrides out of order");
    CHECK(cl.petsc_argc == 3 && !strcmp(cl.petsc_argv[1], "-log_view") && !strcmp(cl.petsc_argv[2], "-info"),
          "PETSc options after --");
    CHECK(cl.petsc_argv[cl.petsc_argc] == NULL, "PETSc argv not NULL-terminated");
    CHECK(cl.task == -1 && !cl.job && !cl.dry_run, "defaults");
  }
  {
    const char *argv[] = {"cvxnn-dist", "--job", "jobs/q7.yaml", "--task", "3"};
    CHECK(Parse(5, argv, &cl, err) == 0, "job/task rejected: %s", err);
    CHECK(cl.job && !strcmp(cl.job, "jobs/q7.yaml") && cl.task == 3, "job/task values");
  }
  {
    const char *argv[] = {"cvxnn-dist", "--help", "--bogus-after-help-is-still-an-error"};
    CHECK(Parse(3, argv, &cl, err) != 0, "unknown option after --help accepted");
  }
  {
    const char *argv[] = {"cvxnn-dist", "-k"};
    CHECK(Parse(2, argv, &cl, err) == 0 && cl.keys, "--keys without config");
  }
  {
    const char *argv[] = {"cvxnn-dist", "-n", "c.yaml"};
    CHECK(Parse(3, argv, &cl, err) == 0 && cl.dry_run, "--dry-run");
  }
  {
    const char *a1[] = {"cvxnn-dist"};
    ExpectError(1, a1, "no config file");
    const char *a2[] = {"cvxnn-dist", "--frobnicate", "c.yaml"};
    ExpectError(3, a2, "unknown option '--frobnicate'");
    const char *a3[] = {"cvxnn-dist", "a.yaml", "b.yaml"};
    ExpectError(3, a3, "more than one config file");
    const char *a4[] = {"cvxnn-dist", "c.yaml", "--set"};
    ExpectError(3, a4, "needs SECTION.KEY=VALUE");
    const char *a5[] = {"cvxnn-dist", "c.yaml", "--set", "sgd.lr"};
    ExpectError(4, a5, "expected SECTION.KEY=VALUE");
    const char *a6[] = {"cvxnn-dist", "--job", "j.yaml", "--task", "x"};
    ExpectError(5, a6, "expected a task number");
    const char *a7[] = {"cvxnn-dist", "--job", "j.yaml", "--task", "-2"};
    ExpectError(5, a7, "expected a task number");
    const char *a8[] = {"cvxnn-dist", "c.yaml", "--task", "1"};
    ExpectError(4, a8, "need --job");
    const char *a9[] = {"cvxnn-dist", "--job", "j.yaml"};
    ExpectError(3, a9, "--job needs one of");
    const char *a10[] = {"cvxnn-dist", "--job", "j.yaml", "c.yaml", "--count"};
    ExpectError(5, a10, "not both");
  }
  return failures ? 1 : 0;
}
