/* CvxAdmmSelectLowest, which cuts the z-step's lists of rows of lowest
 * slack (AdmmRecordFeasible): on random arrays, with many ties, all equal,
 * sorted either way, and at every k, val[k] is the (k+1)-th smallest, no
 * entry before it is larger, none after it smaller, and the (value, index)
 * pairs are those of the input. Prints only on failure. */
#include <stdlib.h>

#include "convex/admm_impl.h"
#include "core/rng.h"

#include "../common/check.h"

static int CompareDouble(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Selects position k of a copy of val (m entries) and checks the result. */
static void CheckSelect(const char *label, const double *val, PetscInt m, PetscInt k)
{
  double   *v = malloc((size_t)m * sizeof(double)), *sorted = malloc((size_t)m * sizeof(double));
  PetscInt *idx = malloc((size_t)m * sizeof(PetscInt));
  char     *seen = calloc((size_t)m, 1);
  for (PetscInt i = 0; i < m; i++) {
    v[i]      = val[i];
    sorted[i] = val[i];
    idx[i]    = i;
  }
  qsort(sorted, (size_t)m, sizeof(double), CompareDouble);
  CvxAdmmSelectLowest(v, idx, m, k);
  CHECK(v[k] == sorted[k], "%s, m %d, k %d: val[k] = %g, the (k+1)-th smallest is %g", label, (int)m, (int)k, v[k],
        sorted[k]);
  for (PetscInt i = 0; i < m; i++) {
    CHECK(i > k || v[i] <= v[k], "%s, m %d, k %d: val[%d] = %g before val[k] = %g", label, (int)m, (int)k, (int)i,
          v[i], v[k]);
    CHECK(i < k || v[i] >= v[k], "%s, m %d, k %d: val[%d] = %g after val[k] = %g", label, (int)m, (int)k, (int)i,
          v[i], v[k]);
    PetscBool ok = (PetscBool)(idx[i] >= 0 && idx[i] < m && !seen[idx[i]] && val[idx[i]] == v[i]);
    CHECK(ok, "%s, m %d, k %d: entry %d (index %d, value %g) is not an input pair", label, (int)m, (int)k, (int)i,
          (int)idx[i], v[i]);
    if (idx[i] >= 0 && idx[i] < m) seen[idx[i]] = 1;
  }
  free(v);
  free(sorted);
  free(idx);
  free(seen);
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  CvxRng rng;
  CvxRngInit(&rng, 7, 0, 0, 0);
  const PetscInt sizes[]  = {2, 3, 5, 17, 65, 200, 2000};
  const char    *labels[] = {"random", "ties", "equal", "ascending", "descending"};
  double        *val     = malloc(2000 * sizeof(double));
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
    PetscInt m = sizes[s];
    for (int kind = 0; kind < 5; kind++) {
      const char *label = labels[kind];
      for (PetscInt i = 0; i < m; i++) {
        double u = CvxRngUniform(&rng);
        val[i]   = kind == 0 ? u - 0.5 : kind == 1 ? (double)(int)(4 * u) : kind == 2 ? 1.0 : kind == 3 ? i : -i;
      }
      /* every k for the small arrays, a spread of them for the large */
      PetscInt step = m <= 65 ? 1 : m / 13;
      for (PetscInt k = 0; k < m; k += step) CheckSelect(label, val, m, k);
      CheckSelect(label, val, m, m - 1);
      if (m > 64) CheckSelect(label, val, m, 64); /* the z-step's cut */
    }
  }
  free(val);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
