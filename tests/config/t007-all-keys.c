/* config/all-keys.yaml (path in argv[1]) sets every key: it loads, each value
 * is the one written there, and every key but the four documented exceptions
 * differs from its default. */
#include "check.h"

/* Keys all-keys.yaml leaves at their defaults on purpose. */
static const char *const kept[] = {"data.source", "convex.enabled", "sgd.enabled", "sgd.ranks"};

static PetscBool IsKept(const char *key)
{
  for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
    if (!strcmp(kept[i], key)) return PETSC_TRUE;
  return PETSC_FALSE;
}

static void CheckValues(const CvxConfig *c)
{
  CHECK(!strcmp(c->run.name, "all-keys") && c->run.seed == 12345, "run");
  CHECK(c->data.source == CVX_DATA_SYNTHETIC && c->data.n_train == 37 && c->data.n_test == 11 && c->data.dim == 2,
        "data sizes");
  CHECK(c->data.rule == CVX_RULE_SIGN && c->data.noise == 0.25 && c->data.seed == 777, "data synthetic");
  CHECK(!strcmp(c->data.path, "data/train.csv") && !strcmp(c->data.test_path, "data/test.csv"), "data paths");
  CHECK(c->data.label_column == 0 && c->data.header == PETSC_TRUE, "data csv");
  CHECK(c->data.classes[0] == 3 && c->data.classes[1] == 5 && c->data.per_class == 100 && c->data.test_per_class == 50,
        "data classes");
  CHECK(!c->data.scale_pixels && c->data.standardize && !c->data.bias, "data flags");
  CHECK(c->model.beta == 2.0e-3, "model.beta");
  CHECK(c->arrangements.method == CVX_ARR_SAMPLE && c->arrangements.samples == 2000 &&
            c->arrangements.max_patterns == 500 && !strcmp(c->arrangements.file, "patterns.bin"),
        "arrangements");
  CHECK(c->convex.enabled && c->convex.splitting == CVX_SPLIT_SLACK && c->convex.rho == 0.05 &&
            c->convex.relaxation == 1.5,
        "convex a");
  CHECK(c->convex.anderson == 5 && c->convex.max_iter == 5000 && c->convex.tol == 1.0e-4 &&
            c->convex.certify_every == 25,
        "convex b");
  CHECK(c->convex.time_limit == 60.0 && !c->convex.polish && c->convex.linear_solver == CVX_LINSOLVE_REPLICATED,
        "convex c");
  CHECK(c->convex.block_size == 32 && c->convex.replicated_max_n == 2000, "convex d");
  CHECK(c->sgd.enabled && c->sgd.ranks == 0 && c->sgd.n_widths == 2 && c->sgd.widths[0] == 3 && c->sgd.widths[1] == 8,
        "sgd a");
  CHECK(c->sgd.trials == 2 && c->sgd.optimizer == CVX_OPT_MOMENTUM && c->sgd.lr == 0.01 && c->sgd.momentum == 0.8,
        "sgd b");
  CHECK(c->sgd.beta1 == 0.85 && c->sgd.beta2 == 0.99 && c->sgd.eps == 1.0e-7, "sgd adam");
  CHECK(c->sgd.epochs == 50 && c->sgd.batch_size == 16 && c->sgd.schedule == CVX_SCHED_STEP && c->sgd.decay == 0.5,
        "sgd c");
  CHECK(c->sgd.step_epochs == 20 && c->sgd.record_every == 5 && !c->sgd.shuffle && c->sgd.gatol == 1.0e-7,
        "sgd d");
  CHECK(!strcmp(c->output.dir, "results/all-keys") && c->output.arrangements && c->output.overwrite, "output");
  CHECK(c->logging.level == CVX_LOG_VERBOSE && c->logging.progress_interval == 0.5 && c->logging.log_view, "logging");
}

int main(int argc, char **argv)
{
  CvxConfig def, c, probe;
  FILE     *f;
  char     *text = NULL;
  long      len;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  if (argc < 2) {
    fprintf(stderr, "usage: %s config/all-keys.yaml\n", argv[0]);
    return 1;
  }
  CvxConfigSetDefaults(&def);
  CHECK(CvxConfigLoad(PETSC_COMM_WORLD, argv[1], 0, NULL, &c) == 0, "loading %s: %s", argv[1], CvxErrorLastMessage());
  CheckValues(&c);

  /* Every key differs from its default, except the documented ones. */
  char *a = ConfigText(&def, 0), *b = ConfigText(&c, 0);
  CHECK(a && b, "write failed");
  if (a && b) {
    char *sa = NULL, *sb = NULL, section[64] = "";
    int   n = 0;
    for (char *la = strtok_r(a, "\n", &sa), *lb = strtok_r(b, "\n", &sb); la && lb;
         la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb)) {
      char key[128];
      if (la[0] != ' ') {
        snprintf(section, sizeof(section), "%.*s", (int)strlen(la) - 1, la);
        continue;
      }
      snprintf(key, sizeof(key), "%s.%.*s", section, (int)(strchr(la, ':') - la - 2), la + 2);
      n++;
      if (IsKept(key))
        CHECK(!strcmp(la, lb), "%s should keep its default", key);
      else
        CHECK(strcmp(la, lb), "all-keys.yaml leaves %s at its default (%s)", key, la + 2);
    }
    CHECK(n >= 60, "only %d keys compared", n);
  }
  free(a);
  free(b);

  /* The kept keys are written in the file too: parsing it over a config with
   * other values there restores them. */
  f = fopen(argv[1], "rb");
  CHECK(f, "cannot open %s", argv[1]);
  if (f) {
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = malloc((size_t)len + 1);
    CHECK(text && fread(text, 1, (size_t)len, f) == (size_t)len, "read");
    fclose(f);
    probe                = def;
    probe.data.source    = CVX_DATA_CSV;
    probe.convex.enabled = PETSC_FALSE;
    probe.sgd.enabled    = PETSC_FALSE;
    probe.sgd.ranks      = 3;
    CHECK(CvxConfigParseString(text, (size_t)len, argv[1], &probe) == 0, "parse");
    CHECK(!memcmp(&probe, &c, sizeof(c)), "all-keys.yaml does not set the kept keys explicitly");
    free(text);
  }

  PetscFinalize();
  return failures ? 1 : 0;
}
