/* The run configuration: one struct with a section per concern.
 *
 * Resolution order: built-in defaults, then the YAML file, then each
 * `--set section.key=value` override in command-line order, then one
 * validation step that fails before any work starts. Rank 0 reads the file
 * and broadcasts its bytes; every rank parses the same text, so every rank
 * ends with the same resolved config.
 *
 * Every key is listed, with its type, default and meaning, by
 * `cvxnn-dist --keys` and in README.md.
 */
#ifndef CVXNN_CONFIG_CONFIG_H
#define CVXNN_CONFIG_CONFIG_H

#include <petscsys.h>
#include <stdio.h>

#define CVX_PATH_MAX   4096
#define CVX_NAME_MAX   256
#define CVX_MAX_WIDTHS 64

typedef enum { CVX_DATA_SYNTHETIC, CVX_DATA_CSV, CVX_DATA_CIFAR10, CVX_DATA_IDX } CvxDataSource;
/* synthetic labels: norm: +1 if ||x|| > 1 else -1; sign: +1 if x_1 >= 0 else
 * -1; regression: y = ||x|| - 1 + noise * N(0,1) (real-valued). */
typedef enum { CVX_RULE_NORM, CVX_RULE_SIGN, CVX_RULE_REGRESSION } CvxSyntheticRule;
typedef enum { CVX_ARR_SAMPLE, CVX_ARR_EXACT, CVX_ARR_FILE } CvxArrangementMethod;
/* auto: the cone splitting when its projections are closed-form (at most 3
 * columns after the row-space reduction), the slack splitting otherwise */
typedef enum { CVX_SPLIT_CONE, CVX_SPLIT_SLACK, CVX_SPLIT_AUTO } CvxSplitting;
typedef enum { CVX_COLGEN_AUTO, CVX_COLGEN_ON, CVX_COLGEN_OFF } CvxColumnGeneration;
typedef enum { CVX_LINSOLVE_AUTO, CVX_LINSOLVE_REPLICATED, CVX_LINSOLVE_SCALAPACK, CVX_LINSOLVE_CG } CvxLinearSolver;
typedef enum { CVX_OPT_SGD, CVX_OPT_MOMENTUM, CVX_OPT_ADAM, CVX_OPT_LMVM } CvxOptimizer;
typedef enum { CVX_SCHED_CONSTANT, CVX_SCHED_EXPONENTIAL, CVX_SCHED_STEP } CvxSchedule;
typedef enum { CVX_LOG_QUIET, CVX_LOG_NORMAL, CVX_LOG_VERBOSE } CvxLogLevel;

typedef struct {
  struct {
    char       name[CVX_NAME_MAX]; /* run name: the output folder is output.dir/name */
    PetscInt64 seed;               /* master seed of every random stream */
  } run;
  struct {
    CvxDataSource    source;
    PetscInt         n_train;  /* synthetic: number of samples; others: cap, 0 = all */
    PetscInt         n_test;   /* synthetic: number of test samples; others: cap, 0 = all */
    PetscInt         dim;      /* synthetic: input dimension (before the bias column) */
    CvxSyntheticRule rule;     /* synthetic: labelling rule */
    double           noise;    /* synthetic regression: noise standard deviation */
    PetscInt64       seed;     /* synthetic: data seed; 0 = run.seed */
    char             path[CVX_PATH_MAX];      /* csv: training file; cifar10, idx: folder */
    char             test_path[CVX_PATH_MAX]; /* csv: test file, "" = none */
    PetscInt         label_column;            /* csv: 0-based label column, -1 = last */
    PetscBool        header;                  /* csv: first line is a header */
    PetscInt         classes[2];              /* cifar10, idx: classes mapped to -1, +1 */
    PetscInt         per_class;               /* cifar10, idx: training samples per class, 0 = all */
    PetscInt         test_per_class;          /* cifar10, idx: test samples per class, 0 = all */
    PetscBool        scale_pixels;            /* cifar10, idx: pixels / 255 */
    PetscBool        standardize;             /* standardize features with training statistics */
    PetscBool        bias;                    /* append a column of ones */
  } data;
  struct {
    double beta; /* weight decay (regularization) */
  } model;
  struct {
    CvxArrangementMethod method;
    PetscInt64           samples;      /* sample: number of Gaussian directions */
    PetscInt             max_patterns; /* cap on P, 0 = none */
    char                 file[CVX_PATH_MAX]; /* file: pattern file to read */
  } arrangements;
  struct {
    PetscBool       enabled;
    CvxSplitting    splitting;
    double          rho;           /* ADMM penalty, 0 = automatic */
    double          relaxation;    /* over-relaxation alpha in (0, 2) */
    PetscInt        anderson;      /* Anderson memory, 0 = off */
    PetscInt        max_iter;
    double          tol;           /* target relative duality gap */
    PetscInt        certify_every; /* iterations between certificates */
    double          time_limit;    /* seconds, 0 = none */
    PetscBool       polish;        /* second stage: reduced exact solve */
    CvxColumnGeneration column_generation; /* start with column generation: auto, on, off */
    CvxLinearSolver linear_solver;
    PetscInt        block_size;       /* ScaLAPACK block size */
    PetscInt        replicated_max_n; /* auto: largest n for the replicated path */
  } convex;
  struct {
    PetscBool    enabled;
    PetscInt     ranks; /* size of the SGD pool; 0 = share the convex ranks */
    PetscInt     widths[CVX_MAX_WIDTHS];
    PetscInt     n_widths;
    PetscInt     trials;
    CvxOptimizer optimizer;
    double       lr;
    double       momentum;
    double       beta1, beta2, eps; /* Adam */
    PetscInt     epochs;
    PetscInt     batch_size; /* 0 = full batch */
    CvxSchedule  schedule;
    double       decay;       /* exponential: lr *= decay per epoch; step: factor */
    PetscInt     step_epochs; /* step: epochs between decays */
    PetscInt     record_every; /* iterations between trace rows */
    PetscBool    shuffle;      /* reshuffle minibatches every epoch */
    double       gatol;        /* lmvm: gradient-norm tolerance */
  } sgd;
  struct {
    char      dir[CVX_PATH_MAX]; /* parent of the run folder */
    PetscBool arrangements;      /* write the pattern set */
    PetscBool overwrite;         /* replace an existing run folder's files */
  } output;
  struct {
    CvxLogLevel level;
    double      progress_interval; /* seconds between progress lines */
    PetscBool   log_view;          /* print PETSc's per-stage performance log */
  } logging;
} CvxConfig;

/* Fills cfg with the built-in defaults. Not collective. */
PetscErrorCode CvxConfigSetDefaults(CvxConfig *cfg);

/* Applies the YAML text (named filename in messages) on top of cfg. Errors
 * name filename:line:column and the key. Not collective. */
PetscErrorCode CvxConfigParseString(const char *text, size_t len, const char *filename, CvxConfig *cfg);

/* Applies one override "section.key=value"; value is YAML (e.g. "[5, 15]").
 * Not collective. */
PetscErrorCode CvxConfigApplyOverride(CvxConfig *cfg, const char *assignment);

/* Checks ranges and cross-key consistency for a run on world_size ranks.
 * Not collective. */
PetscErrorCode CvxConfigValidate(const CvxConfig *cfg, PetscMPIInt world_size);

/* Defaults, then the file at path (read on rank 0 and broadcast; NULL = no
 * file), then the overrides, then validation. Collective on comm. */
PetscErrorCode CvxConfigLoad(MPI_Comm comm, const char *path, int n_overrides, const char *const overrides[],
                             CvxConfig *cfg);

/* Writes the resolved config as YAML (every key), indented by indent spaces.
 * The output parses back to the same config. Not collective. */
PetscErrorCode CvxConfigWrite(const CvxConfig *cfg, FILE *f, int indent);

/* Prints every key with type, default and description (for --keys): one
 * line per key, "section.key  type  default  description (allowed values)".
 * Not collective. */
PetscErrorCode CvxConfigPrintKeys(FILE *f);

/* Prints the key reference as Markdown tables, one per section (the block
 * between the markers in config/README.md). Not collective. */
PetscErrorCode CvxConfigPrintMarkdown(FILE *f);

/* Name of an enum value as it appears in YAML (for summaries); "unknown"
 * for a value outside the enum. */
const char *CvxDataSourceName(CvxDataSource s);
const char *CvxArrangementMethodName(CvxArrangementMethod m);
const char *CvxOptimizerName(CvxOptimizer o);
const char *CvxSyntheticRuleName(CvxSyntheticRule r);
const char *CvxSplittingName(CvxSplitting s);
const char *CvxColumnGenerationName(CvxColumnGeneration c);
const char *CvxLinearSolverName(CvxLinearSolver s);
const char *CvxScheduleName(CvxSchedule s);
const char *CvxLogLevelName(CvxLogLevel l);

#endif
