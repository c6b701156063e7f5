/* Internal interface of the arrangements module (not for other modules). */
#ifndef CVXNN_ARRANGEMENTS_ARRANGEMENTS_IMPL_H
#define CVXNN_ARRANGEMENTS_ARRANGEMENTS_IMPL_H

#include "arrangements/arrangements.h"

/* SplitMix64 finalizer: a bijective 64-bit mix. */
uint64_t CvxArrMix64(uint64_t z);

/* Hash of a pattern of `words` words; depends only on the bits, so every
 * rank computes the same value. */
uint64_t CvxPatternHash(const uint64_t *p, PetscInt words);

/* Global index range [start, end) of rank q of size for P patterns: the
 * first P % size ranks hold one more. */
void CvxArrangementRange(PetscInt P, PetscMPIInt size, PetscMPIInt q, PetscInt *start, PetscInt *end);

/* The cap key of a pattern from its hash (CvxPatternHash). */
uint64_t CvxPatternCapKeyOfHash(uint64_t hash);

/* The cap order: by cap key (CvxPatternCapKey), ties by the canonical
 * order; -1, 0 or 1 as (ka, a) is before, equal to or after (kb, b). */
int CvxPatternCapCompare(uint64_t ka, const uint64_t *a, uint64_t kb, const uint64_t *b, PetscInt words);

/* Keeps the first min(*m, limit) of the *m distinct patterns of *pat in the
 * cap order, in that order (*pat replaced by a new array, *m by the count);
 * keys (may be NULL) receives their cap keys (PetscMalloc'd). Not
 * collective. */
PetscErrorCode CvxPatternCapSelect(PetscInt words, int64_t *m, uint64_t **pat, int64_t limit, uint64_t **keys);

/* A set of distinct patterns with hashed insertion. With limit > 0 it keeps
 * only the first `limit` patterns in the cap order seen so far (later ones
 * can never be among the first `limit` of any union containing this set),
 * pruning whenever it holds 2 * limit. */
typedef struct {
  PetscInt  words;
  int64_t   count, cap; /* patterns stored, room */
  uint64_t *pat;        /* cap * words words */
  struct {
    uint64_t hash;
    int64_t  idx;        /* pattern index, -1 = empty */
  } *slot;              /* open-addressing table (linear probing) */
  uint64_t  mask;       /* table size - 1 (a power of two) */
  PetscInt  limit;      /* 0 = keep everything */
  PetscBool pruned;     /* maxpat is valid */
  PetscBool dropped;    /* some distinct pattern was discarded because of the limit */
  uint64_t *maxpat;     /* after a prune: the last pattern kept in the cap order */
  uint64_t  maxkey;     /* and its cap key */
} CvxPatternTable;

/* Empty table for patterns of `words` words. Not collective. */
PetscErrorCode CvxPatternTableCreate(PetscInt words, PetscInt limit, CvxPatternTable *t);

/* Adds pattern p unless it is already present (or, with a limit, known to
 * be too large to matter). Not collective. */
PetscErrorCode CvxPatternTableInsert(CvxPatternTable *t, const uint64_t *p);

/* Inserts the m patterns p[0 .. m * words) (prefetching their slots first);
 * hashes is scratch space for m values. Not collective. */
PetscErrorCode CvxPatternTableInsertMany(CvxPatternTable *t, PetscInt m, const uint64_t *p, uint64_t *hashes);

/* Hands over the stored patterns (at most limit of them when limit > 0, in
 * no particular order; *pat PetscMalloc'd, NULL when empty) and empties the
 * table. *dropped (may be NULL) tells whether the limit discarded any
 * distinct pattern. Not collective. */
PetscErrorCode CvxPatternTableTake(CvxPatternTable *t, int64_t *m, uint64_t **pat, PetscBool *dropped);

/* Frees the table. Not collective. */
PetscErrorCode CvxPatternTableDestroy(CvxPatternTable *t);

/* Sorts the m patterns of *pat in canonical order and removes duplicates;
 * *pat is replaced by a new array and *m by the distinct count. Not
 * collective. */
PetscErrorCode CvxPatternSortUnique(PetscInt words, int64_t *m, uint64_t **pat);

/* The global phase shared by every method: takes ownership of this rank's m
 * patterns (pat, PetscMalloc'd, may hold duplicates), deduplicates across
 * ranks (hash-partitioned exchange), sorts in canonical order across ranks
 * (sample sort), applies the cap and splits evenly into set. set->exact is
 * `exact` unless the cap removed a pattern here or on any rank before
 * (dropped). Collective. */
PetscErrorCode CvxArrangementSetAssemble(MPI_Comm comm, PetscInt n, int64_t m, uint64_t *pat, PetscInt limit,
                                         PetscBool exact, PetscBool dropped, CvxArrangementSet *set);

/* Sample method, local part: this rank's share of the directions, locally
 * deduplicated (*pat PetscMalloc'd; *dropped as for CvxPatternTableTake). Collective (only to learn the rank). */
PetscErrorCode CvxArrangementSampleLocal(MPI_Comm comm, PetscInt n, PetscInt d, const double *X, uint64_t seed,
                                         int64_t samples, PetscInt limit, int64_t *m, uint64_t **pat,
                                         PetscBool *dropped);

/* Exact method, local part: this rank's share of the vertex rays, locally
 * deduplicated; with progress_interval > 0 rank 0 reports a long rank-3
 * enumeration on stderr at that interval. interrupted (or NULL) is asked
 * every few thousand rays; once it answers nonzero on any rank, every rank
 * returns *stopped = true and no patterns (*m = 0, *pat = NULL). Raises
 * CVX_ERR_INPUT on every rank when rank(X) > 3. Collective. */
PetscErrorCode CvxArrangementExactLocal(MPI_Comm comm, PetscInt n, PetscInt d, const double *X, PetscInt limit,
                                        double progress_interval, int (*interrupted)(void), int64_t *m,
                                        uint64_t **pat, PetscBool *dropped, PetscBool *stopped);

#endif
