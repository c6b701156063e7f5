/* Hyperplane-arrangement pattern sets d_i = 1[X g >= 0], distributed over
 * the ranks of the convex pool.
 *
 * A pattern is an n-bit set packed into `words` 64-bit words: bit k of the
 * pattern (sample k) is bit (k % 64) of word (k / 64); unused high bits of
 * the last word are zero.
 *
 * Canonical order: a pattern is read as the n-bit unsigned integer
 * sum_k bit_k 2^k (sample 0 is the least significant bit, so word 0 is the
 * least significant word and the last word the most significant), and
 * patterns are sorted in ascending order of that integer (CvxPatternCompare).
 * The all-zeros pattern, when present, is first; the all-ones pattern last.
 *
 * After creation the global set is deduplicated and in canonical order, and
 * each rank owns the contiguous range [rstart, rend) of global indices, split
 * as evenly as possible (the first P % size ranks hold one more pattern). The
 * set and its order do not depend on the number of ranks.
 *
 * Methods (CvxArrangementSetCreate):
 *  - sample: direction k is g_k ~ N(0, I_d) drawn from the stream
 *    (seed, CVX_STREAM_ARRANGEMENT, k, 0); its pattern is 1[X g_k >= 0]
 *    (a zero row always gives bit 1). The set is the distinct patterns of
 *    the directions k = 0 .. samples-1.
 *  - exact: data of numerical rank r <= 3 only. The set is the patterns of
 *    the open cells (chambers) of the central arrangement {x_i^T g = 0};
 *    patterns of lower-dimensional faces are left out (Gaussian sampling
 *    never produces them and the convex program does not need them: a face's
 *    block is dominated by an adjacent chamber's block). See exact.c for the
 *    precise guarantees on degenerate data.
 *  - file: a set written by CvxArrangementSetWrite (or by another tool in
 *    the same format), see CvxArrangementSetRead.
 *
 * max_patterns > 0 keeps only max_patterns of the distinct patterns: those
 * with the smallest cap keys (CvxPatternCapKey, a 64-bit hash of the bits;
 * ties, which need two distinct patterns with the same key, go by the
 * canonical order). That is a pseudo-random subset, the same for any
 * number of ranks, with no preference among the samples. (Keeping the
 * first patterns in canonical order instead would keep those whose
 * high-index samples are inactive: with 20,000 directions capped at 500
 * on n = 2000, d = 10 plus bias, the optimum came out 54 times that of 500
 * directions uncapped.) The kept set is then in canonical order. A capped
 * set is never exact.
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
  PetscInt           max_patterns; /* cap on P after dedup (smallest cap keys), 0 = none */
  const char        *file;         /* file: path of a pattern file */
  double             progress_interval; /* exact: seconds between progress lines of a long enumeration on
                                           rank 0's stderr, 0 = none */
  int (*interrupted)(void);              /* exact: asked now and then during the enumeration; nonzero on any
                                           rank stops it, and the set comes back empty with interrupted set;
                                           NULL = never */
} CvxArrangementOptions;

typedef struct {
  MPI_Comm  comm;          /* the convex pool (not owned) */
  PetscInt  n;             /* bits per pattern (training samples) */
  PetscInt  words;         /* 64-bit words per pattern: (n + 63) / 64 */
  PetscInt  P;             /* global number of patterns */
  PetscInt  rstart, rend;  /* this rank's global index range */
  uint64_t *bits;          /* (rend - rstart) * words words, local patterns in order */
  PetscBool exact;         /* the set is the complete arrangement set of X */
  PetscBool interrupted;   /* a stop request ended the enumeration: the set is empty (P = 0) */
} CvxArrangementSet;

/* File formats of CvxArrangementSetWrite (CvxArrangementSetRead detects the
 * format from the file's first bytes).
 *
 * text:   line 1 "# cvxnn-dist arrangements v1"; then optional comment
 *         lines starting with '#' (the writer adds "# exact: true" for an
 *         exact set; the reader honours "# exact: true" and ignores other
 *         comments); then a line "n P"; then n lines of exactly P characters
 *         '0'/'1': line i is sample i, column j is pattern j. Blank lines
 *         may follow the last row; nothing else may. '\r\n' line ends are
 *         accepted.
 * binary: all integers little-endian.
 *           offset 0  8 bytes  magic "CVXNNARR"
 *           offset 8  uint32   version (1)
 *           offset 12 uint32   flags (bit 0: the set is exact; others 0)
 *           offset 16 uint64   n
 *           offset 24 uint64   P
 *           offset 32 uint64   words = (n + 63) / 64
 *           offset 40 P * words uint64: pattern j is words [j*words, (j+1)*words),
 *                     in the bit layout above (unused high bits zero)
 *           then      uint64   CRC-32 (zlib's crc32) of every preceding byte,
 *                     in the low 32 bits (high 32 bits zero). */
typedef enum { CVX_ARRANGEMENT_FORMAT_TEXT, CVX_ARRANGEMENT_FORMAT_BINARY } CvxArrangementFormat;

/* Bit k of a pattern (sample k active). Not collective. */
static inline PetscBool CvxPatternGetBit(const uint64_t *pattern, PetscInt k)
{
  return ((pattern[k >> 6] >> (k & 63)) & 1u) ? PETSC_TRUE : PETSC_FALSE;
}

/* The canonical order: returns -1, 0 or 1 as pattern a is before, equal to
 * or after pattern b (both of `words` words): compares words from the last
 * (most significant) down to word 0 as unsigned integers. Not collective. */
int CvxPatternCompare(const uint64_t *a, const uint64_t *b, PetscInt words);

/* The cap key of a pattern of `words` words: a 64-bit hash of its bits (the
 * same on every rank); max_patterns keeps the patterns with the smallest
 * keys. Not collective. */
uint64_t CvxPatternCapKey(const uint64_t *p, PetscInt words);

/* Builds the pattern set of X (n x d, column-major, bias column included,
 * identical on every rank) by the method opt->kind (see above). Input
 * errors (bad options, non-finite X, rank > 3 for exact, bad files) are
 * raised on every rank with CVX_ERR_INPUT / CVX_ERR_FILE / CVX_ERR_DATA.
 * X may be NULL for the file method. Collective on comm; set->comm = comm. */
PetscErrorCode CvxArrangementSetCreate(MPI_Comm comm, PetscInt n, PetscInt d, const double *X,
                                       const CvxArrangementOptions *opt, CvxArrangementSet *set);

/* Builds a set from patterns given by the ranks: each rank contributes
 * nlocal patterns (nlocal * words words, words = (n + 63) / 64, unused high
 * bits zero); the union is deduplicated, put in canonical order, capped to
 * max_patterns (0 = no cap) and split evenly. set->exact is `exact` unless
 * the cap removed patterns. An empty union gives P = 0. Collective on comm. */
PetscErrorCode CvxArrangementSetCreateFromPatterns(MPI_Comm comm, PetscInt n, PetscInt nlocal, const uint64_t *local,
                                                   PetscInt max_patterns, PetscBool exact, CvxArrangementSet *set);

/* The `file` method: rank 0 reads and validates the pattern file at path
 * (text or binary, detected from its first bytes; the file's n must equal
 * n), then the patterns are deduplicated, ordered, capped and distributed
 * as by CvxArrangementSetCreateFromPatterns. set->exact is true only when
 * the file marks the set as exact and no cap applied. Rank 0 holds the whole
 * file's patterns while reading. Errors: CVX_ERR_FILE (cannot open),
 * CVX_ERR_DATA (malformed, truncated, wrong n, bad checksum; the message
 * names the file and the line or byte offset). Collective on comm. */
PetscErrorCode CvxArrangementSetRead(MPI_Comm comm, PetscInt n, const char *path, PetscInt max_patterns,
                                     CvxArrangementSet *set);

/* Writes the set to path in the given format. Rank 0 writes, receiving the
 * patterns in bounded chunks (text: one 64-sample word of every pattern at a
 * time, P words; binary: at most about 8 MB at a time). The file is written
 * to path.tmp, flushed, synced and renamed, so it appears whole or not at
 * all. An empty set (P = 0) cannot be written. Collective on set->comm. */
PetscErrorCode CvxArrangementSetWrite(const CvxArrangementSet *set, const char *path, CvxArrangementFormat fmt);

/* Frees the patterns and zeroes the struct. Not collective. */
PetscErrorCode CvxArrangementSetDestroy(CvxArrangementSet *set);

/* Pointer to the words of global pattern i, which must be in this rank's
 * range [rstart, rend). Not collective. */
PetscErrorCode CvxArrangementSetGetPattern(const CvxArrangementSet *set, PetscInt i, const uint64_t **pattern);

/* Gives every rank a full copy of the set: *all holds P * words words in
 * canonical order (PetscMalloc'd, free with PetscFree; NULL when P = 0).
 * Needs P * words * 8 bytes on every rank. Collective on set->comm. */
PetscErrorCode CvxArrangementSetGatherAll(const CvxArrangementSet *set, uint64_t **all);

/* A 64-bit checksum of the full ordered set (n, P and every pattern at its
 * global index), the same on every rank and for any number of ranks; equal
 * sets in equal order give equal checksums. Collective on set->comm. */
PetscErrorCode CvxArrangementSetChecksum(const CvxArrangementSet *set, uint64_t *checksum);

#endif
