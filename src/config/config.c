/* The run configuration: one schema table drives defaults, YAML parsing,
 * overrides, validation, writing, the --keys listing and the reference in
 * config/README.md. To add a key: add a field to CvxConfig (config.h), one row
 * to the table below, a line to config/all-keys.yaml and regenerate the
 * README block (see config/README.md). */
#include "config/config.h"

#include "core/error.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* Largest config file accepted (bytes). */
#define CVX_CONFIG_FILE_MAX (16 * 1024 * 1024)

/* ------------------------------------------------------------------------ */
/* The schema                                                                */
/* ------------------------------------------------------------------------ */

typedef enum { KEY_INT, KEY_INT64, KEY_DOUBLE, KEY_BOOL, KEY_STRING, KEY_ENUM, KEY_PAIR, KEY_LIST } KeyType;

static const char *const key_type_names[] = {"int",    "int64", "double",   "bool",
                                             "string", "enum",  "int-pair", "int-list"};

/* Bounds of a double key. */
enum { RANGE_GE = 1, RANGE_GT = 2, RANGE_LE = 4, RANGE_LT = 8 };

typedef struct {
  const char        *section;
  const char        *name;
  KeyType            type;
  size_t             offset;       /* of the value in CvxConfig */
  size_t             size;         /* bytes of the field (string: buffer size) */
  size_t             count_offset; /* list: offset of the PetscInt element count */
  const char *const *choices;      /* enum: YAML names in enum order, NULL-terminated */
  PetscInt64         imin, imax;   /* int, int64, pair, list: inclusive bounds of each value */
  int                dflags;       /* double: RANGE_* flags */
  double             dmin, dmax;   /* double: bounds named by dflags */
  PetscInt64         idef;         /* default of int, int64, bool, enum */
  double             ddef;         /* default of double */
  const char        *sdef;         /* default of string */
  PetscInt           ldef[2];      /* default of pair, list */
  PetscInt           nldef;        /* number of values in ldef */
  const char        *desc;         /* one line for --keys and the README */
} Key;

static const char *const data_source_names[]   = {"synthetic", "csv", "cifar10", "idx", NULL};
static const char *const rule_names[]          = {"norm", "sign", "regression", NULL};
static const char *const arr_method_names[]    = {"sample", "exact", "file", NULL};
static const char *const splitting_names[]     = {"cone", "slack", "auto", NULL};
static const char *const colgen_names[]        = {"auto", "on", "off", NULL};
static const char *const linear_solver_names[] = {"auto", "replicated", "scalapack", "cg", NULL};
static const char *const optimizer_names[]     = {"sgd", "momentum", "adam", "lmvm", NULL};
static const char *const schedule_names[]      = {"constant", "exponential", "step", NULL};
static const char *const log_level_names[]     = {"quiet", "normal", "verbose", NULL};

#define PI_MAX ((PetscInt64)PETSC_MAX_INT)
#define I64_MAX ((PetscInt64)INT64_MAX)

#define FIELD_SIZE(f) sizeof(((CvxConfig *)0)->f)
/* Zero, and a compile error when field f is not sz bytes wide. */
#define SIZE_CHECK(f, sz) (0 * sizeof(char[FIELD_SIZE(f) == (sz) ? 1 : -1]))
#define KEY_BASE(S, N, T, F, SZ)                                                                                       \
  .section = S, .name = N, .type = T, .offset = offsetof(CvxConfig, F), .size = FIELD_SIZE(F) + SIZE_CHECK(F, SZ)

#define K_INT(S, N, F, DEF, LO, HI, D)                                                                                 \
  {                                                                                                                    \
    KEY_BASE(S, N, KEY_INT, F, sizeof(PetscInt)), .imin = LO, .imax = HI, .idef = DEF, .desc = D                       \
  }
#define K_INT64(S, N, F, DEF, LO, HI, D)                                                                               \
  {                                                                                                                    \
    KEY_BASE(S, N, KEY_INT64, F, sizeof(PetscInt64)), .imin = LO, .imax = HI, .idef = DEF, .desc = D                   \
  }
#define K_DBL(S, N, F, DEF, FLAGS, LO, HI, D)                                                                          \
  {                                                                                                                    \
    KEY_BASE(S, N, KEY_DOUBLE, F, sizeof(double)), .dflags = FLAGS, .dmin = LO, .dmax = HI, .ddef = DEF, .desc = D     \
  }
#define K_BOOL(S, N, F, DEF, D)                                                                                        \
  {                                                                                                                    \
    KEY_BASE(S, N, KEY_BOOL, F, sizeof(PetscBool)), .idef = DEF, .desc = D                                             \
  }
#define K_STR(S, N, F, DEF, D)                                                                                         \
  {                                                                                                                    \
    KEY_BASE(S, N, KEY_STRING, F, FIELD_SIZE(F)), .sdef = DEF, .desc = D                                               \
  }
#define K_ENUM(S, N, F, CH, DEF, D)                                                                                    \
  {                                                                                                                    \
    KEY_BASE(S, N, KEY_ENUM, F, sizeof(int)), .choices = CH, .idef = DEF, .desc = D                                    \
  }
#define K_PAIR(S, N, F, D0, D1, LO, HI, D)                                                                             \
  {                                                                                                                    \
    KEY_BASE(S, N, KEY_PAIR, F, 2 * sizeof(PetscInt)), .imin = LO, .imax = HI, .ldef = {D0, D1}, .nldef = 2, .desc = D \
  }
#define K_LIST(S, N, F, CNT, D0, LO, HI, D)                                                                            \
  {                                                                                                                    \
    KEY_BASE(S, N, KEY_LIST, F, FIELD_SIZE(F)),                                                                        \
        .count_offset = offsetof(CvxConfig, CNT) + SIZE_CHECK(CNT, sizeof(PetscInt)), .imin = LO, .imax = HI,          \
        .ldef = {D0}, .nldef = 1, .desc = D                                                                            \
  }

/* Every key, in the order of the sections and of the written YAML. */
static const Key keys[] = {
    K_STR("run", "name", run.name, "run", "run name: the output folder is output.dir/name (no '/')"),
    K_INT64("run", "seed", run.seed, 1, 0, I64_MAX, "master seed of every random stream"),

    K_ENUM("data", "source", data.source, data_source_names, CVX_DATA_SYNTHETIC, "where the data come from"),
    K_INT("data", "n_train", data.n_train, -1, -1, PI_MAX,
          "synthetic: training samples; files: cap on them, 0 = all; -1 = 20 for synthetic, all for files"),
    K_INT("data", "n_test", data.n_test, -1, -1, PI_MAX,
          "synthetic: test samples; files: cap on them, 0 = all; -1 = 20 for synthetic, all for files"),
    K_INT("data", "dim", data.dim, 1, 1, PI_MAX, "synthetic: input dimension, before the bias column"),
    K_ENUM(
        "data", "rule", data.rule, rule_names, CVX_RULE_NORM,
        "synthetic labels: norm: +1 if ||x|| > 1 else -1; sign: +1 if x_1 >= 0 else -1; regression: ||x|| - 1 + noise"),
    K_DBL("data", "noise", data.noise, 0.1, RANGE_GE, 0, 0,
          "synthetic regression: standard deviation of the label noise"),
    K_INT64("data", "seed", data.seed, 0, 0, I64_MAX, "synthetic: data seed, 0 = run.seed"),
    K_STR("data", "path", data.path, "", "csv: training file; cifar10, idx: data folder"),
    K_STR("data", "test_path", data.test_path, "", "csv: test file, \"\" = no test set"),
    K_INT("data", "label_column", data.label_column, -1, -1, PI_MAX, "csv: 0-based label column, -1 = last"),
    K_BOOL("data", "header", data.header, PETSC_FALSE, "csv: the first line is a header"),
    K_PAIR("data", "classes", data.classes, 0, 1, 0, 9,
           "cifar10, idx: the two distinct classes mapped to labels -1 and +1"),
    K_INT("data", "per_class", data.per_class, 0, 0, PI_MAX, "cifar10, idx: training samples per class, 0 = all"),
    K_INT("data", "test_per_class", data.test_per_class, 0, 0, PI_MAX, "cifar10, idx: test samples per class, 0 = all"),
    K_BOOL("data", "scale_pixels", data.scale_pixels, PETSC_TRUE, "cifar10, idx: divide pixel values by 255"),
    K_BOOL("data", "standardize", data.standardize, PETSC_FALSE,
           "standardize features with the training mean and deviation"),
    K_BOOL("data", "bias", data.bias, PETSC_TRUE, "append a column of ones (the first-layer bias)"),

    K_DBL("model", "beta", model.beta, 1e-4, RANGE_GT, 0, 0, "weight decay (regularization strength)"),

    K_ENUM("arrangements", "method", arrangements.method, arr_method_names, CVX_ARR_EXACT,
           "sample: Gaussian directions; exact: every pattern (low-rank data); file: read arrangements.file"),
    K_INT64("arrangements", "samples", arrangements.samples, 10000, 1, I64_MAX,
            "sample: number of Gaussian directions"),
    K_INT("arrangements", "max_patterns", arrangements.max_patterns, 0, 0, PI_MAX,
          "cap on the number of patterns P, 0 = none; keeps a pseudo-random subset of the distinct patterns (those "
          "with the smallest hash of their bits), the same for any number of ranks"),
    K_STR("arrangements", "file", arrangements.file, "", "file: pattern file to read"),

    K_BOOL("convex", "enabled", convex.enabled, PETSC_TRUE, "solve the convex program"),
    K_ENUM("convex", "splitting", convex.splitting, splitting_names, CVX_SPLIT_AUTO,
           "ADMM splitting: cone (cone constraints inside the prox), slack (explicit slacks), or auto (cone when "
           "the data has at most 80 columns, counting the bias, where its projections are cheap enough, slack "
           "otherwise)"),
    K_DBL("convex", "rho", convex.rho, 0, RANGE_GE, 0, 0,
          "ADMM penalty, 0 = automatic (for the cone splitting: adapted to the residuals as it runs)"),
    K_DBL("convex", "relaxation", convex.relaxation, 1.6, RANGE_GT | RANGE_LT, 0, 2, "over-relaxation factor alpha"),
    K_INT("convex", "anderson", convex.anderson, -1, -1, 100,
          "Anderson acceleration memory, 0 = off, -1 = 10 for the cone splitting and 0 for the slack one (whose "
          "iteration without it is one fused pass, 2-3x cheaper)"),
    K_INT("convex", "max_iter", convex.max_iter, 100000, 1, PI_MAX, "maximum number of ADMM iterations"),
    K_DBL("convex", "tol", convex.tol, 1e-6, RANGE_GT, 0, 0, "target relative duality gap"),
    K_INT("convex", "certify_every", convex.certify_every, 50, 1, PI_MAX,
          "iterations between duality-gap certificates; more when one costs over 0.01 s and over a third of "
          "the iterations between (certificates then take about a quarter of the run), and up to half the "
          "iterations the gap's progress predicts are left to convex.tol"),
    K_DBL("convex", "time_limit", convex.time_limit, 0, RANGE_GE, 0, 0,
          "wall-clock limit of the convex solve in seconds, 0 = none"),
    K_BOOL("convex", "polish", convex.polish, PETSC_TRUE, "second stage: exact solve of the reduced program"),
    K_ENUM("convex", "column_generation", convex.column_generation, colgen_names, CVX_COLGEN_AUTO,
           "start from zero with column generation (needs polish); auto: when 2 P >= 10 n and the program is "
           "too large for a second stage on every block"),
    K_ENUM("convex", "linear_solver", convex.linear_solver, linear_solver_names, CVX_LINSOLVE_AUTO,
           "u-step solver: replicated (dense on every rank), scalapack (distributed dense), cg (matrix-free), auto"),
    K_INT("convex", "block_size", convex.block_size, 64, 1, PI_MAX, "ScaLAPACK block size"),
    K_INT("convex", "replicated_max_n", convex.replicated_max_n, 4000, 0, PI_MAX,
          "auto: largest n solved by the replicated path"),

    K_BOOL("sgd", "enabled", sgd.enabled, PETSC_TRUE, "train the non-convex network by local search"),
    K_INT("sgd", "ranks", sgd.ranks, 0, 0, PI_MAX,
          "size of the SGD pool, 0 = share the convex ranks; below the number of ranks"),
    K_LIST("sgd", "widths", sgd.widths, sgd.n_widths, 5, 1, PI_MAX,
           "network widths to train (at least one when sgd.enabled)"),
    K_INT("sgd", "trials", sgd.trials, 5, 1, PI_MAX, "random initializations per width"),
    K_ENUM("sgd", "optimizer", sgd.optimizer, optimizer_names, CVX_OPT_ADAM,
           "sgd, momentum, adam, or lmvm (TAO limited-memory quasi-Newton)"),
    K_DBL("sgd", "lr", sgd.lr, 1e-3, RANGE_GT, 0, 0, "learning rate"),
    K_DBL("sgd", "momentum", sgd.momentum, 0.9, RANGE_GE | RANGE_LT, 0, 1, "momentum: momentum coefficient"),
    K_DBL("sgd", "beta1", sgd.beta1, 0.9, RANGE_GE | RANGE_LT, 0, 1, "adam: decay of the first-moment average"),
    K_DBL("sgd", "beta2", sgd.beta2, 0.999, RANGE_GE | RANGE_LT, 0, 1, "adam: decay of the second-moment average"),
    K_DBL("sgd", "eps", sgd.eps, 1e-8, RANGE_GT, 0, 0, "adam: offset of the denominator"),
    K_INT("sgd", "epochs", sgd.epochs, 1000, 1, PI_MAX, "passes over the training set"),
    K_INT("sgd", "batch_size", sgd.batch_size, 0, 0, PI_MAX, "minibatch size, 0 = full batch"),
    K_ENUM("sgd", "schedule", sgd.schedule, schedule_names, CVX_SCHED_CONSTANT, "learning-rate schedule"),
    K_DBL("sgd", "decay", sgd.decay, 0.99, RANGE_GT | RANGE_LE, 0, 1,
          "exponential: lr factor per epoch; step: lr factor every step_epochs"),
    K_INT("sgd", "step_epochs", sgd.step_epochs, 100, 1, PI_MAX, "step: epochs between decays"),
    K_INT("sgd", "record_every", sgd.record_every, 1, 1, PI_MAX,
          "iterations between trace rows (with full batch also between test rows; otherwise a test row per epoch)"),
    K_BOOL("sgd", "shuffle", sgd.shuffle, PETSC_TRUE, "reshuffle the minibatches every epoch"),
    K_DBL("sgd", "gatol", sgd.gatol, 1e-8, RANGE_GT, 0, 0, "lmvm: stop when the gradient norm is at most this"),

    K_STR("output", "dir", output.dir, "results", "parent folder of the run folder"),
    K_BOOL("output", "arrangements", output.arrangements, PETSC_FALSE, "write the pattern set"),
    K_BOOL("output", "overwrite", output.overwrite, PETSC_FALSE, "replace the files of an existing run folder"),

    K_ENUM("logging", "level", logging.level, log_level_names, CVX_LOG_NORMAL, "amount of progress output"),
    K_DBL("logging", "progress_interval", logging.progress_interval, 2.0, RANGE_GT, 0, 0,
          "seconds between progress lines"),
    K_BOOL("logging", "log_view", logging.log_view, PETSC_FALSE, "print PETSc's per-stage performance log"),
};

#define NKEYS ((int)(sizeof(keys) / sizeof(keys[0])))

/* The section names, in order of first appearance in the table. */
static const char *const sections[] = {"run", "data", "model", "arrangements", "convex", "sgd", "output", "logging"};

#define NSECTIONS ((int)(sizeof(sections) / sizeof(sections[0])))

static int SectionIndex(const char *name)
{
  for (int s = 0; s < NSECTIONS; s++)
    if (!strcmp(sections[s], name)) return s;
  return -1;
}

static int KeyIndex(int section, const char *name)
{
  for (int i = 0; i < NKEYS; i++)
    if (!strcmp(keys[i].section, sections[section]) && !strcmp(keys[i].name, name)) return i;
  return -1;
}

static int ChoiceCount(const char *const *choices)
{
  int n = 0;
  while (choices[n])
    n++;
  return n;
}

static const char *EnumName(const char *const *choices, int v)
{
  return (v >= 0 && v < ChoiceCount(choices)) ? choices[v] : "unknown";
}

const char *CvxDataSourceName(CvxDataSource s)
{
  return EnumName(data_source_names, (int)s);
}
const char *CvxSyntheticRuleName(CvxSyntheticRule r)
{
  return EnumName(rule_names, (int)r);
}
const char *CvxArrangementMethodName(CvxArrangementMethod m)
{
  return EnumName(arr_method_names, (int)m);
}
const char *CvxSplittingName(CvxSplitting s)
{
  return EnumName(splitting_names, (int)s);
}
const char *CvxColumnGenerationName(CvxColumnGeneration c)
{
  return EnumName(colgen_names, (int)c);
}
const char *CvxLinearSolverName(CvxLinearSolver s)
{
  return EnumName(linear_solver_names, (int)s);
}
const char *CvxOptimizerName(CvxOptimizer o)
{
  return EnumName(optimizer_names, (int)o);
}
const char *CvxScheduleName(CvxSchedule s)
{
  return EnumName(schedule_names, (int)s);
}
const char *CvxLogLevelName(CvxLogLevel l)
{
  return EnumName(log_level_names, (int)l);
}

/* ------------------------------------------------------------------------ */
/* Typed access to a key's field                                             */
/* ------------------------------------------------------------------------ */

static void *KeyPtr(CvxConfig *cfg, const Key *k)
{
  return (char *)cfg + k->offset;
}

static const void *KeyCPtr(const CvxConfig *cfg, const Key *k)
{
  return (const char *)cfg + k->offset;
}

/* Value of an int, int64, bool or enum key. */
static PetscInt64 KeyGetInt(const CvxConfig *cfg, const Key *k)
{
  const void *p = KeyCPtr(cfg, k);
  switch (k->type) {
  case KEY_INT: {
    PetscInt v;
    memcpy(&v, p, sizeof(v));
    return v;
  }
  case KEY_INT64: {
    PetscInt64 v;
    memcpy(&v, p, sizeof(v));
    return v;
  }
  default: { /* bool, enum: int-sized */
    int v;
    memcpy(&v, p, sizeof(v));
    return v;
  }
  }
}

/* Sets an int, int64, bool or enum key; v is within the field's range. */
static void KeySetInt(CvxConfig *cfg, const Key *k, PetscInt64 v)
{
  void *p = KeyPtr(cfg, k);
  switch (k->type) {
  case KEY_INT: {
    PetscInt x = (PetscInt)v;
    memcpy(p, &x, sizeof(x));
  } break;
  case KEY_INT64:
    memcpy(p, &v, sizeof(v));
    break;
  default: {
    int x = (int)v;
    memcpy(p, &x, sizeof(x));
  } break;
  }
}

static double KeyGetDouble(const CvxConfig *cfg, const Key *k)
{
  double v;
  memcpy(&v, KeyCPtr(cfg, k), sizeof(v));
  return v;
}

static void KeySetDouble(CvxConfig *cfg, const Key *k, double v)
{
  memcpy(KeyPtr(cfg, k), &v, sizeof(v));
}

/* Sets a string key; len < k->size. The unused tail is zeroed so that two
 * configs holding the same values compare equal byte for byte. */
static void KeySetString(CvxConfig *cfg, const Key *k, const char *s, size_t len)
{
  char *p = (char *)KeyPtr(cfg, k);
  memset(p, 0, k->size);
  memcpy(p, s, len);
}

/* Number of values of a pair or list key. */
static PetscInt KeyGetCount(const CvxConfig *cfg, const Key *k)
{
  PetscInt n;
  if (k->type == KEY_PAIR) return 2;
  memcpy(&n, (const char *)cfg + k->count_offset, sizeof(n));
  return n;
}

static PetscInt KeyGetElement(const CvxConfig *cfg, const Key *k, PetscInt i)
{
  PetscInt v;
  memcpy(&v, (const char *)KeyCPtr(cfg, k) + (size_t)i * sizeof(PetscInt), sizeof(v));
  return v;
}

/* Capacity of a pair or list key. */
static PetscInt KeyCapacity(const Key *k)
{
  return (PetscInt)(k->size / sizeof(PetscInt));
}

/* Sets a pair or list key to vals[0..n); n fits. Unused slots are zeroed. */
static void KeySetList(CvxConfig *cfg, const Key *k, const PetscInt *vals, PetscInt n)
{
  char *p = (char *)KeyPtr(cfg, k);
  memset(p, 0, k->size);
  if (n > 0) memcpy(p, vals, (size_t)n * sizeof(PetscInt));
  if (k->type == KEY_LIST) memcpy((char *)cfg + k->count_offset, &n, sizeof(n));
}

/* ------------------------------------------------------------------------ */
/* Formatting values                                                         */
/* ------------------------------------------------------------------------ */

/* A bounded string builder: appends truncate silently at the capacity. */
typedef struct {
  char  *s;
  size_t cap, len;
} Buf;

static void BufInit(Buf *b, char *s, size_t cap)
{
  b->s   = s;
  b->cap = cap;
  b->len = 0;
  if (cap) s[0] = '\0';
}

static void BufPrintf(Buf *b, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(2, 3);

static void BufPrintf(Buf *b, const char *fmt, ...)
{
  va_list ap;
  int     r;
  if (b->len + 1 >= b->cap) return;
  va_start(ap, fmt);
  r = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  if (r < 0) return;
  b->len += (size_t)r;
  if (b->len >= b->cap) b->len = b->cap - 1;
}

/* Shortest "%.Ng" that reads back to v exactly. With yaml_float, written so
 * that YAML readers take it for a float (a '.' before any exponent: 100.0,
 * 1.0e-06); without, as short as possible (for bounds in messages). */
static void FormatDoubleAs(double v, PetscBool yaml_float, char *out, size_t n)
{
  char s[40], *e;
  if (!isfinite(v)) {
    snprintf(out, n, "%s", isnan(v) ? ".nan" : (v > 0 ? ".inf" : "-.inf"));
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(s, sizeof(s), "%.*g", prec, v);
    if (strtod(s, NULL) == v) break;
  }
  if (yaml_float && !strchr(s, '.')) {
    e = strchr(s, 'e');
    if (e) {
      char tail[40];
      snprintf(tail, sizeof(tail), "%s", e);
      snprintf(e, sizeof(s) - (size_t)(e - s), ".0%s", tail);
    } else {
      size_t l = strlen(s);
      snprintf(s + l, sizeof(s) - l, ".0");
    }
  }
  snprintf(out, n, "%s", s);
}

static void FormatDouble(double v, char *out, size_t n)
{
  FormatDoubleAs(v, PETSC_TRUE, out, n);
}

/* Appends s as a double-quoted YAML scalar. Control characters and the
 * Unicode line breaks YAML would fold (U+0085, U+2028, U+2029) are escaped, as
 * is a byte-order mark; other UTF-8 is written as it is. */
static void BufQuoted(Buf *b, const char *s)
{
  BufPrintf(b, "\"");
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (c[0] == 0xc2 && c[1] == 0x85) {
      BufPrintf(b, "\\N");
      c += 1;
      continue;
    }
    if (c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9)) {
      BufPrintf(b, c[2] == 0xa8 ? "\\L" : "\\P");
      c += 2;
      continue;
    }
    if (c[0] == 0xef && c[1] == 0xbb && c[2] == 0xbf) {
      BufPrintf(b, "\\uFEFF");
      c += 2;
      continue;
    }
    switch (*c) {
    case '"':
      BufPrintf(b, "\\\"");
      break;
    case '\\':
      BufPrintf(b, "\\\\");
      break;
    case '\n':
      BufPrintf(b, "\\n");
      break;
    case '\t':
      BufPrintf(b, "\\t");
      break;
    case '\r':
      BufPrintf(b, "\\r");
      break;
    default:
      if (*c < 0x20 || *c == 0x7f)
        BufPrintf(b, "\\x%02x", (unsigned)*c);
      else
        BufPrintf(b, "%c", (char)*c);
    }
  }
  BufPrintf(b, "\"");
}

/* Appends the value of key k in cfg as YAML. */
static void BufValue(Buf *b, const CvxConfig *cfg, const Key *k)
{
  char d[40];
  switch (k->type) {
  case KEY_INT:
  case KEY_INT64:
    BufPrintf(b, "%" PetscInt64_FMT, KeyGetInt(cfg, k));
    break;
  case KEY_DOUBLE:
    FormatDouble(KeyGetDouble(cfg, k), d, sizeof(d));
    BufPrintf(b, "%s", d);
    break;
  case KEY_BOOL:
    BufPrintf(b, "%s", KeyGetInt(cfg, k) ? "true" : "false");
    break;
  case KEY_ENUM:
    BufPrintf(b, "%s", EnumName(k->choices, (int)KeyGetInt(cfg, k)));
    break;
  case KEY_STRING: {
    const char *p = (const char *)KeyCPtr(cfg, k);
    if (memchr(p, '\0', k->size))
      BufQuoted(b, p);
    else
      BufPrintf(b, "<unterminated>");
  } break;
  case KEY_PAIR:
  case KEY_LIST: {
    PetscInt n = KeyGetCount(cfg, k);
    if (n < 0 || n > KeyCapacity(k)) n = 0;
    BufPrintf(b, "[");
    for (PetscInt i = 0; i < n; i++)
      BufPrintf(b, "%s%" PetscInt_FMT, i ? ", " : "", KeyGetElement(cfg, k, i));
    BufPrintf(b, "]");
  } break;
  }
}

/* Appends the allowed values of key k in words. */
static void BufRange(Buf *b, const Key *k, PetscBool markdown)
{
  char lo[40], hi[40];
  switch (k->type) {
  case KEY_INT:
  case KEY_INT64:
  case KEY_PAIR:
  case KEY_LIST: {
    PetscInt64 tmax = k->type == KEY_INT64 ? I64_MAX : PI_MAX;
    if (k->imax >= tmax)
      BufPrintf(b, ">= %" PetscInt64_FMT, k->imin);
    else
      BufPrintf(b, "%" PetscInt64_FMT " .. %" PetscInt64_FMT, k->imin, k->imax);
    if (k->type == KEY_PAIR) BufPrintf(b, " each");
    if (k->type == KEY_LIST) BufPrintf(b, " each, at most %" PetscInt_FMT " values", KeyCapacity(k));
  } break;
  case KEY_DOUBLE:
    FormatDoubleAs(k->dmin, PETSC_FALSE, lo, sizeof(lo));
    FormatDoubleAs(k->dmax, PETSC_FALSE, hi, sizeof(hi));
    if ((k->dflags & (RANGE_GE | RANGE_GT)) && (k->dflags & (RANGE_LE | RANGE_LT)))
      BufPrintf(b, "%s%s, %s%s", (k->dflags & RANGE_GE) ? "[" : "(", lo, hi, (k->dflags & RANGE_LE) ? "]" : ")");
    else if (k->dflags & (RANGE_GE | RANGE_GT))
      BufPrintf(b, "%s %s", (k->dflags & RANGE_GE) ? ">=" : ">", lo);
    else if (k->dflags & (RANGE_LE | RANGE_LT))
      BufPrintf(b, "%s %s", (k->dflags & RANGE_LE) ? "<=" : "<", hi);
    else
      BufPrintf(b, "finite");
    break;
  case KEY_BOOL:
    BufPrintf(b, "true, false");
    break;
  case KEY_STRING:
    BufPrintf(b, "at most %zu bytes", k->size - 1);
    break;
  case KEY_ENUM:
    for (int c = 0; k->choices[c]; c++)
      BufPrintf(b, markdown ? "%s`%s`" : "%s%s", c ? (markdown ? ", " : "|") : "", k->choices[c]);
    break;
  }
}

/* ------------------------------------------------------------------------ */
/* Defaults                                                                  */
/* ------------------------------------------------------------------------ */

PetscErrorCode CvxConfigSetDefaults(CvxConfig *cfg)
{
  PetscFunctionBeginUser;
  PetscCheck(cfg, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxConfigSetDefaults: cfg is NULL");
  memset(cfg, 0, sizeof(*cfg));
  for (int i = 0; i < NKEYS; i++) {
    const Key *k = &keys[i];
    /* a row whose section is missing from sections[] would never be written */
    PetscCheck(SectionIndex(k->section) >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "key %s.%s: section not in sections[]",
               k->section, k->name);
    switch (k->type) {
    case KEY_INT:
    case KEY_INT64:
    case KEY_BOOL:
    case KEY_ENUM:
      KeySetInt(cfg, k, k->idef);
      break;
    case KEY_DOUBLE:
      KeySetDouble(cfg, k, k->ddef);
      break;
    case KEY_STRING:
      PetscCheck(strlen(k->sdef) < k->size, PETSC_COMM_SELF, PETSC_ERR_PLIB, "default of %s.%s is too long", k->section,
                 k->name);
      KeySetString(cfg, k, k->sdef, strlen(k->sdef));
      break;
    case KEY_PAIR:
    case KEY_LIST:
      KeySetList(cfg, k, k->ldef, k->nldef);
      break;
    }
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------ */
/* Suggestions for unknown names                                             */
/* ------------------------------------------------------------------------ */

/* Optimal-string-alignment distance (edits and adjacent swaps), case-blind;
 * names longer than 63 characters count as far from everything. */
static int EditDistance(const char *a, const char *b)
{
  int    d[64][64];
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 1000;
  for (size_t i = 0; i <= la; i++)
    d[i][0] = (int)i;
  for (size_t j = 0; j <= lb; j++)
    d[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20; /* ASCII case-fold; harmless otherwise */
      int c = d[i - 1][j - 1] + (ca != cb);
      if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && ca == (b[j - 2] | 0x20) && (a[i - 2] | 0x20) == cb && d[i - 2][j - 2] + 1 < c)
        c = d[i - 2][j - 2] + 1;
      d[i][j] = c;
    }
  }
  return d[la][lb];
}

/* Largest distance for which a name is offered as a suggestion. */
static int SuggestLimit(const char *query)
{
  int l = (int)strlen(query);
  return l / 2 > 3 ? l / 2 : 3;
}

/* Appends advice for the unknown key section.name (section may be unknown). */
static void BufSuggestKey(Buf *b, const char *section, const char *name)
{
  int best = -1, best_cost = 1000, s = SectionIndex(section);
  for (int i = 0; i < NKEYS; i++) {
    int cost = EditDistance(name, keys[i].name);
    if (cost > SuggestLimit(name)) continue;
    if (strcmp(section, keys[i].section)) cost += 2;
    if (cost < best_cost) {
      best_cost = cost;
      best      = i;
    }
  }
  if (best >= 0) {
    BufPrintf(b, "; did you mean '%s.%s'?", keys[best].section, keys[best].name);
  } else if (s >= 0) {
    BufPrintf(b, "; the keys of section '%s' are", section);
    for (int i = 0, first = 1; i < NKEYS; i++)
      if (!strcmp(keys[i].section, section)) {
        BufPrintf(b, "%s %s", first ? "" : ",", keys[i].name);
        first = 0;
      }
  } else {
    BufPrintf(b, "; run with --keys for the list of keys");
  }
}

/* Appends advice for the unknown section name. */
static void BufSuggestSection(Buf *b, const char *name)
{
  int best = -1, best_cost = 1000;
  for (int i = 0; i < NKEYS; i++)
    if (!strcmp(keys[i].name, name)) {
      BufPrintf(b, "; did you mean '%s.%s'? (keys go inside their section)", keys[i].section, keys[i].name);
      return;
    }
  for (int s = 0; s < NSECTIONS; s++) {
    int cost = EditDistance(name, sections[s]);
    if (cost <= SuggestLimit(name) && cost < best_cost) {
      best_cost = cost;
      best      = s;
    }
  }
  if (best >= 0) {
    BufPrintf(b, "; did you mean '%s'?", sections[best]);
  } else {
    BufPrintf(b, "; the sections are");
    for (int s = 0; s < NSECTIONS; s++)
      BufPrintf(b, "%s %s", s ? "," : "", sections[s]);
  }
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char   *filename;   /* file being parsed; NULL for an override */
  const char   *assignment; /* the override being applied */
  const char   *text;       /* the input (for positions of reader errors) */
  size_t        len;
  const Key    *cur_key; /* key whose value is being read, if any */
  yaml_parser_t parser;
  PetscBool     have_parser;
  yaml_event_t  ev;
  PetscBool     have_ev;
  PetscBool     seen_section[NSECTIONS];
  yaml_mark_t   section_mark[NSECTIONS];
  PetscBool     seen_key[NKEYS];
  yaml_mark_t   key_mark[NKEYS];
} ParseState;

/* Raises CVX_ERR_INPUT with "FILE:LINE:COLUMN: section.key: message" (file)
 * or "--set assignment: message" (override); k may be NULL. */
static PetscErrorCode ParseFail(const ParseState *st, yaml_mark_t mark, const Key *k, const char *fmt, ...)
    PETSC_ATTRIBUTE_FORMAT(4, 5);

static PetscErrorCode ParseFail(const ParseState *st, yaml_mark_t mark, const Key *k, const char *fmt, ...)
{
  char    msg[1536], where[CVX_PATH_MAX + 128];
  Buf     w;
  va_list ap;

  PetscFunctionBeginUser;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  BufInit(&w, where, sizeof(where));
  if (st->filename) {
    BufPrintf(&w, "%s:%zu:%zu", st->filename, mark.line + 1, mark.column + 1);
    if (k) BufPrintf(&w, ": %s.%s", k->section, k->name);
  } else {
    BufPrintf(&w, "--set ");
    for (const char *c = st->assignment; *c; c++)
      BufPrintf(&w, "%c", (unsigned char)*c < 0x20 ? '?' : *c);
  }
  SETERRQ(PETSC_COMM_SELF, CVX_ERR_INPUT, "%s: %s", where, msg);
}

/* Raises the error libyaml reported. */
static PetscErrorCode SyntaxFail(ParseState *st)
{
  yaml_parser_t *p        = &st->parser;
  yaml_mark_t    m        = p->problem_mark;
  char           ctx[256] = "";

  PetscFunctionBeginUser;
  PetscCheck(p->error != YAML_MEMORY_ERROR, PETSC_COMM_SELF, PETSC_ERR_MEM, "libyaml ran out of memory");
  if (p->error == YAML_READER_ERROR) {
    /* The reader reports a byte offset: turn it into a line and column. */
    size_t off = p->problem_offset < st->len ? p->problem_offset : st->len;
    m.line = m.column = 0;
    for (size_t i = 0; i < off; i++) {
      if (st->text[i] == '\n') {
        m.line++;
        m.column = 0;
      } else
        m.column++;
    }
    PetscCall(ParseFail(st, m, st->cur_key, "invalid text: %s (byte 0x%02x at offset %zu)",
                        p->problem ? p->problem : "unreadable input", (unsigned)p->problem_value & 0xffu,
                        p->problem_offset));
  }
  if (p->context)
    snprintf(ctx, sizeof(ctx), " (%s started at line %zu, column %zu)", p->context, p->context_mark.line + 1,
             p->context_mark.column + 1);
  PetscCall(ParseFail(st, m, st->cur_key, "malformed YAML: %s%s%s", p->problem ? p->problem : "syntax error",
                      st->filename ? ctx : "",
                      m.index < st->len && st->text[m.index] == '\t' ? "; tabs cannot indent YAML, use spaces" : ""));
  PetscFunctionReturn(0);
}

/* Reads the next event into st->ev, rejecting anchors, aliases and tags. */
static PetscErrorCode NextEvent(ParseState *st)
{
  yaml_event_t *e      = &st->ev;
  const char   *anchor = NULL, *tag = NULL;

  PetscFunctionBeginUser;
  if (st->have_ev) {
    yaml_event_delete(&st->ev);
    st->have_ev = PETSC_FALSE;
  }
  if (!yaml_parser_parse(&st->parser, e)) PetscCall(SyntaxFail(st));
  st->have_ev = PETSC_TRUE;
  switch (e->type) {
  case YAML_ALIAS_EVENT:
    PetscCall(ParseFail(st, e->start_mark, st->cur_key, "aliases (*%s) are not supported: write the value out",
                        (const char *)e->data.alias.anchor));
    break;
  case YAML_SCALAR_EVENT:
    anchor = (const char *)e->data.scalar.anchor;
    tag    = (const char *)e->data.scalar.tag;
    break;
  case YAML_SEQUENCE_START_EVENT:
    anchor = (const char *)e->data.sequence_start.anchor;
    tag    = (const char *)e->data.sequence_start.tag;
    break;
  case YAML_MAPPING_START_EVENT:
    anchor = (const char *)e->data.mapping_start.anchor;
    tag    = (const char *)e->data.mapping_start.tag;
    break;
  default:
    break;
  }
  if (anchor)
    PetscCall(
        ParseFail(st, e->start_mark, st->cur_key, "anchors (&%s) are not supported: write each value out", anchor));
  if (tag) PetscCall(ParseFail(st, e->start_mark, st->cur_key, "tags (%s) are not supported", tag));
  PetscFunctionReturn(0);
}

/* One scalar value with its style and position. */
typedef struct {
  const char         *value;
  size_t              length;
  yaml_scalar_style_t style;
  yaml_mark_t         mark;
} Scalar;

static Scalar ScalarFromEvent(const yaml_event_t *e)
{
  Scalar s;
  s.value  = (const char *)e->data.scalar.value;
  s.length = e->data.scalar.length;
  s.style  = e->data.scalar.style;
  s.mark   = e->start_mark;
  return s;
}

/* A plain empty, ~ or null scalar: YAML's null. */
static PetscBool ScalarIsNull(const Scalar *s)
{
  if (s->style != YAML_PLAIN_SCALAR_STYLE) return PETSC_FALSE;
  return (s->length == 0 || !strcmp(s->value, "~") || !strcmp(s->value, "null") || !strcmp(s->value, "Null") ||
          !strcmp(s->value, "NULL"))
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/* s shortened for messages (at most 60 bytes, control bytes as '?'). */
static void Shown(const char *s, char *out, size_t n)
{
  size_t i = 0, max = n > 64 ? 60 : n - 4;
  for (; s[i] && i < max; i++)
    out[i] = ((unsigned char)s[i] < 0x20) ? '?' : s[i];
  if (s[i]) {
    memcpy(out + i, "...", 3);
    i += 3;
  }
  out[i] = '\0';
}

/* What a key expects, for messages ("a number", "one of a, b"). */
static void BufExpected(Buf *b, const Key *k)
{
  switch (k->type) {
  case KEY_INT:
  case KEY_INT64:
    BufPrintf(b, "an integer");
    break;
  case KEY_DOUBLE:
    BufPrintf(b, "a number");
    break;
  case KEY_BOOL:
    BufPrintf(b, "true or false (or yes/no, on/off)");
    break;
  case KEY_STRING:
    BufPrintf(b, "a string");
    break;
  case KEY_ENUM:
    BufPrintf(b, "one of");
    for (int c = 0; k->choices[c]; c++)
      BufPrintf(b, "%s %s", c ? "," : "", k->choices[c]);
    break;
  case KEY_PAIR:
    BufPrintf(b, "a list of 2 integers");
    break;
  case KEY_LIST:
    BufPrintf(b, "a list of integers");
    break;
  }
}

/* "must be >= 0", "must be in (0, 2)": the bounds of one value of k. */
static void BufMustBe(Buf *b, const Key *k)
{
  PetscBool two;
  char      lo[40], hi[40];
  if (k->type == KEY_DOUBLE) {
    two = (k->dflags & (RANGE_GE | RANGE_GT)) && (k->dflags & (RANGE_LE | RANGE_LT)) ? PETSC_TRUE : PETSC_FALSE;
    FormatDoubleAs(k->dmin, PETSC_FALSE, lo, sizeof(lo));
    FormatDoubleAs(k->dmax, PETSC_FALSE, hi, sizeof(hi));
    if (two)
      BufPrintf(b, "must be in %s%s, %s%s", (k->dflags & RANGE_GE) ? "[" : "(", lo, hi,
                (k->dflags & RANGE_LE) ? "]" : ")");
    else if (k->dflags & (RANGE_GE | RANGE_GT))
      BufPrintf(b, "must be %s %s", (k->dflags & RANGE_GE) ? ">=" : ">", lo);
    else if (k->dflags & (RANGE_LE | RANGE_LT))
      BufPrintf(b, "must be %s %s", (k->dflags & RANGE_LE) ? "<=" : "<", hi);
    else
      BufPrintf(b, "must be finite");
  } else {
    PetscInt64 tmax = k->type == KEY_INT64 ? I64_MAX : PI_MAX;
    if (k->imax >= tmax)
      BufPrintf(b, "must be >= %" PetscInt64_FMT, k->imin);
    else
      BufPrintf(b, "must be in %" PetscInt64_FMT " .. %" PetscInt64_FMT, k->imin, k->imax);
  }
}

static PetscBool DoubleInRange(const Key *k, double v)
{
  if (!isfinite(v)) return PETSC_FALSE;
  if ((k->dflags & RANGE_GE) && !(v >= k->dmin)) return PETSC_FALSE;
  if ((k->dflags & RANGE_GT) && !(v > k->dmin)) return PETSC_FALSE;
  if ((k->dflags & RANGE_LE) && !(v <= k->dmax)) return PETSC_FALSE;
  if ((k->dflags & RANGE_LT) && !(v < k->dmax)) return PETSC_FALSE;
  return PETSC_TRUE;
}

static PetscBool StartsNumber(const char *s)
{
  if (*s == '+' || *s == '-') s++;
  return (*s >= '0' && *s <= '9') || (*s == '.' && s[1] >= '0' && s[1] <= '9') ? PETSC_TRUE : PETSC_FALSE;
}

/* Reads a whole decimal integer; an integral float such as 1e6 also counts.
 * Returns 0 on success, 1 when s is not an integer, 2 when it overflows. */
static int ScanInteger(const char *s, PetscInt64 *v)
{
  char  *end;
  double d;
  if (!StartsNumber(s)) return 1;
  errno           = 0;
  long long x     = strtoll(s, &end, 10);
  int       range = errno == ERANGE;
  if (*end == '\0') {
    if (range) return 2;
    *v = (PetscInt64)x;
    return 0;
  }
  errno = 0;
  d     = strtod(s, &end);
  if (*end != '\0') return 1;
  if (isinf(d)) return 2;
  if (!isfinite(d) || d != floor(d)) return 1;
  if (d < -0x1p63 || d >= 0x1p63) return 2;
  *v = (PetscInt64)d;
  return 0;
}

/* Reads a whole finite number. Returns 0 on success, 1 when s is not a
 * number, 2 when it is infinite or NaN. */
static int ScanDouble(const char *s, double *v)
{
  char       *end;
  const char *t = (*s == '+' || *s == '-') ? s + 1 : s;
  if (!strcasecmp(t, ".inf") || !strcasecmp(t, ".nan") || !strcasecmp(t, "inf") || !strcasecmp(t, "nan") ||
      !strcasecmp(t, "infinity"))
    return 2;
  if (!StartsNumber(s)) return 1;
  errno = 0;
  *v    = strtod(s, &end);
  if (*end != '\0') return 1;
  if (!isfinite(*v)) return 2;
  return 0;
}

/* Reads one integer value (a scalar, or an element of a pair or list) of k. */
static PetscErrorCode ParseIntegerValue(const ParseState *st, const Key *k, const Scalar *sc, PetscInt64 *v)
{
  char shown[80];
  int  r;

  PetscFunctionBeginUser;
  *v = 0;
  Shown(sc->value, shown, sizeof(shown));
  if (ScalarIsNull(sc)) PetscCall(ParseFail(st, sc->mark, k, "expected an integer, got an empty value"));
  if (sc->style != YAML_PLAIN_SCALAR_STYLE)
    PetscCall(ParseFail(st, sc->mark, k, "expected an integer, got the quoted string '%s'", shown));
  r = ScanInteger(sc->value, v);
  if (r == 1) PetscCall(ParseFail(st, sc->mark, k, "expected an integer, got '%s'", shown));
  if ((r == 2 && sc->value[0] != '-') ||
      (r == 0 && *v > k->imax && k->imax >= (k->type == KEY_INT64 ? I64_MAX : PI_MAX)))
    PetscCall(ParseFail(st, sc->mark, k, "%s is too large: at most %" PetscInt64_FMT " is allowed", shown, k->imax));
  if (r == 2 || *v < k->imin || *v > k->imax) {
    char must[96];
    Buf  m;
    BufInit(&m, must, sizeof(must));
    BufMustBe(&m, k);
    PetscCall(ParseFail(st, sc->mark, k, "%s is out of range: %s", shown, must));
  }
  PetscFunctionReturn(0);
}

/* Stores the scalar sc as the value of k in cfg. */
static PetscErrorCode SetScalar(const ParseState *st, const Key *k, const Scalar *sc, CvxConfig *cfg)
{
  char       shown[80], exp[160];
  Buf        e;
  PetscInt64 iv = 0;
  double     dv = 0;

  PetscFunctionBeginUser;
  Shown(sc->value, shown, sizeof(shown));
  BufInit(&e, exp, sizeof(exp));
  BufExpected(&e, k);
  switch (k->type) {
  case KEY_INT:
  case KEY_INT64:
    PetscCall(ParseIntegerValue(st, k, sc, &iv));
    KeySetInt(cfg, k, iv);
    break;
  case KEY_DOUBLE: {
    int r;
    if (ScalarIsNull(sc)) PetscCall(ParseFail(st, sc->mark, k, "expected a number, got an empty value"));
    if (sc->style != YAML_PLAIN_SCALAR_STYLE)
      PetscCall(ParseFail(st, sc->mark, k, "expected a number, got the quoted string '%s'", shown));
    r = ScanDouble(sc->value, &dv);
    if (r == 1) PetscCall(ParseFail(st, sc->mark, k, "expected a number, got '%s'", shown));
    if (r == 2) PetscCall(ParseFail(st, sc->mark, k, "'%s' is not a finite number", shown));
    if (!DoubleInRange(k, dv)) {
      char must[96];
      Buf  m;
      BufInit(&m, must, sizeof(must));
      BufMustBe(&m, k);
      PetscCall(ParseFail(st, sc->mark, k, "%s is out of range: %s", shown, must));
    }
    KeySetDouble(cfg, k, dv);
  } break;
  case KEY_BOOL: {
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    int b = -1;
    if (ScalarIsNull(sc)) PetscCall(ParseFail(st, sc->mark, k, "expected %s, got an empty value", exp));
    if (sc->style != YAML_PLAIN_SCALAR_STYLE)
      PetscCall(ParseFail(st, sc->mark, k, "expected %s, got the quoted string '%s'", exp, shown));
    for (int i = 0; i < 3; i++) {
      if (!strcasecmp(sc->value, yes[i])) b = 1;
      if (!strcasecmp(sc->value, no[i])) b = 0;
    }
    if (b < 0) PetscCall(ParseFail(st, sc->mark, k, "expected %s, got '%s'", exp, shown));
    KeySetInt(cfg, k, b);
  } break;
  case KEY_ENUM: {
    int c, best = -1, best_cost = 1000;
    if (ScalarIsNull(sc)) PetscCall(ParseFail(st, sc->mark, k, "expected %s, got an empty value", exp));
    for (c = 0; k->choices[c]; c++)
      if (!strcmp(sc->value, k->choices[c])) break;
    if (!k->choices[c]) {
      char hint[96] = "";
      for (int j = 0; k->choices[j]; j++) {
        int cost = EditDistance(sc->value, k->choices[j]);
        if (cost <= SuggestLimit(sc->value) && cost < best_cost) {
          best_cost = cost;
          best      = j;
        }
      }
      if (best >= 0) snprintf(hint, sizeof(hint), "; did you mean '%s'?", k->choices[best]);
      PetscCall(ParseFail(st, sc->mark, k, "'%s' is not %s%s", shown, exp, hint));
    }
    KeySetInt(cfg, k, c);
  } break;
  case KEY_STRING:
    if (ScalarIsNull(sc)) {
      KeySetString(cfg, k, "", 0);
      break;
    }
    if (strlen(sc->value) != sc->length) PetscCall(ParseFail(st, sc->mark, k, "the value contains a NUL character"));
    if (sc->length >= k->size)
      PetscCall(
          ParseFail(st, sc->mark, k, "the value is %zu bytes long; at most %zu bytes fit", sc->length, k->size - 1));
    KeySetString(cfg, k, sc->value, sc->length);
    break;
  case KEY_PAIR:
    PetscCall(ParseFail(st, sc->mark, k, "expected %s such as [0, 1], got '%s'", exp, shown));
    break;
  case KEY_LIST: {
    PetscInt v;
    if (ScalarIsNull(sc)) { /* an empty value is the empty list */
      KeySetList(cfg, k, NULL, 0);
      break;
    }
    PetscCall(ParseIntegerValue(st, k, sc, &iv)); /* one value is a list of one */
    v = (PetscInt)iv;
    KeySetList(cfg, k, &v, 1);
  } break;
  }
  PetscFunctionReturn(0);
}

static const char *NodeKind(yaml_event_type_t t)
{
  return t == YAML_SEQUENCE_START_EVENT ? "a list" : t == YAML_MAPPING_START_EVENT ? "a mapping" : "a scalar";
}

/* Reads the value of key k starting at the current event, into cfg. */
static PetscErrorCode ReadValue(ParseState *st, const Key *k, CvxConfig *cfg)
{
  char exp[160];
  Buf  e;

  PetscFunctionBeginUser;
  st->cur_key = k;
  BufInit(&e, exp, sizeof(exp));
  BufExpected(&e, k);
  if (st->ev.type == YAML_SCALAR_EVENT) {
    Scalar sc = ScalarFromEvent(&st->ev);
    PetscCall(SetScalar(st, k, &sc, cfg));
  } else if (st->ev.type == YAML_SEQUENCE_START_EVENT) {
    PetscInt    vals[CVX_MAX_WIDTHS], n = 0, cap = KeyCapacity(k);
    yaml_mark_t start = st->ev.start_mark;
    if (k->type != KEY_PAIR && k->type != KEY_LIST) PetscCall(ParseFail(st, start, k, "expected %s, got a list", exp));
    PetscCheck(cap <= CVX_MAX_WIDTHS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s.%s: list capacity above CVX_MAX_WIDTHS",
               k->section, k->name);
    for (;;) {
      PetscInt64 v;
      Scalar     sc;
      PetscCall(NextEvent(st));
      if (st->ev.type == YAML_SEQUENCE_END_EVENT) break;
      if (st->ev.type != YAML_SCALAR_EVENT)
        PetscCall(
            ParseFail(st, st->ev.start_mark, k, "expected %s, got %s inside the list", exp, NodeKind(st->ev.type)));
      if (n >= cap) {
        if (k->type == KEY_PAIR) PetscCall(ParseFail(st, start, k, "expected exactly 2 integers, got more"));
        PetscCall(ParseFail(st, st->ev.start_mark, k, "the list is too long: at most %" PetscInt_FMT " values", cap));
      }
      sc = ScalarFromEvent(&st->ev);
      PetscCall(ParseIntegerValue(st, k, &sc, &v));
      vals[n++] = (PetscInt)v;
    }
    if (k->type == KEY_PAIR && n != 2)
      PetscCall(ParseFail(st, start, k, "expected exactly 2 integers, got %" PetscInt_FMT, n));
    KeySetList(cfg, k, vals, n);
  } else {
    PetscCall(ParseFail(st, st->ev.start_mark, k, "expected %s, got %s", exp, NodeKind(st->ev.type)));
  }
  st->cur_key = NULL;
  PetscFunctionReturn(0);
}

/* Reads the keys of one section; the current event is its MAPPING_START. */
static PetscErrorCode ReadSection(ParseState *st, int s, CvxConfig *cfg)
{
  PetscFunctionBeginUser;
  for (;;) {
    char        shown[80], advice[640];
    Buf         a;
    yaml_mark_t mark;
    int         i;

    PetscCall(NextEvent(st));
    if (st->ev.type == YAML_MAPPING_END_EVENT) break;
    mark = st->ev.start_mark;
    if (st->ev.type != YAML_SCALAR_EVENT)
      PetscCall(
          ParseFail(st, mark, NULL, "expected a key name in section '%s', got %s", sections[s], NodeKind(st->ev.type)));
    i = KeyIndex(s, (const char *)st->ev.data.scalar.value);
    if (i < 0) {
      Shown((const char *)st->ev.data.scalar.value, shown, sizeof(shown));
      BufInit(&a, advice, sizeof(advice));
      BufSuggestKey(&a, sections[s], shown);
      PetscCall(ParseFail(st, mark, NULL, "unknown key '%s.%s'%s", sections[s], shown, advice));
    }
    if (st->seen_key[i])
      PetscCall(ParseFail(st, mark, &keys[i], "duplicate key (first given at line %zu, column %zu)",
                          st->key_mark[i].line + 1, st->key_mark[i].column + 1));
    st->seen_key[i] = PETSC_TRUE;
    st->key_mark[i] = mark;
    st->cur_key     = &keys[i];
    PetscCall(NextEvent(st));
    PetscCall(ReadValue(st, &keys[i], cfg));
  }
  PetscFunctionReturn(0);
}

/* Reads the whole file: a stream of at most one document whose top level is
 * a mapping of sections. */
static PetscErrorCode ReadDocument(ParseState *st, CvxConfig *cfg)
{
  PetscFunctionBeginUser;
  PetscCall(NextEvent(st)); /* STREAM_START */
  PetscCall(NextEvent(st));
  if (st->ev.type == YAML_STREAM_END_EVENT) PetscFunctionReturn(0); /* empty, or comments only */
  PetscCall(NextEvent(st));                                         /* after DOCUMENT_START */
  if (st->ev.type == YAML_SCALAR_EVENT) {
    Scalar sc = ScalarFromEvent(&st->ev);
    char   shown[80];
    Shown(sc.value, shown, sizeof(shown));
    if (!ScalarIsNull(&sc))
      PetscCall(ParseFail(st, sc.mark, NULL,
                          "the top level must be a mapping of sections (run:, data:, ...), got the scalar '%s'",
                          shown));
  } else if (st->ev.type != YAML_MAPPING_START_EVENT) {
    PetscCall(ParseFail(st, st->ev.start_mark, NULL,
                        "the top level must be a mapping of sections (run:, data:, ...), got %s",
                        NodeKind(st->ev.type)));
  } else {
    for (;;) {
      char        shown[80], advice[640];
      Buf         a;
      yaml_mark_t mark;
      int         s;

      PetscCall(NextEvent(st));
      if (st->ev.type == YAML_MAPPING_END_EVENT) break;
      mark = st->ev.start_mark;
      if (st->ev.type != YAML_SCALAR_EVENT)
        PetscCall(ParseFail(st, mark, NULL, "expected a section name, got %s", NodeKind(st->ev.type)));
      Shown((const char *)st->ev.data.scalar.value, shown, sizeof(shown));
      s = SectionIndex((const char *)st->ev.data.scalar.value);
      if (s < 0) {
        BufInit(&a, advice, sizeof(advice));
        BufSuggestSection(&a, shown);
        PetscCall(ParseFail(st, mark, NULL, "unknown section '%s'%s", shown, advice));
      }
      if (st->seen_section[s])
        PetscCall(ParseFail(st, mark, NULL, "duplicate section '%s' (first given at line %zu, column %zu)", sections[s],
                            st->section_mark[s].line + 1, st->section_mark[s].column + 1));
      st->seen_section[s] = PETSC_TRUE;
      st->section_mark[s] = mark;
      PetscCall(NextEvent(st));
      if (st->ev.type == YAML_MAPPING_START_EVENT) {
        PetscCall(ReadSection(st, s, cfg));
      } else {
        Scalar sc = ScalarFromEvent(&st->ev);
        if (st->ev.type != YAML_SCALAR_EVENT || !ScalarIsNull(&sc)) /* "sgd:" alone is an empty section */
          PetscCall(ParseFail(st, st->ev.start_mark, NULL,
                              "section '%s' must be a mapping of keys (key: value lines indented below it), got %s",
                              sections[s], NodeKind(st->ev.type)));
      }
    }
  }
  PetscCall(NextEvent(st)); /* DOCUMENT_END */
  PetscCall(NextEvent(st));
  if (st->ev.type == YAML_DOCUMENT_START_EVENT)
    PetscCall(ParseFail(st, st->ev.start_mark, NULL, "more than one YAML document: put every section in one document"));
  PetscFunctionReturn(0);
}

/* Reads one override value: a stream holding at most one node. */
static PetscErrorCode ReadOverrideValue(ParseState *st, const Key *k, CvxConfig *cfg)
{
  PetscFunctionBeginUser;
  PetscCall(NextEvent(st)); /* STREAM_START */
  PetscCall(NextEvent(st));
  if (st->ev.type == YAML_STREAM_END_EVENT) { /* "key=" : the empty (null) value */
    Scalar sc = {"", 0, YAML_PLAIN_SCALAR_STYLE, st->ev.start_mark};
    PetscCall(SetScalar(st, k, &sc, cfg));
    PetscFunctionReturn(0);
  }
  st->cur_key = k;
  PetscCall(NextEvent(st)); /* after DOCUMENT_START */
  PetscCall(ReadValue(st, k, cfg));
  PetscCall(NextEvent(st)); /* DOCUMENT_END */
  PetscCall(NextEvent(st));
  if (st->ev.type == YAML_DOCUMENT_START_EVENT)
    PetscCall(ParseFail(st, st->ev.start_mark, k, "the value holds more than one YAML document"));
  PetscFunctionReturn(0);
}

/* Runs reader on text with a fresh libyaml parser in st. */
static PetscErrorCode ParseWith(ParseState *st, const char *text, size_t len, const Key *k, CvxConfig *cfg)
{
  PetscFunctionBeginUser;
  PetscCheck(yaml_parser_initialize(&st->parser), PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot initialize the YAML parser");
  st->have_parser = PETSC_TRUE;
  st->text        = text;
  st->len         = len;
  yaml_parser_set_input_string(&st->parser, (const unsigned char *)text, len);
  if (k)
    PetscCall(ReadOverrideValue(st, k, cfg));
  else
    PetscCall(ReadDocument(st, cfg));
  PetscFunctionReturn(0);
}

/* Parses into a copy of cfg and commits it only on success, so that cfg is
 * left as it was when an error is raised. */
static PetscErrorCode ParseAtomic(const char *filename, const char *assignment, const char *text, size_t len,
                                  const Key *k, CvxConfig *cfg)
{
  ParseState    *st;
  CvxConfig     *tmp;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&st));
  PetscCall(PetscNew(&tmp));
  memcpy(tmp, cfg, sizeof(*tmp));
  st->filename   = filename;
  st->assignment = assignment;
  ierr           = ParseWith(st, text, len, k, tmp);
  if (st->have_ev) yaml_event_delete(&st->ev);
  if (st->have_parser) yaml_parser_delete(&st->parser);
  if (!ierr) memcpy(cfg, tmp, sizeof(*cfg));
  PetscCall(PetscFree(tmp));
  PetscCall(PetscFree(st));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode CvxConfigParseString(const char *text, size_t len, const char *filename, CvxConfig *cfg)
{
  PetscFunctionBeginUser;
  PetscCheck(cfg, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxConfigParseString: cfg is NULL");
  PetscCheck(text || !len, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxConfigParseString: text is NULL");
  PetscCall(ParseAtomic(filename ? filename : "<string>", NULL, text ? text : "", text ? len : 0, NULL, cfg));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxConfigApplyOverride(CvxConfig *cfg, const char *assignment)
{
  char        name[2 * CVX_NAME_MAX], shown[80], advice[640], *dot, *b, *e;
  const char *eq;
  size_t      n;
  int         s, i = -1;
  Buf         a;

  PetscFunctionBeginUser;
  PetscCheck(cfg && assignment, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxConfigApplyOverride: NULL argument");
  eq = strchr(assignment, '=');
  PetscCheck(eq, PETSC_COMM_SELF, CVX_ERR_INPUT, "--set %s: expected section.key=value", assignment);
  n = (size_t)(eq - assignment);
  if (n >= sizeof(name)) n = sizeof(name) - 1;
  memcpy(name, assignment, n);
  name[n] = '\0';
  for (b = name; *b == ' ' || *b == '\t'; b++) {
  }
  for (e = b + strlen(b); e > b && (e[-1] == ' ' || e[-1] == '\t'); e--) {
  }
  *e  = '\0';
  dot = strchr(b, '.');
  BufInit(&a, advice, sizeof(advice));
  if (!dot) {
    Shown(b, shown, sizeof(shown));
    BufSuggestKey(&a, "", shown);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_INPUT, "--set %s: expected section.key=value, got no section in '%s'%s",
            assignment, shown, advice);
  }
  *dot = '\0';
  s    = SectionIndex(b);
  if (s >= 0) i = KeyIndex(s, dot + 1);
  if (i < 0) {
    char sec[80];
    Shown(b, sec, sizeof(sec));
    Shown(dot + 1, shown, sizeof(shown));
    BufSuggestKey(&a, sec, shown);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_INPUT, "--set %s: unknown key '%s.%s'%s", assignment, sec, shown, advice);
  }
  PetscCall(ParseAtomic(NULL, assignment, eq + 1, strlen(eq + 1), &keys[i], cfg));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------ */
/* Validation                                                                */
/* ------------------------------------------------------------------------ */

/* Checks that the value of k in cfg is one the schema allows. */
static PetscErrorCode CheckKey(const CvxConfig *cfg, const Key *k)
{
  char val[160], must[96];
  Buf  v, m;

  PetscFunctionBeginUser;
  BufInit(&v, val, sizeof(val));
  BufInit(&m, must, sizeof(must));
  if (k->type != KEY_STRING) BufValue(&v, cfg, k);
  BufMustBe(&m, k);
  switch (k->type) {
  case KEY_INT:
  case KEY_INT64: {
    PetscInt64 x = KeyGetInt(cfg, k);
    PetscCheck(x >= k->imin && x <= k->imax, PETSC_COMM_SELF, CVX_ERR_INPUT, "%s.%s = %s is out of range: %s",
               k->section, k->name, val, must);
  } break;
  case KEY_DOUBLE:
    PetscCheck(DoubleInRange(k, KeyGetDouble(cfg, k)), PETSC_COMM_SELF, CVX_ERR_INPUT, "%s.%s = %s is out of range: %s",
               k->section, k->name, val, must);
    break;
  case KEY_BOOL: {
    PetscInt64 x = KeyGetInt(cfg, k);
    PetscCheck(x == 0 || x == 1, PETSC_COMM_SELF, CVX_ERR_INPUT, "%s.%s = %" PetscInt64_FMT " is not a boolean",
               k->section, k->name, x);
  } break;
  case KEY_ENUM: {
    PetscInt64 x = KeyGetInt(cfg, k);
    PetscCheck(x >= 0 && x < ChoiceCount(k->choices), PETSC_COMM_SELF, CVX_ERR_INPUT,
               "%s.%s = %" PetscInt64_FMT " is not a valid choice", k->section, k->name, x);
  } break;
  case KEY_STRING:
    PetscCheck(memchr(KeyCPtr(cfg, k), '\0', k->size), PETSC_COMM_SELF, CVX_ERR_INPUT, "%s.%s is longer than %zu bytes",
               k->section, k->name, k->size - 1);
    break;
  case KEY_PAIR:
  case KEY_LIST: {
    PetscInt cnt = KeyGetCount(cfg, k);
    PetscCheck(cnt >= 0 && cnt <= KeyCapacity(k), PETSC_COMM_SELF, CVX_ERR_INPUT,
               "%s.%s has %" PetscInt_FMT " values; at most %" PetscInt_FMT " are allowed", k->section, k->name, cnt,
               KeyCapacity(k));
    for (PetscInt j = 0; j < cnt; j++) {
      PetscInt x = KeyGetElement(cfg, k, j);
      PetscCheck(x >= k->imin && x <= k->imax, PETSC_COMM_SELF, CVX_ERR_INPUT,
                 "%s.%s = %s: value %" PetscInt_FMT " is out of range: %s", k->section, k->name, val, x, must);
    }
  } break;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CvxConfigValidate(const CvxConfig *cfg, PetscMPIInt world_size)
{
  const char *src;

  PetscFunctionBeginUser;
  PetscCheck(cfg, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxConfigValidate: cfg is NULL");
  PetscCheck(world_size >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "CvxConfigValidate: world size %d",
             (int)world_size);
  for (int i = 0; i < NKEYS; i++)
    PetscCall(CheckKey(cfg, &keys[i]));

  PetscCheck(cfg->convex.enabled || cfg->sgd.enabled, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "convex.enabled and sgd.enabled are both false: there is nothing to run");
  PetscCheck(cfg->sgd.ranks == 0 || cfg->sgd.ranks < world_size, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "sgd.ranks = %" PetscInt_FMT
             " must be less than the number of ranks (world size %d): rank 0 always belongs to the convex pool",
             cfg->sgd.ranks, (int)world_size);
  PetscCheck(!cfg->sgd.enabled || cfg->sgd.n_widths > 0, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "sgd.widths is empty but sgd.enabled is true: give at least one width, e.g. [5]");
  PetscCheck(cfg->convex.polish || cfg->convex.column_generation != CVX_COLGEN_ON, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "convex.column_generation = on needs convex.polish = true (its rounds are second-stage solves)");
  for (PetscInt i = 0; i < cfg->sgd.n_widths; i++)
    for (PetscInt j = 0; j < i; j++)
      PetscCheck(cfg->sgd.widths[i] != cfg->sgd.widths[j], PETSC_COMM_SELF, CVX_ERR_INPUT,
                 "sgd.widths lists %" PetscInt_FMT " twice: a job is named by its (width, trial)", cfg->sgd.widths[i]);
  PetscCheck(cfg->data.classes[0] != cfg->data.classes[1], PETSC_COMM_SELF, CVX_ERR_INPUT,
             "data.classes = [%" PetscInt_FMT ", %" PetscInt_FMT "]: the two classes must differ", cfg->data.classes[0],
             cfg->data.classes[1]);
  src = CvxDataSourceName(cfg->data.source);
  PetscCheck(cfg->data.source == CVX_DATA_SYNTHETIC || cfg->data.path[0], PETSC_COMM_SELF, CVX_ERR_INPUT,
             "data.path is empty but data.source is %s: give the %s", src,
             cfg->data.source == CVX_DATA_CSV ? "training file" : "data folder");
  PetscCheck(cfg->data.source != CVX_DATA_SYNTHETIC || cfg->data.n_train != 0, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "data.n_train = %" PetscInt_FMT ": synthetic data need at least one training sample", cfg->data.n_train);
  PetscCheck(cfg->arrangements.method != CVX_ARR_FILE || cfg->arrangements.file[0], PETSC_COMM_SELF, CVX_ERR_INPUT,
             "arrangements.file is empty but arrangements.method is file: give the pattern file");
  PetscCheck(cfg->run.name[0] && !strchr(cfg->run.name, '/') && strcmp(cfg->run.name, ".") &&
                 strcmp(cfg->run.name, ".."),
             PETSC_COMM_SELF, CVX_ERR_INPUT,
             "run.name = \"%s\": the run name must be a folder name: not empty, not . or .., no '/'", cfg->run.name);
  PetscCheck(cfg->output.dir[0], PETSC_COMM_SELF, CVX_ERR_INPUT,
             "output.dir is empty: use \".\" for the current folder");
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------ */
/* Writing and listing                                                       */
/* ------------------------------------------------------------------------ */

PetscErrorCode CvxConfigWrite(const CvxConfig *cfg, FILE *f, int indent)
{
  char  *line;
  size_t cap = 4 * CVX_PATH_MAX + 256; /* every string byte escapes to at most 4 */
  Buf    b;

  PetscFunctionBeginUser;
  PetscCheck(cfg && f, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxConfigWrite: NULL argument");
  PetscCheck(indent >= 0 && indent <= 256, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "CvxConfigWrite: indent %d",
             indent);
  PetscCall(PetscMalloc1(cap, &line));
  for (int s = 0; s < NSECTIONS; s++) {
    fprintf(f, "%*s%s:\n", indent, "", sections[s]);
    for (int i = 0; i < NKEYS; i++) {
      if (strcmp(keys[i].section, sections[s])) continue;
      BufInit(&b, line, cap);
      BufValue(&b, cfg, &keys[i]);
      fprintf(f, "%*s  %s: %s\n", indent, "", keys[i].name, line);
    }
  }
  PetscCall(PetscFree(line));
  PetscCheck(!ferror(f), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "writing the configuration failed");
  PetscFunctionReturn(0);
}

PetscErrorCode CvxConfigPrintKeys(FILE *f)
{
  CvxConfig *def;
  char       full[96], val[160], range[160];
  Buf        v, r;

  PetscFunctionBeginUser;
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxConfigPrintKeys: f is NULL");
  PetscCall(PetscNew(&def));
  PetscCall(CvxConfigSetDefaults(def));
  for (int i = 0; i < NKEYS; i++) {
    const Key *k = &keys[i];
    snprintf(full, sizeof(full), "%s.%s", k->section, k->name);
    BufInit(&v, val, sizeof(val));
    BufValue(&v, def, k);
    BufInit(&r, range, sizeof(range));
    BufRange(&r, k, PETSC_FALSE);
    if (k->type == KEY_ENUM)
      fprintf(f, "%-31s %-8s %-10s %s; one of %s\n", full, key_type_names[k->type], val, k->desc, range);
    else if (k->type == KEY_BOOL)
      fprintf(f, "%-31s %-8s %-10s %s\n", full, key_type_names[k->type], val, k->desc);
    else
      fprintf(f, "%-31s %-8s %-10s %s; %s\n", full, key_type_names[k->type], val, k->desc, range);
  }
  PetscCall(PetscFree(def));
  PetscCheck(!ferror(f), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "writing the key list failed");
  PetscFunctionReturn(0);
}

/* Prints s with '|' escaped, for a Markdown table cell. */
static void PrintCell(FILE *f, const char *s)
{
  for (; *s; s++) {
    if (*s == '|') fputc('\\', f);
    fputc(*s, f);
  }
}

PetscErrorCode CvxConfigPrintMarkdown(FILE *f)
{
  CvxConfig *def;
  char       val[160], range[160];
  Buf        v, r;

  PetscFunctionBeginUser;
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxConfigPrintMarkdown: f is NULL");
  PetscCall(PetscNew(&def));
  PetscCall(CvxConfigSetDefaults(def));
  for (int s = 0; s < NSECTIONS; s++) {
    fprintf(f, "%s### `%s`\n\n| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n", s ? "\n" : "",
            sections[s]);
    for (int i = 0; i < NKEYS; i++) {
      const Key *k = &keys[i];
      if (strcmp(k->section, sections[s])) continue;
      BufInit(&v, val, sizeof(val));
      BufValue(&v, def, k);
      BufInit(&r, range, sizeof(range));
      BufRange(&r, k, PETSC_TRUE);
      fprintf(f, "| `%s.%s` | %s | `", k->section, k->name, key_type_names[k->type]);
      PrintCell(f, val);
      fprintf(f, "` | ");
      PrintCell(f, range);
      fprintf(f, " | ");
      PrintCell(f, k->desc);
      fprintf(f, " |\n");
    }
  }
  PetscCall(PetscFree(def));
  PetscCheck(!ferror(f), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "writing the key reference failed");
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------ */
/* Loading: rank 0 reads, every rank parses                                  */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char *path;
  char       *text;
  size_t      len;
} LoadCtx;

/* Reads the whole file lc->path into lc->text (rank 0 only). */
static PetscErrorCode ReadFileOnRoot(void *ctx)
{
  LoadCtx *lc  = (LoadCtx *)ctx;
  size_t   cap = 0, len = 0;
  char    *buf = NULL;
  FILE    *f;
  int      err = 0;

  PetscFunctionBeginUser;
  f = fopen(lc->path, "rb");
  PetscCheck(f, PETSC_COMM_SELF, CVX_ERR_FILE, "cannot open config file '%s': %s", lc->path, strerror(errno));
  for (;;) {
    size_t got;
    if (len == cap) {
      size_t ncap = cap ? 2 * cap : 65536;
      char  *nbuf;
      if (ncap > (size_t)CVX_CONFIG_FILE_MAX + 1) ncap = (size_t)CVX_CONFIG_FILE_MAX + 1;
      if (len == ncap) break; /* full: the file is too large */
      nbuf = (char *)realloc(buf, ncap);
      if (!nbuf) {
        free(buf);
        fclose(f);
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate %zu bytes to read config file '%s'", ncap, lc->path);
      }
      buf = nbuf;
      cap = ncap;
    }
    errno = 0;
    got   = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f)) err = errno ? errno : EIO;
      break;
    }
  }
  fclose(f);
  if (err || len > (size_t)CVX_CONFIG_FILE_MAX) {
    free(buf);
    PetscCheck(!err, PETSC_COMM_SELF, CVX_ERR_FILE, "cannot read config file '%s': %s", lc->path, strerror(err));
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "config file '%s' is larger than %d MiB: is it really a config file?",
            lc->path, CVX_CONFIG_FILE_MAX >> 20);
  }
  PetscCall(PetscMalloc1(len + 1, &lc->text));
  if (len) memcpy(lc->text, buf, len);
  lc->text[len] = '\0';
  lc->len       = len;
  free(buf);
  PetscFunctionReturn(0);
}

/* The resolution after the text is known: identical on every rank. */
static PetscErrorCode Resolve(const char *text, size_t len, const char *path, int n_overrides,
                              const char *const overrides[], PetscMPIInt size, CvxConfig *cfg)
{
  PetscFunctionBeginUser;
  PetscCall(CvxConfigSetDefaults(cfg));
  if (path) PetscCall(CvxConfigParseString(text, len, path, cfg));
  for (int i = 0; i < n_overrides; i++)
    PetscCall(CvxConfigApplyOverride(cfg, overrides[i]));
  PetscCall(CvxConfigValidate(cfg, size));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxConfigLoad(MPI_Comm comm, const char *path, int n_overrides, const char *const overrides[],
                             CvxConfig *cfg)
{
  PetscMPIInt    rank, size;
  LoadCtx        lc     = {path, NULL, 0};
  char          *name   = NULL;
  unsigned long  hdr[3] = {0, 0, 0}; /* has a file, text length, path length */
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(cfg, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxConfigLoad: cfg is NULL");
  PetscCheck(n_overrides >= 0 && (n_overrides == 0 || overrides), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
             "CvxConfigLoad: bad overrides");
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  /* Rank 0's path decides: the other ranks may not see the file at all. */
  hdr[0] = (rank == 0 && path) ? 1 : 0;
  PetscCallMPI(MPI_Bcast(hdr, 1, MPI_UNSIGNED_LONG, 0, comm));
  if (hdr[0]) {
    PetscCall(CvxRootRun(comm, ReadFileOnRoot, &lc));
    if (rank == 0) {
      hdr[1] = (unsigned long)lc.len;
      hdr[2] = (unsigned long)strlen(path);
    }
    PetscCallMPI(MPI_Bcast(hdr + 1, 2, MPI_UNSIGNED_LONG, 0, comm));
    PetscCheck(hdr[1] <= (unsigned long)CVX_CONFIG_FILE_MAX && hdr[2] < (unsigned long)CVX_PATH_MAX * 4,
               PETSC_COMM_SELF, PETSC_ERR_PLIB, "inconsistent config broadcast");
    if (rank != 0) PetscCall(PetscMalloc1(hdr[1] + 1, &lc.text));
    PetscCall(PetscMalloc1(hdr[2] + 1, &name));
    if (rank == 0) memcpy(name, path, hdr[2] + 1);
    PetscCallMPI(MPI_Bcast(name, (int)hdr[2] + 1, MPI_CHAR, 0, comm));
    PetscCallMPI(MPI_Bcast(lc.text, (int)hdr[1] + 1, MPI_CHAR, 0, comm));
  }
  ierr = Resolve(lc.text, (size_t)hdr[1], hdr[0] ? name : NULL, n_overrides, overrides, size, cfg);
  PetscCall(PetscFree(lc.text));
  PetscCall(PetscFree(name));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
