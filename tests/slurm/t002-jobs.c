/* The shipped sweeps (the .yaml files in jobs/) load, have the documented number of
 * tasks, and every task's config is valid; the smoke sweep stays small.
 * Argument: the jobs folder. */
#include "app/sweep.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>
#include "../common/check.h"

/* Loads dir/file, checks its count and validates every task on 2 ranks;
 * returns the sweep (or NULL). */
static CvxSweep *CheckJob(const char *dir, const char *file, PetscInt64 want)
{
  char       path[4096];
  CvxSweep  *sw = NULL;
  PetscInt64 count;
  CvxConfig  cfg;

  snprintf(path, sizeof(path), "%s/%s", dir, file);
  if (CvxSweepLoad(PETSC_COMM_WORLD, path, &sw)) {
    CHECK(0, "%s does not load: %s", file, CvxErrorLastMessage());
    return NULL;
  }
  CvxSweepTaskCount(sw, &count);
  CHECK(count == want, "%s: %lld tasks, want %lld", file, (long long)count, (long long)want);
  for (PetscInt64 k = 0; k < count; k++) {
    PetscErrorCode ierr = CvxSweepTaskConfig(sw, k, 0, NULL, &cfg);
    if (!ierr) ierr = CvxConfigValidate(&cfg, 2);
    CHECK(!ierr, "%s task %lld: %s", file, (long long)k, CvxErrorLastMessage());
  }
  return sw;
}

int main(int argc, char **argv)
{
  CvxSweep   *sw;
  CvxConfig   cfg;
  const char *dir;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  if (argc < 2) {
    fprintf(stderr, "usage: t002-jobs JOBS_FOLDER\n");
    return 1;
  }
  dir = argv[1];

  /* Question 7: 4 widths x 3 seeds on one data set. */
  if ((sw = CheckJob(dir, "q7-widths.yaml", 12))) {
    for (PetscInt64 k = 0; k < 12; k++) {
      static const PetscInt widths[] = {5, 15, 50, 100};
      CvxSweepTaskConfig(sw, k, 0, NULL, &cfg);
      CHECK(cfg.sgd.n_widths == 1 && cfg.sgd.widths[0] == widths[k / 3] && cfg.run.seed == 1 + k % 3,
            "q7 task %lld: width/seed", (long long)k);
      CHECK(cfg.data.n_train == 20 && cfg.data.seed == 1 && cfg.arrangements.method == CVX_ARR_EXACT,
            "q7 task %lld: data/arrangements", (long long)k);
      CHECK(!strcmp(cfg.output.dir, "results/q7-widths"), "q7 output.dir '%s'", cfg.output.dir);
    }
    CvxSweepDestroy(&sw);
  }
  /* Question 8: exact and sampled programs, 4 widths x 3 seeds, n = 500. */
  if ((sw = CheckJob(dir, "q8-widths.yaml", 24))) {
    int exact = 0, sample = 0;
    for (PetscInt64 k = 0; k < 24; k++) {
      CvxSweepTaskConfig(sw, k, 0, NULL, &cfg);
      CHECK(cfg.data.n_train == 500, "q8 task %lld: n_train %d", (long long)k, (int)cfg.data.n_train);
      exact += cfg.arrangements.method == CVX_ARR_EXACT;
      if (cfg.arrangements.method == CVX_ARR_SAMPLE) {
        sample++;
        CHECK(cfg.arrangements.samples <= 1000, "q8 task %lld: %lld samples is not a small sample", (long long)k,
              (long long)cfg.arrangements.samples);
      }
    }
    CHECK(exact == 12 && sample == 12, "q8: %d exact and %d sampled tasks", exact, sample);
    CvxSweepDestroy(&sw);
  }
  /* The regularization path: 1e-4 to 1e-1. */
  if ((sw = CheckJob(dir, "beta-sweep.yaml", 7))) {
    double lo = 1, hi = 0;
    for (PetscInt64 k = 0; k < 7; k++) {
      CvxSweepTaskConfig(sw, k, 0, NULL, &cfg);
      lo = PetscMin(lo, cfg.model.beta);
      hi = PetscMax(hi, cfg.model.beta);
    }
    CHECK(lo == 1e-4 && hi == 1e-1, "beta range %g .. %g", lo, hi);
    CvxSweepDestroy(&sw);
  }
  /* The smoke sweep: at least 4 small tasks. */
  if ((sw = CheckJob(dir, "slurm-smoke.yaml", 4))) {
    for (PetscInt64 k = 0; k < 4; k++) {
      CvxSweepTaskConfig(sw, k, 0, NULL, &cfg);
      CHECK(cfg.data.n_train <= 50 && cfg.sgd.epochs <= 2000 && cfg.sgd.trials <= 3, "smoke task %lld is not small",
            (long long)k);
    }
    CvxSweepDestroy(&sw);
  }
  PetscFinalize();
  return failures != 0;
}
