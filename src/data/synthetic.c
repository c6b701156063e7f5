/* The study's synthetic data: x ~ N(0, I_dim) with a labelling rule. Each
 * sample has its own random stream, so the first k samples do not depend on
 * how many are drawn, nor on the number of ranks. */
#include "data/sources.h"
#include "core/error.h"
#include "core/rng.h"

#include <math.h>

static const char *RuleName(CvxSyntheticRule rule)
{
  switch (rule) {
  case CVX_RULE_NORM:
    return "norm";
  case CVX_RULE_SIGN:
    return "sign";
  case CVX_RULE_REGRESSION:
    return "regression";
  }
  return "unknown";
}

/* Draws the n samples of one set from the streams (seed, purpose, i, 0) into
 * the n x dim column-major X and the labels y; x is scratch of length dim. */
static void DrawSet(const CvxConfig *cfg, uint64_t seed, uint64_t purpose, size_t n, size_t dim, double *X, double *y,
                    double *x)
{
  for (size_t i = 0; i < n; i++) {
    CvxRng rng;
    double ss = 0.0, norm;

    CvxRngInit(&rng, seed, purpose, (uint64_t)i, 0);
    CvxRngNormals(&rng, (int64_t)dim, x);
    for (size_t j = 0; j < dim; j++) {
      X[i + j * n] = x[j];
      ss += x[j] * x[j];
    }
    norm = sqrt(ss);
    switch (cfg->data.rule) {
    case CVX_RULE_NORM:
      y[i] = norm > 1.0 ? 1.0 : -1.0;
      break;
    case CVX_RULE_SIGN:
      y[i] = x[0] >= 0.0 ? 1.0 : -1.0;
      break;
    case CVX_RULE_REGRESSION:
      /* The noise draw follows the features in the same stream. */
      y[i] = norm - 1.0 + cfg->data.noise * CvxRngNormal(&rng);
      break;
    }
  }
}

PetscErrorCode CvxDatasetReadSynthetic(const CvxConfig *cfg, CvxDataset *ds)
{
  const uint64_t seed = (uint64_t)(cfg->data.seed != 0 ? cfg->data.seed : cfg->run.seed);
  double        *x;

  PetscFunctionBeginUser;
  PetscCheck(cfg->data.n_train >= 1, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "data.n_train = %d: synthetic data needs at least one training sample", (int)cfg->data.n_train);
  PetscCheck(cfg->data.dim >= 1, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "data.dim = %d: synthetic data needs at least one dimension", (int)cfg->data.dim);
  PetscCheck(cfg->data.rule == CVX_RULE_NORM || cfg->data.rule == CVX_RULE_SIGN ||
                 cfg->data.rule == CVX_RULE_REGRESSION,
             PETSC_COMM_SELF, CVX_ERR_INPUT, "data.rule = %d is not a known labelling rule", (int)cfg->data.rule);
  PetscCheck(cfg->data.rule != CVX_RULE_REGRESSION || (isfinite(cfg->data.noise) && cfg->data.noise >= 0.0),
             PETSC_COMM_SELF, CVX_ERR_INPUT, "data.noise = %g must be finite and non-negative", cfg->data.noise);

  PetscCall(CvxDatasetAllocate(ds, (size_t)cfg->data.n_train, (size_t)cfg->data.dim, (size_t)cfg->data.n_test,
                               "synthetic data"));
  PetscCall(PetscMalloc1((size_t)cfg->data.dim, &x));
  DrawSet(cfg, seed, CVX_STREAM_DATA_TRAIN, (size_t)ds->n, (size_t)ds->d, ds->X, ds->y, x);
  DrawSet(cfg, seed, CVX_STREAM_DATA_TEST, (size_t)ds->n_test, (size_t)ds->d, ds->Xtest, ds->ytest, x);
  PetscCall(PetscFree(x));
  ds->classification = cfg->data.rule == CVX_RULE_REGRESSION ? PETSC_FALSE : PETSC_TRUE;
  PetscCall(PetscSNPrintf(ds->description, sizeof(ds->description),
                          "synthetic rule %s, dim %d, seed %llu: %d train, %d test samples", RuleName(cfg->data.rule),
                          (int)cfg->data.dim, (unsigned long long)seed, (int)ds->n, (int)ds->n_test));
  PetscFunctionReturn(0);
}
