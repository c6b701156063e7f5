/* Pattern primitives: canonical comparison, hashing, the dedup hash table
 * and sorting. */
#include "arrangements/arrangements_impl.h"

#include <string.h>

int CvxPatternCompare(const uint64_t *a, const uint64_t *b, PetscInt words)
{
  for (PetscInt w = words - 1; w >= 0; w--) {
    if (a[w] != b[w]) return a[w] < b[w] ? -1 : 1;
  }
  return 0;
}

uint64_t CvxArrMix64(uint64_t z)
{
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t CvxPatternHash(const uint64_t *p, PetscInt words)
{
  uint64_t h = 0x243F6A8885A308D3ull ^ (uint64_t)words;
  for (PetscInt w = 0; w < words; w++) h = CvxArrMix64(h ^ p[w]);
  return h;
}

uint64_t CvxPatternCapKeyOfHash(uint64_t hash)
{
  return CvxArrMix64(hash ^ 0x452821E638D01377ull);
}

uint64_t CvxPatternCapKey(const uint64_t *p, PetscInt words)
{
  return CvxPatternCapKeyOfHash(CvxPatternHash(p, words));
}

int CvxPatternCapCompare(uint64_t ka, const uint64_t *a, uint64_t kb, const uint64_t *b, PetscInt words)
{
  if (ka != kb) return ka < kb ? -1 : 1;
  return CvxPatternCompare(a, b, words);
}

void CvxArrangementRange(PetscInt P, PetscMPIInt size, PetscMPIInt q, PetscInt *start, PetscInt *end)
{
  PetscInt base = P / size, extra = P % size;
  *start = (PetscInt)q * base + PetscMin((PetscInt)q, extra);
  *end   = *start + base + ((PetscInt)q < extra ? 1 : 0);
}

/* ---------------------------------------------------------------- sorting */

/* The order of a sort: the canonical order of the patterns, or the cap
 * order when cap keys are given. */
typedef struct {
  const uint64_t *pat, *key; /* key: cap keys (cap order) or NULL (canonical order) */
  PetscInt        words;
} SortOrder;

/* < 0, 0 or > 0 as the pattern of index a is before, equal to or after
 * that of index b in the order o. */
static inline int SortCompare(const SortOrder *o, int64_t a, int64_t b)
{
  const uint64_t *pa = o->pat + (size_t)a * o->words, *pb = o->pat + (size_t)b * o->words;
  if (o->key) return CvxPatternCapCompare(o->key[a], pa, o->key[b], pb, o->words);
  return CvxPatternCompare(pa, pb, o->words);
}

/* Bottom-up merge sort of the indices idx[0..m) in the order o; tmp has
 * room for m indices. Stable. */
static void SortIndex(const SortOrder *o, int64_t m, int64_t *idx, int64_t *tmp)
{
  const int64_t run = 16;
  /* insertion sort of short runs */
  for (int64_t lo = 0; lo < m; lo += run) {
    int64_t hi = PetscMin(lo + run, m);
    for (int64_t i = lo + 1; i < hi; i++) {
      int64_t v = idx[i], j = i;
      while (j > lo && SortCompare(o, idx[j - 1], v) > 0) {
        idx[j] = idx[j - 1];
        j--;
      }
      idx[j] = v;
    }
  }
  int64_t *src = idx, *dst = tmp;
  for (int64_t width = run; width < m; width *= 2) {
    for (int64_t lo = 0; lo < m; lo += 2 * width) {
      int64_t mid = PetscMin(lo + width, m), hi = PetscMin(lo + 2 * width, m);
      int64_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi) {
        if (SortCompare(o, src[b], src[a]) < 0) dst[k++] = src[b++];
        else dst[k++] = src[a++];
      }
      while (a < mid) dst[k++] = src[a++];
      while (b < hi) dst[k++] = src[b++];
    }
    int64_t *swap = src;
    src = dst;
    dst = swap;
  }
  if (src != idx) memcpy(idx, src, (size_t)m * sizeof(*idx));
}

PetscErrorCode CvxPatternSortUnique(PetscInt words, int64_t *m, uint64_t **pat)
{
  int64_t   cnt = *m, k = 0;
  int64_t  *idx, *tmp;
  uint64_t *out;

  PetscFunctionBeginUser;
  if (cnt <= 0) PetscFunctionReturn(0);
  PetscCall(PetscMalloc2((size_t)cnt, &idx, (size_t)cnt, &tmp));
  for (int64_t i = 0; i < cnt; i++) idx[i] = i;
  SortOrder o = {*pat, NULL, words};
  SortIndex(&o, cnt, idx, tmp);
  PetscCall(PetscMalloc1((size_t)cnt * words, &out));
  for (int64_t i = 0; i < cnt; i++) {
    const uint64_t *p = *pat + (size_t)idx[i] * words;
    if (k > 0 && CvxPatternCompare(out + (size_t)(k - 1) * words, p, words) == 0) continue;
    memcpy(out + (size_t)k * words, p, (size_t)words * sizeof(uint64_t));
    k++;
  }
  PetscCall(PetscFree2(idx, tmp));
  PetscCall(PetscFree(*pat));
  *pat = out;
  *m   = k;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxPatternCapSelect(PetscInt words, int64_t *m, uint64_t **pat, int64_t limit, uint64_t **keys)
{
  int64_t   cnt = *m, keep = PetscMin(cnt, limit);
  int64_t  *idx, *tmp;
  uint64_t *key, *out, *okey = NULL;

  PetscFunctionBeginUser;
  if (keys) *keys = NULL;
  if (cnt <= 0) PetscFunctionReturn(0);
  PetscCall(PetscMalloc3((size_t)cnt, &idx, (size_t)cnt, &tmp, (size_t)cnt, &key));
  for (int64_t i = 0; i < cnt; i++) {
    idx[i] = i;
    key[i] = CvxPatternCapKey(*pat + (size_t)i * words, words);
  }
  SortOrder o = {*pat, key, words};
  SortIndex(&o, cnt, idx, tmp);
  PetscCall(PetscMalloc1((size_t)PetscMax(keep, 1) * words, &out));
  if (keys) PetscCall(PetscMalloc1((size_t)PetscMax(keep, 1), &okey));
  for (int64_t i = 0; i < keep; i++) {
    memcpy(out + (size_t)i * words, *pat + (size_t)idx[i] * words, (size_t)words * sizeof(uint64_t));
    if (okey) okey[i] = key[idx[i]];
  }
  PetscCall(PetscFree3(idx, tmp, key));
  PetscCall(PetscFree(*pat));
  *pat = out;
  *m   = keep;
  if (keys) *keys = okey;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ hash table */

PetscErrorCode CvxPatternTableCreate(PetscInt words, PetscInt limit, CvxPatternTable *t)
{
  PetscFunctionBeginUser;
  PetscCheck(words >= 1 && limit >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "bad pattern table words %d limit %d",
             (int)words, (int)limit);
  memset(t, 0, sizeof(*t));
  t->words = words;
  t->limit = limit;
  t->cap   = 1024;
  t->mask  = 4096 - 1;
  PetscCall(PetscMalloc1((size_t)t->cap * words, &t->pat));
  PetscCall(PetscMalloc1(t->mask + 1, &t->slot));
  for (uint64_t s = 0; s <= t->mask; s++) t->slot[s].idx = -1;
  PetscCall(PetscMalloc1((size_t)words, &t->maxpat));
  PetscFunctionReturn(0);
}

/* Rebuilds the slot table (size tsize, a power of two) from the stored
 * patterns; rehash = recompute the hashes (after a prune reordered them). */
static PetscErrorCode TableRehash(CvxPatternTable *t, uint64_t tsize, PetscBool rehash)
{
  uint64_t *hashes;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1((size_t)t->count + 1, &hashes));
  if (rehash) {
    for (int64_t i = 0; i < t->count; i++) hashes[i] = CvxPatternHash(t->pat + (size_t)i * t->words, t->words);
  } else {
    for (uint64_t s = 0; s <= t->mask; s++)
      if (t->slot[s].idx >= 0) hashes[t->slot[s].idx] = t->slot[s].hash;
  }
  PetscCall(PetscFree(t->slot));
  PetscCall(PetscMalloc1(tsize, &t->slot));
  t->mask = tsize - 1;
  for (uint64_t s = 0; s < tsize; s++) t->slot[s].idx = -1;
  for (int64_t i = 0; i < t->count; i++) {
    uint64_t s = hashes[i] & t->mask;
    while (t->slot[s].idx >= 0) s = (s + 1) & t->mask;
    t->slot[s].hash = hashes[i];
    t->slot[s].idx  = i;
  }
  PetscCall(PetscFree(hashes));
  PetscFunctionReturn(0);
}

/* Keeps only the `limit` first patterns in the cap order (the stored
 * patterns are distinct). */
static PetscErrorCode TablePrune(CvxPatternTable *t)
{
  int64_t m = t->count;

  PetscFunctionBeginUser;
  if (m > t->limit) t->dropped = PETSC_TRUE;
  PetscCall(CvxPatternCapSelect(t->words, &m, &t->pat, t->limit, NULL));
  t->count = m;
  t->cap   = m > 0 ? m : 1;
  if (m == 0) { /* the sorted copy may be NULL when the table was empty */
    PetscCall(PetscFree(t->pat));
    PetscCall(PetscMalloc1((size_t)t->words, &t->pat));
  } else {
    memcpy(t->maxpat, t->pat + (size_t)(m - 1) * t->words, (size_t)t->words * sizeof(uint64_t));
    t->maxkey = CvxPatternCapKey(t->maxpat, t->words);
    t->pruned = PETSC_TRUE;
  }
  PetscCall(TableRehash(t, t->mask + 1, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* Insert with the hash h of p already computed. */
static PetscErrorCode TableInsertHashed(CvxPatternTable *t, const uint64_t *p, uint64_t h)
{
  const PetscInt words = t->words;

  PetscFunctionBeginUser;
  if (t->pruned && CvxPatternCapCompare(CvxPatternCapKeyOfHash(h), p, t->maxkey, t->maxpat, words) > 0) {
    t->dropped = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  uint64_t s = h & t->mask;
  while (t->slot[s].idx >= 0) {
    if (t->slot[s].hash == h) {
      const uint64_t *q = t->pat + (size_t)t->slot[s].idx * words;
      PetscInt        w = 0;
      while (w < words && q[w] == p[w]) w++;
      if (w == words) PetscFunctionReturn(0);
    }
    s = (s + 1) & t->mask;
  }
  if (t->count == t->cap) {
    uint64_t *grown;
    int64_t   cap = 2 * t->cap;
    PetscCall(PetscMalloc1((size_t)cap * words, &grown));
    memcpy(grown, t->pat, (size_t)t->count * words * sizeof(uint64_t));
    PetscCall(PetscFree(t->pat));
    t->pat = grown;
    t->cap = cap;
  }
  memcpy(t->pat + (size_t)t->count * words, p, (size_t)words * sizeof(uint64_t));
  t->slot[s].hash = h;
  t->slot[s].idx  = t->count++;
  if ((uint64_t)t->count * 2 > t->mask + 1) PetscCall(TableRehash(t, 2 * (t->mask + 1), PETSC_FALSE));
  if (t->limit > 0 && t->count >= 2 * (int64_t)t->limit) PetscCall(TablePrune(t));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxPatternTableInsert(CvxPatternTable *t, const uint64_t *p)
{
  PetscFunctionBeginUser;
  PetscCall(TableInsertHashed(t, p, CvxPatternHash(p, t->words)));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxPatternTableInsertMany(CvxPatternTable *t, PetscInt m, const uint64_t *p, uint64_t *hashes)
{
  const PetscInt words = t->words;

  PetscFunctionBeginUser;
  for (PetscInt j = 0; j < m; j++) {
    hashes[j] = CvxPatternHash(p + (size_t)j * words, words);
#if defined(__GNUC__)
    __builtin_prefetch(&t->slot[hashes[j] & t->mask]);
#endif
  }
  /* the table may grow (and its mask change) during the loop: probing
   * always uses the current mask, the prefetch was only a hint */
  for (PetscInt j = 0; j < m; j++) PetscCall(TableInsertHashed(t, p + (size_t)j * words, hashes[j]));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxPatternTableTake(CvxPatternTable *t, int64_t *m, uint64_t **pat, PetscBool *dropped)
{
  PetscFunctionBeginUser;
  if (t->limit > 0 && t->count > t->limit) PetscCall(TablePrune(t));
  if (dropped) *dropped = t->dropped;
  *m   = t->count;
  *pat = NULL;
  if (t->count > 0) {
    *pat   = t->pat;
    t->pat = NULL;
  }
  t->count = 0;
  PetscCall(CvxPatternTableDestroy(t));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxPatternTableDestroy(CvxPatternTable *t)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(t->pat));
  PetscCall(PetscFree(t->slot));
  PetscCall(PetscFree(t->maxpat));
  memset(t, 0, sizeof(*t));
  PetscFunctionReturn(0);
}
