/* Hyperplane-arrangement pattern sets d_i = 1[X g >= 0], distributed over
 * the ranks of the convex pool.
 *
 * A pattern is an n-bit set packed into `words` 64-bit words: bit k of the
 * pattern (sample k) is bit (k % 64) of word (k / 64); unused high bits of
 * the last word are zero. After creation the global set is deduplicated and
 * in canonical order (ascending as multi-word integers, most significant
 * word last... see CvxPatternCompare), and each rank owns the contiguous
 * range [rstart, rend) of global indices, split as evenly as possible. The
 * set and its order do not depend on the number of ranks.
 */
#ifndef CVXNN_ARRANGEMENTS_ARRANGEMENTS_H
#define CVXNN_ARRANGEMENTS_ARRANGEMENTS_H

#include <petscsys.h>
#include <stdint.h>

typedef enum { CVX_ARRANGEMENT_SAMPLE, CVX_ARRANGEMENT_EXACT, CVX_ARRANGEMENT_FILE } CvxArrangementKind;

typedef struct {
  CvxArrangementKind kind;
  uint64_t           seed;         /* sample: stream seed */
  int64_t            samples;      /* sample: number of Gaussian directions */
  PetscInt           max_patterns; /* cap on P after dedup (first in canonical order), 0 = none */
  const char        *file;         /* file: path of a pattern file */
} CvxArrangementOptions;

typedef struct {
  MPI_Comm  comm;          /* the convex pool (not owned) */
  PetscInt  n;             /* bits per pattern (training samples) */
  PetscInt  words;         /* 64-bit words per pattern: (n + 63) / 64 */
  PetscInt  P;             /* global number of patterns */
  PetscInt  rstart, rend;  /* this rank's global index range */
  uint64_t *bits;          /* (rend - rstart) * words words, local patterns in order */
  PetscBool exact;         /* the set is the complete arrangement set of X */
} CvxArrangementSet;

#endif
