/* File parsing of every key type and of the YAML forms a user may write:
 * block and flow collections, quoting, comments, yes/no booleans, integral
 * floats for integers, one value or an empty value for a list. Keys the file
 * does not mention keep their previous values. */
#include "check.h"

static const char text1[] = "# a comment line\n"
                            "run:\n"
                            "  name: 'my run'          # single-quoted string\n"
                            "  seed: 9223372036854775807\n"
                            "data:\n"
                            "  source: csv\n"
                            "  n_train: 0\n"
                            "  n_test: +7\n"
                            "  label_column: -1\n"
                            "  header: yes\n"
                            "  path: \"/data/a \\\"b\\\"\\\\c.csv\"\n"
                            "  test_path:\n"
                            "  classes:\n"
                            "    - 3\n"
                            "    - 8\n"
                            "  scale_pixels: Off\n"
                            "  standardize: ON\n"
                            "  bias: False\n"
                            "  noise: .5\n"
                            "  seed: 1e6\n"
                            "model: {beta: 2.5e-3}\n"
                            "arrangements:\n"
                            "  method: sample\n"
                            "  samples: 5000000000\n"
                            "convex:\n"
                            "  enabled: no\n"
                            "  relaxation: 1.9999\n"
                            "  rho: 0\n"
                            "  tol: 1E-9\n"
                            "  linear_solver: \"scalapack\"\n"
                            "sgd:\n"
                            "  widths: [1, 2, 3,\n"
                            "           4]\n"
                            "  lr: -0.0e0\n" /* replaced below: see CheckNegativeZero */
                            "...\n";

int main(int argc, char **argv)
{
  CvxConfig def, c;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  CvxConfigSetDefaults(&def);

  /* -0.0 is not > 0: sgd.lr rejects it, so the main text uses a valid lr. */
  {
    char        text[sizeof(text1) + 32];
    const char *s[] = {"f.yaml:34:7: sgd.lr: -0.0e0 is out of range: must be > 0", NULL};
    snprintf(text, sizeof(text), "%s", text1);
    c = def;
    CheckError("-0.0 lr", CvxConfigParseString(text, strlen(text), "f.yaml", &c), CVX_ERR_INPUT, s);
    char *lr = strstr(text, "-0.0e0");
    memcpy(lr, "  5e-1", 6);
    c = def;
    CHECK(CvxConfigParseString(text, strlen(text), "f.yaml", &c) == 0, "text1 rejected: %s", CvxErrorLastMessage());
  }
  CHECK(!strcmp(c.run.name, "my run"), "run.name '%s'", c.run.name);
  CHECK(c.run.seed == INT64_MAX, "run.seed %lld", (long long)c.run.seed);
  CHECK(c.data.source == CVX_DATA_CSV, "data.source");
  CHECK(c.data.n_train == 0 && c.data.n_test == 7, "data sizes %d %d", (int)c.data.n_train, (int)c.data.n_test);
  CHECK(c.data.label_column == -1 && c.data.header == PETSC_TRUE, "csv keys");
  CHECK(!strcmp(c.data.path, "/data/a \"b\"\\c.csv"), "data.path '%s'", c.data.path);
  CHECK(c.data.test_path[0] == '\0', "null test_path");
  CHECK(c.data.classes[0] == 3 && c.data.classes[1] == 8, "block-list classes");
  CHECK(!c.data.scale_pixels && c.data.standardize && !c.data.bias, "on/off booleans");
  CHECK(c.data.noise == 0.5, "noise .5");
  CHECK(c.data.seed == 1000000, "integral float seed 1e6 -> %lld", (long long)c.data.seed);
  CHECK(c.model.beta == 2.5e-3, "flow-mapping beta");
  CHECK(c.arrangements.method == CVX_ARR_SAMPLE && c.arrangements.samples == 5000000000LL, "int64 samples");
  CHECK(!c.convex.enabled && c.convex.relaxation == 1.9999 && c.convex.rho == 0 && c.convex.tol == 1e-9,
        "convex doubles");
  CHECK(c.convex.linear_solver == CVX_LINSOLVE_SCALAPACK, "quoted enum");
  CHECK(c.sgd.n_widths == 4 && c.sgd.widths[0] == 1 && c.sgd.widths[3] == 4, "multi-line flow list");
  CHECK(c.sgd.lr == 0.5, "lr");
  /* untouched keys keep their values */
  CHECK(c.sgd.trials == def.sgd.trials && c.sgd.optimizer == def.sgd.optimizer && !strcmp(c.output.dir, "results"),
        "untouched keys");
  CHECK(CvxConfigValidate(&c, 1) == 0, "parsed config invalid: %s", CvxErrorLastMessage());

  /* Parsing is applied on top of the current values, and list forms. */
  {
    const char *t =
        "sgd:\n  widths: 9\n  optimizer: lmvm\ndata:\n  rule: regression\n  dim: 2147483647\noutput:\n  dir: ''\n";
    CvxConfig d = c;
    CHECK(CvxConfigParseString(t, strlen(t), "g.yaml", &d) == 0, "second text: %s", CvxErrorLastMessage());
    CHECK(d.sgd.n_widths == 1 && d.sgd.widths[0] == 9 && d.sgd.widths[1] == 0, "scalar list, tail cleared");
    CHECK(d.sgd.optimizer == CVX_OPT_LMVM && d.data.rule == CVX_RULE_REGRESSION && d.data.dim == 2147483647,
          "enums, max int");
    CHECK(d.output.dir[0] == '\0', "empty quoted string");
    CHECK(!strcmp(d.run.name, "my run") && d.data.classes[1] == 8, "earlier values kept");
    const char *t2 = "sgd:\n  widths: []\n  enabled: false\n";
    CHECK(CvxConfigParseString(t2, strlen(t2), "g.yaml", &d) == 0 && d.sgd.n_widths == 0, "empty list");
    const char *t3 = "sgd:\n  widths:\n";
    d.sgd.n_widths = 3;
    CHECK(CvxConfigParseString(t3, strlen(t3), "g.yaml", &d) == 0 && d.sgd.n_widths == 0, "null list is empty");
    const char *t4 = "sgd:\n";
    CvxConfig   e  = d;
    CHECK(CvxConfigParseString(t4, strlen(t4), "g.yaml", &e) == 0 && !memcmp(&e, &d, sizeof(e)), "empty section");
  }
  /* Strings: plain, quoted, unicode, special characters; "null" quoted stays a word. */
  {
    const char *t =
        "run:\n  name: \"null\"\ndata:\n  path: donn\xc3\xa9\x65s/\xe2\x82\xac \\x#1\n  test_path: 'it''s: here'\n"
        "arrangements:\n  file: ~\noutput:\n  dir: \"tab\\there\"\n";
    CvxConfig d = def;
    CHECK(CvxConfigParseString(t, strlen(t), "s.yaml", &d) == 0, "strings: %s", CvxErrorLastMessage());
    CHECK(!strcmp(d.run.name, "null"), "quoted null '%s'", d.run.name);
    CHECK(!strcmp(d.data.path, "donn\xc3\xa9\x65s/\xe2\x82\xac \\x#1"), "utf-8 path '%s'", d.data.path);
    CHECK(!strcmp(d.data.test_path, "it's: here"), "single quotes '%s'", d.data.test_path);
    CHECK(d.arrangements.file[0] == '\0', "~ is empty");
    CHECK(!strcmp(d.output.dir, "tab\there"), "escape in double quotes");
  }
  /* Every enum value of every enum key, by name. */
  {
    struct {
      const char *text;
      int         got, want;
    } e[] = {{"data:\n  source: synthetic\n", 0, CVX_DATA_SYNTHETIC},
             {"data:\n  source: cifar10\n", 0, CVX_DATA_CIFAR10},
             {"data:\n  source: idx\n", 0, CVX_DATA_IDX},
             {"data:\n  rule: sign\n", 0, CVX_RULE_SIGN},
             {"arrangements:\n  method: file\n", 0, CVX_ARR_FILE},
             {"convex:\n  splitting: slack\n", 0, CVX_SPLIT_SLACK},
             {"convex:\n  splitting: cone\n", 0, CVX_SPLIT_CONE},
             {"convex:\n  linear_solver: cg\n", 0, CVX_LINSOLVE_CG},
             {"convex:\n  linear_solver: replicated\n", 0, CVX_LINSOLVE_REPLICATED},
             {"sgd:\n  optimizer: sgd\n", 0, CVX_OPT_SGD},
             {"sgd:\n  optimizer: momentum\n", 0, CVX_OPT_MOMENTUM},
             {"sgd:\n  schedule: step\n", 0, CVX_SCHED_STEP},
             {"sgd:\n  schedule: exponential\n", 0, CVX_SCHED_EXPONENTIAL},
             {"logging:\n  level: quiet\n", 0, CVX_LOG_QUIET},
             {"logging:\n  level: verbose\n", 0, CVX_LOG_VERBOSE}};
    for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
      CvxConfig d = def;
      CHECK(CvxConfigParseString(e[i].text, strlen(e[i].text), "e.yaml", &d) == 0, "enum text %zu: %s", i,
            CvxErrorLastMessage());
      int got = i < 3    ? (int)d.data.source
                : i < 4  ? (int)d.data.rule
                : i < 5  ? (int)d.arrangements.method
                : i < 7  ? (int)d.convex.splitting
                : i < 9  ? (int)d.convex.linear_solver
                : i < 11 ? (int)d.sgd.optimizer
                : i < 13 ? (int)d.sgd.schedule
                         : (int)d.logging.level;
      CHECK(got == e[i].want, "enum text %zu: got %d want %d", i, got, e[i].want);
    }
  }
  /* A byte-order mark and Windows line endings are accepted. */
  {
    const char *t = "\xef\xbb\xbfsgd:\r\n  lr: 0.25\r\n  epochs: 3\r\n";
    CvxConfig   d = def;
    CHECK(CvxConfigParseString(t, strlen(t), "w.yaml", &d) == 0 && d.sgd.lr == 0.25 && d.sgd.epochs == 3,
          "BOM + CRLF: %s", CvxErrorLastMessage());
  }

  PetscFinalize();
  return failures ? 1 : 0;
}
