/* The arrangement set: creation by method, the global dedup / canonical
 * sort / even split shared by every method, and accessors. */
#include "arrangements/arrangements_impl.h"

#include "core/error.h"

#include <limits.h>
#include <math.h>
#include <string.h>

/* Checks that a count of patterns fits an MPI count. */
#define CheckMPICount(comm, c) \
  PetscCheck((c) >= 0 && (c) <= INT_MAX, (comm), PETSC_ERR_SUP, "%lld patterns exceed an MPI message", (long long)(c))

/* Sends every pattern to the rank that owns its hash, so copies held by
 * different ranks meet. Replaces *pat and *m with what this rank received. */
static PetscErrorCode ExchangeByHash(MPI_Comm comm, PetscInt words, MPI_Datatype ptype, int64_t *m, uint64_t **pat)
{
  PetscMPIInt size;
  PetscMPIInt *scount, *sdispl, *rcount, *rdispl, *fill;
  int64_t      cnt = *m, rtotal = 0;
  uint64_t    *sbuf, *rbuf;
  int         *dest;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  CheckMPICount(comm, cnt);
  PetscCall(PetscCalloc5(size, &scount, size, &sdispl, size, &rcount, size, &rdispl, size, &fill));
  PetscCall(PetscMalloc1((size_t)cnt, &dest));
  for (int64_t i = 0; i < cnt; i++) {
    dest[i] = (int)(CvxPatternHash(*pat + (size_t)i * words, words) % (uint64_t)size);
    scount[dest[i]]++;
  }
  for (PetscMPIInt q = 1; q < size; q++) sdispl[q] = sdispl[q - 1] + scount[q - 1];
  PetscCall(PetscMalloc1((size_t)cnt * words, &sbuf));
  for (int64_t i = 0; i < cnt; i++) {
    int q = dest[i];
    memcpy(sbuf + (size_t)(sdispl[q] + fill[q]) * words, *pat + (size_t)i * words, (size_t)words * sizeof(uint64_t));
    fill[q]++;
  }
  PetscCall(PetscFree(dest));
  PetscCall(PetscFree(*pat));
  PetscCallMPI(MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, comm));
  for (PetscMPIInt q = 0; q < size; q++) rtotal += rcount[q];
  CheckMPICount(comm, rtotal);
  for (PetscMPIInt q = 1; q < size; q++) rdispl[q] = rdispl[q - 1] + rcount[q - 1];
  PetscCall(PetscMalloc1((size_t)rtotal * words, &rbuf));
  PetscCallMPI(MPI_Alltoallv(sbuf, scount, sdispl, ptype, rbuf, rcount, rdispl, ptype, comm));
  PetscCall(PetscFree(sbuf));
  PetscCall(PetscFree5(scount, sdispl, rcount, rdispl, fill));
  *pat = rbuf;
  *m   = rtotal;
  PetscFunctionReturn(0);
}

/* First index in the sorted array pat[0..m) whose pattern is >= key. */
static int64_t LowerBound(const uint64_t *pat, int64_t m, PetscInt words, const uint64_t *key)
{
  int64_t lo = 0, hi = m;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (CvxPatternCompare(pat + (size_t)mid * words, key, words) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Sample sort across ranks: on entry each rank holds distinct sorted
 * patterns, no pattern on two ranks; on exit the same holds and moreover
 * every pattern of rank q precedes every pattern of rank q + 1. Splitters
 * come from regular samples (size - 1 per rank), so each rank ends with at
 * most about twice its share. */
static PetscErrorCode SampleSort(MPI_Comm comm, PetscInt words, MPI_Datatype ptype, int64_t *m, uint64_t **pat)
{
  PetscMPIInt size;
  PetscMPIInt *cnt, *displ, *scount, *sdispl, *rcount, *rdispl;
  int64_t      mine = *m, total = 0, rtotal = 0;
  uint64_t    *samples, *all, *rbuf;
  int          ns;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  CheckMPICount(comm, mine);
  PetscCall(PetscCalloc6(size, &cnt, size, &displ, size, &scount, size + 1, &sdispl, size, &rcount, size, &rdispl));
  ns = mine > 0 ? size - 1 : 0;
  PetscCall(PetscMalloc1((size_t)(ns > 0 ? ns : 1) * words, &samples));
  for (int k = 0; k < ns; k++) {
    int64_t pos = ((int64_t)(k + 1) * mine) / size;
    memcpy(samples + (size_t)k * words, *pat + (size_t)pos * words, (size_t)words * sizeof(uint64_t));
  }
  PetscCallMPI(MPI_Allgather(&ns, 1, MPI_INT, cnt, 1, MPI_INT, comm));
  for (PetscMPIInt q = 0; q < size; q++) total += cnt[q];
  for (PetscMPIInt q = 1; q < size; q++) displ[q] = displ[q - 1] + cnt[q - 1];
  PetscCall(PetscMalloc1((size_t)(total > 0 ? total : 1) * words, &all));
  PetscCallMPI(MPI_Allgatherv(samples, ns, ptype, all, cnt, displ, ptype, comm));
  PetscCall(PetscFree(samples));
  PetscCall(CvxPatternSortUnique(words, &total, &all)); /* the same on every rank */

  /* Destination q receives the patterns in [splitter_q, splitter_{q+1}),
   * splitter_q = all[q * total / size] for q = 1 .. size - 1. */
  sdispl[0]    = 0;
  sdispl[size] = (PetscMPIInt)mine;
  for (PetscMPIInt q = 1; q < size; q++) {
    if (total > 0) {
      const uint64_t *key = all + (size_t)(((int64_t)q * total) / size) * words;
      sdispl[q]           = (PetscMPIInt)LowerBound(*pat, mine, words, key);
    } else sdispl[q] = (PetscMPIInt)mine;
  }
  for (PetscMPIInt q = 0; q < size; q++) scount[q] = sdispl[q + 1] - sdispl[q];
  PetscCall(PetscFree(all));
  PetscCallMPI(MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, comm));
  for (PetscMPIInt q = 0; q < size; q++) rtotal += rcount[q];
  CheckMPICount(comm, rtotal);
  for (PetscMPIInt q = 1; q < size; q++) rdispl[q] = rdispl[q - 1] + rcount[q - 1];
  PetscCall(PetscMalloc1((size_t)rtotal * words, &rbuf));
  PetscCallMPI(MPI_Alltoallv(*pat, scount, sdispl, ptype, rbuf, rcount, rdispl, ptype, comm));
  PetscCall(PetscFree6(cnt, displ, scount, sdispl, rcount, rdispl));
  PetscCall(PetscFree(*pat));
  *pat = rbuf;
  *m   = rtotal;
  /* The received pieces are sorted runs with interleaved values: merge. */
  PetscCall(CvxPatternSortUnique(words, m, pat));
  PetscFunctionReturn(0);
}

/* How many of the ascending keys key[0..m) are <= x. */
static int64_t KeysAtMost(const uint64_t *key, int64_t m, uint64_t x)
{
  int64_t lo = 0, hi = m;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (key[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The global cap: on entry each rank holds distinct patterns in canonical
 * order, no pattern on two ranks; on exit only the first `limit` patterns
 * of their union in the cap order are left, again in canonical order on
 * each rank (*dropped set when any was removed). The cut is found by
 * bisection on the cap key, one Allreduce of a count per step; patterns
 * whose key equals the cut's (distinct patterns with equal 64-bit keys,
 * hardly ever more than one) are gathered and taken in canonical order, so
 * the result does not depend on the number of ranks. Collective. */
static PetscErrorCode GlobalCap(MPI_Comm comm, PetscInt words, MPI_Datatype ptype, PetscInt limit, int64_t *m,
                                uint64_t **pat, PetscBool *dropped)
{
  int64_t   total = 0, mine = *m;
  uint64_t *key   = NULL;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, comm));
  if (total <= limit) PetscFunctionReturn(0);
  *dropped = PETSC_TRUE;
  /* in the cap order, at most `limit` of them (no more can survive) */
  PetscCall(CvxPatternCapSelect(words, m, pat, limit, &key));
  mine = *m;
  /* the smallest cut c with at least `limit` keys <= c over all ranks */
  uint64_t lo = 0, hi = UINT64_MAX;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    int64_t  c = KeysAtMost(key, mine, mid), call = 0;
    PetscCallMPI(MPI_Allreduce(&c, &call, 1, MPI_INT64_T, MPI_SUM, comm));
    if (call >= limit) hi = mid;
    else lo = mid + 1;
  }
  int64_t below = lo > 0 ? KeysAtMost(key, mine, lo - 1) : 0, at = KeysAtMost(key, mine, lo) - below;
  int64_t counts[2], sums[2];
  counts[0] = below;
  counts[1] = at;
  PetscCallMPI(MPI_Allreduce(counts, sums, 2, MPI_INT64_T, MPI_SUM, comm));
  int64_t keep = below + at, need = limit - sums[0];
  if (sums[1] > need) {
    /* ties at the cut: the first `need` of them in canonical order */
    PetscMPIInt size, *cnt, *displ, one = (PetscMPIInt)at;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCall(PetscCalloc2(size, &cnt, size, &displ));
    PetscCallMPI(MPI_Allgather(&one, 1, MPI_INT, cnt, 1, MPI_INT, comm));
    for (PetscMPIInt q = 1; q < size; q++) displ[q] = displ[q - 1] + cnt[q - 1];
    int64_t   nt = sums[1];
    uint64_t *ties;
    PetscCall(PetscMalloc1((size_t)nt * words, &ties));
    PetscCallMPI(MPI_Allgatherv(*pat + (size_t)below * words, one, ptype, ties, cnt, displ, ptype, comm));
    PetscCall(PetscFree2(cnt, displ));
    PetscCall(CvxPatternSortUnique(words, &nt, &ties)); /* the same on every rank */
    const uint64_t *last = ties + (size_t)(need - 1) * words;
    keep                 = below;
    for (int64_t i = below; i < below + at; i++) {
      const uint64_t *p = *pat + (size_t)i * words;
      if (CvxPatternCompare(p, last, words) <= 0) {
        if (keep != i) memmove(*pat + (size_t)keep * words, p, (size_t)words * sizeof(uint64_t));
        keep++;
      }
    }
    PetscCall(PetscFree(ties));
  }
  PetscCall(PetscFree(key));
  *m = keep;
  PetscCall(CvxPatternSortUnique(words, m, pat));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxArrangementSetAssemble(MPI_Comm comm, PetscInt n, int64_t m, uint64_t *pat, PetscInt limit,
                                         PetscBool exact, PetscBool dropped, CvxArrangementSet *set)
{
  PetscMPIInt  size, rank;
  PetscInt     words = (n + 63) / 64, P, rstart, rend;
  int64_t      off = 0, total = 0, keep;
  MPI_Datatype ptype;
  PetscMPIInt *scount, *sdispl, *rcount, *rdispl;
  uint64_t    *bits;

  PetscFunctionBeginUser;
  memset(set, 0, sizeof(*set));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Type_contiguous((int)words, MPI_UINT64_T, &ptype));
  PetscCallMPI(MPI_Type_commit(&ptype));

  PetscCall(CvxPatternSortUnique(words, &m, &pat));
  if (limit > 0 && m > limit) { /* only the first `limit` in the cap order can survive the global cap */
    PetscCall(CvxPatternCapSelect(words, &m, &pat, limit, NULL));
    dropped = PETSC_TRUE;
  }
  if (size > 1) {
    PetscCall(ExchangeByHash(comm, words, ptype, &m, &pat));
    PetscCall(CvxPatternSortUnique(words, &m, &pat));
    if (limit > 0) PetscCall(GlobalCap(comm, words, ptype, limit, &m, &pat, &dropped));
    PetscCall(SampleSort(comm, words, ptype, &m, &pat));
  } else if (dropped) PetscCall(CvxPatternSortUnique(words, &m, &pat));
  int any_dropped = dropped ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &any_dropped, 1, MPI_INT, MPI_LOR, comm));
  dropped = any_dropped ? PETSC_TRUE : PETSC_FALSE;

  /* Global positions and the cap. */
  PetscCallMPI(MPI_Exscan(&m, &off, 1, MPI_INT64_T, MPI_SUM, comm));
  if (rank == 0) off = 0;
  PetscCallMPI(MPI_Allreduce(&m, &total, 1, MPI_INT64_T, MPI_SUM, comm));
  PetscBool capped = (limit > 0 && total > limit) ? PETSC_TRUE : PETSC_FALSE;
  if (capped) total = limit;
  if (dropped) capped = PETSC_TRUE;
  PetscCheck(total <= PETSC_MAX_INT, comm, PETSC_ERR_SUP,
             "%lld distinct patterns exceed the largest supported count %d; set arrangements.max_patterns",
             (long long)total, (int)PETSC_MAX_INT);
  P    = (PetscInt)total;
  keep = PetscMax(0, PetscMin(m, (int64_t)P - off));

  /* Even split: send each pattern to the rank whose range holds its global index. */
  CvxArrangementRange(P, size, rank, &rstart, &rend);
  PetscCall(PetscCalloc4(size, &scount, size, &sdispl, size, &rcount, size, &rdispl));
  for (PetscMPIInt q = 0; q < size; q++) {
    PetscInt qs, qe;
    CvxArrangementRange(P, size, q, &qs, &qe);
    int64_t lo = PetscMax((int64_t)qs, off), hi = PetscMin((int64_t)qe, off + keep);
    if (hi > lo) {
      scount[q] = (PetscMPIInt)(hi - lo);
      sdispl[q] = (PetscMPIInt)(lo - off);
    }
  }
  PetscCallMPI(MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, comm));
  int64_t rtotal = 0;
  for (PetscMPIInt q = 0; q < size; q++) {
    rdispl[q] = (PetscMPIInt)rtotal;
    rtotal += rcount[q];
  }
  PetscCheck(rtotal == rend - rstart, PETSC_COMM_SELF, PETSC_ERR_PLIB, "redistribution received %lld patterns, want %d",
             (long long)rtotal, (int)(rend - rstart));
  PetscCall(PetscMalloc1((size_t)rtotal * words, &bits));
  PetscCallMPI(MPI_Alltoallv(pat, scount, sdispl, ptype, bits, rcount, rdispl, ptype, comm));
  PetscCall(PetscFree4(scount, sdispl, rcount, rdispl));
  PetscCall(PetscFree(pat));
  PetscCallMPI(MPI_Type_free(&ptype));

  set->comm   = comm;
  set->n      = n;
  set->words  = words;
  set->P      = P;
  set->rstart = rstart;
  set->rend   = rend;
  set->bits   = bits;
  set->exact  = (exact && !capped) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxArrangementSetCreateFromPatterns(MPI_Comm comm, PetscInt n, PetscInt nlocal, const uint64_t *local,
                                                   PetscInt max_patterns, PetscBool exact, CvxArrangementSet *set)
{
  PetscInt  words = (n + 63) / 64;
  uint64_t *copy;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "patterns need n >= 1 bits, got %d", (int)n);
  PetscCheck(nlocal >= 0 && (nlocal == 0 || local), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "bad local patterns (%d)",
             (int)nlocal);
  PetscCheck(max_patterns >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "max_patterns must be >= 0, got %d", (int)max_patterns);
  if (n % 64) {
    const uint64_t high = ~0ull << (n % 64);
    for (PetscInt j = 0; j < nlocal; j++)
      PetscCheck(!(local[(size_t)j * words + words - 1] & high), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
                 "local pattern %d has bits set beyond n = %d", (int)j, (int)n);
  }
  PetscCall(PetscMalloc1((size_t)nlocal * words, &copy));
  if (nlocal > 0) memcpy(copy, local, (size_t)nlocal * words * sizeof(uint64_t));
  PetscCall(CvxArrangementSetAssemble(comm, n, nlocal, copy, max_patterns, exact, PETSC_FALSE, set));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxArrangementSetCreate(MPI_Comm comm, PetscInt n, PetscInt d, const double *X,
                                       const CvxArrangementOptions *opt, CvxArrangementSet *set)
{
  int64_t   m       = 0;
  uint64_t *pat     = NULL;
  PetscBool dropped = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCheck(opt && set, comm, PETSC_ERR_ARG_NULL, "CvxArrangementSetCreate needs options and an output set");
  PetscCheck(n >= 1, comm, CVX_ERR_INPUT, "arrangements need at least one training sample, got n = %d", (int)n);
  PetscCheck(opt->max_patterns >= 0, comm, CVX_ERR_INPUT, "arrangements.max_patterns must be >= 0, got %d",
             (int)opt->max_patterns);
  if (opt->kind == CVX_ARRANGEMENT_FILE) {
    PetscCheck(opt->file && opt->file[0], comm, CVX_ERR_INPUT,
               "arrangements.method: file needs arrangements.file (the path of a pattern file)");
    PetscCall(CvxArrangementSetRead(comm, n, opt->file, opt->max_patterns, set));
    PetscFunctionReturn(0);
  }
  PetscCheck(opt->kind == CVX_ARRANGEMENT_SAMPLE || opt->kind == CVX_ARRANGEMENT_EXACT, comm, CVX_ERR_INPUT,
             "unknown arrangements method %d", (int)opt->kind);
  PetscCheck(d >= 1 && X, comm, CVX_ERR_INPUT, "arrangements need data with d >= 1 columns, got d = %d", (int)d);
  for (size_t i = 0; i < (size_t)n * (size_t)d; i++)
    PetscCheck(isfinite(X[i]), comm, CVX_ERR_DATA, "data entry (%d, %d) is not finite (%g)", (int)(i % (size_t)n),
               (int)(i / (size_t)n), X[i]);
  if (opt->kind == CVX_ARRANGEMENT_SAMPLE) {
    PetscCheck(opt->samples >= 1, comm, CVX_ERR_INPUT, "arrangements.samples must be >= 1, got %lld",
               (long long)opt->samples);
    PetscCall(CvxArrangementSampleLocal(comm, n, d, X, opt->seed, opt->samples, opt->max_patterns, &m, &pat, &dropped));
    PetscCall(CvxArrangementSetAssemble(comm, n, m, pat, opt->max_patterns, PETSC_FALSE, dropped, set));
  } else {
    PetscBool stopped;
    PetscCall(CvxArrangementExactLocal(comm, n, d, X, opt->max_patterns, opt->progress_interval, opt->interrupted,
                                       &m, &pat, &dropped, &stopped));
    if (stopped) {
      /* an empty set that says why */
      memset(set, 0, sizeof(*set));
      set->comm        = comm;
      set->n           = n;
      set->words       = (n + 63) / 64;
      set->interrupted = PETSC_TRUE;
      PetscFunctionReturn(0);
    }
    PetscCall(CvxArrangementSetAssemble(comm, n, m, pat, opt->max_patterns, PETSC_TRUE, dropped, set));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CvxArrangementSetDestroy(CvxArrangementSet *set)
{
  PetscFunctionBeginUser;
  if (!set) PetscFunctionReturn(0);
  PetscCall(PetscFree(set->bits));
  memset(set, 0, sizeof(*set));
  set->comm = MPI_COMM_NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxArrangementSetGetPattern(const CvxArrangementSet *set, PetscInt i, const uint64_t **pattern)
{
  PetscFunctionBeginUser;
  PetscCheck(i >= set->rstart && i < set->rend, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "pattern %d is not in this rank's range [%d, %d)", (int)i, (int)set->rstart, (int)set->rend);
  *pattern = set->bits + (size_t)(i - set->rstart) * set->words;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxArrangementSetGatherAll(const CvxArrangementSet *set, uint64_t **all)
{
  PetscMPIInt  size;
  PetscMPIInt *cnt, *displ;
  MPI_Datatype ptype;

  PetscFunctionBeginUser;
  *all = NULL;
  if (set->P == 0) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_size(set->comm, &size));
  PetscCall(PetscMalloc2(size, &cnt, size, &displ));
  for (PetscMPIInt q = 0; q < size; q++) {
    PetscInt qs, qe;
    CvxArrangementRange(set->P, size, q, &qs, &qe);
    cnt[q]   = (PetscMPIInt)(qe - qs);
    displ[q] = (PetscMPIInt)qs;
  }
  PetscCall(PetscMalloc1((size_t)set->P * set->words, all));
  PetscCallMPI(MPI_Type_contiguous((int)set->words, MPI_UINT64_T, &ptype));
  PetscCallMPI(MPI_Type_commit(&ptype));
  PetscCallMPI(MPI_Allgatherv(set->bits, (int)(set->rend - set->rstart), ptype, *all, cnt, displ, ptype, set->comm));
  PetscCallMPI(MPI_Type_free(&ptype));
  PetscCall(PetscFree2(cnt, displ));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxArrangementSetChecksum(const CvxArrangementSet *set, uint64_t *checksum)
{
  uint64_t sum = 0, total = 0;

  PetscFunctionBeginUser;
  for (PetscInt i = set->rstart; i < set->rend; i++) {
    const uint64_t *p = set->bits + (size_t)(i - set->rstart) * set->words;
    sum += CvxArrMix64(CvxArrMix64((uint64_t)i + 0x51ED27ull) ^ CvxPatternHash(p, set->words));
  }
  /* unsigned addition wraps, so the sum does not depend on how it is split */
  PetscCallMPI(MPI_Allreduce(&sum, &total, 1, MPI_UINT64_T, MPI_SUM, set->comm));
  *checksum = CvxArrMix64(total ^ CvxArrMix64((uint64_t)set->P ^ ((uint64_t)set->n << 32)));
  PetscFunctionReturn(0);
}
