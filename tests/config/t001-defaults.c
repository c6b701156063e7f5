/* Built-in defaults: every key has the documented value, the defaults are
 * valid, and an empty or comment-only file leaves them unchanged. */
#include "check.h"

#include <math.h>

static void CheckDefaults(const CvxConfig *c)
{
  CHECK(!strcmp(c->run.name, "run"), "run.name '%s'", c->run.name);
  CHECK(c->run.seed == 1, "run.seed");
  CHECK(c->data.source == CVX_DATA_SYNTHETIC, "data.source");
  CHECK(c->data.n_train == -1 && c->data.n_test == -1 && c->data.dim == 1, "data sizes");
  CHECK(c->data.rule == CVX_RULE_NORM, "data.rule");
  CHECK(c->data.noise == 0.1, "data.noise");
  CHECK(c->data.seed == 0, "data.seed");
  CHECK(c->data.path[0] == '\0' && c->data.test_path[0] == '\0', "data paths");
  CHECK(c->data.label_column == -1, "data.label_column");
  CHECK(c->data.header == PETSC_FALSE, "data.header");
  CHECK(c->data.classes[0] == 0 && c->data.classes[1] == 1, "data.classes");
  CHECK(c->data.per_class == 0 && c->data.test_per_class == 0, "data per class");
  CHECK(c->data.scale_pixels == PETSC_TRUE && c->data.standardize == PETSC_FALSE && c->data.bias == PETSC_TRUE,
        "data flags");
  CHECK(c->model.beta == 1e-4, "model.beta");
  CHECK(c->arrangements.method == CVX_ARR_EXACT, "arrangements.method");
  CHECK(c->arrangements.samples == 10000 && c->arrangements.max_patterns == 0, "arrangements counts");
  CHECK(c->arrangements.file[0] == '\0', "arrangements.file");
  CHECK(c->convex.enabled == PETSC_TRUE && c->convex.splitting == CVX_SPLIT_AUTO, "convex.enabled/splitting");
  CHECK(c->convex.rho == 0 && c->convex.relaxation == 1.6 && c->convex.anderson == -1,
        "convex rho/relaxation/anderson");
  CHECK(c->convex.max_iter == 100000 && c->convex.tol == 1e-6 && c->convex.certify_every == 50, "convex iterations");
  CHECK(c->convex.time_limit == 0 && c->convex.polish == PETSC_TRUE, "convex time_limit/polish");
  CHECK(c->convex.linear_solver == CVX_LINSOLVE_AUTO && c->convex.block_size == 64 &&
            c->convex.replicated_max_n == 4000,
        "convex linear solver");
  CHECK(c->sgd.enabled == PETSC_TRUE && c->sgd.ranks == 0, "sgd.enabled/ranks");
  CHECK(c->sgd.n_widths == 1 && c->sgd.widths[0] == 5, "sgd.widths");
  CHECK(c->sgd.trials == 5 && c->sgd.optimizer == CVX_OPT_ADAM, "sgd trials/optimizer");
  CHECK(c->sgd.lr == 1e-3 && c->sgd.momentum == 0.9 && c->sgd.beta1 == 0.9 && c->sgd.beta2 == 0.999 &&
            c->sgd.eps == 1e-8,
        "sgd step parameters");
  CHECK(c->sgd.epochs == 1000 && c->sgd.batch_size == 0, "sgd epochs/batch");
  CHECK(c->sgd.schedule == CVX_SCHED_CONSTANT && c->sgd.decay == 0.99 && c->sgd.step_epochs == 100, "sgd schedule");
  CHECK(c->sgd.record_every == 1 && c->sgd.shuffle == PETSC_TRUE, "sgd record/shuffle");
  CHECK(!strcmp(c->output.dir, "results") && !c->output.arrangements && !c->output.overwrite, "output");
  CHECK(c->logging.level == CVX_LOG_NORMAL && c->logging.progress_interval == 2.0 && !c->logging.log_view, "logging");
}

int main(int argc, char **argv)
{
  CvxConfig   def, c;
  const char *empties[] = {
      "", "\n\n\n", "# only a comment\n# and another\n", "---\n", "---\n...\n", "--- # nothing\n", "~\n"};

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;

  CHECK(CvxConfigSetDefaults(&def) == 0, "CvxConfigSetDefaults failed");
  CheckDefaults(&def);
  CHECK(CvxConfigValidate(&def, 1) == 0, "defaults do not validate on 1 rank: %s", CvxErrorLastMessage());
  CHECK(CvxConfigValidate(&def, 7) == 0, "defaults do not validate on 7 ranks: %s", CvxErrorLastMessage());

  for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
    CvxConfigSetDefaults(&c);
    PetscErrorCode code = CvxConfigParseString(empties[i], strlen(empties[i]), "empty.yaml", &c);
    CHECK(code == 0, "empty input %zu rejected: %s", i, CvxErrorLastMessage());
    CHECK(!memcmp(&c, &def, sizeof(c)), "empty input %zu changed the config", i);
  }
  /* A NULL text of length 0 is the empty file too. */
  CvxConfigSetDefaults(&c);
  CHECK(CvxConfigParseString(NULL, 0, NULL, &c) == 0 && !memcmp(&c, &def, sizeof(c)), "NULL text");

  /* Loading with no file and no overrides gives the defaults. */
  CHECK(CvxConfigLoad(PETSC_COMM_WORLD, NULL, 0, NULL, &c) == 0, "CvxConfigLoad without a file: %s",
        CvxErrorLastMessage());
  CHECK(!memcmp(&c, &def, sizeof(c)), "CvxConfigLoad without a file differs from the defaults");

  /* Enum names as written in YAML. */
  CHECK(!strcmp(CvxDataSourceName(CVX_DATA_CIFAR10), "cifar10"), "CvxDataSourceName");
  CHECK(!strcmp(CvxDataSourceName((CvxDataSource)17), "unknown"), "CvxDataSourceName out of range");
  CHECK(!strcmp(CvxArrangementMethodName(CVX_ARR_FILE), "file"), "CvxArrangementMethodName");
  CHECK(!strcmp(CvxOptimizerName(CVX_OPT_LMVM), "lmvm"), "CvxOptimizerName");
  CHECK(!strcmp(CvxSyntheticRuleName(CVX_RULE_REGRESSION), "regression"), "CvxSyntheticRuleName");
  CHECK(!strcmp(CvxSplittingName(CVX_SPLIT_SLACK), "slack"), "CvxSplittingName");
  CHECK(!strcmp(CvxLinearSolverName(CVX_LINSOLVE_SCALAPACK), "scalapack"), "CvxLinearSolverName");
  CHECK(!strcmp(CvxScheduleName(CVX_SCHED_EXPONENTIAL), "exponential"), "CvxScheduleName");
  CHECK(!strcmp(CvxLogLevelName(CVX_LOG_VERBOSE), "verbose"), "CvxLogLevelName");
  CHECK(!strcmp(CvxLogLevelName((CvxLogLevel)-1), "unknown"), "CvxLogLevelName negative");

  PetscFinalize();
  return failures ? 1 : 0;
}
