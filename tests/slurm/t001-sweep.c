/* Sweep files: task count, order of the overrides (set first, first axis
 * slowest), each task's resolved config, explicit task lists, folder name
 * patterns, the --list output, and every input error with its file:line and
 * key. Collective parts are checked on any rank count. */
#include "app/sweep.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/check.h"

static char tmpdir[256];

/* Writes text to tmpdir/name (rank 0 only: the sweep is read there) and
 * returns the path in a static buffer. */
static const char *WriteFile(const char *name, const char *text)
{
  static char path[4][512];
  static int  slot = 0;
  PetscMPIInt rank;
  char       *p = path[slot++ % 4];

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  snprintf(p, 512, "%s/%s", tmpdir, name);
  if (rank == 0) {
    FILE *f = fopen(p, "w");
    if (!f || fputs(text, f) < 0 || fclose(f)) {
      fprintf(stderr, "cannot write %s\n", p);
      exit(1);
    }
  }
  MPI_Barrier(PETSC_COMM_WORLD);
  return p;
}

/* Loads text as tmpdir/name and expects an input error of class code whose
 * message holds every string of subs (NULL-terminated). */
static void ExpectError(const char *name, const char *text, PetscErrorCode code, const char *const *subs)
{
  CvxSweep      *sw   = NULL;
  const char    *path = WriteFile(name, text);
  PetscErrorCode ierr = CvxSweepLoad(PETSC_COMM_WORLD, path, &sw);
  const char    *msg  = CvxErrorLastMessage();

  CHECK(ierr == code, "[%s] error code %d, want %d (message: %s)", name, (int)ierr, (int)code, msg);
  CHECK(sw == NULL, "[%s] a sweep was returned with an error", name);
  for (int i = 0; subs[i]; i++)
    CHECK(strstr(msg, subs[i]) != NULL, "[%s] message lacks \"%s\": %s", name, subs[i], msg);
  CvxSweepDestroy(&sw);
}

static void CheckOverrides(CvxSweep *sw, PetscInt64 k, const char *const *want)
{
  const char *const *sets;
  PetscInt           n, nw = 0;

  while (want[nw])
    nw++;
  PetscErrorCode ierr = CvxSweepTaskOverrides(sw, k, &n, &sets);
  CHECK(!ierr, "task %lld overrides: %s", (long long)k, CvxErrorLastMessage());
  if (ierr) return;
  CHECK(n == nw, "task %lld: %d overrides, want %d", (long long)k, (int)n, (int)nw);
  for (PetscInt i = 0; i < n && i < nw; i++)
    CHECK(!strcmp(sets[i], want[i]), "task %lld override %d: '%s', want '%s'", (long long)k, (int)i, sets[i], want[i]);
}

static const char *base_yaml = "run:\n  name: basename\n  seed: 9\n"
                               "data:\n  n_train: 33\n"
                               "model:\n  beta: 2.0e-4\n"
                               "sgd:\n  widths: [7]\n  trials: 2\n"
                               "output:\n  dir: out/\n";

static void TestAxes(void)
{
  CvxSweep  *sw = NULL;
  CvxConfig  cfg;
  PetscInt64 count = 0;
  char       name[CVX_NAME_MAX];

  WriteFile("base.yaml", base_yaml);
  const char    *path = WriteFile("axes.yaml", "# a comment\n"
                                                  "base: base.yaml\n"
                                                  "name: widths\n"
                                                  "axes:\n"
                                                  "  sgd.widths: [[5], [15, 20]]\n"
                                                  "  run.seed: [1, 2, 3, 4, 5, 6]\n"
                                                  "set:\n"
                                                  "  sgd.trials: 3\n"
                                                  "  model.beta: 1.0e-3\n");
  PetscErrorCode ierr = CvxSweepLoad(PETSC_COMM_WORLD, path, &sw);
  CHECK(!ierr, "load axes.yaml: %s", CvxErrorLastMessage());
  if (ierr) return;
  CvxSweepTaskCount(sw, &count);
  CHECK(count == 12, "count %lld, want 12", (long long)count);
  {
    const char *nm, *p;
    CvxSweepGetName(sw, &nm, &p);
    CHECK(!strcmp(nm, "widths") && !strcmp(p, path), "name '%s' path '%s'", nm, p);
  }

  /* set first, then the axes with the first one slowest. */
  CheckOverrides(sw, 0,
                 (const char *const[]){"sgd.trials=3", "model.beta=1.0e-3", "sgd.widths=[5]", "run.seed=1", NULL});
  CheckOverrides(sw, 5,
                 (const char *const[]){"sgd.trials=3", "model.beta=1.0e-3", "sgd.widths=[5]", "run.seed=6", NULL});
  CheckOverrides(sw, 7,
                 (const char *const[]){"sgd.trials=3", "model.beta=1.0e-3", "sgd.widths=[15, 20]", "run.seed=2", NULL});
  CheckOverrides(sw, 11,
                 (const char *const[]){"sgd.trials=3", "model.beta=1.0e-3", "sgd.widths=[15, 20]", "run.seed=6", NULL});

  /* Task 7: base, set, axes, then the extras; run.name and output.dir last. */
  const char *extra[] = {"sgd.trials=4", "run.name=ignored", "data.dim=2"};
  ierr                = CvxSweepTaskConfig(sw, 7, 3, extra, &cfg);
  CHECK(!ierr, "task config 7: %s", CvxErrorLastMessage());
  if (!ierr) {
    CHECK(cfg.sgd.n_widths == 2 && cfg.sgd.widths[0] == 15 && cfg.sgd.widths[1] == 20, "task 7 widths");
    CHECK(cfg.run.seed == 2, "task 7 seed %lld", (long long)cfg.run.seed);
    CHECK(cfg.sgd.trials == 4, "task 7 trials %d (the command line comes last)", (int)cfg.sgd.trials);
    CHECK(cfg.model.beta == 1.0e-3, "task 7 beta %g (set overrides the base)", cfg.model.beta);
    CHECK(cfg.data.n_train == 33, "task 7 n_train %d (from the base)", (int)cfg.data.n_train);
    CHECK(cfg.data.dim == 2, "task 7 dim (extra)");
    CHECK(!strcmp(cfg.run.name, "task-07"), "task 7 run.name '%s'", cfg.run.name);
    CHECK(!strcmp(cfg.output.dir, "out/widths"), "task 7 output.dir '%s'", cfg.output.dir);
    CHECK(CvxConfigValidate(&cfg, 2) == 0, "task 7 config invalid: %s", CvxErrorLastMessage());
  }
  ierr = CvxSweepTaskConfig(sw, 0, 0, NULL, &cfg);
  CHECK(!ierr && cfg.sgd.trials == 3 && cfg.sgd.n_widths == 1 && cfg.sgd.widths[0] == 5 && cfg.run.seed == 1 &&
            !strcmp(cfg.run.name, "task-00"),
        "task 0 config");
  CHECK(!CvxSweepTaskName(sw, 11, name, sizeof(name)) && !strcmp(name, "task-11"), "task 11 name '%s'", name);

  /* Out of range: an input error naming K and the count. */
  ierr = CvxSweepTaskConfig(sw, 12, 0, NULL, &cfg);
  CHECK(ierr == CVX_ERR_INPUT, "task 12 accepted (code %d)", (int)ierr);
  CHECK(strstr(CvxErrorLastMessage(), "--task 12 ") && strstr(CvxErrorLastMessage(), "12 tasks"), "task 12 message: %s",
        CvxErrorLastMessage());
  {
    PetscInt           n;
    const char *const *sets;
    ierr = CvxSweepTaskOverrides(sw, -1, &n, &sets);
    CHECK(ierr == CVX_ERR_INPUT && strstr(CvxErrorLastMessage(), "--task -1 "), "task -1: %s", CvxErrorLastMessage());
  }
  /* A bad extra override is reported as such. */
  const char *bad_extra[] = {"sgd.nope=1"};
  ierr                    = CvxSweepTaskConfig(sw, 1, 1, bad_extra, &cfg);
  CHECK(ierr == CVX_ERR_INPUT && strstr(CvxErrorLastMessage(), "sgd.nope"), "bad extra: %s", CvxErrorLastMessage());

  /* --list */
  {
    char  *buf = NULL;
    size_t len = 0;
    FILE  *f   = open_memstream(&buf, &len);
    CHECK(!CvxSweepPrintTasks(sw, f), "print tasks");
    fclose(f);
    CHECK(buf && !strncmp(buf, "0 task-00 sgd.trials=3 model.beta=1.0e-3 'sgd.widths=[5]' run.seed=1\n", 69),
          "list starts '%.*s'", 80, buf ? buf : "");
    CHECK(buf && strstr(buf, "\n11 task-11 sgd.trials=3 model.beta=1.0e-3 'sgd.widths=[15, 20]' run.seed=6\n"),
          "list: %s", buf ? buf : "");
    int lines = 0;
    for (size_t i = 0; i < len; i++)
      lines += buf[i] == '\n';
    CHECK(lines == 12, "list has %d lines", lines);
    free(buf);
  }
  CvxSweepDestroy(&sw);
  CHECK(sw == NULL, "destroy did not clear the pointer");
}

static void TestTasks(void)
{
  CvxSweep  *sw = NULL;
  CvxConfig  cfg;
  PetscInt64 count = 0;
  char       name[CVX_NAME_MAX];

  const char    *path = WriteFile("list.yml", "tasks:\n"
                                                 "  - {model.beta: 1.0e-4, data.n_train: 20}\n"
                                                 "  - model.beta: 1.0e-3\n"
                                                 "    data.path: 'my data/x.csv'\n"
                                                 "    data.source: csv\n"
                                                 "  - {}\n");
  PetscErrorCode ierr = CvxSweepLoad(PETSC_COMM_WORLD, path, &sw);
  CHECK(!ierr, "load list.yml: %s", CvxErrorLastMessage());
  if (ierr) return;
  CvxSweepTaskCount(sw, &count);
  CHECK(count == 3, "tasks count %lld", (long long)count);
  CheckOverrides(sw, 0, (const char *const[]){"model.beta=1.0e-4", "data.n_train=20", NULL});
  CheckOverrides(sw, 1,
                 (const char *const[]){"model.beta=1.0e-3", "data.path=\"my data/x.csv\"", "data.source=csv", NULL});
  CheckOverrides(sw, 2, (const char *const[]){NULL});
  ierr = CvxSweepTaskConfig(sw, 1, 0, NULL, &cfg);
  CHECK(!ierr && !strcmp(cfg.data.path, "my data/x.csv") && cfg.data.source == CVX_DATA_CSV, "task 1 path '%s'",
        cfg.data.path);
  /* No base: defaults; name from the file name; one digit for 3 tasks. */
  CHECK(!ierr && !strcmp(cfg.output.dir, "results/list") && !strcmp(cfg.run.name, "task-1"),
        "task 1 dir '%s' name '%s'", cfg.output.dir, cfg.run.name);
  ierr = CvxSweepTaskConfig(sw, 2, 0, NULL, &cfg);
  {
    CvxConfig def;
    CvxConfigSetDefaults(&def);
    strcpy(def.run.name, "task-2");
    snprintf(def.output.dir, sizeof(def.output.dir), "%s", "results/list");
    CHECK(!ierr && !memcmp(&def, &cfg, sizeof(cfg)), "task 2 ({}) is not the defaults");
  }
  CvxSweepDestroy(&sw);

  /* A folder-name pattern. */
  path = WriteFile("pattern.yaml", "name: pat\n"
                                   "task_name: w{sgd.widths}-s{run.seed}-{task}\n"
                                   "axes:\n"
                                   "  sgd.widths: [[5], [15, 20]]\n"
                                   "  run.seed: [1, 2]\n");
  ierr = CvxSweepLoad(PETSC_COMM_WORLD, path, &sw);
  CHECK(!ierr, "load pattern.yaml: %s", CvxErrorLastMessage());
  if (ierr) return;
  CHECK(!CvxSweepTaskName(sw, 3, name, sizeof(name)) && !strcmp(name, "w15-20-s2-3"), "pattern name '%s'", name);
  ierr = CvxSweepTaskConfig(sw, 0, 0, NULL, &cfg);
  CHECK(!ierr && !strcmp(cfg.run.name, "w5-s1-0") && !strcmp(cfg.output.dir, "results/pat"), "pattern config '%s'",
        cfg.run.name);
  CvxSweepDestroy(&sw);

  /* Neither axes nor tasks: one task with the set. */
  path = WriteFile("single.yaml", "set: {sgd.epochs: 7}\n");
  ierr = CvxSweepLoad(PETSC_COMM_WORLD, path, &sw);
  CHECK(!ierr, "load single.yaml: %s", CvxErrorLastMessage());
  if (ierr) return;
  CvxSweepTaskCount(sw, &count);
  CHECK(count == 1, "single count %lld", (long long)count);
  ierr = CvxSweepTaskConfig(sw, 0, 0, NULL, &cfg);
  CHECK(!ierr && cfg.sgd.epochs == 7 && !strcmp(cfg.run.name, "task-0"), "single config");
  CvxSweepDestroy(&sw);
}

static void TestErrors(void)
{
  char missing[600];

  ExpectError("malformed.yaml", "name: x\naxes:\n  run.seed: [1, 2\n", CVX_ERR_INPUT,
              (const char *const[]){"malformed.yaml:", "malformed YAML", NULL});
  ExpectError("badtab.yaml", "name: x\naxes:\n\trun.seed: [1]\n", CVX_ERR_INPUT,
              (const char *const[]){"badtab.yaml:3:", NULL});
  ExpectError("unknown.yaml", "name: x\naxis:\n  run.seed: [1]\n", CVX_ERR_INPUT,
              (const char *const[]){"unknown.yaml:2:1:", "unknown key 'axis'", NULL});
  ExpectError("axiskey.yaml", "name: x\naxes:\n  run.seed: [1, 2]\n  sgd.widthz: [[5]]\n", CVX_ERR_INPUT,
              (const char *const[]){"axiskey.yaml:4:3:", "sgd.widthz", NULL});
  ExpectError("axissection.yaml", "axes:\n  solver.rho: [1]\n", CVX_ERR_INPUT,
              (const char *const[]){"axissection.yaml:2:3:", "solver.rho", NULL});
  ExpectError("axisvalue.yaml", "axes:\n  run.seed: [1, abc]\n", CVX_ERR_INPUT,
              (const char *const[]){"axisvalue.yaml:2:17:", "run.seed", "abc", NULL});
  ExpectError("emptyaxis.yaml", "axes:\n  run.seed: []\n", CVX_ERR_INPUT,
              (const char *const[]){"emptyaxis.yaml:2:13:", "run.seed", "empty", NULL});
  ExpectError("scalaraxis.yaml", "axes:\n  run.seed: 3\n", CVX_ERR_INPUT,
              (const char *const[]){"scalaraxis.yaml:2:13:", "run.seed", "list", NULL});
  ExpectError("noaxes.yaml", "axes: {}\n", CVX_ERR_INPUT, (const char *const[]){"noaxes.yaml:1:7:", "no axis", NULL});
  ExpectError("both.yaml", "axes:\n  run.seed: [1]\ntasks:\n  - {run.seed: 2}\n", CVX_ERR_INPUT,
              (const char *const[]){"both.yaml:4:3:", "not both", NULL});
  ExpectError("emptytasks.yaml", "tasks: []\n", CVX_ERR_INPUT,
              (const char *const[]){"emptytasks.yaml:1:8:", "empty", NULL});
  ExpectError("taskkey.yaml", "tasks:\n  - {run.seed: 2}\n  - {model.betta: 1}\n", CVX_ERR_INPUT,
              (const char *const[]){"taskkey.yaml:3:6:", "tasks[1]", "model.betta", NULL});
  ExpectError("setkey.yaml", "set:\n  sgd.trials: 3\n  sgd.trails: 3\n", CVX_ERR_INPUT,
              (const char *const[]){"setkey.yaml:3:3:", "set", "sgd.trails", NULL});
  ExpectError("setvalue.yaml", "set:\n  sgd.widths: [5, x]\n", CVX_ERR_INPUT,
              (const char *const[]){"setvalue.yaml:2:15:", "sgd.widths", NULL});
  ExpectError("dup.yaml", "axes:\n  run.seed: [1]\n  run.seed: [2]\n", CVX_ERR_INPUT,
              (const char *const[]){"dup.yaml:3:3:", "run.seed", "twice", NULL});
  ExpectError("duptop.yaml", "name: a\nname: b\n", CVX_ERR_INPUT,
              (const char *const[]){"duptop.yaml:2:1:", "twice", NULL});
  ExpectError("notmap.yaml", "- 1\n- 2\n", CVX_ERR_INPUT, (const char *const[]){"notmap.yaml:1:1:", "mapping", NULL});
  ExpectError("empty.yaml", "# nothing\n", CVX_ERR_INPUT, (const char *const[]){"empty.yaml:", "empty", NULL});
  ExpectError("twodocs.yaml", "name: a\n---\nname: b\n", CVX_ERR_INPUT,
              (const char *const[]){"twodocs.yaml:2:", "more than one", NULL});
  ExpectError("badname.yaml", "name: a/b\n", CVX_ERR_INPUT, (const char *const[]){"badname.yaml:1:1:", "name", NULL});
  ExpectError("samename.yaml", "task_name: s{run.seed}\naxes:\n  run.seed: [1, 2]\n  model.beta: [1.0e-3, 1.0e-2]\n",
              CVX_ERR_INPUT, (const char *const[]){"samename.yaml:1:12:", "same folder 's1'", NULL});
  ExpectError("badpattern.yaml", "task_name: s{data.dim}\naxes:\n  run.seed: [1, 2]\n", CVX_ERR_INPUT,
              (const char *const[]){"badpattern.yaml:1:12:", "{data.dim}", NULL});
  ExpectError("nobase.yaml", "base: does-not-exist.yaml\naxes:\n  run.seed: [1]\n", CVX_ERR_FILE,
              (const char *const[]){"does-not-exist.yaml", NULL});
  WriteFile("badbase.yaml", "run:\n  seed: 1\nsgd:\n  widthz: [5]\n");
  ExpectError("usesbadbase.yaml", "base: badbase.yaml\naxes:\n  run.seed: [1]\n", CVX_ERR_INPUT,
              (const char *const[]){"badbase.yaml:4:3", "widthz", NULL});

  snprintf(missing, sizeof(missing), "%s/no-such-sweep.yaml", tmpdir);
  CvxSweep      *sw   = NULL;
  PetscErrorCode ierr = CvxSweepLoad(PETSC_COMM_WORLD, missing, &sw);
  CHECK(ierr == CVX_ERR_FILE && strstr(CvxErrorLastMessage(), "no-such-sweep.yaml") && !sw, "missing sweep file: %d %s",
        (int)ierr, CvxErrorLastMessage());
}

int main(int argc, char **argv)
{
  PetscMPIInt rank;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) {
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/cvxnn-sweep-XXXXXX", t && t[0] ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
      fprintf(stderr, "cannot create a temporary folder\n");
      MPI_Abort(PETSC_COMM_WORLD, 1);
    }
  }
  if (MPI_Bcast(tmpdir, sizeof(tmpdir), MPI_CHAR, 0, PETSC_COMM_WORLD) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 1);

  TestAxes();
  TestTasks();
  TestErrors();

  MPI_Barrier(PETSC_COMM_WORLD);
  if (rank == 0) {
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
  }
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  PetscFinalize();
  return failures != 0;
}
