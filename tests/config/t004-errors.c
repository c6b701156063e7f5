/* Every class of configuration error is an input error whose message names
 * the file, line and column (1-based) and the key, or the override. A failed
 * parse leaves the config unchanged. */
#include "check.h"

typedef struct {
  const char *text;
  const char *subs[4];
} Case;

/* File errors, parsed as "cfg.yaml". */
static const Case file_cases[] = {
    /* malformed YAML: libyaml's problem and position */
    {"sgd:\n  widths: [1, 2\n", {"cfg.yaml:3:1: ", "malformed YAML", "did not find expected ',' or ']'"}},
    {"sgd:\n\tlr: 1\n", {"cfg.yaml:2:1: ", "malformed YAML", "tabs cannot indent"}},
    {"run:\n  name: \"open\n", {"cfg.yaml:3:1: ", "malformed YAML", "found unexpected end of stream"}},
    {"sgd:\n  lr: 0.1\xff\n", {"cfg.yaml:2:10: ", "invalid text", "UTF-8"}},
    {"{sgd: {lr: 2}} extra\n", {"cfg.yaml:1:16: ", "malformed YAML"}},
    /* structure */
    {"hello\n", {"cfg.yaml:1:1: ", "the top level must be a mapping of sections", "'hello'"}},
    {"- a\n- b\n", {"cfg.yaml:1:1: ", "the top level must be a mapping", "got a list"}},
    {"sgd: 5\n", {"cfg.yaml:1:6: ", "section 'sgd' must be a mapping of keys"}},
    {"sgd:\n  - lr\n", {"cfg.yaml:2:3: ", "section 'sgd' must be a mapping of keys", "got a list"}},
    {"? [a]\n: 1\n", {"cfg.yaml:1:3: ", "expected a section name"}},
    {"sgd:\n  ? [a]\n  : 1\n", {"cfg.yaml:2:5: ", "expected a key name in section 'sgd'"}},
    /* unknown names, with suggestions */
    {"sdg:\n  lr: 1\n", {"cfg.yaml:1:1: ", "unknown section 'sdg'; did you mean 'sgd'?"}},
    {"lr: 1\n", {"cfg.yaml:1:1: ", "unknown section 'lr'; did you mean 'sgd.lr'?"}},
    {"sgd:\n  lr: 0.1\n  lrate: 0.1\n", {"cfg.yaml:3:3: ", "unknown key 'sgd.lrate'; did you mean 'sgd.lr'?"}},
    {"convex:\n  tol: 1e-3\n  lr: 1\n", {"cfg.yaml:3:3: ", "unknown key 'convex.lr'; did you mean 'sgd.lr'?"}},
    {"data:\n  n_trian: 5\n", {"cfg.yaml:2:3: ", "unknown key 'data.n_trian'; did you mean 'data.n_train'?"}},
    {"sgd:\n  xyzzy: 1\n",
     {"cfg.yaml:2:3: ", "unknown key 'sgd.xyzzy'", "the keys of section 'sgd' are enabled, ranks"}},
    /* duplicates */
    {"sgd:\n  lr: 0.1\n  lr: 0.2\n", {"cfg.yaml:3:3: sgd.lr: duplicate key (first given at line 2, column 3)"}},
    {"sgd:\n  lr: 1\nmodel:\n  beta: 1\nsgd:\n  eps: 1\n",
     {"cfg.yaml:5:1: ", "duplicate section 'sgd' (first given at line 1, column 1)"}},
    /* wrong types */
    {"sgd:\n  lr: fast\n", {"cfg.yaml:2:7: sgd.lr: expected a number, got 'fast'"}},
    {"sgd:\n  lr: \"0.1\"\n", {"cfg.yaml:2:7: sgd.lr: expected a number, got the quoted string '0.1'"}},
    {"sgd:\n  lr:\n", {"cfg.yaml:2:6: sgd.lr: expected a number, got an empty value"}},
    {"sgd:\n  lr: [1]\n", {"cfg.yaml:2:7: sgd.lr: expected a number, got a list"}},
    {"sgd:\n  lr:\n    a: 1\n", {"cfg.yaml:3:5: sgd.lr: expected a number, got a mapping"}},
    {"sgd:\n  epochs: 2.5\n", {"cfg.yaml:2:11: sgd.epochs: expected an integer, got '2.5'"}},
    {"sgd:\n  epochs: ten\n", {"cfg.yaml:2:11: sgd.epochs: expected an integer, got 'ten'"}},
    {"run:\n  seed: 0x\n", {"cfg.yaml:2:9: run.seed: expected an integer, got '0x'"}},
    {"sgd:\n  shuffle: maybe\n",
     {"cfg.yaml:2:12: sgd.shuffle: expected true or false (or yes/no, on/off), got 'maybe'"}},
    {"sgd:\n  shuffle: 1\n", {"cfg.yaml:2:12: sgd.shuffle: expected true or false"}},
    {"data:\n  header: \"true\"\n", {"cfg.yaml:2:11: data.header: expected true or false", "quoted string"}},
    {"run:\n  name: [a]\n", {"cfg.yaml:2:9: run.name: expected a string, got a list"}},
    {"sgd:\n  widths: [1, x]\n", {"cfg.yaml:2:15: sgd.widths: expected an integer, got 'x'"}},
    {"sgd:\n  widths: [[1]]\n", {"cfg.yaml:2:12: sgd.widths: expected a list of integers, got a list inside the list"}},
    {"data:\n  classes: 3\n", {"cfg.yaml:2:12: data.classes: expected a list of 2 integers"}},
    /* enums */
    {"sgd:\n  optimizer: adamw\n",
     {"cfg.yaml:2:14: sgd.optimizer: 'adamw' is not one of sgd, momentum, adam, lmvm; did you mean 'adam'?"}},
    {"data:\n  source: svm\n", {"cfg.yaml:2:11: data.source: 'svm' is not one of synthetic, csv, cifar10, idx"}},
    {"logging:\n  level: Verbose\n", {"cfg.yaml:2:10: logging.level: 'Verbose' is not one of quiet, normal, verbose"}},
    {"sgd:\n  optimizer:\n",
     {"cfg.yaml:2:13: sgd.optimizer: expected one of sgd, momentum, adam, lmvm, got an empty value"}},
    /* out of range */
    {"data:\n  n_train: -5\n", {"cfg.yaml:2:12: data.n_train: -5 is out of range: must be >= -1"}},
    {"data:\n  dim: 0\n", {"cfg.yaml:2:8: data.dim: 0 is out of range: must be >= 1"}},
    {"data:\n  label_column: -2\n", {"cfg.yaml:2:17: data.label_column: -2 is out of range: must be >= -1"}},
    {"sgd:\n  lr: 0\n", {"cfg.yaml:2:7: sgd.lr: 0 is out of range: must be > 0"}},
    {"sgd:\n  lr: -1e-3\n", {"cfg.yaml:2:7: sgd.lr: -1e-3 is out of range: must be > 0"}},
    {"convex:\n  relaxation: 2\n", {"cfg.yaml:2:15: convex.relaxation: 2 is out of range: must be in (0, 2)"}},
    {"convex:\n  relaxation: 0.0\n", {"cfg.yaml:2:15: convex.relaxation: 0.0 is out of range: must be in (0, 2)"}},
    {"convex:\n  tol: 0\n", {"cfg.yaml:2:8: convex.tol: 0 is out of range: must be > 0"}},
    {"convex:\n  rho: -1\n", {"cfg.yaml:2:8: convex.rho: -1 is out of range: must be >= 0"}},
    {"convex:\n  anderson: 101\n", {"cfg.yaml:2:13: convex.anderson: 101 is out of range: must be in -1 .. 100"}},
    {"model:\n  beta: 0\n", {"cfg.yaml:2:9: model.beta: 0 is out of range: must be > 0"}},
    {"sgd:\n  momentum: 1\n", {"cfg.yaml:2:13: sgd.momentum: 1 is out of range: must be in [0, 1)"}},
    {"sgd:\n  decay: 1.5\n", {"cfg.yaml:2:10: sgd.decay: 1.5 is out of range: must be in (0, 1]"}},
    {"sgd:\n  trials: 0\n", {"cfg.yaml:2:11: sgd.trials: 0 is out of range: must be >= 1"}},
    {"sgd:\n  widths: [5, 0]\n", {"cfg.yaml:2:15: sgd.widths: 0 is out of range: must be >= 1"}},
    {"data:\n  classes: [0, 10]\n", {"cfg.yaml:2:16: data.classes: 10 is out of range: must be in 0 .. 9"}},
    {"arrangements:\n  samples: 0\n", {"cfg.yaml:2:12: arrangements.samples: 0 is out of range: must be >= 1"}},
    /* integers that overflow are rejected, not wrapped */
    {"data:\n  n_train: 2147483648\n",
     {"cfg.yaml:2:12: data.n_train: 2147483648 is too large: at most 2147483647 is allowed"}},
    {"run:\n  seed: 9223372036854775808\n", {"cfg.yaml:2:9: run.seed: 9223372036854775808 is too large"}},
    {"data:\n  n_test: 1e10\n", {"cfg.yaml:2:11: data.n_test: 1e10 is too large"}},
    {"data:\n  label_column: -99999999999999999999\n",
     {"cfg.yaml:2:17: data.label_column: -99999999999999999999 is out of range: must be >= -1"}},
    {"sgd:\n  widths: [4294967301]\n", {"cfg.yaml:2:12: sgd.widths: 4294967301 is too large"}},
    /* lists */
    {"data:\n  classes: [1]\n", {"cfg.yaml:2:12: data.classes: expected exactly 2 integers, got 1"}},
    {"data:\n  classes: [1, 2, 3]\n", {"cfg.yaml:2:12: data.classes: expected exactly 2 integers, got more"}},
    /* aliases, anchors, tags, documents */
    {"sgd:\n  lr: &a 0.1\n  eps: *a\n", {"cfg.yaml:2:7: sgd.lr: anchors (&a) are not supported"}},
    {"sgd:\n  widths: [1, *x]\n", {"cfg.yaml:2:", "sgd.widths: ", "not supported"}},
    {"sgd: &b\n  lr: 1\n", {"cfg.yaml:1:6: ", "anchors (&b) are not supported"}},
    {"sgd:\n  lr: 1\nconvex: *b\n", {"cfg.yaml:3:9: ", "aliases (*b) are not supported"}},
    {"sgd:\n  lr: !!float 1\n", {"cfg.yaml:2:7: sgd.lr: tags", "are not supported"}},
    {"sgd:\n  lr: 0.1\n---\nsgd:\n  lr: 0.2\n", {"cfg.yaml:3:1: ", "more than one YAML document"}},
    {"---\n...\n---\n", {"cfg.yaml:3:1: ", "more than one YAML document"}},
};

/* Strings must fit their buffers. */
static void CheckLongStrings(void)
{
  static char text[2 * CVX_PATH_MAX + 64];
  CvxConfig   c;
  int         n;

  n = snprintf(text, sizeof(text), "run:\n  name: ");
  memset(text + n, 'a', CVX_NAME_MAX);
  snprintf(text + n + CVX_NAME_MAX, sizeof(text) - (size_t)n - CVX_NAME_MAX, "\n");
  CvxConfigSetDefaults(&c);
  const char *s1[] = {"cfg.yaml:2:9: run.name: the value is 256 bytes long; at most 255 bytes fit", NULL};
  CheckError("long run.name", CvxConfigParseString(text, strlen(text), "cfg.yaml", &c), CVX_ERR_INPUT, s1);

  /* 255 bytes fit exactly */
  text[n + CVX_NAME_MAX - 1] = '\n';
  text[n + CVX_NAME_MAX]     = '\0';
  CHECK(CvxConfigParseString(text, strlen(text), "cfg.yaml", &c) == 0 && strlen(c.run.name) == CVX_NAME_MAX - 1,
        "255-byte run.name: %s", CvxErrorLastMessage());

  n = snprintf(text, sizeof(text), "data:\n  path: \"");
  memset(text + n, 'p', CVX_PATH_MAX);
  snprintf(text + n + CVX_PATH_MAX, sizeof(text) - (size_t)n - CVX_PATH_MAX, "\"\n");
  const char *s2[] = {"cfg.yaml:2:9: data.path: the value is 4096 bytes long; at most 4095 bytes fit", NULL};
  CheckError("long data.path", CvxConfigParseString(text, strlen(text), "cfg.yaml", &c), CVX_ERR_INPUT, s2);

  /* an embedded NUL (YAML escape \0) cannot be stored in a C string */
  const char *nul  = "data:\n  path: \"a\\0b\"\n";
  const char *s3[] = {"cfg.yaml:2:9: data.path: the value contains a NUL character", NULL};
  CheckError("NUL in data.path", CvxConfigParseString(nul, strlen(nul), "cfg.yaml", &c), CVX_ERR_INPUT, s3);
}

/* A list longer than its capacity. */
static void CheckLongList(void)
{
  char      text[1024], *p = text;
  CvxConfig c;

  p += sprintf(p, "sgd:\n  widths: [");
  for (int i = 0; i <= CVX_MAX_WIDTHS; i++)
    p += sprintf(p, "%s%d", i ? ", " : "", i + 1);
  sprintf(p, "]\n");
  CvxConfigSetDefaults(&c);
  const char *s[] = {"cfg.yaml:2:", "sgd.widths: the list is too long: at most 64 values", NULL};
  CheckError("65 widths", CvxConfigParseString(text, strlen(text), "cfg.yaml", &c), CVX_ERR_INPUT, s);
  /* column of the 65th value: "  widths: [" is 11 characters, then 9 one-digit and 55 two-digit values with ", " */
  char want[64];
  snprintf(want, sizeof(want), "cfg.yaml:2:%d: ", 12 + 9 * 3 + 55 * 4);
  const char *s2[] = {want, NULL};
  CheckError("65 widths position", CvxConfigParseString(text, strlen(text), "cfg.yaml", &c), CVX_ERR_INPUT, s2);

  /* 64 values fit */
  p = text;
  p += sprintf(p, "sgd:\n  widths: [");
  for (int i = 0; i < CVX_MAX_WIDTHS; i++)
    p += sprintf(p, "%s%d", i ? ", " : "", i + 1);
  sprintf(p, "]\n");
  CHECK(CvxConfigParseString(text, strlen(text), "cfg.yaml", &c) == 0 && c.sgd.n_widths == CVX_MAX_WIDTHS &&
            c.sgd.widths[63] == 64,
        "64 widths: %s", CvxErrorLastMessage());
}

/* NaN and infinities are rejected for every double key. */
static void CheckNonFinite(void)
{
  static const char *const dbl[][2] = {{"data", "noise"},
                                       {"model", "beta"},
                                       {"convex", "rho"},
                                       {"convex", "relaxation"},
                                       {"convex", "tol"},
                                       {"convex", "time_limit"},
                                       {"sgd", "lr"},
                                       {"sgd", "momentum"},
                                       {"sgd", "beta1"},
                                       {"sgd", "beta2"},
                                       {"sgd", "eps"},
                                       {"sgd", "decay"},
                                       {"logging", "progress_interval"}};
  static const char *const bad[]    = {".nan", ".NaN", ".inf",     "-.inf", "+.Inf", "nan",
                                       "-nan", "inf",  "Infinity", "1e999", "-1e999"};
  for (size_t i = 0; i < sizeof(dbl) / sizeof(dbl[0]); i++) {
    for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
      char      text[256], key[192], ov[128], what[160];
      CvxConfig c;
      snprintf(text, sizeof(text), "%s:\n  %s: %s\n", dbl[i][0], dbl[i][1], bad[j]);
      snprintf(key, sizeof(key), "cfg.yaml:2:%d: %s.%s: ", (int)strlen(dbl[i][1]) + 5, dbl[i][0], dbl[i][1]);
      snprintf(what, sizeof(what), "%s.%s = %s", dbl[i][0], dbl[i][1], bad[j]);
      const char *s[] = {key, "is not a finite number", NULL};
      CvxConfigSetDefaults(&c);
      CheckError(what, CvxConfigParseString(text, strlen(text), "cfg.yaml", &c), CVX_ERR_INPUT, s);
      snprintf(ov, sizeof(ov), "%s.%s=%s", dbl[i][0], dbl[i][1], bad[j]);
      snprintf(key, sizeof(key), "--set %s: ", ov);
      const char *s2[] = {key, "is not a finite number", NULL};
      CheckError(ov, CvxConfigApplyOverride(&c, ov), CVX_ERR_INPUT, s2);
    }
  }
}

/* Override errors name the override. */
static void CheckOverrideErrors(void)
{
  static const Case ov[] = {
      {"sgd.lr=abc", {"--set sgd.lr=abc: expected a number, got 'abc'"}},
      {"sgd.lrate=1", {"--set sgd.lrate=1: unknown key 'sgd.lrate'; did you mean 'sgd.lr'?"}},
      {"sdg.lr=1", {"--set sdg.lr=1: unknown key 'sdg.lr'; did you mean 'sgd.lr'?"}},
      {"lr=1", {"--set lr=1: expected section.key=value", "did you mean 'sgd.lr'?"}},
      {"sgd.lr", {"--set sgd.lr: expected section.key=value"}},
      {"sgd.widths=[5, 15", {"--set sgd.widths=[5, 15: malformed YAML", "did not find expected ',' or ']'"}},
      {"sgd.widths=[0]", {"--set sgd.widths=[0]: 0 is out of range: must be >= 1"}},
      {"sgd.widths=[[5]]", {"--set sgd.widths=[[5]]: expected a list of integers, got a list inside the list"}},
      {"data.n_train=99999999999", {"--set data.n_train=99999999999: 99999999999 is too large"}},
      {"sgd.epochs=1.5", {"--set sgd.epochs=1.5: expected an integer, got '1.5'"}},
      {"sgd.shuffle=perhaps", {"--set sgd.shuffle=perhaps: expected true or false"}},
      {"sgd.optimizer=lbfgs", {"--set sgd.optimizer=lbfgs: 'lbfgs' is not one of sgd, momentum, adam, lmvm"}},
      {"data.classes=[1, 1, 1]", {"--set data.classes=[1, 1, 1]: expected exactly 2 integers, got more"}},
      {"data.classes=[4]", {"--set data.classes=[4]: expected exactly 2 integers, got 1"}},
      {"sgd.lr=", {"--set sgd.lr=: expected a number, got an empty value"}},
      {"sgd.lr=1\n---\n2", {"--set sgd.lr=1?---?2: the value holds more than one YAML document"}},
      {"run.name=a: b", {"--set run.name=a: b: expected a string, got a mapping"}},
      {"sgd.lr=&x 1", {"--set sgd.lr=&x 1: anchors (&x) are not supported"}},
      {"convex.relaxation=2.0", {"--set convex.relaxation=2.0: 2.0 is out of range: must be in (0, 2)"}},
  };
  CvxConfig def, c;
  CvxConfigSetDefaults(&def);
  for (size_t i = 0; i < sizeof(ov) / sizeof(ov[0]); i++) {
    c = def;
    CheckError(ov[i].text, CvxConfigApplyOverride(&c, ov[i].text), CVX_ERR_INPUT, ov[i].subs);
    CHECK(!memcmp(&c, &def, sizeof(c)), "failed override '%s' changed the config", ov[i].text);
  }
}

int main(int argc, char **argv)
{
  CvxConfig def, c;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  CvxConfigSetDefaults(&def);

  for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++) {
    const char *t = file_cases[i].text;
    c             = def;
    CheckError(t, CvxConfigParseString(t, strlen(t), "cfg.yaml", &c), CVX_ERR_INPUT, file_cases[i].subs);
    CHECK(!memcmp(&c, &def, sizeof(c)), "failed parse of case %zu changed the config", i);
  }

  /* An error late in the file leaves the earlier keys unapplied. */
  {
    const char *t = "sgd:\n  lr: 0.5\n  widths: [7, 8]\nrun:\n  name: changed\n  seed: bad\n";
    c             = def;
    CHECK(CvxConfigParseString(t, strlen(t), "cfg.yaml", &c) == CVX_ERR_INPUT, "late error not raised");
    CHECK(!memcmp(&c, &def, sizeof(c)), "a failed parse applied part of the file");
  }
  /* The filename is the one given; NULL becomes "<string>". */
  {
    const char *t    = "sgd:\n  lr: x\n";
    const char *s1[] = {"/some/dir/my config.yaml:2:7: sgd.lr:", NULL}, *s2[] = {"<string>:2:7: sgd.lr:", NULL};
    CheckError("filename", CvxConfigParseString(t, strlen(t), "/some/dir/my config.yaml", &c), CVX_ERR_INPUT, s1);
    CheckError("NULL filename", CvxConfigParseString(t, strlen(t), NULL, &c), CVX_ERR_INPUT, s2);
  }
  CheckLongStrings();
  CheckLongList();
  CheckNonFinite();
  CheckOverrideErrors();
  CHECK(CvxErrorIsInput(CVX_ERR_INPUT), "input class");

  PetscFinalize();
  return failures ? 1 : 0;
}
