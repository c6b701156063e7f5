/* Products with the 0/1 pattern matrix by table lookup; see patprod.h.
 *
 * Vectors of 4 doubles (GCC vector extensions: AVX registers in the AVX2
 * clone, pairs of SSE2 registers in the baseline one). A row of X or a
 * block x_i is padded to dp = 4 nv doubles and cut into the fewest tiles
 * of at most 8 vectors (PatTiles); a tile's running sums stay in registers
 * while the groups go by. Table entries of one tile and group block take
 * at most PATPROD_TABLE_BYTES, so that they stay in the core's
 * second-level cache while every row (F) or pattern (F^T) reads from them. */
#include "convex/patprod.h"

#include <stdint.h>
#include <string.h>

#include "core/simd.h"

/* Table entries of one block of groups for one tile (16 per group). Half
 * the 512 kB second-level cache of a Zen 3 core, so that the rows of X or
 * the patterns' bits streaming by do not push the tables out: at n = 2000,
 * d = 51 and 500 patterns, blocks of 64-128 kB took 0.34-0.47 of the time
 * of the GEMM they replace, 256 kB blocks 0.45-0.52 (in the same runs). */
#define PATPROD_TABLE_BYTES ((size_t)128 << 10)
/* Widest tile, in vectors of 4 doubles. */
#define PATPROD_TILE_MAX 8

typedef double PatVec __attribute__((vector_size(32), aligned(8)));

struct CvxPatProd_ {
  PetscInt  n, d, PL;
  PetscInt  nv, dp;    /* vectors per row, dp = 4 nv */
  PetscInt  G, H;      /* groups of 4 patterns, of 4 samples */
  PetscInt  ntile;     /* tiles of a padded row */
  PetscInt *toff, *tw; /* their first vector and width */
  uint8_t  *nibr;      /* n x G: bits of patterns 4g..4g+3 in row k */
  uint8_t  *nibc;      /* PL x H: bits of samples 4h..4h+3 in pattern i */
  double   *Xr;        /* n x dp: X by rows, zero padded */
  double   *T;         /* tables of one tile and group block (64-byte aligned in Tmem) */
  double   *Tmem;
  double   *Gp;             /* PL x dp: F^T's sums, padded */
  PetscInt  gblock, hblock; /* groups per block for F, for F^T */
};

/* Cuts nv vectors into the fewest tiles of at most PATPROD_TILE_MAX, of
 * widths that differ by at most one (13: 7 and 6), so that every pass over
 * the tables carries as many independent sums as it can. */
static void PatTiles(CvxPatProd pp)
{
  PetscInt nt = (pp->nv + PATPROD_TILE_MAX - 1) / PATPROD_TILE_MAX, base = pp->nv / nt, rem = pp->nv % nt, v = 0;
  for (PetscInt t = 0; t < nt; t++) {
    pp->toff[t] = v;
    pp->tw[t]   = base + (t < rem ? 1 : 0);
    v += pp->tw[t];
  }
  pp->ntile = nt;
}

PetscErrorCode CvxPatProdCreate(PetscInt n, PetscInt d, PetscInt PL, const double *Dm, const double *X, CvxPatProd *out)
{
  CvxPatProd pp;

  PetscFunctionBeginUser;
  PetscCheck(n > 0 && d > 0 && PL >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "patprod.c: needs n > 0, d > 0, PL >= 0 (got %d, %d, %d)", (int)n, (int)d, (int)PL);
  PetscCall(PetscNew(&pp));
  pp->n  = n;
  pp->d  = d;
  pp->PL = PL;
  pp->nv = (d + 3) / 4;
  pp->dp = 4 * pp->nv;
  pp->G  = (PL + 3) / 4;
  pp->H  = (n + 3) / 4;
  PetscCall(PetscMalloc2(pp->nv / PATPROD_TILE_MAX + 1, &pp->toff, pp->nv / PATPROD_TILE_MAX + 1, &pp->tw));
  PatTiles(pp);
  {
    size_t   entry = 16 * (size_t)PATPROD_TILE_MAX * 4 * sizeof(double); /* one group of the widest tile */
    PetscInt per   = (PetscInt)(PATPROD_TABLE_BYTES / entry);
    pp->gblock     = PetscMax(1, PetscMin(per, pp->G));
    pp->hblock     = PetscMax(1, PetscMin(per, pp->H));
  }
  PetscCall(PetscCalloc1((size_t)n * (size_t)PetscMax(pp->G, 1), &pp->nibr));
  PetscCall(PetscCalloc1((size_t)PetscMax(PL, 1) * (size_t)pp->H, &pp->nibc));
  for (PetscInt i = 0; i < PL; i++) {
    const double *Di = Dm + (size_t)i * (size_t)n;
    for (PetscInt k = 0; k < n; k++)
      if (Di[k] != 0) {
        pp->nibr[(size_t)k * (size_t)pp->G + (size_t)(i / 4)] |= (uint8_t)(1u << (i % 4));
        pp->nibc[(size_t)i * (size_t)pp->H + (size_t)(k / 4)] |= (uint8_t)(1u << (k % 4));
      }
  }
  PetscCall(PetscCalloc1((size_t)n * (size_t)pp->dp, &pp->Xr));
  for (PetscInt l = 0; l < d; l++)
    for (PetscInt k = 0; k < n; k++)
      pp->Xr[(size_t)k * (size_t)pp->dp + (size_t)l] = X[(size_t)l * (size_t)n + (size_t)k];
  /* the tables start on a cache line: with 16-byte alignment every other
   * 32-byte load of an entry would straddle two lines */
  PetscCall(PetscMalloc1((size_t)PetscMax(pp->gblock, pp->hblock) * 16 * PATPROD_TILE_MAX * 4 + 8, &pp->Tmem));
  pp->T = (double *)(((uintptr_t)pp->Tmem + 63) & ~(uintptr_t)63);
  PetscCall(PetscMalloc1((size_t)PetscMax(PL, 1) * (size_t)pp->dp, &pp->Gp));
  *out = pp;
  PetscFunctionReturn(0);
}

size_t CvxPatProdBytes(CvxPatProd pp)
{
  if (!pp) return 0;
  return (size_t)pp->n * (size_t)PetscMax(pp->G, 1) + (size_t)PetscMax(pp->PL, 1) * (size_t)pp->H +
         sizeof(double) *
             ((size_t)pp->n * (size_t)pp->dp + (size_t)PetscMax(pp->gblock, pp->hblock) * 16 * PATPROD_TILE_MAX * 4 + 8 +
              (size_t)PetscMax(pp->PL, 1) * (size_t)pp->dp);
}

PetscErrorCode CvxPatProdDestroy(CvxPatProd *pp)
{
  PetscFunctionBeginUser;
  if (!pp || !*pp) PetscFunctionReturn(0);
  PetscCall(PetscFree((*pp)->nibr));
  PetscCall(PetscFree((*pp)->nibc));
  PetscCall(PetscFree((*pp)->Xr));
  PetscCall(PetscFree((*pp)->Tmem));
  PetscCall(PetscFree((*pp)->Gp));
  PetscCall(PetscFree2((*pp)->toff, (*pp)->tw));
  PetscCall(PetscFree(*pp));
  PetscFunctionReturn(0);
}

/* The 16 subset sums of up to four vectors of w doubles, src(b) for bit b
 * (NULL: no such vector, its entries are never read), into T (16 x w):
 * entry s is the sum of the vectors of the bits of s. */
static inline void PatTable(PetscInt w, const double *const src[4], const double scale[4], double *T)
{
  for (PetscInt l = 0; l < w; l++)
    T[l] = 0;
  for (int b = 0; b < 4; b++) {
    int h = 1 << b;
    for (int s = h; s < 2 * h; s++) {
      double       *o = T + (size_t)s * (size_t)w;
      const double *p = T + (size_t)(s - h) * (size_t)w;
      if (src[b]) {
        const double *c = src[b];
        double        a = scale[b];
        for (PetscInt l = 0; l < w; l++)
          o[l] = p[l] + a * c[l];
      } else
        memcpy(o, p, (size_t)w * sizeof(double));
    }
  }
}

/* acc[0..W) += sum over the ng groups of entry nib[g] of group g's table
 * (tables of 16 x 4 W doubles, one after the other). W is a constant at
 * each call, so the sums stay in registers; narrow tiles keep S partial
 * sums of every vector (groups g mod S), so that the additions do not wait
 * on each other's latency. */
static inline __attribute__((always_inline)) void PatGather(int W, PetscInt ng, const uint8_t *nib, const double *T,
                                                            PatVec *acc)
{
  enum { SMAX = 4 };
  const int S = W >= 4 ? 1 : W >= 2 ? 2 : 4;
  PatVec    a[SMAX][PATPROD_TILE_MAX];
  size_t    stride = (size_t)4 * (size_t)W;
  PetscInt  g      = 0;
#pragma GCC unroll 4
  for (int q = 0; q < S; q++)
#pragma GCC unroll 8
    for (int v = 0; v < W; v++)
      a[q][v] = q == 0 ? acc[v] : (PatVec){0, 0, 0, 0};
  for (; g + S <= ng; g += S) {
#pragma GCC unroll 4
    for (int q = 0; q < S; q++) {
      const PatVec *e = (const PatVec *)(T + ((size_t)(g + q) * 16 + nib[g + q]) * stride);
#pragma GCC unroll 8
      for (int v = 0; v < W; v++)
        a[q][v] += e[v];
    }
  }
  for (; g < ng; g++) {
    const PatVec *e = (const PatVec *)(T + ((size_t)g * 16 + nib[g]) * stride);
#pragma GCC unroll 8
    for (int v = 0; v < W; v++)
      a[0][v] += e[v];
  }
#pragma GCC unroll 8
  for (int v = 0; v < W; v++) {
    PatVec t = a[0][v];
#pragma GCC unroll 4
    for (int q = 1; q < S; q++)
      t += a[q][v];
    acc[v] = t;
  }
}

/* F for one tile (W vectors from vector v0) and the groups [g0, g0 + ng),
 * whose tables are in T: out_k += x_k(tile) . (sum of the entries). */
static inline __attribute__((always_inline)) void PatFTile(CvxPatProd pp, int W, PetscInt v0, PetscInt g0, PetscInt ng,
                                                           double *out)
{
  for (PetscInt k = 0; k < pp->n; k++) {
    PatVec acc[PATPROD_TILE_MAX] = {{0}};
    PatGather(W, ng, pp->nibr + (size_t)k * (size_t)pp->G + (size_t)g0, pp->T, acc);
    const PatVec *xk = (const PatVec *)(pp->Xr + (size_t)k * (size_t)pp->dp + 4 * (size_t)v0);
    PatVec        s  = xk[0] * acc[0];
#pragma GCC unroll 8
    for (int v = 1; v < W; v++)
      s += xk[v] * acc[v];
    out[k] += (s[0] + s[1]) + (s[2] + s[3]);
  }
}

/* F^T for one tile and the sample groups whose tables are in T: the
 * padded sums Gp_i(tile) += the entries of pattern i's bits there. */
static inline __attribute__((always_inline)) void PatFTTile(CvxPatProd pp, int W, PetscInt v0, PetscInt h0, PetscInt nh)
{
  for (PetscInt i = 0; i < pp->PL; i++) {
    PatVec *gi = (PatVec *)(pp->Gp + (size_t)i * (size_t)pp->dp + 4 * (size_t)v0);
    PatGather(W, nh, pp->nibc + (size_t)i * (size_t)pp->H + (size_t)h0, pp->T, gi);
  }
}

/* PatFTile (f) or PatFTTile for a tile of W vectors, W turned into a
 * constant (1 to PATPROD_TILE_MAX) for the kernels. */
static inline __attribute__((always_inline)) void PatTile(CvxPatProd pp, PetscBool f, PetscInt W, PetscInt v0,
                                                          PetscInt b0, PetscInt nb, double *out)
{
#define PAT_TILE_CASE(w)                                                                                               \
  case w:                                                                                                              \
    if (f)                                                                                                             \
      PatFTile(pp, w, v0, b0, nb, out);                                                                                \
    else                                                                                                               \
      PatFTTile(pp, w, v0, b0, nb);                                                                                    \
    break;
  switch (W) {
    PAT_TILE_CASE(8)
    PAT_TILE_CASE(7)
    PAT_TILE_CASE(6)
    PAT_TILE_CASE(5)
    PAT_TILE_CASE(4)
    PAT_TILE_CASE(3)
    PAT_TILE_CASE(2)
  default:
    PAT_TILE_CASE(1)
  }
#undef PAT_TILE_CASE
}

CVX_SIMD_CLONES void CvxPatProdF(CvxPatProd pp, const double *x, double *out)
{
  PetscInt n = pp->n, d = pp->d, PL = pp->PL;
  double   one[4] = {1, 1, 1, 1};

  for (PetscInt k = 0; k < n; k++)
    out[k] = 0;
  for (PetscInt g0 = 0; g0 < pp->G; g0 += pp->gblock) {
    PetscInt ng = PetscMin(pp->gblock, pp->G - g0);
    for (PetscInt t = 0; t < pp->ntile; t++) {
      PetscInt W = pp->tw[t], l0 = 4 * pp->toff[t], w = 4 * W;
      /* tables of the tile: columns 4g..4g+3 of x, entries l0..l0+w, the
       * ones past d read as 0 */
      for (PetscInt g = 0; g < ng; g++) {
        const double *src[4] = {NULL, NULL, NULL, NULL};
        double        buf[4][4 * PATPROD_TILE_MAX];
        for (int b = 0; b < 4; b++) {
          PetscInt i = 4 * (g0 + g) + b;
          if (i >= PL) continue;
          const double *xi = x + (size_t)i * (size_t)d + (size_t)l0;
          if (l0 + w <= d)
            src[b] = xi;
          else {
            for (PetscInt l = 0; l < w; l++)
              buf[b][l] = l0 + l < d ? xi[l] : 0.0;
            src[b] = buf[b];
          }
        }
        PatTable(w, src, one, pp->T + (size_t)g * 16 * (size_t)w);
      }
      PatTile(pp, PETSC_TRUE, W, pp->toff[t], g0, ng, out);
    }
  }
}

CVX_SIMD_CLONES void CvxPatProdFT(CvxPatProd pp, const double *e, double *G)
{
  PetscInt n = pp->n, d = pp->d, PL = pp->PL, dp = pp->dp;

  memset(pp->Gp, 0, (size_t)PL * (size_t)dp * sizeof(double));
  for (PetscInt h0 = 0; h0 < pp->H; h0 += pp->hblock) {
    PetscInt nh = PetscMin(pp->hblock, pp->H - h0);
    for (PetscInt t = 0; t < pp->ntile; t++) {
      PetscInt W = pp->tw[t], l0 = 4 * pp->toff[t], w = 4 * W;
      /* tables of the tile: e_k x_k for the rows 4h..4h+3 (Xr is padded) */
      for (PetscInt h = 0; h < nh; h++) {
        const double *src[4] = {NULL, NULL, NULL, NULL};
        double        sc[4]  = {0, 0, 0, 0};
        for (int b = 0; b < 4; b++) {
          PetscInt k = 4 * (h0 + h) + b;
          if (k >= n) continue;
          src[b] = pp->Xr + (size_t)k * (size_t)dp + (size_t)l0;
          sc[b]  = e[k];
        }
        PatTable(w, src, sc, pp->T + (size_t)h * 16 * (size_t)w);
      }
      PatTile(pp, PETSC_FALSE, W, pp->toff[t], h0, nh, NULL);
    }
  }
  for (PetscInt i = 0; i < PL; i++)
    memcpy(G + (size_t)i * (size_t)d, pp->Gp + (size_t)i * (size_t)dp, (size_t)d * sizeof(double));
}
