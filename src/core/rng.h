/* Counter-based random streams (Philox4x32-10, Salmon et al., SC 2011).
 *
 * A stream is named by a seed and up to two item ids, for example
 * (seed, CVX_STREAM_ARRANGEMENT, sample index) or (seed, width, trial). The
 * numbers it yields depend only on that name, never on which rank draws
 * them, so results do not change with the number of ranks. Streams are
 * independent for distinct names.
 */
#ifndef CVXNN_CORE_RNG_H
#define CVXNN_CORE_RNG_H

#include <stdint.h>

/* Purposes, kept apart so two uses of the same seed never share numbers. */
enum {
  CVX_STREAM_DATA_TRAIN  = 1,
  CVX_STREAM_DATA_TEST   = 2,
  CVX_STREAM_ARRANGEMENT = 3,
  CVX_STREAM_SGD         = 4,
  CVX_STREAM_TEST        = 5, /* for unit tests */
};

typedef struct {
  uint32_t key[2];     /* derived from (seed, purpose, item) */
  uint64_t counter;    /* index of the next 4-word block */
  uint32_t block[4];   /* the current block of output */
  int      used;       /* words of block already consumed (4 = empty) */
  double   spare;      /* second normal of a Box-Muller pair */
  int      has_spare;
} CvxRng;

/* Opens the stream named (seed, purpose, item, subitem). Not collective. */
void CvxRngInit(CvxRng *rng, uint64_t seed, uint64_t purpose, uint64_t item, uint64_t subitem);

/* Next 32 random bits. */
uint32_t CvxRngU32(CvxRng *rng);

/* Uniform double in the open interval (0, 1), 53 random bits. */
double CvxRngUniform(CvxRng *rng);

/* Standard normal (Box-Muller on two uniforms). */
double CvxRngNormal(CvxRng *rng);

/* Fills x[0..n) with standard normals. */
void CvxRngNormals(CvxRng *rng, int64_t n, double *x);

/* The raw Philox4x32-10 bijection: out = philox(counter, key). Exposed for
 * the known-answer test. */
void CvxPhilox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

#endif
